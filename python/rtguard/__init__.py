"""rtguard: runtime security for containers.

Behavioral baselines learned from a workload's events, anomaly and drift detection against
them, and continuous matching of SBOMs against OSV advisory feeds. The classes come from the
C++ library through the ``rtguard._rtguard`` extension; see docs/python.md for a guide.

Events come from sources that are iterables of :class:`Event`: :class:`ReplaySource`
(rtguard's own recordings), :class:`TetragonSource` (Tetragon's JSON export) and, as root,
:class:`BpfSource` (live eBPF).
"""

from __future__ import annotations

import atexit as _atexit
import functools as _functools
import logging as _logging
from typing import Callable, Iterable, Optional

from . import _rtguard
from ._rtguard import (
    Alert,
    AnomalyDetector,
    Baseline,
    BaselineOptions,
    BpfSource,
    Component,
    ComponentIssue,
    ConvergenceStatus,
    CvssError,
    CvssScore,
    DetectorStats,
    EcosystemSeverity,
    Error,
    Event,
    EventKind,
    EventSource,
    ExecDetail,
    ExecutableEntry,
    FeedLoadStats,
    FeedProblem,
    FileEntry,
    Finding,
    FindingComponent,
    IntegrityError,
    InventoryEntry,
    IoUringOp,
    KernelError,
    LimitError,
    MatchResult,
    NetFamily,
    NetOp,
    NetProto,
    NetworkDetail,
    NetworkEntry,
    OsRelease,
    ParseError,
    PatternEntry,
    Profile,
    Purl,
    PurlError,
    Recorder,
    ReplaySource,
    Retraction,
    Rule,
    Sbom,
    SbomFormat,
    SbomMatcher,
    SchemaError,
    Severity,
    SourceCounters,
    SyscallEntry,
    TetragonSource,
    UnsupportedError,
    VersionError,
    VersionScheme,
    WatchError,
    Watcher,
    WatchFinding,
    WatchReport,
    compare_versions,
    default_severity,
    falco_priority,
    flush_log,
    live_unavailable_reason,
    parse_severity,
    path_pattern_matches,
    read_inventory,
    scheme_for_ecosystem,
    scheme_for_purl_type,
    score_cvss,
    set_log_handler,
    syscall_name,
    syscall_number,
    valid_version,
)

__version__: str = _rtguard.__version__

logger = _logging.getLogger("rtguard")

_LEVELS = {
    "debug": _logging.DEBUG,
    "info": _logging.INFO,
    "warning": _logging.WARNING,
    "error": _logging.ERROR,
}


def _forward_log(level: str, message: str) -> None:
    logger.log(_LEVELS.get(level, _logging.ERROR), "%s", message)


# The library never prints; its messages go to the "rtguard" logger. The handler is removed
# at exit so that no message reaches Python while the interpreter shuts down.
set_log_handler(_forward_log)
_atexit.register(set_log_handler, None)


def version_key(ecosystem: str) -> Callable[[str], object]:
    """A sort key ordering version strings by ``ecosystem``'s rules.

    ``sorted(versions, key=rtguard.version_key("PyPI"))``; an unparsable version raises
    :class:`VersionError` during the sort.
    """
    return _functools.cmp_to_key(lambda a, b: compare_versions(ecosystem, a, b))


def monitor(
    source: Iterable[Event],
    detector: AnomalyDetector,
    callback: Optional[Callable[[Alert], object]] = None,
) -> int:
    """Checks every event of ``source`` with ``detector`` and calls ``callback(alert)`` for
    each alert, as it is raised, without collecting them; callbacks registered with
    ``detector.on_alert`` are called too. Returns how many alerts were raised.

    A finite source (replay, Tetragon export) ends the call at its end; a live
    :class:`BpfSource` runs until it is stopped or Ctrl-C interrupts the call. Events of an
    rtguard source are checked without becoming Python objects.
    """
    return detector.run(source, callback)


__all__ = [
    "Alert",
    "AnomalyDetector",
    "Baseline",
    "BaselineOptions",
    "BpfSource",
    "Component",
    "ComponentIssue",
    "ConvergenceStatus",
    "CvssError",
    "CvssScore",
    "DetectorStats",
    "EcosystemSeverity",
    "Error",
    "Event",
    "EventKind",
    "EventSource",
    "ExecDetail",
    "ExecutableEntry",
    "FeedLoadStats",
    "FeedProblem",
    "FileEntry",
    "Finding",
    "FindingComponent",
    "IntegrityError",
    "InventoryEntry",
    "IoUringOp",
    "KernelError",
    "LimitError",
    "MatchResult",
    "NetFamily",
    "NetOp",
    "NetProto",
    "NetworkDetail",
    "NetworkEntry",
    "OsRelease",
    "ParseError",
    "PatternEntry",
    "Profile",
    "Purl",
    "PurlError",
    "Recorder",
    "ReplaySource",
    "Retraction",
    "Rule",
    "Sbom",
    "SbomFormat",
    "SbomMatcher",
    "SchemaError",
    "Severity",
    "SourceCounters",
    "SyscallEntry",
    "TetragonSource",
    "UnsupportedError",
    "VersionError",
    "VersionScheme",
    "WatchError",
    "WatchFinding",
    "WatchReport",
    "Watcher",
    "__version__",
    "compare_versions",
    "default_severity",
    "falco_priority",
    "flush_log",
    "live_unavailable_reason",
    "logger",
    "monitor",
    "parse_severity",
    "path_pattern_matches",
    "read_inventory",
    "scheme_for_ecosystem",
    "scheme_for_purl_type",
    "score_cvss",
    "set_log_handler",
    "syscall_name",
    "syscall_number",
    "valid_version",
    "version_key",
]

"""Shared fixtures of the Python binding tests.

The tests import the rtguard package built into <build>/python (scripts/test sets PYTHONPATH,
RTGUARD_BUILD, RTGUARD_SOURCE_ROOT and RTGUARD_SHARED_DATA). Test data from public sources is
read in place from ../shared/data; tests that need it skip with the reason when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import rtguard

SOURCE_ROOT = Path(os.environ.get("RTGUARD_SOURCE_ROOT", Path(__file__).resolve().parents[2]))
SHARED_DATA = Path(os.environ.get("RTGUARD_SHARED_DATA", SOURCE_ROOT.parent / "shared" / "data"))
EXAMPLE_EVENTS = SOURCE_ROOT / "tests" / "data" / "events" / "example.jsonl"

WORKLOAD = "container:5b1e0c2d9a7f"
BASE_NS = 1_736_157_600_000_000_000

# x86_64 syscall numbers used by the synthetic workload.
SYSCALLS = {"read": 0, "write": 1, "openat": 257, "connect": 42, "accept4": 288, "ptrace": 101}


def need_shared(*parts: str) -> Path:
    """The path below ../shared/data, or a skip saying where it was looked for."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test data absent: {path} (set RTGUARD_SHARED_DATA)")
    return path


@pytest.fixture
def shared_data() -> Path:
    return need_shared()


class Clock:
    """Event times one millisecond apart."""

    def __init__(self, start: int = BASE_NS) -> None:
        self.now = start

    def __call__(self) -> int:
        self.now += 1_000_000
        return self.now


def web_server_run(clock: Clock, requests: int = 40, workload: str = WORKLOAD) -> list[rtguard.Event]:
    """One run of a small web server: it starts, reads its configuration, serves requests
    (each writes a temp file under /var/cache/app/), and talks to its database."""
    common = dict(workload=workload, pid=100, ppid=1, uid=33, comm="server", exe="/usr/sbin/server")
    events = [
        rtguard.Event(
            "exec",
            time_ns=clock(),
            **common,
            exec=rtguard.ExecDetail(argv=["/usr/sbin/server", "--port", "8080"], dev=2049, ino=1001),
        ),
        rtguard.Event("open", time_ns=clock(), path="/etc/server.conf", flags=0, **common),
        rtguard.Event("open", time_ns=clock(), path="/usr/lib/libssl.so.3", flags=0, **common),
    ]
    for name in ("read", "write", "openat", "connect", "accept4"):
        events.append(
            rtguard.Event("syscall", time_ns=clock(), syscall_nr=SYSCALLS[name], syscall_name=name, **common)
        )
    events.append(
        rtguard.Event(
            "network",
            time_ns=clock(),
            net={"op": "listen", "family": "inet", "protocol": "tcp", "address": "0.0.0.0", "port": 8080},
            **common,
        )
    )
    for i in range(requests):
        events.append(
            rtguard.Event("open", time_ns=clock(), path=f"/var/cache/app/req-{i:04d}", flags=0o101, **common)
        )
        events.append(
            rtguard.Event(
                "network",
                time_ns=clock(),
                net={"op": "connect", "family": "inet", "protocol": "tcp", "address": "10.0.0.5", "port": 5432},
                **common,
            )
        )
    return events


def attack_events(clock: Clock, workload: str = WORKLOAD) -> list[rtguard.Event]:
    """What an intruder in the same workload does: drops a binary in the writable layer and
    runs it, reads the shadow file, calls home and uses a syscall the server never made."""
    common = dict(workload=workload, pid=200, ppid=100, uid=0)
    return [
        rtguard.Event(
            "exec",
            time_ns=clock(),
            comm="x",
            exe="/tmp/x",
            exec={"argv": ["/tmp/x"], "dev": 64, "ino": 7, "upper_layer": True, "writable_dir": True},
            **common,
        ),
        rtguard.Event("open", time_ns=clock(), comm="x", exe="/tmp/x", path="/etc/shadow", flags=0, **common),
        rtguard.Event(
            "network",
            time_ns=clock(),
            comm="x",
            exe="/tmp/x",
            net={"op": "connect", "family": "inet", "protocol": "tcp", "address": "203.0.113.9", "port": 4444},
            **common,
        ),
        rtguard.Event(
            "syscall", time_ns=clock(), comm="x", exe="/tmp/x", syscall_nr=SYSCALLS["ptrace"], syscall_name="ptrace", **common
        ),
    ]


def record(path: Path, events) -> Path:
    with rtguard.Recorder(path) as recorder:
        recorder.write_all(events)
    return path


@pytest.fixture
def training_file(tmp_path: Path) -> Path:
    return record(tmp_path / "training.jsonl", web_server_run(Clock()))


@pytest.fixture
def attack_file(tmp_path: Path) -> Path:
    clock = Clock(BASE_NS + 10_000_000_000)
    return record(tmp_path / "attack.jsonl", web_server_run(clock, requests=5) + attack_events(clock))


def write_cyclonedx(path: Path, purls: list[str], name: str = "app") -> Path:
    """A minimal CycloneDX 1.4 SBOM listing one component per package URL."""
    import json

    components = []
    for i, purl in enumerate(purls):
        parsed = rtguard.Purl(purl)
        components.append(
            {
                "type": "library",
                "bom-ref": f"ref-{i}",
                "name": parsed.name,
                "version": parsed.version,
                "purl": purl,
            }
        )
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": name}},
        "components": components,
    }
    path.write_text(json.dumps(document, indent=2))
    return path


# PyPI packages at versions that OSV's Python advisories rate critical (CVSS 9.8), the version
# that fixes each, and one package at a fixed version.
CRITICAL_PYPI = {
    "pkg:pypi/sap-xssec@4.0.0": "4.1.0",
    "pkg:pypi/apache-iotdb@1.2.0": "1.3.0",
    "pkg:pypi/portage@3.0.46": "3.0.47",
}
SAFE_PYPI = "pkg:pypi/portage@3.0.47"

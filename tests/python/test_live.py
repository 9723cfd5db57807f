"""The live eBPF source through Python: needs root and a kernel with BTF."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

import rtguard


def live_skip_reason() -> str:
    if os.environ.get("RTGUARD_NO_LIVE"):
        return "RTGUARD_NO_LIVE is set"
    return rtguard.live_unavailable_reason()


pytestmark = pytest.mark.skipif(bool(live_skip_reason()), reason=live_skip_reason() or "-")


@pytest.fixture(scope="module")
def source():
    with rtguard.BpfSource(poll_timeout_ms=50) as s:
        yield s


def test_a_spawned_command_is_learned_natively_from_the_live_source(tmp_path: Path):
    marker = tmp_path / "marker.txt"
    marker.write_text("x")
    with rtguard.BpfSource(poll_timeout_ms=50) as live:
        assert live.hook_set in ("tp_btf", "raw_tp")
        pid = live.spawn(["/bin/cat", str(marker)], key="tree:py-live")
        assert live.workload_of_pid(pid) == "tree:py-live"
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        live.stop()

        baseline = rtguard.Baseline()
        assert baseline.learn(live) > 0
        assert live.at_end

    profile = baseline.find("tree:py-live")
    assert profile is not None
    assert profile.find_executable(os.path.realpath("/bin/cat")) is not None
    assert "r" in profile.file_access(str(marker))
    assert profile.syscalls, "first uses of syscalls are reported"
    assert live.kernel_errors.get("tree_map_full", 0) == 0


def test_waiting_for_live_events_releases_the_gil_and_stop_ends_the_iteration(source):
    ticks = 0
    done = threading.Event()

    def busy():
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    def stop_later():
        time.sleep(0.5)
        source.stop()

    workers = [threading.Thread(target=busy), threading.Thread(target=stop_later)]
    for w in workers:
        w.start()
    started = time.monotonic()
    events = list(source)  # nothing is watched: blocks in polls until stop()
    elapsed = time.monotonic() - started
    done.set()
    for w in workers:
        w.join()

    assert events == []
    assert 0.4 < elapsed < 10
    assert ticks > 50, "the other thread ran while this one waited for events"


def test_a_missing_cgroup_is_rejected(tmp_path: Path):
    with rtguard.BpfSource() as live:
        with pytest.raises((rtguard.Error, OSError)):
            live.watch_cgroup(tmp_path / "not-a-cgroup")
        with pytest.raises(rtguard.Error):
            live.watch_pid(2**22 + 12345)

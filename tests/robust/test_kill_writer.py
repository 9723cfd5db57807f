"""Crash safety of rtguard's writers: a writer killed at any moment (SIGKILL, so no handler
runs) leaves the previous version of its file intact under the final name, never a partial one.

Writers covered: `rtguard learn -o B` (a baseline, also read-modify-write with --merge B), the
Recorder (through the Python binding when it is built), and `rtguard record` (live, as root).
Each test first times one uninterrupted run, then kills runs at random moments spread over
that time, so kills land while reading events, while learning and while writing.
"""
from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SOURCE_ROOT = Path(os.environ.get("RTGUARD_SOURCE_ROOT", Path(__file__).resolve().parents[2]))
BUILD = Path(os.environ.get("RTGUARD_BUILD", SOURCE_ROOT / "build"))
RTGUARD = Path(os.environ.get("RTGUARD_BIN", BUILD / "examples" / "rtguard" / "rtguard"))
SEED = int(os.environ.get("RTGUARD_KILL_SEED", "20250106"))
BASE_NS = 1_736_157_600_000_000_000


@pytest.fixture(scope="module")
def rtguard() -> Path:
    if not RTGUARD.exists():
        pytest.skip(f"{RTGUARD} is not built")
    return RTGUARD


def event(kind: str, t: int, workload: str, **members) -> str:
    e = {"kind": kind, "time_ns": BASE_NS + t, "workload": workload, "pid": 100 + t % 7,
         "ppid": 1, "uid": 0, "comm": "app", "exe": "/usr/bin/app"}
    e.update(members)
    return json.dumps(e, separators=(",", ":"))


def write_events(path: Path, workloads: int, executables: int, dirs: int) -> Path:
    """A replay file whose baseline is large: distinct executables with arguments, and many
    directories with few children each (so that nothing is generalized away)."""
    lines = ['{"format":"rtguard-events","schema":1}']
    t = 0
    for w in range(workloads):
        workload = f"container:{w:012x}"
        for i in range(executables):
            t += 1
            lines.append(event("exec", t, workload, exe=f"/opt/tool{i}/bin/run",
                               argv=[f"run{i}", "--flag", str(i)], dev=2049, ino=10_000 + i))
        for d in range(dirs):
            for f in range(6):
                t += 1
                lines.append(event("open", t, workload, path=f"/srv/data/d{d:05d}/f{f}.dat",
                                   flags=0))
        t += 1
        lines.append(event("syscall", t, workload, nr=0, name="read"))
    path.write_text("\n".join(lines) + "\n")
    return path


def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300, **kw)


def timed_run(cmd, **kw) -> float:
    start = time.monotonic()
    r = run(cmd, **kw)
    assert r.returncode == 0, f"{cmd}: {r.stderr}"
    return time.monotonic() - start


def start_and_kill(cmd, after: float, env=None) -> int:
    """Starts `cmd` in its own process group and SIGKILLs the whole group after `after`
    seconds; returns the exit status (negative: killed)."""
    p = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    try:
        p.wait(timeout=after)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
    return p.wait()


def leftover_temporaries(directory: Path, name: str) -> list[Path]:
    return [p for p in directory.iterdir() if p.name.startswith(name + ".tmp.")]


def check_baseline(rtguard: Path, path: Path, versions: dict[bytes, str]) -> str:
    """The file under the final name is one of the complete versions, and `show` reads it."""
    assert path.exists(), f"{path} vanished"
    content = path.read_bytes()
    assert content in versions, (
        f"{path} holds {len(content)} bytes that are none of the complete versions "
        f"({', '.join(str(len(v)) for v in versions)} bytes): a partial write")
    r = run([rtguard, "show", path])
    assert r.returncode == 0, f"rtguard show failed after a kill: {r.stderr}"
    return versions[content]


def test_a_killed_learn_leaves_the_previous_baseline_readable(rtguard, tmp_path):
    small = write_events(tmp_path / "small.jsonl", workloads=1, executables=3, dirs=2)
    big = write_events(tmp_path / "big.jsonl", workloads=3, executables=1500, dirs=1500)
    out = tmp_path / "B.json"

    # The two complete versions: the previous baseline, and what an uninterrupted run writes.
    timed_run([rtguard, "learn", small, "-o", out])
    previous = out.read_bytes()
    reference = tmp_path / "reference.json"
    duration = timed_run([rtguard, "learn", big, "-o", reference])
    complete = reference.read_bytes()
    assert len(complete) > 1_000_000, "the baseline should be large enough to take a while"
    versions = {previous: "previous", complete: "new"}

    rng = random.Random(SEED)
    outcomes = {"previous": 0, "new": 0}
    for _ in range(20):
        out.write_bytes(previous)
        start_and_kill([rtguard, "learn", big, "-o", out], rng.uniform(0, duration * 1.1))
        outcomes[check_baseline(rtguard, out, versions)] += 1
    print(f"kill-writer learn: {outcomes} over a {duration:.2f}s run, "
          f"{len(leftover_temporaries(tmp_path, out.name))} temporaries left by kills")
    assert outcomes["previous"] > 0, "no kill landed before the rename; the test proves nothing"


def test_a_killed_merge_into_the_same_file_loses_nothing(rtguard, tmp_path):
    first = write_events(tmp_path / "first.jsonl", workloads=2, executables=800, dirs=800)
    more = write_events(tmp_path / "more.jsonl", workloads=3, executables=900, dirs=900)
    out = tmp_path / "B.json"

    timed_run([rtguard, "learn", first, "-o", out])
    previous = out.read_bytes()
    reference = tmp_path / "reference.json"
    reference.write_bytes(previous)
    duration = timed_run([rtguard, "learn", more, "-o", reference, "--merge", reference])
    versions = {previous: "previous", reference.read_bytes(): "merged"}

    rng = random.Random(SEED + 1)
    outcomes = {"previous": 0, "merged": 0}
    for _ in range(12):
        out.write_bytes(previous)
        start_and_kill([rtguard, "learn", more, "-o", out, "--merge", out],
                       rng.uniform(0, duration * 1.1))
        outcomes[check_baseline(rtguard, out, versions)] += 1
    print(f"kill-writer merge: {outcomes} over a {duration:.2f}s run")
    assert outcomes["previous"] > 0


def events_read(rtguard: Path, path: Path) -> int:
    """Reads a recording strictly (any damaged line fails) and returns its event count."""
    r = run([rtguard, "learn", path, "--format", "replay", "--strict", "-o", os.devnull])
    assert r.returncode == 0, f"{path} does not read back: {r.stderr}"
    m = re.search(r"(\d+) events read", r.stderr)
    assert m, r.stderr
    return int(m.group(1))


RECORDER_CHILD = """
import sys
import rtguard
path, count = sys.argv[1], int(sys.argv[2])
common = dict(workload="container:abc", pid=7, ppid=1, uid=0, comm="app", exe="/usr/bin/app")
with rtguard.Recorder(path) as recorder:
    for i in range(count):
        recorder.write(rtguard.Event("open", time_ns=1_736_157_600_000_000_000 + i,
                                     path=f"/srv/data/file-{i:07d}", flags=0, **common))
"""


def test_a_killed_recorder_leaves_no_partial_recording(rtguard, tmp_path):
    env = dict(os.environ)
    probe = run([sys.executable, "-c", "import rtguard; rtguard.Recorder"], env=env)
    if probe.returncode != 0:
        pytest.skip(f"the Python binding is not importable here: {probe.stderr.strip()[-200:]}")
    child = tmp_path / "child.py"
    child.write_text(RECORDER_CHILD)
    out = tmp_path / "E.jsonl"
    count = 200_000

    # No file at all before the first complete recording, then the previous one.
    rng = random.Random(SEED + 2)
    duration = timed_run([sys.executable, child, tmp_path / "reference.jsonl", count], env=env)
    start_and_kill([sys.executable, child, out, count], rng.uniform(0, duration * 0.5), env=env)
    if out.exists():
        assert events_read(rtguard, out) == count
    out.unlink(missing_ok=True)

    timed_run([sys.executable, child, out, 10], env=env)
    outcomes = {10: 0, count: 0}
    for _ in range(12):
        start_and_kill([sys.executable, child, out, count], rng.uniform(0, duration * 1.1),
                       env=env)
        n = events_read(rtguard, out)
        assert n in outcomes, f"a recording of {n} events: neither the previous nor the new one"
        outcomes[n] += 1
        if n == count:
            timed_run([sys.executable, child, out, 10], env=env)
    print(f"kill-writer recorder: {outcomes} over a {duration:.2f}s run")
    assert outcomes[10] > 0


def test_a_killed_live_record_leaves_the_previous_recording(rtguard, tmp_path):
    if os.environ.get("RTGUARD_NO_LIVE"):
        pytest.skip("live suites disabled (RTGUARD_NO_LIVE)")
    if os.geteuid() != 0:
        pytest.skip("rtguard record needs root")
    out = tmp_path / "E.jsonl"
    busy = ["--", "sh", "-c", "i=0; while [ $i -lt 300 ]; do cat /etc/hostname >/dev/null; "
                              "i=$((i+1)); done"]
    r = run([rtguard, "record", "-o", out, "--all", *busy])
    if r.returncode != 0:
        pytest.skip(f"rtguard record cannot run here: {r.stderr.strip()[-300:]}")
    previous = out.read_bytes()
    previous_events = events_read(rtguard, out)

    rng = random.Random(SEED + 3)
    for _ in range(6):
        start_and_kill([rtguard, "record", "-o", out, "--all", *busy], rng.uniform(0.05, 1.5))
        assert out.exists()
        if out.read_bytes() != previous:
            previous = out.read_bytes()  # the run finished before the kill: a new complete file
            previous_events = events_read(rtguard, out)
        else:
            assert events_read(rtguard, out) == previous_events

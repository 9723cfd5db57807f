"""The rtguard program on input that reads as nothing: it must say so and fail, never report
a clean result of what it could not read, and never overwrite what was already recorded."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("RTGUARD_SOURCE_ROOT", Path(__file__).resolve().parents[2]))
BUILD = Path(os.environ.get("RTGUARD_BUILD", ROOT / "build"))
RTGUARD = BUILD / "examples" / "rtguard" / "rtguard"
DEMO = ROOT / "tests" / "data" / "demo"


def rtguard(*args, **kw):
    if not RTGUARD.exists():
        pytest.skip(f"{RTGUARD} was not built")
    return subprocess.run([str(RTGUARD), *map(str, args)], capture_output=True, text=True,
                          timeout=120, **kw)


@pytest.fixture
def baseline(tmp_path):
    path = tmp_path / "baseline.json"
    r = rtguard("learn", DEMO / "normal.events.jsonl", "-o", path)
    assert r.returncode == 0, r.stderr
    return path


@pytest.mark.parametrize("first_line", ['{"kind":"exec","pid":1}', "not json", "",
                                        '{"format":"rtguard-baseline","schema":1}'])
def test_an_events_file_that_is_neither_format_is_refused_at_line_1(tmp_path, baseline,
                                                                     first_line):
    events = tmp_path / "events.jsonl"
    events.write_text(first_line + "\n" + '{"kind":"exec"}\n' * 5)
    before = baseline.read_bytes()
    for args in (["learn", events, "-o", baseline], ["detect", "--baseline", baseline, events]):
        r = rtguard(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert f"{events}:line 1:" in r.stderr
        assert "neither an rtguard events file" in r.stderr
    assert baseline.read_bytes() == before


def test_learning_nothing_leaves_an_existing_baseline_alone(tmp_path, baseline):
    events = tmp_path / "header-only.jsonl"
    events.write_text('{"format":"rtguard-events","schema":1}\n')
    before = baseline.read_bytes()
    r = rtguard("learn", events, "-o", baseline)
    assert r.returncode == 2, r.stderr
    assert "no workload events in the input" in r.stderr
    assert f"{baseline} was not written" in r.stderr
    assert baseline.read_bytes() == before


def test_detect_fails_when_no_record_could_be_read(tmp_path, baseline):
    events = tmp_path / "broken.jsonl"
    events.write_text('{"format":"rtguard-events","schema":1}\n' + "{broken\n" * 3)
    r = rtguard("detect", "--baseline", baseline, events)
    assert r.returncode == 2, r.stderr
    assert "none of the 3 records could be read; nothing was checked" in r.stderr
    assert r.stdout == ""


def test_skipped_lines_are_shown_from_the_first_one(tmp_path):
    events = tmp_path / "mostly-broken.jsonl"
    lines = (DEMO / "normal.events.jsonl").read_text().splitlines()
    events.write_text("\n".join(lines[:3] + ["{broken"] * 300) + "\n")
    r = rtguard("learn", events, "-o", tmp_path / "b.json")
    assert r.returncode == 0, r.stderr
    shown = [line for line in r.stderr.splitlines() if line.startswith("rtguard: skipped:")]
    assert shown and f"{events}:line 4:" in shown[0]
    assert "300 records skipped in all" in r.stderr


def sbom_with_lodash(path):
    path.write_text(json.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "components": [{"type": "library", "name": "lodash", "version": "4.17.15",
                        "purl": "pkg:npm/lodash@4.17.15"}]}))
    return path


def test_a_feed_without_records_is_an_error_not_a_clean_match(tmp_path):
    sbom = sbom_with_lodash(tmp_path / "sbom.json")
    empty = tmp_path / "feed"
    empty.mkdir()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "X.json").write_text('{"id": "X", "affected": [')
    for feed in (empty, broken):
        r = rtguard("match", sbom, "--feed", feed)
        assert r.returncode == 2, r.stderr
        assert f"{feed}: no OSV record could be read" in r.stderr
        assert "findings" not in r.stdout


def test_a_watch_against_an_empty_feed_keeps_what_it_reported(tmp_path):
    sbom = sbom_with_lodash(tmp_path / "sbom.json")
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "GHSA-test.json").write_text(json.dumps({
        "id": "GHSA-test", "modified": "2024-01-01T00:00:00Z",
        "published": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
                      "ranges": [{"type": "SEMVER",
                                  "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}))
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps([
        {"image": "demo", "sbom": str(sbom), "deployed_at": "2024-01-01T00:00:00Z"}]))
    state = tmp_path / "state.json"
    r = rtguard("watch", "--inventory", inventory, "--feed", feed, "--state", state)
    assert r.returncode in (0, 1), r.stderr
    saved = state.read_bytes()
    assert b"GHSA-test" in saved

    empty = tmp_path / "empty"
    empty.mkdir()
    r = rtguard("watch", "--inventory", inventory, "--feed", empty, "--state", state)
    assert r.returncode == 2, r.stderr
    assert "no OSV record could be read" in r.stderr
    assert state.read_bytes() == saved


def test_profile_refuses_an_output_it_cannot_write_before_the_workload_runs(tmp_path):
    ran = tmp_path / "ran"
    out = tmp_path / "missing" / "b.json"
    r = rtguard("profile", "-o", out, "--", "/bin/sh", "-c", f"touch {ran}")
    assert r.returncode == 2, r.stderr
    assert str(out) in r.stderr and "cannot create temporary file" in r.stderr
    assert not ran.exists()


def test_monitor_writes_alerts_to_their_own_file_apart_from_the_command_output(tmp_path):
    if os.geteuid() != 0 or os.environ.get("RTGUARD_NO_LIVE"):
        pytest.skip("needs root and the live eBPF source")
    if not Path("/sys/kernel/btf/vmlinux").exists():
        pytest.skip("the kernel has no BTF")
    baseline = tmp_path / "b.json"
    r = rtguard("profile", "-o", baseline, "--", "/bin/sh", "-c", "echo hello")
    assert r.returncode == 0, r.stderr
    alerts = tmp_path / "alerts.jsonl"
    r = rtguard("monitor", "--baseline", baseline, "--output", alerts, "--",
                "/bin/sh", "-c", "echo hello; cat /etc/hostname >/dev/null; id >/dev/null")
    assert r.returncode == 1, r.stderr
    assert r.stdout == "hello\n"
    rules = [json.loads(line)["rule"] for line in alerts.read_text().splitlines()]
    assert "unexpected_executable" in rules

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
    assert str(out) in r.stderr and "cannot create a temporary file for" in r.stderr
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


def live_or_skip():
    if os.geteuid() != 0 or os.environ.get("RTGUARD_NO_LIVE"):
        pytest.skip("needs root and the live eBPF source")
    if not Path("/sys/kernel/btf/vmlinux").exists():
        pytest.skip("the kernel has no BTF")


@pytest.mark.parametrize("text", ["inf", "nan", "0x10", "1e3s", " 2s", "2s ", "-1", "+5s",
                                  "99999999999999h", "3651d", "s", ".", "5w", "1..2s"])
def test_a_duration_that_is_not_one_is_refused(baseline, text):
    r = rtguard("detect", "--baseline", baseline, "--rate-limit", text,
                DEMO / "normal.events.jsonl")
    assert r.returncode == 2, (text, r.stdout, r.stderr)
    assert "duration" in r.stderr and text in r.stderr


@pytest.mark.parametrize("text", ["0", "90", "500ms", "1.5m", "2h", "1d", "3650d",
                                  "0000000000000001s"])
def test_a_duration_in_any_unit_is_taken(baseline, text):
    r = rtguard("detect", "--baseline", baseline, "--rate-limit", text,
                DEMO / "normal.events.jsonl")
    assert r.returncode == 0, (text, r.stderr)


def test_a_rate_limit_of_ten_years_suppresses_every_repeat(tmp_path, baseline):
    counts = {}
    for limit in ("0", "3650d"):
        r = rtguard("detect", "--baseline", baseline, "--rate-limit", limit,
                    DEMO / "attack.events.jsonl")
        assert r.returncode == 1, r.stderr
        counts[limit] = len(r.stdout.splitlines())
    assert counts["3650d"] < counts["0"]


def test_an_output_through_a_link_replaces_the_file_it_names(tmp_path):
    (tmp_path / "real.json").write_text("old")
    os.chmod(tmp_path / "real.json", 0o600)
    (tmp_path / "link.json").symlink_to("real.json")
    (tmp_path / "dangling.json").symlink_to("new.json")
    for out in ("link.json", "dangling.json"):
        r = rtguard("learn", DEMO / "normal.events.jsonl", "-o", tmp_path / out)
        assert r.returncode == 0, r.stderr
        assert (tmp_path / out).is_symlink()
    assert json.loads((tmp_path / "real.json").read_text())["format"] == "rtguard-baseline"
    assert json.loads((tmp_path / "new.json").read_text())["format"] == "rtguard-baseline"
    assert (tmp_path / "real.json").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dangling.json", "link.json", "new.json", "real.json"]


def test_an_output_that_is_a_pipe_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    r = rtguard("learn", DEMO / "normal.events.jsonl", "-o", fifo)
    out, _ = reader.communicate(timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(out)["format"] == "rtguard-baseline"
    assert fifo.is_fifo()
    r = rtguard("learn", DEMO / "normal.events.jsonl", "-o", tmp_path)
    assert r.returncode == 2 and f"{tmp_path}: cannot write: Is a directory" in r.stderr


def test_learn_names_what_it_was_given_instead_of_events(tmp_path, baseline):
    r = rtguard("learn", tmp_path, "-o", tmp_path / "b.json")
    assert r.returncode == 2 and "Is a directory" in r.stderr, r.stderr
    r = rtguard("learn", baseline, "-o", tmp_path / "b.json")
    assert r.returncode == 2, r.stderr
    assert f"{baseline}:line 2: this is an rtguard-baseline file, not events" in r.stderr


def events_with_open_of(path, name):
    lines = (DEMO / "normal.events.jsonl").read_text().splitlines()
    event = json.loads(next(line for line in lines if '"kind":"open"' in line))
    event["path"] = name
    path.write_text("\n".join(lines + [json.dumps(event)]) + "\n")
    return path


def test_show_prints_hostile_file_names_escaped_on_one_line(tmp_path):
    forged = "/tmp/x\x1b[31mRED\n          1x r   /etc/forged\x9b\u202e"
    events = events_with_open_of(tmp_path / "e.jsonl", forged)
    b = tmp_path / "b.json"
    r = rtguard("learn", events, "-o", b)
    assert r.returncode == 0, r.stderr
    r = rtguard("show", b, "--all")
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\x9b" not in r.stdout and "\u202e" not in r.stdout
    assert not any(line.strip().endswith("/etc/forged") for line in r.stdout.splitlines())
    assert "/tmp/x\\x1b[31mRED\\n          1x r   /etc/forged\\xc2\\x9b\\xe2\\x80\\xae" in r.stdout


def test_show_of_a_workload_the_baseline_lacks_is_an_error(baseline):
    r = rtguard("show", baseline, "--workload", "nope")
    assert r.returncode == 2
    assert "no profile matches (the baseline has: command:workload.sh)" in r.stderr
    assert rtguard("show", baseline, "--limit", "-1").returncode == 2


def test_show_refuses_a_device_instead_of_reading_it_forever():
    r = rtguard("show", "/dev/zero")
    assert r.returncode == 2 and "/dev/zero: cannot read: not a regular file" in r.stderr


def test_a_broken_baseline_is_reported_at_the_line_of_the_fault(tmp_path, baseline):
    lines = baseline.read_bytes().split(b"\n")
    cases = {}
    nul = list(lines)
    nul[4] = nul[4].replace(b'"', b'"\x00', 1)
    cases["nul.json"] = (nul, "line 5, $: malformed JSON")
    number = list(lines)
    at = next(i for i, line in enumerate(lines) if b'"count": ' in line and i > 20)
    number[at] = number[at].replace(b'"count": ', b'"count": 1e999999', 1)
    cases["number.json"] = (number, f"line {at + 1}, $: malformed JSON")
    big = list(lines)
    at_big = next(i for i, line in enumerate(lines) if b'"first_ns": ' in line)
    big[at_big] = big[at_big].replace(b'"first_ns": ', b'"first_ns": 99999999999999999999999')
    cases["big.json"] = (big, f"line {at_big + 1}, $: malformed JSON")
    utf = list(lines)
    at_utf = next(i for i, line in enumerate(lines) if b'"path": "' in line)
    utf[at_utf] = utf[at_utf].replace(b'"path": "', b'"path": "\xff', 1)
    cases["utf.json"] = (utf, f"line {at_utf + 1}, $: the file is not valid UTF-8")
    schema = [line.replace(b'"schema": 1', b'"schema": "1"') for line in lines]
    cases["schema.json"] = (schema, "$.schema: expected a whole number")
    for name, (content, expected) in cases.items():
        (tmp_path / name).write_bytes(b"\n".join(content))
        r = rtguard("show", tmp_path / name)
        assert r.returncode == 2 and expected in r.stderr, (name, r.stderr)
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + baseline.read_bytes())
    r = rtguard("show", tmp_path / "bom.json")
    assert r.returncode == 2 and "byte-order mark" in r.stderr


def test_a_feed_that_gives_no_record_says_why(tmp_path):
    sbom = sbom_with_lodash(tmp_path / "sbom.json")
    feed = tmp_path / "bad.json"
    feed.write_text(json.dumps({
        "id": "GHSA-bad", "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
                      "ranges": [{"type": "SEMVER",
                                  "events": [{"introduced": "0"}, {"fixed": "not a version"}]}]}]}))
    r = rtguard("match", sbom, "--feed", feed)
    assert r.returncode == 2, r.stderr
    assert "no OSV record could be read" in r.stderr
    assert "$.affected[0].ranges[0].events[1].fixed" in r.stderr


def test_record_to_standard_output_keeps_the_command_output_apart(tmp_path):
    live_or_skip()
    r = rtguard("record", "-o", "-", "--", "/bin/sh", "-c", "echo HELLO; cat /etc/hostname")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert json.loads(lines[0])["format"] == "rtguard-events"
    assert all(json.loads(line) for line in lines)
    assert "HELLO" in r.stderr
    events = tmp_path / "e.jsonl"
    events.write_text(r.stdout)
    assert rtguard("learn", events, "-o", tmp_path / "b.json").returncode == 0


def test_an_output_on_standard_output_writes_to_it_not_over_its_file(tmp_path):
    appended = tmp_path / "appended.txt"
    appended.write_text("header\n")
    if not RTGUARD.exists():
        pytest.skip(f"{RTGUARD} was not built")
    with open(appended, "a") as out:
        r = subprocess.run([str(RTGUARD), "learn", str(DEMO / "normal.events.jsonl"), "-o",
                            "/dev/stdout"], stdout=out, stderr=subprocess.PIPE, text=True,
                           timeout=120)
    assert r.returncode == 0, r.stderr
    text = appended.read_text()
    assert text.startswith("header\n{")
    assert json.loads(text[len("header\n"):])["format"] == "rtguard-baseline"


def test_an_output_that_cannot_be_a_file_is_refused(tmp_path):
    import socket
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    r = rtguard("learn", DEMO / "normal.events.jsonl", "-o", tmp_path / "sock")
    assert r.returncode == 2 and "cannot write: it is a socket" in r.stderr
    r = rtguard("learn", DEMO / "normal.events.jsonl", "-o", "")
    assert r.returncode == 2 and "the output path is empty" in r.stderr
    sock.close()


def test_a_replaced_output_keeps_its_owner(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to give the file another owner")
    out = tmp_path / "owned.json"
    out.write_text("old")
    os.chown(out, 1234, 2345)
    os.chmod(out, 0o640)
    r = rtguard("learn", DEMO / "normal.events.jsonl", "-o", out)
    assert r.returncode == 0, r.stderr
    st = out.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (1234, 2345, 0o640)


FD_PROBE = ("import os\n"
            "open_fds = []\n"
            "for fd in range(3, 1024):\n"
            "    try:\n"
            "        os.fstat(fd)\n"
            "        open_fds.append(fd)\n"
            "    except OSError:\n"
            "        pass\n"
            "print('inherited', open_fds, flush=True)\n")


def test_a_started_command_inherits_no_descriptor_of_rtguard(tmp_path):
    live_or_skip()
    import sys
    probe = [sys.executable, "-c", FD_PROBE]
    b = tmp_path / "b.json"
    runs = {
        "record": ["record", "-o", tmp_path / "e.jsonl", "--", *probe],
        "record to stdout": ["record", "-o", "-", "--", *probe],
        "profile": ["profile", "-o", b, "--", *probe],
        "profile to stdout": ["profile", "-o", "/dev/stdout", "--", *probe],
    }
    for name, args in runs.items():
        r = rtguard(*args)
        assert r.returncode == 0, (name, r.stderr)
        assert "inherited []" in r.stdout + r.stderr, (name, r.stdout, r.stderr)
    r = rtguard("monitor", "--baseline", b, "--output", tmp_path / "alerts.jsonl", "--", *probe)
    assert r.returncode in (0, 1), r.stderr
    assert "inherited []" in r.stdout, r.stdout

"""The attack and evasion scenarios as pytest tests (see harness.py and docs/scenarios.md).

Each workload is profiled, monitored under fresh normal traffic and attacked once per test
session (the first test of a workload runs it all; later tests read the results). Tests skip
with the reason when not root, when eBPF or cgroup v2 is unavailable, or when the workload's
server package is not installed.
"""
from __future__ import annotations

import functools
import json
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

WORKLOADS = list(harness.WORKLOADS)


@functools.cache
def scenario(workload: str) -> harness.WorkloadResult | Exception:
    """Runs the workload's scenario once; a failure to run it is kept for every test of it."""
    rtguard = harness.rtguard_binary()
    reason = harness.live_unavailable_reason(rtguard)
    if reason:
        return harness.WorkloadResult(workload, "", skipped=reason)
    scratch = Path(tempfile.mkdtemp(prefix="rtguard-scen-", dir="/var/lib"))
    scratch.chmod(0o755)
    try:
        return harness.run_workload(workload, rtguard, scratch, harness.ATTACK_ORDER,
                                    normal_runs=2, log=lambda line: print(line, flush=True))
    except Exception as e:  # reported by each test of the workload
        return e
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def result_of(workload: str) -> harness.WorkloadResult:
    r = scenario(workload)
    if isinstance(r, Exception):
        pytest.fail(f"the {workload} scenario could not run: {r!r}")
    if r.skipped:
        pytest.skip(r.skipped)
    return r


@pytest.mark.parametrize("workload", WORKLOADS)
def test_fresh_normal_traffic_raises_no_alert(workload):
    r = result_of(workload)
    assert len(r.normal_runs) == 2
    for n, run in enumerate(r.normal_runs):
        assert run.alerts == [], f"normal run {n + 1} raised: " + "; ".join(
            f"{a.rule} {a.subject} ({a.output})" for a in run.alerts)


@pytest.mark.parametrize("attack", harness.ATTACK_ORDER)
@pytest.mark.parametrize("workload", WORKLOADS)
def test_attack_inside_the_workload_raises_its_rule(workload, attack):
    r = result_of(workload)
    (a,) = [a for a in r.attacks if a.attack == attack]
    assert not a.error, f"the attack did not run as meant: {a.note}"
    raised = "; ".join(f"{x.rule} {x.subject}" for x in a.alerts) or "no alert"
    assert a.detected, (f"expected {' or '.join(map(str, a.expected))}; raised: {raised}")


def alert_line(rule: str, subject: str) -> str:
    return json.dumps({"rule": rule, "output": "x", "output_fields": {"proc.pid": 7},
                       "rtguard": {"subject": subject}})


def test_an_attack_counts_only_when_its_rule_fires_on_its_own_artifact():
    ctx = {"drop_dir": "/tmp/d", "replace_target": "/srv/bin/x", "allowed": "/srv/bin/x",
           "attacker_shell_port": 4444, "token_path": harness.SA_TOKEN,
           "bin_write_path": "/usr/local/bin/y", "etc_write_path": "/etc/y.conf"}
    expect = harness.expectations(ctx)

    # The rule on another subject (the harness's own interpreter) is not a detection.
    other = harness.Alert.parse_lines(alert_line("unexpected_executable", "/usr/bin/python3"))
    assert not any(e.matches(a) for e in expect["download_exec"] for a in other)
    dropped = harness.Alert.parse_lines(alert_line("unexpected_executable", "/tmp/d/update-agent"))
    assert any(e.matches(a) for e in expect["download_exec"] for a in dropped)

    # A replaced binary is recognized by its path followed by the new identity only.
    changed = harness.Alert.parse_lines(alert_line("executable_changed", "/srv/bin/x 8:17"))
    prefix = harness.Alert.parse_lines(alert_line("executable_changed", "/srv/bin/xy 8:17"))
    assert expect["replaced_in_place"][0].matches(changed[0])
    assert not expect["replaced_in_place"][0].matches(prefix[0])

    # The flood counts when the read after it is seen, or when the monitor reports losses.
    lost = harness.Alert.parse_lines(alert_line("monitoring_degraded", "open"))
    assert any(e.matches(lost[0]) for e in expect["flood"])
    assert not any(e.matches(lost[0]) for e in expect["read_shadow"])


def test_the_table_marks_a_missed_attack_and_false_positives():
    missed = harness.AttackResult("app", "read_shadow",
                                  [harness.Expect("sensitive_read", "/etc/shadow")])
    fp = harness.Alert("unexpected_write", "/var/log/x", 1, "/usr/bin/x", "")
    result = harness.WorkloadResult("app", "", normal_runs=[harness.NormalRun([fp]),
                                                            harness.NormalRun([])],
                                    attacks=[missed])
    text = harness.table([result])
    assert "false positives per run: 1, 0" in text
    assert "unexpected_write /var/log/x" in text
    assert "NOT DETECTED" in text
    assert not harness.all_passed([result])

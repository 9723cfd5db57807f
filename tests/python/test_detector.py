"""The anomaly detector: alerts, their JSON form, callbacks and monitoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rtguard
from conftest import BASE_NS, WORKLOAD, Clock, attack_events, web_server_run


@pytest.fixture
def detector(training_file: Path) -> rtguard.AnomalyDetector:
    baseline = rtguard.Baseline()
    baseline.learn(rtguard.ReplaySource(training_file))
    detector = rtguard.AnomalyDetector()
    detector.add(baseline)
    return detector


def test_normal_behaviour_raises_no_alert(detector):
    clock = Clock(BASE_NS + 5_000_000_000)
    assert detector.check_all(web_server_run(clock, requests=60)) == []
    assert detector.stats.alerts == 0
    assert detector.stats.events > 0


def test_an_intrusion_raises_one_alert_per_deviation(detector, attack_file: Path):
    alerts = detector.check_all(rtguard.ReplaySource(attack_file))

    rules = {a.rule for a in alerts}
    assert rules >= {
        rtguard.Rule.unexpected_executable,
        rtguard.Rule.drift_upper_layer,
        rtguard.Rule.sensitive_read,
        rtguard.Rule.unexpected_network,
        rtguard.Rule.unexpected_syscall,
    }
    by_rule = {a.rule: a for a in alerts}
    assert by_rule["unexpected_executable"].subject == "/tmp/x"
    assert by_rule["sensitive_read"].subject == "/etc/shadow"
    assert "203.0.113.9" in by_rule["unexpected_network"].subject
    assert by_rule["unexpected_syscall"].subject == "ptrace"
    for alert in alerts:
        assert alert.workload == WORKLOAD
        assert alert.event.workload == WORKLOAD
        assert alert.severity >= rtguard.Severity.low
        assert alert.priority == rtguard.falco_priority(alert.severity)
        assert alert.output

    stats = detector.stats
    assert stats.alerts == len(alerts)
    assert sum(stats.alerts_by_rule.values()) == len(alerts)


def test_alerts_serialize_in_falco_shape(detector):
    [event] = [e for e in attack_events(Clock()) if e.kind == "open"]
    [alert] = detector.check(event)

    d = alert.to_dict(hostname="node-7")

    assert d["rule"] == "sensitive_read"
    assert d["priority"] == rtguard.falco_priority(alert.severity)
    assert d["hostname"] == "node-7"
    assert d["source"] == "rtguard"
    assert d["output"] == alert.output
    assert isinstance(d["output_fields"], dict)
    assert d["time"].startswith("2025-01-06T")
    assert json.loads(alert.to_json(hostname="node-7")) == d
    assert dict(alert.evidence) is not None


def test_callbacks_see_every_alert_as_it_is_raised(detector):
    seen = []

    @detector.on_alert
    def collect(alert):
        seen.append(alert.rule)

    alerts = detector.check_all(attack_events(Clock()))
    assert seen == [a.rule for a in alerts]

    detector.remove_alert_callback(collect)
    detector.check_all(attack_events(Clock(BASE_NS * 2)))
    assert len(seen) == len(alerts)
    with pytest.raises(ValueError):
        detector.remove_alert_callback(collect)


def test_a_failing_callback_stops_the_check_with_its_exception(detector):
    detector.on_alert(lambda alert: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        detector.check_all(attack_events(Clock()))


def test_monitor_streams_alerts_from_a_source_to_a_callback(detector, attack_file: Path):
    received = []

    count = rtguard.monitor(rtguard.ReplaySource(attack_file), detector, received.append)

    assert count == len(received) >= 5
    assert all(isinstance(a, rtguard.Alert) for a in received)


def test_repeats_are_suppressed_and_counted(detector):
    clock = Clock(BASE_NS + 20_000_000_000)
    shadow = [
        rtguard.Event("open", workload=WORKLOAD, exe="/tmp/x", path="/etc/shadow", time_ns=clock())
        for _ in range(5)
    ]

    alerts = detector.check_all(shadow)

    assert len(alerts) == 1
    assert detector.stats.suppressed == 4
    assert detector.stats.suppressed_by_rule == {rtguard.Rule.sensitive_read: 4}


def test_unknown_workloads_are_ignored_or_reported_once():
    stranger = [
        rtguard.Event("exec", workload="container:stranger", exe="/bin/sh", time_ns=i)
        for i in range(3)
    ]

    quiet = rtguard.AnomalyDetector()
    assert quiet.check_all(stranger) == []
    assert quiet.stats.unknown_workload_events == 3

    loud = rtguard.AnomalyDetector(unknown_workload="alert_once")
    alerts = loud.check_all(stranger)
    assert [a.rule for a in alerts] == ["unknown_workload"]

    with pytest.raises(ValueError, match="unknown_workload must be"):
        rtguard.AnomalyDetector(unknown_workload="shout")


def test_an_alias_checks_other_pods_against_one_baseline(detector):
    detector.alias("container:replica-2", WORKLOAD)
    assert detector.has_workload("container:replica-2") or detector.has_workload(WORKLOAD)

    [event] = [e for e in attack_events(Clock(), workload="container:replica-2") if e.kind == "syscall"]
    [alert] = detector.check(event)
    assert alert.rule == "unexpected_syscall"


def test_a_profile_can_be_added_on_its_own():
    profile = rtguard.Profile(WORKLOAD)
    profile.learn(web_server_run(Clock(), requests=2))
    detector = rtguard.AnomalyDetector()
    detector.add(profile)

    assert detector.has_workload(WORKLOAD)
    with pytest.raises(TypeError):
        detector.add("not a baseline")


def test_severities_order_by_rank_not_by_spelling():
    s = rtguard.Severity
    assert s.unknown < s.none < s.info < s.low < s.medium < s.high < s.critical
    assert s.critical > "high" and s.low <= "low"
    assert sorted([s.high, s.critical, s.info]) == [s.info, s.high, s.critical]
    assert rtguard.parse_severity("Moderate") == s.medium
    assert rtguard.parse_severity("important") == s.high
    with pytest.raises(ValueError):
        s.high < "very"  # noqa: B015
    assert rtguard.default_severity("drift_memory") in set(s)

"""Baselines: learning, the profile views, saving, loading and merging."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import rtguard
from conftest import SYSCALLS, WORKLOAD, Clock, web_server_run


def learned(requests: int = 40) -> rtguard.Baseline:
    baseline = rtguard.Baseline()
    baseline.learn(web_server_run(Clock(), requests=requests))
    return baseline


def test_learning_fills_every_view_of_the_profile():
    baseline = rtguard.Baseline()
    events = web_server_run(Clock(), requests=40)

    assert baseline.learn(events) == len(events)

    assert len(baseline) == 1
    profile = baseline.find(WORKLOAD)
    assert profile is not None and profile.workload == WORKLOAD and profile.image_digest == ""
    assert baseline.find("container:other") is None

    [server] = profile.executables
    assert server.path == "/usr/sbin/server" and server.count == 1
    assert server.identities == [(2049, 1001)]
    assert server.argument_sets == [["/usr/sbin/server", "--port", "8080"]]
    assert not server.upper_layer
    assert profile.find_executable("/usr/sbin/server").count == 1
    assert profile.find_executable("/bin/sh") is None

    files = {f.path: f.access for f in profile.files}
    assert files["/etc/server.conf"] == "r"
    assert files["/usr/lib/libssl.so.3"] == "r"

    assert [s.name for s in profile.syscalls] == ["read", "write", "connect", "openat", "accept4"]
    assert profile.has_syscall("openat") and profile.has_syscall(SYSCALLS["read"])
    assert not profile.has_syscall("ptrace")
    with pytest.raises(ValueError, match="unknown x86_64 syscall"):
        profile.has_syscall("no_such_call")

    endpoints = {(n.op, n.address, n.port): n.count for n in profile.network}
    assert endpoints == {("listen", "0.0.0.0", 8080): 1, ("connect", "10.0.0.5", 5432): 40}

    assert profile.event_count("open") == 42
    assert profile.event_count(rtguard.EventKind.network) == 41
    assert profile.events_total == len(events)
    assert profile.lost_total == 0
    assert profile.first_ns == events[0].time_ns and profile.last_ns == events[-1].time_ns


def test_per_request_files_become_a_pattern_that_says_what_it_absorbed():
    profile = learned(requests=40).find(WORKLOAD)

    [pattern] = profile.patterns
    assert pattern.pattern == "/var/cache/app/req-*"
    assert pattern.absorbed == 40
    assert pattern.access == "w"
    assert pattern.sample == sorted(pattern.sample)
    assert 0 < len(pattern.sample) <= profile.options.pattern_sample
    assert pattern.sample[0] == "/var/cache/app/req-0000"
    assert not any(f.path.startswith("/var/cache/app/") for f in profile.files)
    assert profile.file_access("/var/cache/app/req-9999") == "w"
    assert rtguard.path_pattern_matches(pattern.pattern, "/var/cache/app/req-x")
    assert not rtguard.path_pattern_matches(pattern.pattern, "/var/cache/app/other")


def test_generalization_can_be_turned_off():
    baseline = rtguard.Baseline(rtguard.BaselineOptions(generalize=False))
    baseline.learn(web_server_run(Clock(), requests=40))

    profile = baseline.find(WORKLOAD)
    assert profile.patterns == []
    assert sum(f.path.startswith("/var/cache/app/") for f in profile.files) == 40


def test_a_saved_baseline_loads_back_identical(tmp_path: Path):
    baseline = learned()
    baseline.set_image_digest("container:db", "sha256:" + "ab" * 32)
    baseline.learn(rtguard.Event("exec", workload="container:db", exe="/usr/bin/postgres", time_ns=5))
    path = tmp_path / "web.baseline.json"

    baseline.save(path)
    loaded = rtguard.Baseline.load(path)

    assert loaded.to_json() == baseline.to_json()
    assert [(p.workload, p.image_digest) for p in loaded.profiles] == [
        ("container:5b1e0c2d9a7f", ""),
        ("container:db", "sha256:" + "ab" * 32),
    ]
    assert json.loads(path.read_text()) == json.loads(baseline.to_json())
    assert rtguard.Baseline.from_json(path.read_text(), "x.json").to_json() == baseline.to_json()


def test_merging_two_runs_adds_counts_and_unites_entries():
    first = learned(requests=20)
    second = rtguard.Baseline()
    clock = Clock()
    second.learn(web_server_run(clock, requests=20))
    second.learn(
        rtguard.Event("exec", workload=WORKLOAD, exe="/usr/bin/curl", time_ns=clock(), exec={"argv": ["curl"]})
    )

    first.merge(second)

    profile = first.find(WORKLOAD)
    assert [e.path for e in profile.executables] == ["/usr/bin/curl", "/usr/sbin/server"]
    assert profile.find_executable("/usr/sbin/server").count == 2
    connects = [n for n in profile.network if n.op == "connect"]
    assert connects[0].count == 40


def test_merging_a_baseline_into_itself_doubles_its_counts():
    baseline = learned(requests=3)
    before = baseline.find(WORKLOAD).events_total

    baseline.merge(baseline)

    assert baseline.find(WORKLOAD).events_total == 2 * before


def test_profiles_of_different_images_do_not_merge():
    a = rtguard.Profile(WORKLOAD, "sha256:" + "1" * 64)
    b = rtguard.Profile(WORKLOAD, "sha256:" + "2" * 64)

    with pytest.raises(rtguard.Error) as info:
        a.merge(b)
    assert info.value.code == "invalid_argument"


def test_a_profile_obtained_from_a_baseline_outlives_the_name():
    profile = learned().profile(WORKLOAD)
    # The baseline object is gone from Python's view; the profile keeps it alive.
    assert profile.events_total > 0
    assert profile.learn(rtguard.Event("exec", exe="/bin/true")) == 1
    assert profile.find_executable("/bin/true") is not None


def test_convergence_reports_the_rate_of_new_entries():
    profile = learned().find(WORKLOAD)

    status = profile.convergence()
    assert status.entries == profile.entry_count
    assert status.last_new_ns == profile.last_ns or status.last_new_ns <= profile.last_ns
    assert status.rate_per_minute > 0
    # One hour after the last event, nothing new has appeared for an hour.
    later = profile.last_ns + 3600 * 10**9
    assert profile.converged(quiet_seconds=600, max_new_per_minute=1, now_ns=later)
    assert not profile.converged(quiet_seconds=600, max_new_per_minute=1)
    assert not rtguard.Baseline().converged(1, 1), "an empty baseline never converges"


def test_the_seccomp_profile_allows_the_learned_syscalls_and_execve():
    profile = learned().find(WORKLOAD)

    seccomp = json.loads(profile.seccomp_profile())

    # execve too: the runtime installs the filter before it executes the workload's program.
    allowed = {name for rule in seccomp["syscalls"] for name in rule["names"]}
    assert allowed == {"read", "write", "openat", "connect", "accept4", "execve"}
    assert seccomp["defaultAction"] == "SCMP_ACT_ERRNO"


def test_a_seccomp_profile_without_syscalls_is_refused():
    profile = rtguard.Profile("container:idle")
    with pytest.raises(rtguard.Error) as info:
        profile.seccomp_profile()
    assert info.value.code == "invalid_argument"


def test_library_messages_reach_the_rtguard_logger(caplog):
    profile = rtguard.Profile("container:odd")
    profile.learn(rtguard.Event("syscall", syscall_nr=SYSCALLS["read"], syscall_name="read"))
    profile.learn(rtguard.Event("syscall", syscall_nr=4000))

    with caplog.at_level(logging.DEBUG, logger="rtguard"):
        profile.seccomp_profile()

    messages = [r.getMessage() for r in caplog.records if r.name == "rtguard"]
    assert any("4000" in m for m in messages), messages


def test_a_missing_baseline_raises_file_not_found_with_its_name(tmp_path: Path):
    path = tmp_path / "absent.json"
    with pytest.raises(FileNotFoundError) as info:
        rtguard.Baseline.load(path)
    assert info.value.filename == str(path)


def test_a_broken_baseline_file_raises_naming_file_and_line(tmp_path: Path):
    good = learned(requests=2).to_json()
    lines = good.splitlines()
    broken = "\n".join(lines[:5] + ["  ,,,"] + lines[5:])
    path = tmp_path / "broken.json"
    path.write_text(broken)

    with pytest.raises(rtguard.Error) as info:
        rtguard.Baseline.load(path)

    assert info.value.file == str(path)
    assert info.value.code == "parse_error"
    assert "line" in info.value.where


def test_a_baseline_of_an_unknown_schema_is_rejected(tmp_path: Path):
    document = json.loads(learned(requests=2).to_json())
    document["schema"] = 99
    path = tmp_path / "future.json"
    path.write_text(json.dumps(document))

    with pytest.raises(rtguard.SchemaError) as info:
        rtguard.Baseline.load(path)
    assert info.value.file == str(path)


def test_a_baseline_with_a_wrong_type_names_the_json_path(tmp_path: Path):
    document = json.loads(learned(requests=2).to_json())
    document["profiles"] = "nothing"
    with pytest.raises(rtguard.Error) as info:
        rtguard.Baseline.from_json(json.dumps(document), "typed.json")
    assert info.value.file == "typed.json"
    assert "$.profiles" in info.value.where or "$.profiles" in info.value.message

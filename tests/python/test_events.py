"""Events, the replay and Tetragon sources, and the recorder."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

import rtguard
from conftest import EXAMPLE_EVENTS, Clock, need_shared, record, web_server_run


def test_the_example_replay_file_reads_every_kind_with_details():
    source = rtguard.ReplaySource(EXAMPLE_EVENTS)
    events = list(source)

    assert [e.kind for e in events] == [
        "exec", "open", "network", "syscall", "io_uring", "fork", "lost", "exit",
    ]
    assert all(isinstance(e.kind, rtguard.EventKind) for e in events)
    exec_, open_, net, syscall, uring, fork, lost, exit_ = events

    assert exec_.exe == "/usr/bin/python3.11"
    assert exec_.exec.argv == ["python3", "/tmp/x.py"]
    assert (exec_.exec.dev, exec_.exec.ino) == (2049, 131077)
    assert exec_.exec.upper_layer and exec_.exec.writable_dir and not exec_.exec.memory
    assert exec_.exec.interpreter == "/usr/bin/python3.11"
    assert exec_.exec.script == "/tmp/x.py"
    assert exec_.exec.cwd == "/app"

    assert open_.flags == 577 and open_.writes
    assert net.net.op == rtguard.NetOp.connect
    assert (net.net.family, net.net.protocol) == ("inet6", "tcp")
    assert (net.net.address, net.net.port) == ("2001:db8::7", 443)
    assert (syscall.syscall_nr, syscall.syscall_name) == (425, "io_uring_setup")
    assert (uring.uring_op, uring.uring_count) == ("submit", 8)
    assert (fork.pid, fork.ppid) == (4121, 4120)
    assert (lost.lost_kind, lost.lost_count) == ("open", 17)
    assert exit_.exit_code == 256

    counters = source.counters
    assert counters.events == 8
    assert counters.skipped == 0
    assert counters.lost == {rtguard.EventKind.open: 17}
    assert counters.lost_total == 17
    assert source.at_end


def test_a_path_that_is_not_utf8_survives_as_surrogates():
    opened = [e for e in rtguard.ReplaySource(EXAMPLE_EVENTS) if e.kind == "open"][0]

    assert opened.path == "/etc/caf\udce9"
    assert os.fsencode(opened.path) == b"/etc/caf\xe9"


def test_events_written_by_the_recorder_read_back_identical(tmp_path: Path):
    original = list(rtguard.ReplaySource(EXAMPLE_EVENTS)) + web_server_run(Clock(), requests=3)
    original.append(rtguard.Event("open", workload="w", path=b"/data/\xff\xfe", flags=0))
    path = tmp_path / "round-trip.jsonl"

    with rtguard.Recorder(path) as recorder:
        for event in original:
            recorder.write(event)
        assert recorder.written == len(original)
        assert not path.exists(), "the file must appear only when the recording is closed"
    assert recorder.closed

    back = list(rtguard.ReplaySource(str(path), strict=True))
    assert back == original
    assert [e.to_json() for e in back] == [e.to_json() for e in original]
    assert os.fsencode(back[-1].path) == b"/data/\xff\xfe"


def test_a_recording_left_by_an_exception_is_discarded(tmp_path: Path):
    path = tmp_path / "aborted.jsonl"

    with pytest.raises(RuntimeError, match="stop"):
        with rtguard.Recorder(path) as recorder:
            recorder.write(rtguard.Event("exec", workload="w", exe="/bin/true"))
            raise RuntimeError("stop")

    assert not path.exists()
    assert list(tmp_path.iterdir()) == [], "the temporary file must be removed too"


def test_writing_to_a_closed_recorder_is_an_error(tmp_path: Path):
    recorder = rtguard.Recorder(tmp_path / "closed.jsonl")
    recorder.close()
    recorder.close()  # a second close does nothing

    with pytest.raises(rtguard.Error) as info:
        recorder.write(rtguard.Event("exit", workload="w"))
    assert info.value.code == "invalid_argument"


def test_a_recorder_in_a_missing_directory_raises_file_not_found(tmp_path: Path):
    with pytest.raises(FileNotFoundError) as info:
        rtguard.Recorder(tmp_path / "no-such-dir" / "x.jsonl")
    assert info.value.errno == 2


def test_write_all_reads_a_source_natively(tmp_path: Path):
    copy_path = tmp_path / "copy.jsonl"
    with rtguard.Recorder(copy_path) as recorder:
        assert recorder.write_all(rtguard.ReplaySource(EXAMPLE_EVENTS)) == 8

    assert list(rtguard.ReplaySource(copy_path)) == list(rtguard.ReplaySource(EXAMPLE_EVENTS))


def test_a_missing_replay_file_raises_file_not_found_with_its_name(tmp_path: Path):
    missing = tmp_path / "absent.jsonl"

    with pytest.raises(FileNotFoundError) as info:
        rtguard.ReplaySource(missing)

    assert info.value.errno == 2
    assert info.value.filename == str(missing)


def write_replay(path: Path, *lines: str) -> Path:
    header = '{"format":"rtguard-events","schema":1}'
    path.write_text("\n".join((header,) + lines) + "\n")
    return path


GOOD = (
    '{"kind":"exit","time_ns":1,"workload":"w","pid":1,"ppid":0,"uid":0,"comm":"sh",'
    '"exe":"/bin/sh","exit_code":0}'
)


def test_broken_json_in_strict_mode_raises_naming_file_and_line(tmp_path: Path):
    path = write_replay(tmp_path / "broken.jsonl", GOOD, '{"kind":"exec","pid":', GOOD)

    with pytest.raises(rtguard.Error) as info:
        list(rtguard.ReplaySource(path, strict=True))

    error = info.value
    assert isinstance(error, ValueError)
    assert error.file == str(path)
    assert "line 3" in error.where
    assert error.code in ("parse_error", "bad_value", "missing_field")
    assert str(error).startswith(f"{path}:")


def test_broken_json_in_lenient_mode_is_counted_and_skipped(tmp_path: Path):
    path = write_replay(tmp_path / "broken.jsonl", GOOD, "{not json", GOOD)
    source = rtguard.ReplaySource(path)

    assert len(list(source)) == 2
    assert source.counters.skipped == 1
    assert len(source.skip_messages) == 1
    assert source.skip_messages[0].startswith(f"{path}:line 3")


def test_an_unknown_schema_version_is_rejected(tmp_path: Path):
    path = tmp_path / "future.jsonl"
    path.write_text('{"format":"rtguard-events","schema":99}\n' + GOOD + "\n")

    with pytest.raises(rtguard.SchemaError) as info:
        rtguard.ReplaySource(path)

    assert info.value.code == "schema_mismatch"
    assert info.value.file == str(path)
    assert "99" in str(info.value)


def test_a_file_of_another_format_is_rejected(tmp_path: Path):
    path = tmp_path / "other.json"
    path.write_text('{"format":"something-else","schema":1}\n')

    with pytest.raises(rtguard.SchemaError):
        rtguard.ReplaySource(path)


def test_events_are_read_only_and_built_from_keywords():
    event = rtguard.Event(
        "network",
        workload="w",
        pid=7,
        net=rtguard.NetworkDetail(op="bind", family="inet6", protocol="udp", address="::", port=53),
    )
    assert (event.net.op, event.net.family, event.net.protocol, event.net.port) == (
        "bind", "inet6", "udp", 53,
    )
    with pytest.raises(AttributeError):
        event.pid = 8
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        rtguard.Event("exec", colour="red")
    with pytest.raises(ValueError, match="kind must be a EventKind or one of"):
        rtguard.Event("teleport")
    with pytest.raises(ValueError, match="op must be"):
        rtguard.NetworkDetail(op="dance")
    with pytest.raises(ValueError, match="pid is out of range"):
        rtguard.Event("exec", pid=-1)
    with pytest.raises(TypeError, match="pid must be an int"):
        rtguard.Event("exec", pid="7")
    with pytest.raises(TypeError, match="not a single str"):
        rtguard.ExecDetail(argv="/bin/sh -c x")


def test_event_dicts_follow_the_replay_format():
    event = rtguard.Event("exec", workload="w", pid=3, exe="/bin/sh", exec={"argv": ["sh", "-c", "id"]})

    d = event.to_dict()
    assert d["kind"] == "exec" and d["argv"] == ["sh", "-c", "id"] and d["pid"] == 3
    assert json.loads(event.to_json()) == d
    assert copy.deepcopy(event) == event
    assert event != rtguard.Event("exec", workload="w", pid=4, exe="/bin/sh")


def test_kinds_compare_equal_to_their_names():
    assert rtguard.EventKind.io_uring == "io_uring"
    assert rtguard.EventKind("exec") is rtguard.EventKind.exec
    assert json.dumps([rtguard.EventKind.lost]) == '["lost"]'
    assert [k.value for k in rtguard.EventKind] == [
        "exec", "exit", "open", "network", "syscall", "io_uring", "lost", "fork",
    ]


def test_read_returns_batches_and_iteration_resumes_after_them():
    source = rtguard.ReplaySource(EXAMPLE_EVENTS)

    first = source.read(3)
    rest = list(source)

    assert [e.kind for e in first] == ["exec", "open", "network"]
    assert len(rest) == 5
    assert source.read() == []


def test_a_partly_iterated_source_hands_its_remaining_events_to_learn():
    source = rtguard.ReplaySource(EXAMPLE_EVENTS)
    next(source)
    next(source)

    baseline = rtguard.Baseline()
    assert baseline.learn(source) == 6


def test_the_tetragon_export_maps_execs_to_container_workloads():
    path = need_shared("traces", "tetragon", "events.json")
    source = rtguard.TetragonSource(path)

    events = list(source)

    assert len(events) == 3
    assert all(e.kind == "exec" for e in events)
    assert events[0].workload == (
        "container:19a02291e106ce6227b684197be232ea57c4e1a5ab2604a12608c325d701c7f4"
    )
    assert events[0].exe == "/usr/bin/netserver"
    assert events[0].exec.argv == ["/usr/bin/netserver", "-D"]
    assert events[1].exec.argv == ["/starwars-docker", "--port", "80", "--host", "0.0.0.0"]
    assert source.counters.skipped == 0


def test_tetragon_records_without_counterpart_are_counted_as_skipped():
    book = need_shared("traces", "tetragon", "book")
    kinds = {}
    skipped = 0
    for path in sorted(book.glob("*.json")):
        source = rtguard.TetragonSource(path)
        for event in source:
            kinds[path.name.split("__")[-1]] = event
        skipped += source.counters.skipped
        for message in source.skip_messages:
            assert message.startswith(f"{path}:line 1")

    assert skipped == 2  # the two process_close records
    connect = kinds["nc_process_connect.json"]
    assert connect.kind == "network"
    assert (connect.net.op, connect.net.address, connect.net.port) == ("connect", "64.225.45.153", 443)
    listen = kinds["process_listen.json"]
    assert (listen.net.op, listen.net.port) == ("listen", 9080)
    opened = kinds["process_kprobe.json"]
    assert (opened.kind, opened.path) == ("open", "/etc/passwd")


def test_a_missing_tetragon_file_raises_file_not_found(tmp_path: Path):
    with pytest.raises(FileNotFoundError) as info:
        rtguard.TetragonSource(tmp_path / "none.json")
    assert info.value.filename == str(tmp_path / "none.json")


def test_the_recorder_accepts_path_like_objects_and_bytes(tmp_path: Path):
    events = web_server_run(Clock(), requests=1)
    record(tmp_path / "a.jsonl", events)
    assert len(list(rtguard.ReplaySource(os.fsencode(tmp_path / "a.jsonl")))) == len(events)

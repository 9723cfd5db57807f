// Tests of rtguard/replay.hpp: the replay format, ReplaySource and Recorder.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "rtguard/error.hpp"
#include "rtguard/replay.hpp"
#include "test_support.hpp"

using namespace rtguard;
using rtguard::testing::TempDir;

namespace {

const std::string header = R"({"format":"rtguard-events","schema":1})";

void write_text(const std::string& path, const std::string& text) {
    // A fresh file, not a truncated one: ext4 flushes a truncated-and-rewritten file on close.
    std::filesystem::remove(path);
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE(out.good());
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<Event> read_all(EventSource& source) {
    std::vector<Event> events;
    while (source.next_batch(events, 3) > 0) {
    }
    CHECK(source.at_end());
    return events;
}

std::vector<std::string> directory_entries(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// A valid event line with one member replaced (or removed when `value` is empty).
std::string exec_line(const std::string& member, const std::string& value) {
    std::vector<std::pair<std::string, std::string>> members = {
        {"kind", R"("exec")"}, {"time_ns", "5"},       {"workload", R"("host")"},
        {"pid", "10"},         {"ppid", "1"},          {"uid", "1000"},
        {"comm", R"("sh")"},   {"exe", R"("/bin/sh")"}};
    std::string line = "{";
    bool replaced = false;
    for (auto& [k, v] : members) {
        std::string shown = v;
        if (k == member) {
            replaced = true;
            if (value.empty()) continue;
            shown = value;
        }
        if (line.size() > 1) line += ",";
        line += "\"" + k + "\":" + shown;
    }
    if (!replaced && !value.empty()) line += ",\"" + member + "\":" + value;
    return line + "}";
}

Event common(EventKind kind, std::uint32_t pid) {
    Event e;
    e.kind = kind;
    e.time_ns = 1736157600000000000ull + pid;
    e.workload = "container:4f2a9c";
    e.pid = pid;
    e.ppid = 1;
    e.uid = 1000;
    e.comm = "worker";
    e.exe = "/usr/bin/worker";
    return e;
}

// One event of every kind, with non-UTF-8 bytes wherever the format allows them.
std::vector<Event> one_of_each_kind() {
    std::vector<Event> events;

    Event exec = common(EventKind::exec, 100);
    exec.exe = std::string("/opt/\xff\xfe/bin");
    exec.comm = std::string("r\xe9sum\xe9");
    exec.workload = std::string("cgroup:/odd\x80name");
    exec.exec.argv = {"prog", std::string("caf\xe9", 4), "", "tab\there", "\"quoted\""};
    exec.exec.dev = 0x801;
    exec.exec.ino = 18446744073709551615ull;
    exec.exec.upper_layer = true;
    exec.exec.memory = true;
    exec.exec.deleted = true;
    exec.exec.writable_dir = true;
    exec.exec.interpreter = "/usr/bin/python3";
    exec.exec.script = std::string("/tmp/\xc0\xaf.py");
    exec.exec.loader = "/lib64/ld-linux-x86-64.so.2";
    exec.exec.loaded_program = "/tmp/prog";
    exec.exec.cwd = "/srv/\xe2\x82\xac";  // valid UTF-8 (euro sign)
    events.push_back(exec);

    Event exit = common(EventKind::exit, 101);
    exit.exit_code = -2147483647 - 1;
    events.push_back(exit);

    Event open = common(EventKind::open, 102);
    open.path = std::string("/data/\x01\xff\n", 9);
    open.flags = 0101101;
    events.push_back(open);

    Event net = common(EventKind::network, 103);
    net.net = {NetOp::accept, NetFamily::unix_, NetProto::unknown, std::string("/run/s\xfe.sock"),
               0};
    events.push_back(net);

    Event net6 = common(EventKind::network, 104);
    net6.net = {NetOp::bind, NetFamily::inet6, NetProto::udp, "2001:db8::1", 65535};
    events.push_back(net6);

    Event syscall = common(EventKind::syscall, 105);
    syscall.syscall_nr = 425;
    syscall.syscall_name = "io_uring_setup";
    events.push_back(syscall);

    Event uring = common(EventKind::io_uring, 106);
    uring.uring_op = IoUringOp::submit;
    uring.uring_count = 4294967295u;
    events.push_back(uring);

    Event lost = common(EventKind::lost, 107);
    lost.lost_kind = EventKind::open;
    lost.lost_count = 123456789012ull;
    events.push_back(lost);

    events.push_back(common(EventKind::fork, 108));
    return events;
}

void check_same(const Event& a, const Event& b) {
    CHECK(a.kind == b.kind);
    CHECK(a.time_ns == b.time_ns);
    CHECK(a.workload == b.workload);
    CHECK(a.pid == b.pid);
    CHECK(a.ppid == b.ppid);
    CHECK(a.uid == b.uid);
    CHECK(a.comm == b.comm);
    CHECK(a.exe == b.exe);
    CHECK(a.exec.argv == b.exec.argv);
    CHECK(a.exec.dev == b.exec.dev);
    CHECK(a.exec.ino == b.exec.ino);
    CHECK(a.exec.upper_layer == b.exec.upper_layer);
    CHECK(a.exec.memory == b.exec.memory);
    CHECK(a.exec.deleted == b.exec.deleted);
    CHECK(a.exec.writable_dir == b.exec.writable_dir);
    CHECK(a.exec.interpreter == b.exec.interpreter);
    CHECK(a.exec.script == b.exec.script);
    CHECK(a.exec.loader == b.exec.loader);
    CHECK(a.exec.loaded_program == b.exec.loaded_program);
    CHECK(a.exec.cwd == b.exec.cwd);
    CHECK(a.exit_code == b.exit_code);
    CHECK(a.path == b.path);
    CHECK(a.flags == b.flags);
    CHECK(a.net.op == b.net.op);
    CHECK(a.net.family == b.net.family);
    CHECK(a.net.protocol == b.net.protocol);
    CHECK(a.net.address == b.net.address);
    CHECK(a.net.port == b.net.port);
    CHECK(a.syscall_nr == b.syscall_nr);
    CHECK(a.syscall_name == b.syscall_name);
    CHECK(a.uring_op == b.uring_op);
    CHECK(a.uring_count == b.uring_count);
    CHECK(a.lost_kind == b.lost_kind);
    CHECK(a.lost_count == b.lost_count);
}

// Points fd `target` at `path` for the life of the object, then restores it.
class RedirectFd {
public:
    RedirectFd(int target, const std::string& path, int flags) : target_(target) {
        saved_ = ::dup(target);
        int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
        REQUIRE(fd >= 0);
        REQUIRE(::dup2(fd, target) == target);
        ::close(fd);
    }
    ~RedirectFd() {
        ::dup2(saved_, target_);
        ::close(saved_);
    }

private:
    int target_;
    int saved_;
};

long max_rss_kib() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

// The source tree: RTGUARD_SOURCE_ROOT (set by `meson test`), else the working directory.
std::optional<std::string> source_root() {
    if (const char* env = std::getenv("RTGUARD_SOURCE_ROOT")) return env;
    if (std::filesystem::exists("tests/data/events")) return ".";
    return std::nullopt;
}

}  // namespace

TEST_CASE("every event kind round-trips through a recording, non-UTF-8 bytes included") {
    TempDir dir;
    std::string path = dir.file("run.jsonl");
    auto events = one_of_each_kind();

    Recorder recorder(path);
    for (const auto& e : events)
        recorder.write(e);
    recorder.close();
    CHECK(recorder.written() == events.size());

    ReplaySource source(path);
    auto back = read_all(source);
    REQUIRE(back.size() == events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        CAPTURE(i);
        check_same(back[i], events[i]);
    }
    CHECK(source.counters().events == events.size());
    CHECK(source.counters().skipped == 0);
    CHECK(source.counters().lost[static_cast<std::size_t>(EventKind::open)] == 123456789012ull);
    CHECK(source.counters().lost_total() == 123456789012ull);
}

TEST_CASE("a non-UTF-8 argument makes the whole argv travel as hex too") {
    Event e = common(EventKind::exec, 7);
    e.exec.argv = {"a", std::string("\xff")};
    std::string json = event_to_json(e);
    CHECK(json.find("\"argv\":[\"a\",\"\xEF\xBF\xBD\"]") != std::string::npos);
    CHECK(json.find(R"("argv_hex":["61","ff"])") != std::string::npos);

    e.exec.argv = {"a", "b"};
    CHECK(event_to_json(e).find("argv_hex") == std::string::npos);
}

TEST_CASE("an exec event omits its empty and false members") {
    Event e = common(EventKind::exec, 9);
    e.exec.argv = {"worker", "-v"};
    CHECK(event_to_json(e) ==
          R"({"kind":"exec","time_ns":1736157600000000009,"workload":"container:4f2a9c",)"
          R"("pid":9,"ppid":1,"uid":1000,"comm":"worker","exe":"/usr/bin/worker",)"
          R"("argv":["worker","-v"]})");
}

TEST_CASE("the example recording in tests/data reads as documented") {
    auto root = source_root();
    if (!root) {
        MESSAGE("SKIP: run from the source tree or set RTGUARD_SOURCE_ROOT to read tests/data");
        return;
    }
    std::string path = *root + "/tests/data/events/example.jsonl";
    REQUIRE(std::filesystem::exists(path));
    ReplaySource source(path, {.strict = true});
    auto events = read_all(source);
    REQUIRE(events.size() == 8);

    CHECK(events[0].kind == EventKind::exec);
    CHECK(events[0].exec.argv == std::vector<std::string>{"python3", "/tmp/x.py"});
    CHECK(events[0].exec.upper_layer);
    CHECK(events[0].exec.writable_dir);
    CHECK_FALSE(events[0].exec.memory);
    CHECK(events[0].exec.script == "/tmp/x.py");
    CHECK(events[0].exec.ino == 131077);

    CHECK(events[1].kind == EventKind::open);
    CHECK(events[1].path == "/etc/caf\xe9");
    CHECK(events[1].flags == 577);
    CHECK(open_flags_write(events[1].flags));

    CHECK(events[2].net.family == NetFamily::inet6);
    CHECK(events[2].net.address == "2001:db8::7");
    CHECK(events[2].net.port == 443);
    CHECK(events[3].syscall_nr == 425);
    CHECK(events[4].uring_op == IoUringOp::submit);
    CHECK(events[4].uring_count == 8);
    CHECK(events[5].kind == EventKind::fork);
    CHECK(events[5].ppid == 4120);
    CHECK(events[6].lost_count == 17);
    CHECK(events[7].exit_code == 256);
    CHECK(source.counters().lost[static_cast<std::size_t>(EventKind::open)] == 17);
}

TEST_CASE("a recording is read from standard input when the path is -") {
    TempDir dir;
    std::string path = dir.file("in.jsonl");
    write_text(path, header + "\n" + exec_line("pid", "4242") + "\n");

    RedirectFd stdin_from_file(STDIN_FILENO, path, O_RDONLY);
    ReplaySource source("-");
    auto events = read_all(source);
    REQUIRE(events.size() == 1);
    CHECK(events[0].pid == 4242);
    CHECK(source.path() == "-");
}

TEST_CASE("a recorder writes to standard output when the path is -") {
    TempDir dir;
    std::string path = dir.file("out.jsonl");
    {
        RedirectFd stdout_to_file(STDOUT_FILENO, path, O_WRONLY | O_CREAT | O_TRUNC);
        Recorder recorder("-");
        recorder.write(common(EventKind::fork, 5));
        recorder.close();
    }
    ReplaySource source(path);
    auto events = read_all(source);
    REQUIRE(events.size() == 1);
    CHECK(events[0].pid == 5);
    CHECK(directory_entries(dir.path()) == std::vector<std::string>{"out.jsonl"});
}

TEST_CASE("a replay file with an unknown schema is rejected naming the file and line 1") {
    TempDir dir;
    std::string path = dir.file("future.jsonl");
    write_text(path, R"({"format":"rtguard-events","schema":2})"
                     "\n" +
                         exec_line("", "") + "\n");
    try {
        ReplaySource source(path);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == errc::schema_mismatch);
        CHECK(e.file() == path);
        CHECK(e.where() == "line 1");
        CHECK(std::string(e.what()).find("unknown schema version 2") != std::string::npos);
    }
}

TEST_CASE("a replay file without a valid header is rejected") {
    TempDir dir;
    std::string path = dir.file("bad.jsonl");

    SUBCASE("events without a header") {
        write_text(path, exec_line("", "") + "\n");
    }
    SUBCASE("another format") {
        write_text(path, R"({"format":"rtguard-baseline","schema":1})"
                         "\n");
    }
    SUBCASE("a schema that is not an integer") {
        write_text(path, R"({"format":"rtguard-events","schema":"1"})"
                         "\n");
    }
    SUBCASE("an empty file") {
        write_text(path, "");
    }
    SUBCASE("a header that is not JSON") {
        write_text(path, "format=rtguard-events\n");
    }

    CHECK_THROWS_WITH_AS(ReplaySource{path}, doctest::Contains((path + ":line 1:").c_str()), Error);
    try {
        ReplaySource source(path);
    } catch (const Error& e) {
        CHECK(e.code() == errc::schema_mismatch);
    }
}

TEST_CASE("a missing replay file is an error that keeps errno") {
    try {
        ReplaySource source("/nonexistent/rtguard/run.jsonl");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code().value() == ENOENT);
        CHECK(e.file() == "/nonexistent/rtguard/run.jsonl");
    }
}

TEST_CASE("concatenated recordings are read, and each repeated header is checked") {
    TempDir dir;
    std::string path = dir.file("cat.jsonl");
    std::string first = header + "\n" + exec_line("pid", "1") + "\n";

    SUBCASE("a second valid header is accepted") {
        write_text(path, first + header + "\n" + exec_line("pid", "2") + "\n");
        ReplaySource source(path, {.strict = true});
        auto events = read_all(source);
        REQUIRE(events.size() == 2);
        CHECK(events[1].pid == 2);
        CHECK(source.counters().skipped == 0);
    }
    SUBCASE("a second header with an unknown schema stops the reader at its line") {
        write_text(path, first +
                             R"({"format":"rtguard-events","schema":9})"
                             "\n" +
                             exec_line("pid", "2") + "\n");
        ReplaySource source(path);  // lenient mode: still fatal
        std::vector<Event> events;
        try {
            source.next_batch(events, 100);
            FAIL("expected an error");
        } catch (const Error& e) {
            CHECK(e.code() == errc::schema_mismatch);
            CHECK(e.where() == "line 3");
        }
        CHECK(events.size() == 1);
    }
}

TEST_CASE("a broken JSON line is skipped with its line number and the rest is still read") {
    TempDir dir;
    std::string path = dir.file("broken.jsonl");
    write_text(path, header + "\n" + exec_line("pid", "1") + "\n" + R"({"kind":"exec",)" + "\n" +
                         "\n" + exec_line("pid", "3") + "\n");

    ReplaySource source(path);
    auto events = read_all(source);
    REQUIRE(events.size() == 2);
    CHECK(events[0].pid == 1);
    CHECK(events[1].pid == 3);
    CHECK(source.counters().skipped == 1);
    CHECK(source.counters().events == 2);
    auto messages = source.skip_messages();
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].rfind(path + ":line 3: invalid JSON", 0) == 0);
}

TEST_CASE("strict mode throws on the first bad line, naming the file, line and member") {
    TempDir dir;
    std::string path = dir.file("strict.jsonl");
    write_text(path, header + "\n" + exec_line("pid", "1") + "\n" + exec_line("uid", "-1") + "\n" +
                         exec_line("pid", "3") + "\n");

    ReplaySource source(path, {.strict = true});
    std::vector<Event> events;
    try {
        while (source.next_batch(events, 10) > 0) {
        }
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == errc::bad_value);
        CHECK(std::string(e.what()) ==
              path + ":line 3: $.uid: expected a non-negative integer, found -1");
    }
    CHECK(events.size() == 1);
}

TEST_CASE("a 100 MB line is skipped without being buffered and the next line is read") {
    TempDir dir;
    std::string path = dir.file("huge.jsonl");
    {
        // Written in 1 MiB pieces so the test itself does not hold 100 MB either.
        std::ofstream out(path, std::ios::binary);
        out << header << "\n"
            << R"({"kind":"exec","comm":")";
        std::string piece(1 << 20, 'x');
        for (int i = 0; i < 100; ++i)
            out << piece;
        out << "\"}\n" << exec_line("pid", "77") << "\n";
        REQUIRE(out.good());
    }
    REQUIRE(std::filesystem::file_size(path) > 100u * 1000 * 1000);

    long rss_before = max_rss_kib();
    ReplaySource source(path);
    auto events = read_all(source);
    long rss_growth_kib = max_rss_kib() - rss_before;

    REQUIRE(events.size() == 1);
    CHECK(events[0].pid == 77);
    CHECK(source.counters().skipped == 1);
    REQUIRE(source.skip_messages().size() == 1);
    CHECK(source.skip_messages()[0] == path + ":line 2: line longer than 1048576 bytes");
    CHECK(rss_growth_kib < 20 * 1024);

    ReplaySource strict(path, {.strict = true});
    std::vector<Event> out;
    CHECK_THROWS_WITH_AS(strict.next_batch(out, 10),
                         doctest::Contains("line 2: line longer than 1048576 bytes"), Error);
}

TEST_CASE("of many skipped lines the first and the latest keep their messages, all are counted") {
    // Only the latest were kept once: a file broken from line 2 on showed line 2584 first.
    TempDir dir;
    std::string path = dir.file("many.jsonl");
    std::string text = header + "\n";
    for (int i = 0; i < 300; ++i)
        text += "not json\n";
    write_text(path, text);

    ReplaySource source(path);
    CHECK(read_all(source).empty());
    CHECK(source.counters().skipped == 300);
    auto messages = source.skip_messages();
    REQUIRE(messages.size() == 100);
    CHECK(messages.front().rfind(path + ":line 2: ", 0) == 0);
    CHECK(messages[49].rfind(path + ":line 51: ", 0) == 0);
    CHECK(messages[50].rfind(path + ":line 252: ", 0) == 0);
    CHECK(messages.back().rfind(path + ":line 301: ", 0) == 0);
}

TEST_CASE("a line with a missing required member is skipped naming the member") {
    TempDir dir;
    std::string path = dir.file("missing.jsonl");
    std::string line;
    std::string expected;

    SUBCASE("pid") {
        line = exec_line("pid", "");
        expected = "$.pid: required member is missing";
    }
    SUBCASE("kind") {
        line = exec_line("kind", "");
        expected = "$.kind: required member is missing";
    }
    SUBCASE("workload") {
        line = exec_line("workload", "");
        expected = "$.workload: required member is missing";
    }
    SUBCASE("exit_code of an exit") {
        line = exec_line("kind", R"("exit")");
        expected = "$.exit_code: required member is missing";
    }
    SUBCASE("port of a network event") {
        line = exec_line("kind", R"("network")");
        line.back() = ',';
        line += R"("op":"connect","family":"inet","protocol":"tcp","address":"10.0.0.1"})";
        expected = "$.port: required member is missing";
    }
    SUBCASE("count of a lost event") {
        line = exec_line("kind", R"("lost")");
        line.back() = ',';
        line += R"("lost_kind":"exec"})";
        expected = "$.count: required member is missing";
    }

    write_text(path, header + "\n" + line + "\n" + exec_line("pid", "2") + "\n");
    ReplaySource source(path);
    auto events = read_all(source);
    REQUIRE(events.size() == 1);
    CHECK(events[0].pid == 2);
    REQUIRE(source.skip_messages().size() == 1);
    CHECK(source.skip_messages()[0] == path + ":line 2: " + expected);

    ReplaySource strict(path, {.strict = true});
    std::vector<Event> out;
    try {
        strict.next_batch(out, 10);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code() == errc::missing_field);
    }
}

TEST_CASE("wrong types, unknown kinds and out-of-range numbers are skipped with the reason") {
    struct Case {
        std::string member, value, expected;
    };
    const Case cases[] = {
        {"pid", "-1", "$.pid: expected a non-negative integer, found -1"},
        {"pid", "4294967296", "$.pid: expected an integer at most 4294967295, found 4294967296"},
        {"time_ns", "18446744073709551616",
         "invalid JSON: a number is malformed or does not fit in 64 bits"},
        {"time_ns", "99999999999999999999999999",
         "invalid JSON: a number is malformed or does not fit in 64 bits"},
        {"time_ns", "1e30", "$.time_ns: expected a non-negative integer, found 1e+30"},
        {"time_ns", "1.5", "$.time_ns: expected a non-negative integer, found 1.5"},
        {"uid", R"("0")", "$.uid: expected a non-negative integer, found a string"},
        {"comm", "42", "$.comm: expected a string, found 42"},
        {"kind", R"("execve")",
         R"($.kind: expected an event kind (exec, exit, open, network, syscall, io_uring, )"
         R"(lost, fork), found "execve")"},
        {"argv", R"(["a",1])", "$.argv[1]: expected a string, found an integer"},
        {"argv", R"("a b")", "$.argv: expected an array, found a string"},
        {"argv_hex", R"(["6"])", "$.argv_hex[0]: expected an even number of hex digits"},
        {"exe_hex", R"("zz")", "$.exe_hex: expected an even number of hex digits"},
        {"memory", "1", "$.memory: expected true or false, found 1"},
    };

    TempDir dir;
    std::string path = dir.file("types.jsonl");
    std::string text = header + "\n";
    for (const auto& c : cases)
        text += exec_line(c.member, c.value) + "\n";
    text += R"([1,2,3])"
            "\n";
    text += exec_line("pid", "99") + "\n";
    write_text(path, text);

    ReplaySource source(path);
    auto events = read_all(source);
    REQUIRE(events.size() == 1);
    CHECK(events[0].pid == 99);
    auto messages = source.skip_messages();
    REQUIRE(messages.size() == std::size(cases) + 1);
    for (std::size_t i = 0; i < std::size(cases); ++i) {
        CAPTURE(cases[i].member);
        CHECK(messages[i] == path + ":line " + std::to_string(i + 2) + ": " + cases[i].expected);
    }
    CHECK(messages.back() == path + ":line " + std::to_string(std::size(cases) + 2) +
                                 ": $: expected a JSON object, found an array");
}

TEST_CASE("the network port and exit code are range-checked") {
    TempDir dir;
    std::string path = dir.file("ranges.jsonl");
    std::string net = exec_line("kind", R"("network")");
    net.back() = ',';
    net += R"("op":"connect","family":"inet","protocol":"tcp","address":"10.0.0.1","port":65536})";
    std::string exit = exec_line("kind", R"("exit")");
    exit.back() = ',';
    exit += R"("exit_code":2147483648})";
    write_text(path, header + "\n" + net + "\n" + exit + "\n");

    ReplaySource source(path);
    auto events = read_all(source);
    CHECK(events.empty());
    auto messages = source.skip_messages();
    REQUIRE(messages.size() == 2);
    CHECK(messages[0] == path + ":line 2: $.port: expected an integer at most 65535, found 65536");
    CHECK(messages[1] == path +
                             ":line 3: $.exit_code: expected an integer from -2147483648 to "
                             "2147483647, found 2147483648");
}

TEST_CASE("a truncated last line is a counted skip; a complete one without newline is read") {
    TempDir dir;
    std::string path = dir.file("cut.jsonl");

    SUBCASE("cut JSON") {
        write_text(path, header + "\n" + exec_line("pid", "1") + "\n" + R"({"kind":"exec","ti)");
        ReplaySource source(path);
        auto events = read_all(source);
        CHECK(events.size() == 1);
        CHECK(source.counters().skipped == 1);
        REQUIRE(source.skip_messages().size() == 1);
        CHECK(source.skip_messages()[0].rfind(
                  path + ":line 3: truncated last line (no newline at end of input)", 0) == 0);
    }
    SUBCASE("complete JSON") {
        write_text(path, header + "\n" + exec_line("pid", "1") + "\n" + exec_line("pid", "2"));
        ReplaySource source(path, {.strict = true});
        auto events = read_all(source);
        REQUIRE(events.size() == 2);
        CHECK(events[1].pid == 2);
    }
}

TEST_CASE("empty lines, blank lines and CRLF line ends are accepted") {
    TempDir dir;
    std::string path = dir.file("blank.jsonl");
    write_text(path, "\n" + header + "\r\n\n   \n" + exec_line("pid", "1") + "\r\n\t\n");
    ReplaySource source(path, {.strict = true});
    auto events = read_all(source);
    REQUIRE(events.size() == 1);
    CHECK(events[0].pid == 1);
}

TEST_CASE("limits on strings and arguments are applied") {
    TempDir dir;
    std::string path = dir.file("limits.jsonl");
    write_text(path, header + "\n" + exec_line("argv", R"(["a","b","c","d"])") + "\n" +
                         exec_line("comm", "\"" + std::string(40, 'c') + "\"") + "\n");

    ReplayOptions options;
    options.limits.max_argv = 2;
    options.limits.max_string_bytes = 32;
    ReplaySource source(path, options);
    auto events = read_all(source);
    REQUIRE(events.size() == 1);
    CHECK(events[0].exec.argv == std::vector<std::string>{"a", "b"});
    REQUIRE(source.skip_messages().size() == 1);
    CHECK(source.skip_messages()[0] == path + ":line 3: $.comm: string longer than 32 bytes");
}

TEST_CASE("a recording appears under its name only when closed") {
    TempDir dir;
    std::string path = dir.file("run.jsonl");

    Recorder recorder(path);
    for (int i = 0; i < 5000; ++i)
        recorder.write(common(EventKind::fork, i));
    CHECK_FALSE(std::filesystem::exists(path));
    auto before = directory_entries(dir.path());
    REQUIRE(before.size() == 1);
    CHECK(before[0].rfind("run.jsonl.tmp.", 0) == 0);

    recorder.close();
    CHECK(directory_entries(dir.path()) == std::vector<std::string>{"run.jsonl"});
    CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::others_read) !=
          std::filesystem::perms::none);
    recorder.close();  // a second close does nothing
    CHECK_THROWS_AS(recorder.write(common(EventKind::fork, 1)), Error);

    // The header names the format and schema and when it was made.
    std::string text = read_text(path);
    CHECK(text.rfind(R"({"format":"rtguard-events","schema":1,"created":")", 0) == 0);
    ReplaySource source(path);
    CHECK(read_all(source).size() == 5000);
}

TEST_CASE("a recording replaces an older file of the same name only on close") {
    TempDir dir;
    std::string path = dir.file("run.jsonl");
    write_text(path, "old content\n");
    {
        Recorder recorder(path);
        recorder.write(common(EventKind::fork, 1));
        CHECK(read_text(path) == "old content\n");
        recorder.close();
    }
    ReplaySource source(path);
    CHECK(read_all(source).size() == 1);
}

TEST_CASE("a recording into a pipe streams; through a link it replaces the linked file") {
    TempDir dir;
    rtguard::testing::FifoReader fifo(dir.file("events.fifo"));
    {
        Recorder recorder(fifo.path());
        for (int i = 0; i < 3; ++i)
            recorder.write(common(EventKind::fork, i));
        recorder.close();
    }
    const std::string& got = fifo.text();
    CHECK(std::count(got.begin(), got.end(), '\n') == 4);  // the header and three events
    CHECK(got.rfind(R"({"format":"rtguard-events")", 0) == 0);

    write_text(dir.file("real.jsonl"), "old\n");
    std::filesystem::create_symlink("real.jsonl", dir.file("link.jsonl"));
    Recorder recorder(dir.file("link.jsonl"));
    recorder.write(common(EventKind::fork, 1));
    recorder.close();
    CHECK(std::filesystem::is_symlink(dir.file("link.jsonl")));
    ReplaySource source(dir.file("real.jsonl"));
    CHECK(read_all(source).size() == 1);
}

TEST_CASE("a recorder destroyed without close leaves neither the file nor its temporary") {
    TempDir dir;
    std::string path = dir.file("abandoned.jsonl");
    {
        Recorder recorder(path);
        for (int i = 0; i < 3000; ++i)
            recorder.write(common(EventKind::fork, i));
    }
    CHECK(directory_entries(dir.path()).empty());
}

TEST_CASE("a recorder into a missing directory fails naming the file") {
    TempDir dir;
    std::string path = dir.file("no/such/dir/run.jsonl");
    try {
        Recorder recorder(path);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code().value() == ENOENT);
        CHECK(e.file() == path);
    }
}

TEST_CASE("a recording with any single byte damaged is read without a crash") {
    TempDir dir;
    std::string path = dir.file("good.jsonl");
    {
        Recorder recorder(path);
        for (const auto& e : one_of_each_kind())
            recorder.write(e);
        recorder.close();
    }
    const std::string text = read_text(path);
    auto header_end = text.find('\n');
    const std::size_t lines = std::count(text.begin(), text.end(), '\n') - 1;

    // Damage one byte after the header at a time; every event line is either read or counted.
    std::string damaged_path = dir.file("damaged.jsonl");
    for (std::size_t at = header_end + 1; at < text.size(); at += 29) {
        for (char bad : {'\0', '"', '}', '\n', '\xff'}) {
            std::string damaged = text;
            damaged[at] = bad;
            write_text(damaged_path, damaged);
            ReplaySource source(damaged_path);
            auto events = read_all(source);
            auto counters = source.counters();
            CAPTURE(at);
            CHECK(counters.events == events.size());
            CHECK(events.size() + counters.skipped >= lines - 1);
            CHECK(events.size() + counters.skipped <= lines + 1);
        }
    }
}

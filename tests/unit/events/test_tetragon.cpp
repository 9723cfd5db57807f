// Tests of rtguard/tetragon.hpp: importing Tetragon's JSON export.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "rtguard/error.hpp"
#include "rtguard/tetragon.hpp"
#include "test_support.hpp"

using namespace rtguard;
using rtguard::testing::TempDir;

namespace {

std::vector<Event> read_all(EventSource& source) {
    std::vector<Event> events;
    while (source.next_batch(events, 2) > 0) {
    }
    CHECK(source.at_end());
    return events;
}

std::vector<Event> read_file(const std::filesystem::path& path, TetragonOptions options = {}) {
    TetragonSource source(path.string(), options);
    return read_all(source);
}

void write_text(const std::string& path, const std::string& text) {
    // A fresh file, not a truncated one: ext4 flushes a truncated-and-rewritten file on close.
    std::filesystem::remove(path);
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE(out.good());
}

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A one-line export record of `type` around `body` members, for a process in a container.
std::string record(const std::string& type, const std::string& body,
                   const std::string& time = R"(,"time":"2024-03-01T12:00:00.5Z")") {
    return R"({")" + type +
           R"(":{"process":{"pid":900,"uid":33,"cwd":"/srv/","binary":"/usr/bin/app",)"
           R"("arguments":"--serve","flags":"execve clone","start_time":"2024-03-01T11:59:59Z",)"
           R"("pod":{"namespace":"shop","name":"web-1","container":{"id":"cri-o://abc123"}}},)"
           R"("parent":{"pid":899})" +
           body + R"(},"node_name":"n1")" + time + "}";
}

const std::uint64_t noon_and_a_half = 1709294400500000000ull;  // 2024-03-01T12:00:00.5Z

}  // namespace

TEST_CASE("tetragon export lines of events.json give exec events with their container") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    auto path = data / "traces/tetragon/events.json";
    TetragonSource source(path.string(), {.strict = true});
    auto events = read_all(source);

    REQUIRE(events.size() == 3);
    for (const auto& e : events)
        CHECK(e.kind == EventKind::exec);
    CHECK(source.counters().events == 3);
    CHECK(source.counters().skipped == 0);

    const Event& netserver = events[0];
    CHECK(netserver.pid == 68790);
    CHECK(netserver.ppid == 68598);
    CHECK(netserver.uid == 0);
    CHECK(netserver.exe == "/usr/bin/netserver");
    CHECK(netserver.comm == "netserver");
    CHECK(netserver.exec.argv == std::vector<std::string>{"/usr/bin/netserver", "-D"});
    CHECK(netserver.exec.cwd == "/");
    CHECK(netserver.workload ==
          "container:19a02291e106ce6227b684197be232ea57c4e1a5ab2604a12608c325d701c7f4");
    // The first line has no "time": the process start time stands in, to the nanosecond.
    CHECK(netserver.time_ns == 1666062978273546829ull);

    const Event& deathstar = events[1];
    CHECK(deathstar.pid == 68862);
    CHECK(deathstar.exe == "/starwars-docker");
    CHECK(deathstar.comm == "starwars-docker");
    CHECK(deathstar.exec.argv ==
          std::vector<std::string>{"/starwars-docker", "--port", "80", "--host", "0.0.0.0"});
    CHECK(deathstar.time_ns == 1666062981373327754ull);  // the record's "time" wins
    CHECK(deathstar.workload ==
          "container:16ecce28d6808e01f6b91f990b07616c0fc8dff67036231f9911191c7ff3d1cd");

    CHECK(events[2].pid == 68920);
    CHECK(events[2].ppid == 68578);
    CHECK(events[2].time_ns == 1666062982225264791ull);
}

TEST_CASE("the curl connect sample gives a network connect with address, port and workload") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    auto events = read_file(
        data / "traces/tetragon/book/03_chapter__00_four_golden_signals__process_connect.json",
        {.strict = true});
    REQUIRE(events.size() == 1);
    const Event& e = events[0];
    CHECK(e.kind == EventKind::network);
    CHECK(e.net.op == NetOp::connect);
    CHECK(e.net.address == "142.250.180.196");
    CHECK(e.net.port == 80);
    CHECK(e.net.family == NetFamily::inet);
    CHECK(e.net.protocol == NetProto::tcp);
    CHECK(e.pid == 115153);
    CHECK(e.ppid == 114757);
    CHECK(e.exe == "/usr/bin/curl");
    CHECK(e.comm == "curl");
    CHECK(e.workload ==
          "container:86eb9e29a77d432afc7a15b424db1d24a382f3caae26f860ab22df8cb5e96054");
    CHECK(e.time_ns == 1642609742021000000ull);
}

TEST_CASE("the python listen sample gives a network listen on its local port") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    auto events = read_file(
        data / "traces/tetragon/book/03_chapter__00_four_golden_signals__process_listen.json");
    REQUIRE(events.size() == 1);
    CHECK(events[0].net.op == NetOp::listen);
    CHECK(events[0].net.address == "0.0.0.0");
    CHECK(events[0].net.port == 9080);
    CHECK(events[0].net.protocol == NetProto::tcp);
    CHECK(events[0].pid == 115007);
    CHECK(events[0].exe == "/usr/local/bin/python");
    CHECK(events[0].workload ==
          "container:97329341d8b39598f7cab3edd3b01f4fd791828a0d7a45c54298503de11583af");
    CHECK(events[0].time_ns == 1642609732646000000ull);
}

TEST_CASE("file kprobes on read and write syscalls become opens with absolute paths") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    auto book = data / "traces/tetragon/book";

    auto vi = read_file(book / "03_chapter__00_four_golden_signals__process_kprobe.json");
    REQUIRE(vi.size() == 1);
    CHECK(vi[0].kind == EventKind::open);
    CHECK(vi[0].path == "/etc/passwd");
    CHECK(vi[0].flags == 01);  // O_WRONLY: __x64_sys_write
    CHECK(open_flags_write(vi[0].flags));
    CHECK(vi[0].pid == 36318);
    CHECK(vi[0].exe == "/usr/bin/vi");
    CHECK(vi[0].workload ==
          "container:bae66fa9f18079f78500ad37e88eb8a88b3181b2d0767f26dc532f75e4024d27");

    auto cat = read_file(book / "03_chapter__00_process_lifecycle__cat_process_kprobe.json");
    REQUIRE(cat.size() == 1);
    CHECK(cat[0].path == "/usr/share/elasticsearch/config/elasticsearch.keystore");
    CHECK(cat[0].flags == 0);  // O_RDONLY: __x64_sys_read
    CHECK(cat[0].pid == 38313);
    CHECK(cat[0].time_ns == 1643738516410000000ull);
}

TEST_CASE("exec and exit samples keep argv, cwd and the exit status") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    auto book = data / "traces/tetragon/book";

    auto exec = read_file(book / "03_chapter__00_process_lifecycle__nc_process_exec.json");
    REQUIRE(exec.size() == 1);
    CHECK(exec[0].kind == EventKind::exec);
    CHECK(exec[0].exec.argv ==
          std::vector<std::string>{"/usr/bin/nc", "raiz3gjkgtfhkkc.not-reverse-shell.com", "443"});
    CHECK(exec[0].exec.cwd == "/usr/share/elasticsearch");
    CHECK(exec[0].ppid == 38312);

    auto exit =
        read_file(book / "03_chapter__00_process_lifecycle__lifecycle_sh_process_exit.json");
    REQUIRE(exit.size() == 1);
    CHECK(exit[0].kind == EventKind::exit);
    CHECK(exit[0].exit_code == 0);  // no status member: the process exited with 0
    CHECK(exit[0].pid == 38312);
    CHECK(exit[0].ppid == 24200);
    CHECK(exit[0].time_ns == 1643738517726000000ull);
}

TEST_CASE("a socket close is a counted skip, never an error, even in strict mode") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    TetragonSource source(
        (data / "traces/tetragon/book/03_chapter__00_four_golden_signals__process_close.json")
            .string(),
        {.strict = true});
    auto events = read_all(source);
    CHECK(events.empty());
    CHECK(source.counters().skipped == 1);
    REQUIRE(source.skip_messages().size() == 1);
    CHECK(source.skip_messages()[0].find(":line 1: process_close") != std::string::npos);
}

TEST_CASE("every book sample maps to the expected kinds, also when concatenated") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(data / "traces/tetragon/book"))
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() == 15);

    std::map<EventKind, int> kinds;
    std::uint64_t skipped = 0;
    std::string concatenated;
    for (const auto& file : files) {
        TetragonSource source(file.string(), {.strict = true});
        for (const auto& e : read_all(source))
            ++kinds[e.kind];
        skipped += source.counters().skipped;
        concatenated += slurp(file);
    }
    CHECK(kinds[EventKind::exec] == 4);
    CHECK(kinds[EventKind::exit] == 4);
    CHECK(kinds[EventKind::network] == 3);
    CHECK(kinds[EventKind::open] == 2);
    CHECK(skipped == 2);

    // One stream of pretty-printed objects back to back, as a file export may be.
    TempDir dir;
    std::string all = dir.file("all.json");
    write_text(all, concatenated);
    TetragonSource source(all, {.strict = true});
    auto events = read_all(source);
    CHECK(events.size() == 13);
    CHECK(source.counters().skipped == 2);
    CHECK(events.front().kind == EventKind::network);  // files sort close, connect, exec, ...
    CHECK(events.front().pid == 115153);
}

TEST_CASE("arguments are split like a shell splits simple quoting") {
    TempDir dir;
    std::string path = dir.file("exec.json");
    auto exec_with = [&](const std::string& arguments) {
        write_text(path, record("process_exec", "") + "\n");
        std::string text = slurp(path);
        auto at = text.find(R"("arguments":"--serve")");
        REQUIRE(at != std::string::npos);
        text.replace(at, 21, R"("arguments":)" + arguments);
        write_text(path, text);
        auto events = read_file(path, {.strict = true});
        REQUIRE(events.size() == 1);
        return events[0].exec.argv;
    };
    using Args = std::vector<std::string>;

    CHECK(exec_with(R"("-c \"PORT=9080 python app.py\"")") ==
          Args{"/usr/bin/app", "-c", "PORT=9080 python app.py"});
    CHECK(exec_with(R"("a  'b c'  \"d \\\"e\\\"\" f\\ g")") ==
          Args{"/usr/bin/app", "a", "b c", "d \"e\"", "f g"});
    CHECK(exec_with(R"("''")") == Args{"/usr/bin/app", ""});
    CHECK(exec_with(R"("\"unterminated quote")") == Args{"/usr/bin/app", "unterminated quote"});
    CHECK(exec_with(R"("")") == Args{"/usr/bin/app"});
}

TEST_CASE("hand-written records map process, container and time fields") {
    TempDir dir;
    std::string path = dir.file("export.json");
    std::string lines = record("process_exec", "") + "\n" +
                        record("process_exit", R"(,"signal":"SIGKILL")") + "\n" +
                        record("process_exit", R"(,"status":3)") + "\n" +
                        record("process_exec", "", R"(,"time":"2024-03-01T13:00:00.5+01:00")") +
                        "\n" + record("process_exec", "", "") + "\n" +
                        R"({"rate_limit_info":{"number_of_dropped_process_events":"42"},)"
                        R"("time":"2024-03-01T12:00:00.5Z"})" +
                        "\n";
    write_text(path, lines);

    TetragonSource source(path, {.strict = true});
    auto events = read_all(source);
    REQUIRE(events.size() == 6);

    CHECK(events[0].workload == "container:abc123");
    CHECK(events[0].uid == 33);
    CHECK(events[0].ppid == 899);
    CHECK(events[0].exec.cwd == "/srv");
    CHECK(events[0].time_ns == noon_and_a_half);

    CHECK(events[1].exit_code == 9);                     // killed by SIGKILL
    CHECK(events[2].exit_code == 3 << 8);                // exit(3), as a wait status
    CHECK(events[3].time_ns == noon_and_a_half);         // the same instant written with an offset
    CHECK(events[4].time_ns == 1709294399000000000ull);  // no "time": the start time

    CHECK(events[5].kind == EventKind::lost);
    CHECK(events[5].lost_count == 42);
    CHECK(source.counters().lost[static_cast<std::size_t>(EventKind::lost)] == 42);
}

TEST_CASE("processes outside a container belong to the host workload") {
    TempDir dir;
    std::string path = dir.file("host.json");
    write_text(path,
               R"({"process_exec":{"process":{"pid":1,"binary":"/sbin/init"}},)"
               R"("time":"2024-03-01T12:00:00Z"})"
               "\n"
               R"({"process_exec":{"process":{"pid":2,"binary":"/bin/sh","docker":"3f9a1c"}},)"
               R"("time":"2024-03-01T12:00:00Z"})"
               "\n");
    auto events = read_file(path, {.strict = true});
    REQUIRE(events.size() == 2);
    CHECK(events[0].workload == "host");
    CHECK(events[0].ppid == 0);
    CHECK(events[1].workload == "container:3f9a1c");
}

TEST_CASE("kprobes on socket and file hooks map to network and open events") {
    TempDir dir;
    std::string path = dir.file("kprobes.json");
    auto kprobe = [](const std::string& function, const std::string& args) {
        return record("process_kprobe",
                      R"(,"function_name":")" + function + R"(","args":)" + args) +
               "\n";
    };
    write_text(
        path,
        kprobe("tcp_connect",
               R"([{"sock_arg":{"family":"AF_INET6","type":"SOCK_STREAM","protocol":"IPPROTO_TCP",)"
               R"("saddr":"fd00::2","daddr":"fd00::9","sport":40000,"dport":5432}}])") +
            kprobe("inet_csk_listen_start",
                   R"([{"sock_arg":{"family":"AF_INET","protocol":"IPPROTO_TCP",)"
                   R"("saddr":"0.0.0.0","daddr":"0.0.0.0","sport":8080,"dport":0}}])") +
            kprobe("security_file_permission",
                   R"([{"file_arg":{"path":"var/log/app.log"}},{"int_arg":2}])") +
            kprobe("security_file_permission",
                   R"([{"file_arg":{"path":"etc/hosts"}},{"int_arg":4}])") +
            kprobe("__x64_sys_openat",
                   R"([{"int_arg":-100},{"string_arg":"data/x.db"},{"int_arg":66}])") +
            kprobe("__arm64_sys_openat", R"([{"int_arg":7},{"string_arg":"rel"},{"int_arg":0}])") +
            kprobe("fd_install", R"([{"int_arg":3},{"file_arg":{"path":"/proc/self/maps"}}])") +
            kprobe("security_bprm_check", R"([{"linux_binprm_arg":{"path":"/bin/ls"}}])") +
            kprobe("tcp_close", R"([{"sock_arg":{"family":"AF_INET"}}])"));

    TetragonSource source(path, {.strict = true});
    auto events = read_all(source);
    REQUIRE(events.size() == 7);

    CHECK(events[0].net.op == NetOp::connect);
    CHECK(events[0].net.family == NetFamily::inet6);
    CHECK(events[0].net.address == "fd00::9");
    CHECK(events[0].net.port == 5432);
    CHECK(events[1].net.op == NetOp::listen);
    CHECK(events[1].net.address == "0.0.0.0");
    CHECK(events[1].net.port == 8080);

    CHECK(events[2].path == "/var/log/app.log");
    CHECK(events[2].flags == 01);  // MAY_WRITE
    CHECK(events[3].path == "/etc/hosts");
    CHECK(events[3].flags == 0);                // MAY_READ
    CHECK(events[4].path == "/srv/data/x.db");  // relative to the cwd through AT_FDCWD
    CHECK(events[4].flags == 66);               // O_RDWR|O_CREAT as passed
    CHECK(events[5].path == "rel");             // relative to an unknown directory fd
    CHECK(events[6].path == "/proc/self/maps");

    // Hooks without an rtguard counterpart are counted, with the function named.
    CHECK(source.counters().skipped == 2);
    auto messages = source.skip_messages();
    REQUIRE(messages.size() == 2);
    CHECK(messages[0] == path +
                             ":line 8: process_kprobe on \"security_bprm_check\" has no rtguard "
                             "counterpart; skipped");
    CHECK(messages[1].find(":line 9: process_kprobe on \"tcp_close\"") != std::string::npos);
}

TEST_CASE("malformed tetragon records are skipped naming line and JSON path") {
    TempDir dir;
    std::string path = dir.file("bad.json");
    write_text(path, record("process_exec", "") + "\n" +  // line 1
                         "{\"process_exec\":\n" +         // line 2
                         R"({"process_exec":{"process":{"uid":1}},"time":"2024-03-01T12:00:00Z"})" +
                         "\n" +                                                         // line 3
                         record("process_exit", "", R"(,"time":"yesterday")") + "\n" +  // line 4
                         record("process_kprobe", "") + "\n" +                          // line 5
                         R"({"node_name":"n1"})" + "\n" +                               // line 6
                         record("process_exit", "", "") + "\n" +                        // line 7
                         record("process_exec", "") + "\n");                            // line 8

    TetragonSource source(path);
    auto events = read_all(source);
    REQUIRE(events.size() == 2);
    CHECK(source.counters().skipped == 6);
    auto m = source.skip_messages();
    REQUIRE(m.size() == 6);
    CHECK(m[0].rfind(path + ":line 2: invalid JSON", 0) == 0);
    CHECK(m[1] == path + ":line 3: $.process_exec.process.pid: required member is missing");
    CHECK(m[2] == path +
                      ":line 4: $.time: expected an RFC 3339 time such as "
                      "2022-01-19T16:29:02.021Z, found \"yesterday\"");
    CHECK(m[3] == path + ":line 5: $.process_kprobe.function_name: required member is missing");
    CHECK(m[4] == path + ":line 6: $: expected an event member such as process_exec");
    CHECK(m[5] == path + ":line 7: $.time: required member is missing");

    TetragonSource strict(path, {.strict = true});
    std::vector<Event> out;
    CHECK_THROWS_WITH_AS(strict.next_batch(out, 10), doctest::Contains((path + ":line 2:").c_str()),
                         Error);
}

TEST_CASE("a pretty-printed export with a damaged object resumes at the next object") {
    TempDir dir;
    std::string path = dir.file("pretty.json");
    write_text(path,
               "{\n  \"process_exec\": {\n    \"process\": {\"pid\": 1, \"binary\": \"/a\"}\n"
               "  },\n  \"time\": \"2024-03-01T12:00:00Z\"\n}\n"
               "{\n  \"process_exec\": {\n    \"process\": {\"pid\": \"x\"}\n  },\n"
               "  \"time\": \"2024-03-01T12:00:00Z\"\n}\n"
               "{\n  \"process_exit\": {\n    \"process\": {\"pid\": 3}\n  },\n"
               "  \"time\": \"2024-03-01T12:00:01Z\"\n}\n"
               "{\n  \"process_exec\": {\n    \"process\": {\"pid\": 4");
    TetragonSource source(path);
    auto events = read_all(source);
    REQUIRE(events.size() == 2);
    CHECK(events[0].pid == 1);
    CHECK(events[1].pid == 3);
    CHECK(events[1].kind == EventKind::exit);
    auto m = source.skip_messages();
    REQUIRE(m.size() == 2);
    CHECK(m[0] == path +
                      ":line 7: $.process_exec.process.pid: expected a non-negative integer, "
                      "found a string");
    CHECK(m[1].rfind(path + ":line 19: truncated record at end of input", 0) == 0);
}

TEST_CASE("an oversized tetragon record is dropped while reading and counted") {
    TempDir dir;
    std::string path = dir.file("long.json");
    write_text(path, record("process_exec", R"(,"pad":")" + std::string(5000, 'p') + "\"") + "\n" +
                         record("process_exec", "") + "\n");
    TetragonSource source(path, {.strict = false, .max_line_bytes = 4096});
    auto events = read_all(source);
    CHECK(events.size() == 1);
    REQUIRE(source.skip_messages().size() == 1);
    CHECK(source.skip_messages()[0] == path + ":line 1: record longer than 4096 bytes");
}

TEST_CASE("an export cut at any point is read without a crash, only whole records kept") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    std::string text;
    for (const auto& name : {"03_chapter__00_four_golden_signals__process_connect.json",
                             "03_chapter__00_four_golden_signals__process_exec.json",
                             "03_chapter__00_four_golden_signals__process_kprobe.json"}) {
        text += slurp(data / "traces/tetragon/book" / name);
    }

    TempDir dir;
    std::string path = dir.file("cut.json");
    for (std::size_t cut = 0; cut <= text.size(); cut += 101) {
        CAPTURE(cut);
        write_text(path, text.substr(0, cut));
        TetragonSource source(path);
        auto events = read_all(source);
        CHECK(events.size() <= 3);
        // A cut inside a record costs that record only, and says so.
        CHECK(source.counters().skipped <= 1);
        CHECK(events.size() + source.counters().skipped >= (cut > 0 ? 1u : 0u));
    }
}

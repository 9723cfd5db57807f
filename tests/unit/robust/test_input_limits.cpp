// Input limits: every reader bounds what a hostile file can make it hold or do (line length,
// string length, nesting depth, entry counts), and what one reader hands out stays within what
// the next one in the pipeline accepts.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "rtguard/baseline.hpp"
#include "rtguard/error.hpp"
#include "rtguard/replay.hpp"
#include "rtguard/sbom.hpp"
#include "rtguard/tetragon.hpp"
#include "test_support.hpp"

using namespace rtguard;
using rtguard::testing::TempDir;

namespace {

void write_text(const std::string& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    REQUIRE(out.good());
}

std::vector<Event> read_all(EventSource& source) {
    std::vector<Event> events;
    while (source.next_batch(events, 16) > 0) {
    }
    return events;
}

// A Tetragon kprobe record on fd_install / openat with the given process cwd and arguments.
std::string kprobe(const std::string& function, const std::string& cwd, const std::string& args) {
    return R"({"process_kprobe":{"process":{"pid":9,"binary":"/usr/bin/app","cwd":")" + cwd +
           R"("},"function_name":")" + function + R"(","args":)" + args +
           R"(},"time":"2024-03-01T12:00:00Z"})"
           "\n";
}

constexpr std::size_t string_limit = 65536;  // TetragonSource and ReplayLimits::max_string_bytes

}  // namespace

TEST_CASE("a Tetragon path made absolute past the string limit is refused, not handed out") {
    TempDir dir;
    std::string path = dir.file("export.json");

    // Each piece is within the limit; joined with the cwd, or given its leading slash, the
    // path is not, and a recording of it could not be read back.
    std::string cwd(40000, 'c');
    std::string relative(30000, 'r');
    std::string bare(string_limit, 'f');
    write_text(path, kprobe("__x64_sys_openat", "/" + cwd,
                            R"([{"int_arg":-100},{"string_arg":")" + relative + R"("}])") +
                         kprobe("fd_install", "/", R"([{"file_arg":{"path":")" + bare + R"("}}])") +
                         kprobe("fd_install", "/", R"([{"file_arg":{"path":"etc/hosts"}}])"));

    TetragonSource lenient(path);
    auto events = read_all(lenient);
    REQUIRE(events.size() == 1);
    CHECK(events[0].path == "/etc/hosts");
    CHECK(lenient.counters().skipped == 2);
    auto messages = lenient.skip_messages();
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].find("line 1: $.process_kprobe.args[1].string_arg: path longer than 65536 "
                           "bytes once made absolute") != std::string::npos);
    CHECK(messages[1].find("line 2: $.process_kprobe.args[0].file_arg") != std::string::npos);

    TetragonSource strict(path, {.strict = true});
    try {
        read_all(strict);
        FAIL("a path past the limit was accepted in strict mode");
    } catch (const Error& e) {
        CHECK(e.code() == make_error_code(errc::limit_exceeded));
        CHECK(e.file() == path);
        CHECK(e.where() == "line 1");
    }
}

TEST_CASE("a Tetragon container id too long for a workload key is refused") {
    // The id fits the string limit, but "container:" before it would not: the key could not
    // be recorded. (With a "containerd://" scheme the field itself would pass the limit first.)
    TempDir dir;
    std::string path = dir.file("export.json");
    std::string id(string_limit - 4, 'a');
    write_text(path, R"({"process_exec":{"process":{"pid":9,"binary":"/bin/sh","docker":")" + id +
                         R"("}},"time":"2024-03-01T12:00:00Z"})"
                         "\n");
    TetragonSource source(path);
    CHECK(read_all(source).empty());
    REQUIRE(source.skip_messages().size() == 1);
    INFO(source.skip_messages()[0].substr(0, 200));
    CHECK(source.skip_messages()[0].find("$.process_exec.process: container id longer than "
                                         "65526 bytes") != std::string::npos);
}

TEST_CASE("every event a Tetragon import hands out can be recorded and replayed unchanged") {
    TempDir dir;
    std::string path = dir.file("export.json");
    std::string longest(string_limit - 1, 'p');  // with its leading slash: exactly the limit
    write_text(path, kprobe("fd_install", "/", R"([{"file_arg":{"path":")" + longest + R"("}}])") +
                         kprobe("__x64_sys_openat", "/srv",
                                R"([{"int_arg":-100},{"string_arg":"data/\u00e9t\u00e9"}])"));
    TetragonSource source(path, {.strict = true});
    auto events = read_all(source);
    REQUIRE(events.size() == 2);

    std::string recording = dir.file("events.jsonl");
    {
        Recorder recorder(recording);
        for (const Event& e : events)
            recorder.write(e);
        recorder.close();
    }
    ReplaySource replay(recording, {.strict = true});
    auto again = read_all(replay);
    REQUIRE(again.size() == events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        CHECK(event_to_json(again[i]) == event_to_json(events[i]));
    }
    CHECK(again[0].path.size() == string_limit);
}

TEST_CASE("a baseline nested far deeper than any real one is refused, not a stack overflow") {
    // Found by the limit audit: the syntax-error locator walked the document recursively
    // without a bound, so a 400 KB file of brackets overflowed the stack.
    constexpr std::size_t depth = 200000;
    std::string brackets = std::string(depth, '[') + std::string(depth, ']');
    std::string wrapped =
        R"({"format":"rtguard-baseline","schema":1,"content_hash":"","profiles":)" + brackets + "}";
    for (const std::string& text : {brackets, wrapped}) {
        try {
            (void)Baseline::from_json(text, "deep.json");
            FAIL("a deeply nested baseline was accepted");
        } catch (const Error& e) {
            CHECK(e.code() == make_error_code(errc::limit_exceeded));
            CHECK(e.file() == "deep.json");
            CHECK(e.message() == "nested deeper than 1024 levels");
        }
    }
}

TEST_CASE("deeply nested SBOM, replay and Tetragon input is refused with a message") {
    constexpr std::size_t depth = 100000;
    std::string brackets = std::string(depth, '[') + std::string(depth, ']');
    CHECK_THROWS_AS((void)Sbom::parse(brackets, "deep.json"), Error);

    TempDir dir;
    std::string replay = dir.file("deep.jsonl");
    write_text(replay,
               std::string(R"({"format":"rtguard-events","schema":1})") + "\n" + brackets + "\n");
    ReplaySource source(replay);
    CHECK(read_all(source).empty());
    REQUIRE(source.skip_messages().size() == 1);
    CHECK(source.skip_messages()[0].find("line 2: invalid JSON: nested too deeply") !=
          std::string::npos);

    std::string tetragon = dir.file("deep.json");
    write_text(tetragon, brackets + "\n");
    TetragonSource export_source(tetragon);
    CHECK(read_all(export_source).empty());
    CHECK(export_source.counters().skipped == 1);
}

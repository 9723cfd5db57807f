#include <doctest/doctest.h>

#include <fstream>

#include "core/atomic_file.hpp"
#include "core/json_writer.hpp"
#include "rtguard/error.hpp"
#include "rtguard/event.hpp"
#include "test_support.hpp"

using namespace rtguard;

TEST_CASE("an error message names the file and the place") {
    Error e(errc::parse_error, "expected a string", "events.jsonl", "line 3");
    CHECK(std::string(e.what()) == "events.jsonl:line 3: expected a string");
    CHECK(e.code() == errc::parse_error);
    CHECK(e.file() == "events.jsonl");
    CHECK(e.where() == "line 3");
}

TEST_CASE("an error from the operating system keeps its errno") {
    auto e = Error::from_errno(ENOENT, "cannot open", "/nonexistent");
    CHECK(e.code().value() == ENOENT);
    CHECK(e.code().category() == std::system_category());
}

TEST_CASE("event kinds round-trip through their names") {
    for (int k = 1; k < static_cast<int>(event_kind_count); ++k) {
        auto kind = static_cast<EventKind>(k);
        CHECK(event_kind_from_string(to_string(kind)) == kind);
    }
    CHECK_FALSE(event_kind_from_string("execve").has_value());
}

TEST_CASE("open flags that write are recognized") {
    CHECK_FALSE(open_flags_write(0));         // O_RDONLY
    CHECK(open_flags_write(01));              // O_WRONLY
    CHECK(open_flags_write(02));              // O_RDWR
    CHECK(open_flags_write(0100));            // O_CREAT with O_RDONLY
    CHECK_FALSE(open_flags_write(02000000));  // O_CLOEXEC alone
}

TEST_CASE("json strings escape controls and replace invalid UTF-8") {
    std::string out;
    detail::append_json_string(out, std::string("a\"b\\c\n\x01", 7));
    CHECK(out == "\"a\\\"b\\\\c\\n\\u0001\"");

    out.clear();
    detail::append_json_string(out, "caf\xC3\xA9");
    CHECK(out == "\"caf\xC3\xA9\"");

    out.clear();
    detail::append_json_string(out, "bad\xFF");
    CHECK(out == "\"bad\xEF\xBF\xBD\"");

    CHECK(detail::valid_utf8("caf\xC3\xA9"));
    CHECK_FALSE(detail::valid_utf8("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(detail::valid_utf8("\xED\xA0\x80"));      // surrogate
    CHECK_FALSE(detail::valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
}

TEST_CASE("a byte field that is not UTF-8 carries its exact bytes in hex") {
    std::string out;
    detail::JsonWriter w(out);
    w.begin_object().bytes_field("path", "/tmp/\xFF").end_object();
    CHECK(out == "{\"path\":\"/tmp/\xEF\xBF\xBD\",\"path_hex\":\"2f746d702fff\"}");

    std::string back;
    REQUIRE(detail::from_hex("2f746d702fff", back));
    CHECK(back == "/tmp/\xFF");
    CHECK_FALSE(detail::from_hex("2g", back));
}

TEST_CASE("an atomic write replaces the file and leaves no temporary behind") {
    testing::TempDir dir;
    auto path = dir.file("baseline.json");
    detail::write_file_atomic(path, "old");
    detail::write_file_atomic(path, "new");
    CHECK(detail::read_file(path) == "new");
    int entries = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path()))
        ++entries;
    CHECK(entries == 1);
}

TEST_CASE("an atomic write that cannot complete keeps the previous content") {
    testing::TempDir dir;
    auto path = dir.file("x.json");
    detail::write_file_atomic(path, "kept");
    CHECK_THROWS_AS(detail::write_file_atomic(dir.file("missing/x.json"), "y"), Error);
    CHECK(detail::read_file(path) == "kept");
}

TEST_CASE("reading a missing file reports ENOENT and the path") {
    try {
        detail::read_file("/nonexistent/rtguard");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code().value() == ENOENT);
        CHECK(std::string(e.what()).find("/nonexistent/rtguard") != std::string::npos);
    }
}

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
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

TEST_CASE("an atomic write through a link replaces the file it names and keeps the link") {
    testing::TempDir dir;
    namespace fs = std::filesystem;
    detail::write_file_atomic(dir.file("real.json"), "old");
    fs::permissions(dir.file("real.json"), fs::perms::owner_read | fs::perms::owner_write);
    fs::create_symlink("real.json", dir.file("link.json"));
    fs::create_symlink(dir.file("link.json"), dir.file("chain.json"));
    fs::create_symlink("made-now.json", dir.file("dangling.json"));

    detail::write_file_atomic(dir.file("chain.json"), "new");
    CHECK(fs::is_symlink(dir.file("chain.json")));
    CHECK(fs::is_symlink(dir.file("link.json")));
    CHECK(detail::read_file(dir.file("real.json")) == "new");
    CHECK(fs::status(dir.file("real.json")).permissions() ==
          (fs::perms::owner_read | fs::perms::owner_write));

    detail::write_file_atomic(dir.file("dangling.json"), "made");
    CHECK(fs::is_symlink(dir.file("dangling.json")));
    CHECK(detail::read_file(dir.file("made-now.json")) == "made");

    auto target = detail::resolve_output(dir.file("chain.json"));
    CHECK_FALSE(target.in_place);
    CHECK(fs::equivalent(target.path, dir.file("real.json")));
    CHECK(target.existed);
}

TEST_CASE("an atomic write to a pipe or device writes into it, a directory is refused") {
    testing::TempDir dir;
    testing::FifoReader fifo(dir.file("out.fifo"));
    detail::write_file_atomic(fifo.path(), "through the pipe");
    CHECK(fifo.text() == "through the pipe");
    struct stat st {};
    REQUIRE(::lstat(fifo.path().c_str(), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));

    // A node like /dev/null, made here (as root) so that a fault cannot break the real one.
    std::string null_node = dir.file("null");
    if (::mknod(null_node.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) == 0) {
        CHECK(detail::resolve_output(null_node).in_place);
        detail::write_file_atomic(null_node, "gone");
        REQUIRE(::lstat(null_node.c_str(), &st) == 0);
        CHECK(S_ISCHR(st.st_mode));
    } else {
        MESSAGE("not root: the device node case is left out");
    }

    try {
        detail::write_file_atomic(dir.path().string(), "x");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.code().value() == EISDIR);
        CHECK(std::string(e.what()).find(dir.path().string()) != std::string::npos);
    }
}

TEST_CASE("a path to one of the process's own descriptors writes to that descriptor") {
    testing::TempDir dir;
    std::string file = dir.file("kept.txt");
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, "first\n", 6) == 6);
    for (const std::string& alias :
         {"/proc/self/fd/" + std::to_string(fd), "/dev/fd/" + std::to_string(fd)}) {
        auto target = detail::resolve_output(alias);
        CHECK(target.fd == fd);
        CHECK(target.in_place);
        detail::write_file_atomic(alias, "more\n");
    }
    ::close(fd);
    // Appended through the open descriptor: the file was not replaced.
    CHECK(detail::read_file(file) == "first\nmore\nmore\n");
    CHECK(detail::resolve_output("/dev/stdout").fd == 1);
    CHECK_THROWS_WITH_AS(detail::resolve_output(""), doctest::Contains("output path is empty"),
                         Error);
}

TEST_CASE("reading a device is refused instead of filling memory") {
    CHECK_THROWS_WITH_AS(detail::read_file("/dev/zero"),
                         doctest::Contains("not a regular file or a pipe"), Error);
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

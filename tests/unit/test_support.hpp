// Helpers shared by the unit suites.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>

#include <doctest/doctest.h>

namespace rtguard::testing {

/// ../shared/data when present; empty otherwise (callers skip with a message).
inline std::optional<std::filesystem::path> shared_data() {
    const char* env = std::getenv("RTGUARD_SHARED_DATA");
    std::filesystem::path p = env ? env : "../shared/data";
    // Absolute: tests write files that name it and are read from other directories.
    if (std::filesystem::is_directory(p)) return std::filesystem::absolute(p);
    return std::nullopt;
}

/// A fresh empty directory under the system temp directory, removed at scope exit.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "rtguard-test-XXXXXX");
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

/// A FIFO at `path` and a thread that reads it to the end; text() waits for the writer to
/// close it and returns what came through.
class FifoReader {
public:
    explicit FifoReader(std::string path) : path_(std::move(path)) {
        if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
        reader_ = std::thread([this] {
            std::ifstream in(path_, std::ios::binary);
            got_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        });
    }
    ~FifoReader() {
        // A reader still waiting for a writer gets one that closes at once, and ends.
        int fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) ::close(fd);
        if (reader_.joinable()) reader_.join();
    }
    const std::string& path() const { return path_; }
    const std::string& text() {
        if (reader_.joinable()) reader_.join();
        return got_;
    }

private:
    std::string path_;
    std::string got_;
    std::thread reader_;
};

}  // namespace rtguard::testing

/// Skips the rest of a test case when the shared test data is absent, saying so.
#define RTGUARD_REQUIRE_SHARED_DATA(var)                                                 \
    auto var##_opt = ::rtguard::testing::shared_data();                                  \
    if (!var##_opt) {                                                                    \
        MESSAGE("SKIP: ../shared/data is absent (set RTGUARD_SHARED_DATA to run this)"); \
        return;                                                                          \
    }                                                                                    \
    const std::filesystem::path& var = *var##_opt

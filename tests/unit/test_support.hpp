// Helpers shared by the unit suites.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

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

}  // namespace rtguard::testing

/// Skips the rest of a test case when the shared test data is absent, saying so.
#define RTGUARD_REQUIRE_SHARED_DATA(var)                                                 \
    auto var##_opt = ::rtguard::testing::shared_data();                                  \
    if (!var##_opt) {                                                                    \
        MESSAGE("SKIP: ../shared/data is absent (set RTGUARD_SHARED_DATA to run this)"); \
        return;                                                                          \
    }                                                                                    \
    const std::filesystem::path& var = *var##_opt

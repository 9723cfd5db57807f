// Helpers shared by the libFuzzer harnesses: an in-memory file for readers that take a path,
// and a check that turns a broken invariant into a crash libFuzzer records.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

/// Aborts with a message when an invariant of the code under test does not hold; libFuzzer
/// then saves the input as a crash.
#define RTGUARD_FUZZ_CHECK(cond, what)                                                            \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            std::fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, __LINE__, #cond, \
                         std::string(what).c_str());                                              \
            std::abort();                                                                         \
        }                                                                                         \
    } while (0)

namespace rtguard::fuzz {

/// A memfd that readers open by path (/proc/self/fd/N). It is created once per process and
/// refilled for each input, so a run costs no file-system work; every open of the path starts
/// at offset 0 with its own file description.
class MemFile {
public:
    explicit MemFile(const char* name) {
        fd_ = ::memfd_create(name, MFD_CLOEXEC);
        if (fd_ < 0) {
            std::perror("memfd_create");
            std::abort();
        }
        path_ = "/proc/self/fd/" + std::to_string(fd_);
    }
    ~MemFile() { ::close(fd_); }
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;

    /// Replaces the content with `data` and returns the path to open.
    const std::string& fill(std::string_view data) {
        if (::ftruncate(fd_, 0) != 0) fatal("ftruncate");
        std::size_t done = 0;
        while (done < data.size()) {
            ssize_t n =
                ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) fatal("pwrite");
            done += static_cast<std::size_t>(n);
        }
        return path_;
    }

    const std::string& path() const noexcept { return path_; }

private:
    [[noreturn]] static void fatal(const char* what) {
        std::perror(what);
        std::abort();
    }

    int fd_ = -1;
    std::string path_;
};

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace rtguard::fuzz

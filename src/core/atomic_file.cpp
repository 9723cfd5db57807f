#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "rtguard/error.hpp"

namespace rtguard::detail {
namespace {

void write_all(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error::from_errno(errno, "cannot write", path);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string directory_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

}  // namespace

void check_writable(const std::string& path) {
    if (path == "-") return;
    std::string tmp = path + ".tmp.XXXXXX";
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) throw Error::from_errno(errno, "cannot create temporary file", path);
    ::close(fd);
    ::unlink(tmp.c_str());
}

void write_file_atomic(const std::string& path, std::string_view content) {
    if (path == "-") {
        write_all(STDOUT_FILENO, content, "<stdout>");
        return;
    }

    // Write the new content beside the target, so that the rename stays on one filesystem.
    std::string tmp = path + ".tmp.XXXXXX";
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) throw Error::from_errno(errno, "cannot create temporary file", path);
    try {
        write_all(fd, content, tmp);
        if (::fchmod(fd, 0644) != 0) throw Error::from_errno(errno, "cannot chmod", tmp);
        if (::fsync(fd) != 0) throw Error::from_errno(errno, "cannot sync", tmp);
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (::close(fd) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw Error::from_errno(err, "cannot close", tmp);
    }

    // Replace the target in one step, then make the rename itself durable.
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw Error::from_errno(err, "cannot rename into place", path);
    }
    int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
}

std::string read_file(const std::string& path, std::size_t max_bytes) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error::from_errno(errno, "cannot open", path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        throw Error::from_errno(err, "cannot stat", path);
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw Error::from_errno(EISDIR, "cannot read", path);
    }

    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            throw Error::from_errno(err, "cannot read", path);
        }
        if (n == 0) break;
        if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
            ::close(fd);
            throw Error(errc::limit_exceeded,
                        "file is larger than " + std::to_string(max_bytes) + " bytes", path);
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

}  // namespace rtguard::detail

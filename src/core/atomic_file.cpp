#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <memory>
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

OutputTarget resolve_output(const std::string& path) {
    OutputTarget out;
    out.path = path;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) throw Error::from_errno(EISDIR, "cannot write", path);
        out.mode = st.st_mode & 07777;
        if (!S_ISREG(st.st_mode)) {
            // Opened by its own name, which also reaches a pipe behind /dev/stdout.
            out.in_place = true;
            return out;
        }
        // The file a chain of links ends at: it is replaced, the links stay.
        std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr),
                                                         &std::free);
        if (!real) throw Error::from_errno(errno, "cannot resolve", path);
        out.path = real.get();
        return out;
    }
    if (errno != ENOENT) throw Error::from_errno(errno, "cannot write", path);

    // No file yet, or a link to a file still to be made: follow the links by hand.
    for (int hops = 0;; ++hops) {
        if (::lstat(out.path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return out;
        if (hops >= 40) throw Error::from_errno(ELOOP, "cannot write", path);
        std::string link(PATH_MAX, '\0');
        ssize_t n = ::readlink(out.path.c_str(), link.data(), link.size());
        if (n < 0) throw Error::from_errno(errno, "cannot read the link", path);
        link.resize(static_cast<std::size_t>(n));
        out.path = link.starts_with('/') ? link : directory_of(out.path) + "/" + link;
    }
}

void check_writable(const std::string& path) {
    if (path == "-") return;
    OutputTarget target = resolve_output(path);
    if (target.in_place) {
        if (::access(target.path.c_str(), W_OK) != 0) {
            throw Error::from_errno(errno, "cannot write", path);
        }
        return;
    }
    std::string tmp = target.path + ".tmp.XXXXXX";
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) throw Error::from_errno(errno, "cannot create a temporary file for", path);
    ::close(fd);
    ::unlink(tmp.c_str());
}

void write_file_atomic(const std::string& path, std::string_view content) {
    if (path == "-") {
        write_all(STDOUT_FILENO, content, "<stdout>");
        return;
    }
    OutputTarget target = resolve_output(path);
    if (target.in_place) {
        int fd = ::open(target.path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) throw Error::from_errno(errno, "cannot open", path);
        try {
            write_all(fd, content, path);
        } catch (...) {
            ::close(fd);
            throw;
        }
        if (::close(fd) != 0) throw Error::from_errno(errno, "cannot close", path);
        return;
    }

    // Write the new content beside the target, so that the rename stays on one filesystem.
    // Errors name the output; the temporary file is gone by the time anyone reads them.
    std::string tmp = target.path + ".tmp.XXXXXX";
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) throw Error::from_errno(errno, "cannot create a temporary file for", path);
    try {
        write_all(fd, content, path);
        if (::fchmod(fd, target.mode) != 0) throw Error::from_errno(errno, "cannot chmod", path);
        if (::fsync(fd) != 0) throw Error::from_errno(errno, "cannot sync", path);
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (::close(fd) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw Error::from_errno(err, "cannot close", path);
    }

    // Replace the target in one step, then make the rename itself durable.
    if (::rename(tmp.c_str(), target.path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw Error::from_errno(err, "cannot rename into place", path);
    }
    int dir = ::open(directory_of(target.path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode)) {
        // /dev/zero would fill memory up to max_bytes; a pipe (/dev/stdin) is fine.
        ::close(fd);
        throw Error(errc::invalid_argument, "cannot read: not a regular file or a pipe", path);
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

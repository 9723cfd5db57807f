#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
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

// The descriptor of this process that `p` names (/proc/self/fd/N and its aliases, where
// /dev/stdout and /dev/fd lead), or -1.
int own_descriptor(const std::string& p) {
    const std::string prefixes[] = {"/proc/self/fd/", "/proc/thread-self/fd/", "/dev/fd/",
                                    "/proc/" + std::to_string(::getpid()) + "/fd/"};
    for (const auto& prefix : prefixes) {
        if (!p.starts_with(prefix)) continue;
        std::string_view n = std::string_view(p).substr(prefix.size());
        if (n.empty() || n.size() > 9 ||
            n.find_first_not_of("0123456789") != std::string_view::npos) {
            return -1;
        }
        return std::stoi(std::string(n));
    }
    return -1;
}

}  // namespace

OutputTarget resolve_output(const std::string& path) {
    if (path.empty()) throw Error(errc::invalid_argument, "the output path is empty");
    OutputTarget out;
    out.path = path;
    if (path == "-") {
        out.fd = STDOUT_FILENO;
        out.in_place = true;
        return out;
    }

    // Follow the links by hand: a link may name a file still to be made, or a descriptor of
    // this process, which is written as it is (with its offset and append mode).
    struct stat st {};
    for (int hops = 0;; ++hops) {
        if (int fd = own_descriptor(out.path); fd >= 0) {
            if (::fstat(fd, &st) != 0) throw Error::from_errno(errno, "cannot write", path);
            if (S_ISDIR(st.st_mode)) throw Error::from_errno(EISDIR, "cannot write", path);
            out.fd = fd;
            out.in_place = true;
            return out;
        }
        if (::lstat(out.path.c_str(), &st) != 0) {
            if (errno == ENOENT) return out;  // a new file, also at the end of a dangling link
            throw Error::from_errno(errno, "cannot write", path);
        }
        if (!S_ISLNK(st.st_mode)) break;
        if (hops >= 40) throw Error::from_errno(ELOOP, "cannot write", path);
        std::string link(PATH_MAX, '\0');
        ssize_t n = ::readlink(out.path.c_str(), link.data(), link.size());
        if (n < 0) throw Error::from_errno(errno, "cannot read the link", path);
        link.resize(static_cast<std::size_t>(n));
        out.path = link.starts_with('/') ? link : directory_of(out.path) + "/" + link;
    }
    if (S_ISDIR(st.st_mode)) throw Error::from_errno(EISDIR, "cannot write", path);
    if (S_ISSOCK(st.st_mode)) {
        throw Error(errc::invalid_argument, "cannot write: it is a socket", path);
    }
    out.in_place = !S_ISREG(st.st_mode);
    out.mode = st.st_mode & 07777;
    out.existed = true;
    out.uid = st.st_uid;
    out.gid = st.st_gid;
    return out;
}

int open_in_place(const OutputTarget& target, const std::string& path) {
    if (target.fd >= 0) return target.fd;
    int fd = ::open(target.path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) throw Error::from_errno(errno, "cannot open", path);
    return fd;
}

int create_temporary(const OutputTarget& target, std::string& tmp, const std::string& path) {
    tmp = target.path + ".tmp.XXXXXX";
    // Close-on-exec: a command rtguard starts must never reach what rtguard writes.
    int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0) throw Error::from_errno(errno, "cannot create a temporary file for", path);
    return fd;
}

void finish_temporary(int fd, const OutputTarget& target, const std::string& path) {
    // The owner first: chown clears set-id bits that chmod then puts back.
    if (target.existed && (target.uid != ::geteuid() || target.gid != ::getegid())) {
        if (::fchown(fd, target.uid, target.gid) != 0 && errno != EPERM) {
            throw Error::from_errno(errno, "cannot chown", path);
        }
    }
    if (::fchmod(fd, target.mode) != 0) throw Error::from_errno(errno, "cannot chmod", path);
    if (::fsync(fd) != 0) throw Error::from_errno(errno, "cannot sync", path);
}

void check_writable(const std::string& path) {
    if (path == "-") return;
    OutputTarget target = resolve_output(path);
    if (target.fd >= 0) {
        int flags = ::fcntl(target.fd, F_GETFL);
        if (flags < 0) throw Error::from_errno(errno, "cannot write", path);
        if ((flags & O_ACCMODE) == O_RDONLY) throw Error::from_errno(EBADF, "cannot write", path);
        return;
    }
    if (target.in_place) {
        if (::access(target.path.c_str(), W_OK) != 0) {
            throw Error::from_errno(errno, "cannot write", path);
        }
        return;
    }
    std::string tmp;
    ::close(create_temporary(target, tmp, path));
    ::unlink(tmp.c_str());
}

void write_file_atomic(const std::string& path, std::string_view content) {
    OutputTarget target = resolve_output(path);
    if (target.in_place) {
        int fd = open_in_place(target, path);
        bool own = target.fd < 0;
        try {
            write_all(fd, content, path == "-" ? "<stdout>" : path);
        } catch (...) {
            if (own) ::close(fd);
            throw;
        }
        if (own && ::close(fd) != 0) throw Error::from_errno(errno, "cannot close", path);
        return;
    }

    // Write the new content beside the target, so that the rename stays on one filesystem.
    // Errors name the output; the temporary file is gone by the time anyone reads them.
    std::string tmp;
    int fd = create_temporary(target, tmp, path);
    try {
        write_all(fd, content, path);
        finish_temporary(fd, target, path);
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

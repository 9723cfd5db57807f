// In-root path resolution and bounded reads of a root filesystem.
#include "sbom/rootfs_resolver.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include <fmt/format.h>

#include "rtguard/error.hpp"

namespace rtguard::detail {
namespace {

// Pushes the components of `path` onto `todo` so that the first one is popped first.
void push_components(std::vector<std::string>& todo, std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i < path.size()) {
        std::size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        if (j > i) parts.push_back(path.substr(i, j - i));
        i = j + 1;
    }
    for (auto it = parts.rbegin(); it != parts.rend(); ++it)
        todo.emplace_back(*it);
}

std::string join(const std::vector<std::string>& parts) {
    if (parts.empty()) return "/";
    std::string out;
    for (const auto& p : parts) {
        out += '/';
        out += p;
    }
    return out;
}

RootfsEntry entry_of(mode_t mode) {
    if (S_ISREG(mode)) return RootfsEntry::regular;
    if (S_ISDIR(mode)) return RootfsEntry::directory;
    if (S_ISLNK(mode)) return RootfsEntry::symlink;
    return RootfsEntry::other;
}

}  // namespace

RootfsResolver::RootfsResolver(const std::string& root, std::size_t max_symlinks)
    : root_(root), max_symlinks_(max_symlinks) {
    root_fd_ = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd_ < 0) throw Error::from_errno(errno, "cannot open the root filesystem", root);
}

RootfsResolver::~RootfsResolver() {
    truncate_chain(0);
    if (root_fd_ >= 0) ::close(root_fd_);
}

void RootfsResolver::truncate_chain(std::size_t depth) {
    while (chain_.size() > depth) {
        ::close(chain_.back().fd);
        chain_.pop_back();
    }
}

RootfsResolver::Resolved RootfsResolver::walk(std::string_view path, bool follow_last,
                                              std::size_t& parent_depth, std::string& last) {
    std::vector<std::string> todo;
    push_components(todo, path);
    std::vector<std::string> done;  // canonical components; equals chain_'s names while found
    bool missing = false;
    std::size_t links = 0;
    Resolved out;
    last.clear();
    parent_depth = 0;

    while (!todo.empty()) {
        std::string comp = std::move(todo.back());
        todo.pop_back();
        bool is_last = todo.empty();
        if (comp == ".") {
            if (is_last) out.entry = missing ? RootfsEntry::missing : RootfsEntry::directory;
            continue;
        }
        if (comp == "..") {
            // The root's parent is the root, as after chroot.
            if (!done.empty()) done.pop_back();
            if (is_last) out.entry = missing ? RootfsEntry::missing : RootfsEntry::directory;
            continue;
        }

        // Past a missing component the rest is text: nothing below can be looked at.
        if (missing) {
            done.push_back(std::move(comp));
            continue;
        }

        std::size_t depth = done.size();
        struct stat st;
        if (::fstatat(dir_fd(depth), comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT && errno != ENOTDIR && errno != EACCES && errno != ENAMETOOLONG)
                throw Error::from_errno(errno, "cannot look at this path",
                                        display(join(done) + "/" + comp));
            parent_depth = depth;
            last = comp;
            missing = true;
            done.push_back(std::move(comp));
            continue;
        }

        // A symlink's target replaces it: absolute targets start over at the root.
        if (S_ISLNK(st.st_mode) && (!is_last || follow_last)) {
            if (++links > max_symlinks_)
                throw Error(std::error_code(ELOOP, std::system_category()),
                            "too many levels of symbolic links resolving " + std::string(path),
                            root_);
            // Targets are at most PATH_MAX bytes (the kernel refuses longer ones).
            std::string target(PATH_MAX + 1, '\0');
            ssize_t n = ::readlinkat(dir_fd(depth), comp.c_str(), target.data(), target.size());
            if (n < 0 || static_cast<std::size_t>(n) >= target.size() || n == 0) {
                // Changed under us, or an empty target: the kernel would fail with ENOENT.
                parent_depth = depth;
                last = comp;
                missing = true;
                done.push_back(std::move(comp));
                continue;
            }
            target.resize(static_cast<std::size_t>(n));
            if (target[0] == '/') done.clear();
            push_components(todo, target);
            if (todo.empty()) out.entry = RootfsEntry::directory;  // target was "/"
            continue;
        }

        if (is_last) {
            parent_depth = depth;
            last = comp;
            out.entry = entry_of(st.st_mode);
            done.push_back(std::move(comp));
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            // "file/more": ENOTDIR for the kernel; keep the text.
            parent_depth = depth + 1;
            missing = true;
            done.push_back(std::move(comp));
            continue;
        }

        // Descend, reusing the open directory of the previous walk when it is the same.
        if (chain_.size() > depth && chain_[depth].name == comp) {
            done.push_back(std::move(comp));
            continue;
        }
        truncate_chain(depth);
        int fd =
            ::openat(dir_fd(depth), comp.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            // Replaced between the look and the open (a symlink now gives ENOTDIR/ELOOP).
            parent_depth = depth;
            last = comp;
            missing = true;
            done.push_back(std::move(comp));
            continue;
        }
        chain_.push_back({comp, fd});
        done.push_back(std::move(comp));
    }

    if (missing) out.entry = RootfsEntry::missing;
    if (done.empty() && !missing) out.entry = RootfsEntry::directory;
    out.path = join(done);
    return out;
}

RootfsResolver::Resolved RootfsResolver::resolve(std::string_view path, bool follow_last) {
    std::size_t parent_depth = 0;
    std::string last;
    return walk(path, follow_last, parent_depth, last);
}

std::string RootfsResolver::display(std::string_view path) const {
    while (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    std::string out = root_;
    if (out.empty() || out.back() != '/') out += '/';
    out += path;
    return out;
}

std::optional<std::string> RootfsResolver::read_file_if_exists(std::string_view path,
                                                               std::size_t max_bytes) {
    std::string name = display(path);
    std::size_t parent_depth = 0;
    std::string last;
    Resolved r = walk(path, true, parent_depth, last);
    if (r.entry == RootfsEntry::missing) return std::nullopt;
    if (r.entry != RootfsEntry::regular)
        throw Error(errc::bad_value, "not a regular file (resolved to " + r.path + ")", name);

    // O_NOFOLLOW: a symlink put there since the walk is refused, not followed.
    int fd = ::openat(dir_fd(parent_depth), last.c_str(),
                      O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) throw Error::from_errno(errno, "cannot open", name);
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(errc::bad_value, "not a regular file", name);
    }
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
        ::close(fd);
        throw Error(errc::limit_exceeded,
                    fmt::format("file of {} bytes is larger than the limit of {} bytes", st.st_size,
                                max_bytes),
                    name);
    }

    // The file may grow while read: stop one byte past the limit.
    std::string out;
    out.resize(static_cast<std::size_t>(st.st_size) + 1);
    std::size_t used = 0;
    for (;;) {
        if (used == out.size()) {
            if (out.size() > max_bytes) break;
            out.resize(std::min(max_bytes + 1, out.size() * 2 + 4096));
        }
        ssize_t n = ::read(fd, out.data() + used, out.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            throw Error::from_errno(err, "cannot read", name);
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (used > max_bytes)
        throw Error(errc::limit_exceeded,
                    fmt::format("file grew past the limit of {} bytes while read", max_bytes),
                    name);
    out.resize(used);
    return out;
}

std::string RootfsResolver::read_file(std::string_view path, std::size_t max_bytes) {
    auto content = read_file_if_exists(path, max_bytes);
    if (!content)
        throw Error::from_errno(ENOENT, "no such file in the root filesystem", display(path));
    return std::move(*content);
}

std::vector<std::string_view> split_lines(std::string_view text, std::size_t max_line,
                                          const std::string& file) {
    std::vector<std::string_view> lines;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t j = text.find('\n', i);
        if (j == std::string_view::npos) j = text.size();
        if (j - i > max_line)
            throw Error(errc::limit_exceeded,
                        fmt::format("line longer than the limit of {} bytes", max_line), file,
                        fmt::format("line {}", lines.size() + 1));
        lines.push_back(text.substr(i, j - i));
        i = j + 1;
    }
    return lines;
}

}  // namespace rtguard::detail

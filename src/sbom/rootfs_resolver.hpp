// Internal: paths inside a root filesystem that may be hostile, resolved the way the kernel
// would for a process chrooted there, without ever leaving it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtguard::detail {

/// What a resolved path names.
enum class RootfsEntry { missing, regular, directory, symlink, other };

/// Walks paths one component at a time from a directory descriptor of the root: absolute
/// symlink targets restart at the root, ".." stops at the root, and every directory is
/// opened with O_NOFOLLOW, so a symlink swapped in behind a check fails instead of leading
/// outside. Keeps the descriptors of the last directory chain open, which makes resolving
/// the files of one directory in a row cheap. Not thread-safe.
class RootfsResolver {
public:
    /// Opens `root`. Throws rtguard::Error with errno when it is not a readable directory.
    explicit RootfsResolver(const std::string& root, std::size_t max_symlinks = 40);
    ~RootfsResolver();
    RootfsResolver(const RootfsResolver&) = delete;
    RootfsResolver& operator=(const RootfsResolver&) = delete;

    struct Resolved {
        std::string path;  ///< canonical, absolute inside the root ("/usr/bin/ls")
        RootfsEntry entry = RootfsEntry::missing;
    };

    /// Resolves `path` (absolute, or relative to the root) through the root's symlinks; the
    /// last component is followed only when `follow_last`. Components after a missing one
    /// are kept as written (".." applied to the text). Throws rtguard::Error (ELOOP) past
    /// max_symlinks links.
    Resolved resolve(std::string_view path, bool follow_last = true);

    /// Reads the regular file `path` names inside the root (symlinks followed inside it).
    /// Throws rtguard::Error naming `path`: the errno (ENOENT when missing), errc::bad_value
    /// when it is not a regular file (never opened then, so a device or FIFO cannot block),
    /// errc::limit_exceeded when it is larger than `max_bytes`.
    std::string read_file(std::string_view path, std::size_t max_bytes);
    /// The name of `path` in messages: the root's path joined with it.
    std::string display(std::string_view path) const;

    /// read_file(), or nothing when the path does not exist.
    std::optional<std::string> read_file_if_exists(std::string_view path, std::size_t max_bytes);

private:
    struct Dir {
        std::string name;
        int fd;
    };

    int dir_fd(std::size_t depth) const { return depth == 0 ? root_fd_ : chain_[depth - 1].fd; }
    void truncate_chain(std::size_t depth);
    // Resolves and leaves chain_ at the parent of the last component; returns its depth.
    Resolved walk(std::string_view path, bool follow_last, std::size_t& parent_depth,
                  std::string& last);

    std::string root_;
    int root_fd_ = -1;
    std::size_t max_symlinks_;
    std::vector<Dir> chain_;
};

/// Splits text into lines, refusing a line longer than `max_line` with
/// rtguard::Error(errc::limit_exceeded) naming `file` and the line. A final line without a
/// newline counts; "\r\n" is not special.
std::vector<std::string_view> split_lines(std::string_view text, std::size_t max_line,
                                          const std::string& file);

}  // namespace rtguard::detail

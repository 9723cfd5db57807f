// Internal: write a whole file so that readers see either the old or the new content.
#pragma once

#include <string>
#include <string_view>

namespace rtguard::detail {

/// Where a write to `path` lands. A symbolic link is written through (the file it names is
/// replaced, the link stays); a character device or FIFO is written in place, since renaming a
/// file over it would replace the node itself (`-o /dev/null`); a path that names one of this
/// process's own descriptors (`/dev/stdout`, `/proc/self/fd/N`) is written to that descriptor,
/// and "-" to standard output.
struct OutputTarget {
    std::string path;       ///< the file to write: `path` with its symbolic links followed
    bool in_place = false;  ///< not a regular file: write into it, no temporary file
    int fd = -1;            ///< >= 0: write to this descriptor of the process (in_place too)
    unsigned mode = 0644;   ///< permissions for the new file: those of the file it replaces
    bool existed = false;   ///< a file is replaced: its owner is kept where the user may
    unsigned uid = 0;
    unsigned gid = 0;
};

/// Resolves `path` as above. Throws rtguard::Error naming `path` for an empty path, a
/// directory, a socket, a loop of links or a link that cannot be read.
OutputTarget resolve_output(const std::string& path);

/// The descriptor to write an in-place target through: its own descriptor (`target.fd`), or
/// the device or FIFO opened now, close-on-exec, which the caller closes. Errors name `path`.
int open_in_place(const OutputTarget& target, const std::string& path);

/// A new temporary file beside `target` (close-on-exec), its name in `tmp`; for writers that
/// stream into it and rename it over the target at the end. Errors name `path`.
int create_temporary(const OutputTarget& target, std::string& tmp, const std::string& path);

/// Gives the temporary file the owner and permissions of the file it replaces and syncs it.
void finish_temporary(int fd, const OutputTarget& target, const std::string& path);

/// Writes `content` to a temporary file in the directory of the resolved `path`, fsyncs it,
/// renames it over the target and fsyncs the directory. If anything fails, the target keeps
/// its previous content and rtguard::Error (with errno) is thrown. An in-place target (see
/// OutputTarget: "-", a descriptor, a device or FIFO) is written directly.
void write_file_atomic(const std::string& path, std::string_view content);

/// Throws the rtguard::Error that write_file_atomic(path, ...) would throw for want of a place
/// to write: a temporary file beside `path` is made and removed again. For commands that
/// write their result only at the end of a long run. "-" always passes.
void check_writable(const std::string& path);

/// Reads a whole regular file, refusing files larger than `max_bytes`. Throws rtguard::Error
/// naming the file on failure (errno kept, so a missing file is ENOENT).
std::string read_file(const std::string& path, std::size_t max_bytes = std::size_t(1) << 31);

}  // namespace rtguard::detail

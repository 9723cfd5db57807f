// Internal: write a whole file so that readers see either the old or the new content.
#pragma once

#include <string>
#include <string_view>

namespace rtguard::detail {

/// Writes `content` to a temporary file in the directory of `path`, fsyncs it, renames it
/// over `path` and fsyncs the directory. If anything fails, `path` keeps its previous
/// content and rtguard::Error (with errno) is thrown. "-" writes to standard output.
void write_file_atomic(const std::string& path, std::string_view content);

/// Throws the rtguard::Error that write_file_atomic(path, ...) would throw for want of a place
/// to write: a temporary file beside `path` is made and removed again. For commands that
/// write their result only at the end of a long run. "-" always passes.
void check_writable(const std::string& path);

/// Reads a whole regular file, refusing files larger than `max_bytes`. Throws rtguard::Error
/// naming the file on failure (errno kept, so a missing file is ENOENT).
std::string read_file(const std::string& path, std::size_t max_bytes = std::size_t(1) << 31);

}  // namespace rtguard::detail

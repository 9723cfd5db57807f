// rtguard/error.hpp: the one exception type of rtguard and its error codes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace rtguard {

/// Error codes of rtguard's own category. Operating-system failures keep their errno in
/// std::system_category() instead.
enum class errc : int {
    parse_error = 1,   ///< input is not well-formed (JSON syntax, truncated record)
    schema_mismatch,   ///< the "schema" field names a version this build cannot read
    missing_field,     ///< a required field is absent
    bad_value,         ///< a field has the wrong type or an out-of-range value
    limit_exceeded,    ///< an input limit (line length, depth, entry count) was passed
    bad_version,       ///< a version string does not parse under its ecosystem's rules
    bad_purl,          ///< a package URL does not follow the purl specification
    bad_vector,        ///< a CVSS vector is malformed
    integrity,         ///< a content hash does not match the content
    kernel_refused,    ///< the kernel refused to load or attach a BPF program
    unsupported,       ///< the machine lacks a needed feature (BTF, cgroup v2, root)
    invalid_argument,  ///< a caller passed an argument that cannot be honoured
};

/// The std::error_category of rtguard::errc.
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/// Thrown by setup and I/O calls. what() reads "FILE:WHERE: MESSAGE" when a file and a
/// place are known, so a user can go straight to the problem; file() and where() give the
/// parts. WHERE is a line number ("line 12"), a JSON path ("$.components[3].purl") or both.
class Error : public std::system_error {
public:
    Error(std::error_code code, std::string message, std::string file = {}, std::string where = {});
    Error(errc code, std::string message, std::string file = {}, std::string where = {})
        : Error(make_error_code(code), std::move(message), std::move(file), std::move(where)) {}

    /// An error from the operating system: errno is kept in code().
    static Error from_errno(int err, std::string message, std::string file = {});

    const std::string& file() const noexcept { return file_; }
    const std::string& where() const noexcept { return where_; }
    /// The message without the file and place prefix.
    const std::string& message() const noexcept { return message_; }
    /// "FILE:WHERE: MESSAGE", without std::system_error's category suffix.
    const char* what() const noexcept override { return full_.c_str(); }

private:
    std::string file_;
    std::string where_;
    std::string message_;
    std::string full_;
};

}  // namespace rtguard

template <>
struct std::is_error_code_enum<rtguard::errc> : std::true_type {};

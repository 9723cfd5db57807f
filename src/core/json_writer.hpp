// Internal: a small streaming JSON writer shared by every rtguard file format.
//
// Strings that are not valid UTF-8 (kernel paths are bytes) are written twice: the field
// itself with each bad byte replaced by U+FFFD, for readers that want text, and a sibling
// field "<name>_hex" with the exact bytes in hex, which rtguard's own readers prefer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rtguard::detail {

/// Length of the well-formed UTF-8 sequence at s[i], or 0 when it is malformed.
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept;

/// Offset of the first byte of `s` that is not well-formed UTF-8, or npos.
std::size_t first_invalid_utf8(std::string_view s) noexcept;

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view s) noexcept;

/// Appends `s` as a quoted JSON string; invalid UTF-8 bytes become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

/// Lower-case hex of the bytes of `s`.
std::string to_hex(std::string_view s);
/// Inverse of to_hex; returns false on odd length or a non-hex digit.
bool from_hex(std::string_view hex, std::string& out);

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);

    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
    JsonWriter& value(bool b);
    JsonWriter& value(std::int64_t n);
    JsonWriter& value(std::uint64_t n);
    JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
    JsonWriter& value(unsigned n) { return value(static_cast<std::uint64_t>(n)); }
    JsonWriter& value(double d);
    JsonWriter& null();

    /// Writes `"name": s`, and `"name_hex": "..."` too when s is not valid UTF-8.
    JsonWriter& bytes_field(std::string_view name, std::string_view s);

    /// Newline plus indentation before each member when `indent` > 0 (pretty files).
    void set_indent(int indent) { indent_ = indent; }

private:
    void before_value();
    void newline();

    std::string& out_;
    int indent_ = 0;
    int depth_ = 0;
    bool first_ = true;
    bool after_key_ = false;
};

}  // namespace rtguard::detail

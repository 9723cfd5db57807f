// Internal: typed access to the members of a parsed JSON object, with messages that name the
// JSON path and say what was expected. Shared by the readers of event files.
//
// The per-record path does not throw: the first problem is recorded in a FieldError and every
// later access returns false, so a reader checks once at the end of a record.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "rtguard/error.hpp"

namespace rtguard::detail {

/// The first problem found in a record: an error code and "$.path: what was expected".
struct FieldError {
    errc code = errc::parse_error;
    std::string message;
    bool failed() const noexcept { return !message.empty(); }
    void set(errc c, std::string m) {
        if (failed()) return;
        code = c;
        message = std::move(m);
    }
};

enum class Need { optional, required };

/// Reads members of one JSON object. Each accessor returns true when the member is present and
/// valid, false when it is absent (optional) or wrong (then `error` is set). After the first
/// error every accessor returns false.
class ObjectReader {
public:
    /// `path` is the JSON path of `object` ("$", "$.process"). `max_string` bounds strings and
    /// decoded byte strings. When `numbers_as_strings` is set, an integer may also be given as
    /// a decimal string (protobuf's JSON mapping writes 64-bit integers that way).
    ObjectReader(simdjson::dom::object object, std::string path, FieldError& error,
                 std::size_t max_string = 65536, bool numbers_as_strings = false)
        : object_(object),
          path_(std::move(path)),
          error_(error),
          max_string_(max_string),
          numbers_as_strings_(numbers_as_strings) {}

    bool present(std::string_view key) const;

    bool u64(std::string_view key, Need need, std::uint64_t& out,
             std::uint64_t max = std::numeric_limits<std::uint64_t>::max());
    bool u32(std::string_view key, Need need, std::uint32_t& out);
    bool i64(std::string_view key, Need need, std::int64_t& out, std::int64_t min,
             std::int64_t max);
    bool boolean(std::string_view key, Need need, bool& out);
    /// A JSON string as text; the view lives as long as the parsed document.
    bool text(std::string_view key, Need need, std::string_view& out);
    /// A byte string written by JsonWriter::bytes_field: "<key>_hex" holds the exact bytes
    /// when present and wins over the text member.
    bool bytes(std::string_view key, Need need, std::string& out);
    bool object(std::string_view key, Need need, simdjson::dom::object& out);
    bool array(std::string_view key, Need need, simdjson::dom::array& out);

    /// Records a problem with member `key` ("" for the object itself) and returns false.
    bool fail(errc code, std::string_view key, std::string_view what);
    std::string path_of(std::string_view key) const;
    bool failed() const noexcept { return error_.failed(); }
    const std::string& path() const noexcept { return path_; }
    FieldError& error() noexcept { return error_; }

private:
    bool find(std::string_view key, Need need, simdjson::dom::element& out);

    simdjson::dom::object object_;
    std::string path_;
    FieldError& error_;
    std::size_t max_string_;
    bool numbers_as_strings_;
};

/// Name of a JSON value's type for messages ("a string", "an array").
std::string_view json_type_name(simdjson::dom::element_type type) noexcept;

/// A message for a document simdjson refused, with a hint a user can act on.
std::string json_syntax_message(simdjson::error_code code);

}  // namespace rtguard::detail

#include "events/json_fields.hpp"

#include <charconv>

#include <fmt/format.h>

#include "core/json_writer.hpp"

namespace rtguard::detail {
namespace {

bool plain_key(std::string_view key) {
    if (key.empty()) return false;
    for (char c : key) {
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) return false;
    }
    return true;
}

// What was found, for "expected X, found Y" messages.
std::string describe(simdjson::dom::element value) {
    using simdjson::dom::element_type;
    switch (value.type()) {
        case element_type::INT64:
            return fmt::format("{}", value.get_int64().value_unsafe());
        case element_type::UINT64:
            return fmt::format("{}", value.get_uint64().value_unsafe());
        case element_type::DOUBLE:
            return fmt::format("{}", value.get_double().value_unsafe());
        default:
            return std::string(json_type_name(value.type()));
    }
}

}  // namespace

std::string_view json_type_name(simdjson::dom::element_type type) noexcept {
    using simdjson::dom::element_type;
    switch (type) {
        case element_type::ARRAY:
            return "an array";
        case element_type::OBJECT:
            return "an object";
        case element_type::INT64:
        case element_type::UINT64:
            return "an integer";
        case element_type::DOUBLE:
            return "a number";
        case element_type::STRING:
            return "a string";
        case element_type::BOOL:
            return "a boolean";
        case element_type::NULL_VALUE:
            return "null";
    }
    return "an unknown value";
}

std::string json_syntax_message(simdjson::error_code code) {
    switch (code) {
        case simdjson::NUMBER_ERROR:
        case simdjson::NUMBER_OUT_OF_RANGE:
            return "invalid JSON: a number is malformed or does not fit in 64 bits";
        case simdjson::UTF8_ERROR:
            return "invalid JSON: the text is not valid UTF-8";
        case simdjson::STRING_ERROR:
        case simdjson::UNESCAPED_CHARS:
        case simdjson::UNCLOSED_STRING:
            return "invalid JSON: a string is malformed (bad escape, control character or "
                   "missing closing quote)";
        case simdjson::DEPTH_ERROR:
            return "invalid JSON: nested too deeply";
        case simdjson::CAPACITY:
            return "record too large for the parser";
        case simdjson::EMPTY:
            return "invalid JSON: no value";
        default:
            return fmt::format("invalid JSON: {}", simdjson::error_message(code));
    }
}

std::string ObjectReader::path_of(std::string_view key) const {
    if (key.empty()) return path_;
    if (plain_key(key)) return fmt::format("{}.{}", path_, key);
    std::string quoted;
    append_json_string(quoted, key);
    return fmt::format("{}[{}]", path_, quoted);
}

bool ObjectReader::fail(errc code, std::string_view key, std::string_view what) {
    error_.set(code, fmt::format("{}: {}", path_of(key), what));
    return false;
}

bool ObjectReader::present(std::string_view key) const {
    return !object_.at_key(key).error();
}

bool ObjectReader::find(std::string_view key, Need need, simdjson::dom::element& out) {
    if (failed()) return false;
    if (object_.at_key(key).get(out) == simdjson::SUCCESS) return true;
    if (need == Need::required) fail(errc::missing_field, key, "required member is missing");
    return false;
}

bool ObjectReader::u64(std::string_view key, Need need, std::uint64_t& out, std::uint64_t max) {
    simdjson::dom::element value;
    if (!find(key, need, value)) return false;

    std::uint64_t n = 0;
    switch (value.type()) {
        case simdjson::dom::element_type::UINT64:
            n = value.get_uint64().value_unsafe();
            break;
        case simdjson::dom::element_type::INT64: {
            std::int64_t v = value.get_int64().value_unsafe();
            if (v < 0) {
                return fail(errc::bad_value, key,
                            fmt::format("expected a non-negative integer, found {}", v));
            }
            n = static_cast<std::uint64_t>(v);
            break;
        }
        case simdjson::dom::element_type::STRING: {
            std::string_view s = value.get_string().value_unsafe();
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
            if (!numbers_as_strings_ || s.empty() || ec != std::errc{} ||
                end != s.data() + s.size()) {
                return fail(errc::bad_value, key,
                            "expected a non-negative integer, found a string");
            }
            break;
        }
        default:
            return fail(errc::bad_value, key,
                        fmt::format("expected a non-negative integer, found {}", describe(value)));
    }

    if (n > max) {
        return fail(errc::bad_value, key,
                    fmt::format("expected an integer at most {}, found {}", max, n));
    }
    out = n;
    return true;
}

bool ObjectReader::u32(std::string_view key, Need need, std::uint32_t& out) {
    std::uint64_t n = 0;
    if (!u64(key, need, n, std::numeric_limits<std::uint32_t>::max())) return false;
    out = static_cast<std::uint32_t>(n);
    return true;
}

bool ObjectReader::i64(std::string_view key, Need need, std::int64_t& out, std::int64_t min,
                       std::int64_t max) {
    simdjson::dom::element value;
    if (!find(key, need, value)) return false;

    std::int64_t n = 0;
    if (value.type() == simdjson::dom::element_type::INT64) {
        n = value.get_int64().value_unsafe();
    } else if (value.type() == simdjson::dom::element_type::UINT64) {
        // Only values past INT64_MAX are stored as UINT64.
        return fail(errc::bad_value, key,
                    fmt::format("expected an integer at most {}, found {}", max, describe(value)));
    } else {
        return fail(errc::bad_value, key,
                    fmt::format("expected an integer, found {}", describe(value)));
    }

    if (n < min || n > max) {
        return fail(errc::bad_value, key,
                    fmt::format("expected an integer from {} to {}, found {}", min, max, n));
    }
    out = n;
    return true;
}

bool ObjectReader::boolean(std::string_view key, Need need, bool& out) {
    simdjson::dom::element value;
    if (!find(key, need, value)) return false;
    if (value.type() != simdjson::dom::element_type::BOOL) {
        return fail(errc::bad_value, key,
                    fmt::format("expected true or false, found {}", describe(value)));
    }
    out = value.get_bool().value_unsafe();
    return true;
}

bool ObjectReader::text(std::string_view key, Need need, std::string_view& out) {
    simdjson::dom::element value;
    if (!find(key, need, value)) return false;
    if (value.type() != simdjson::dom::element_type::STRING) {
        return fail(errc::bad_value, key,
                    fmt::format("expected a string, found {}", describe(value)));
    }
    std::string_view s = value.get_string().value_unsafe();
    if (s.size() > max_string_) {
        return fail(errc::limit_exceeded, key,
                    fmt::format("string longer than {} bytes", max_string_));
    }
    out = s;
    return true;
}

bool ObjectReader::bytes(std::string_view key, Need need, std::string& out) {
    if (failed()) return false;

    // The hex sibling carries the exact bytes of a string that is not valid UTF-8.
    std::string hex_key = fmt::format("{}_hex", key);
    std::string_view hex;
    if (text(hex_key, Need::optional, hex)) {
        if (hex.size() / 2 > max_string_) {
            return fail(errc::limit_exceeded, hex_key,
                        fmt::format("string longer than {} bytes", max_string_));
        }
        if (!from_hex(hex, out)) {
            return fail(errc::bad_value, hex_key, "expected an even number of hex digits");
        }
        return true;
    }
    if (failed()) return false;

    std::string_view s;
    if (!text(key, need, s)) return false;
    out.assign(s);
    return true;
}

bool ObjectReader::object(std::string_view key, Need need, simdjson::dom::object& out) {
    simdjson::dom::element value;
    if (!find(key, need, value)) return false;
    if (value.get_object().get(out) != simdjson::SUCCESS) {
        return fail(errc::bad_value, key,
                    fmt::format("expected an object, found {}", describe(value)));
    }
    return true;
}

bool ObjectReader::array(std::string_view key, Need need, simdjson::dom::array& out) {
    simdjson::dom::element value;
    if (!find(key, need, value)) return false;
    if (value.get_array().get(out) != simdjson::SUCCESS) {
        return fail(errc::bad_value, key,
                    fmt::format("expected an array, found {}", describe(value)));
    }
    return true;
}

}  // namespace rtguard::detail

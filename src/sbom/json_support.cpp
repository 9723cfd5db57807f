#include "sbom/json_support.hpp"

#include <nlohmann/json.hpp>

namespace rtguard::detail {
namespace {

bool plain_key(std::string_view key) {
    if (key.empty()) return false;
    for (char c : key) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

void append_key(std::string& out, std::string_view key) {
    if (plain_key(key)) {
        out += '.';
        out += key;
        return;
    }

    // Quote keys that would make the path ambiguous ("a.b", "x[0]", spaces).
    out += "[\"";
    for (char c : key) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += "\"]";
}

}  // namespace

std::string JsonPath::str() const {
    std::string out = "$";
    for (const auto& s : segments_) {
        if (s.is_index) {
            out += '[';
            out += std::to_string(s.index);
            out += ']';
        } else {
            append_key(out, s.key);
        }
    }
    return out;
}

std::string JsonPath::str(std::string_view child) const {
    std::string out = str();
    append_key(out, child);
    return out;
}

std::string syntax_error_place(std::string_view json) {
    // simdjson reports what is wrong but not where; a second, slower parser only runs on
    // documents already known to be broken, to tell the user the line and column.
    try {
        auto parsed = nlohmann::json::parse(json.begin(), json.end());
        (void)parsed;
    } catch (const nlohmann::json::parse_error& e) {
        std::size_t byte = e.byte == 0 ? 0 : e.byte - 1;
        if (byte > json.size()) byte = json.size();
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i < byte; ++i) {
            if (json[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        return "line " + std::to_string(line) + ", column " + std::to_string(column);
    } catch (const std::exception&) {
        return {};
    }
    return {};
}

}  // namespace rtguard::detail

#include "rtguard/severity.hpp"

#include <cctype>
#include <string>

namespace rtguard {

std::string_view to_string(Severity severity) noexcept {
    switch (severity) {
        case Severity::unknown:
            return "unknown";
        case Severity::none:
            return "none";
        case Severity::info:
            return "info";
        case Severity::low:
            return "low";
        case Severity::medium:
            return "medium";
        case Severity::high:
            return "high";
        case Severity::critical:
            return "critical";
    }
    return "unknown";
}

Severity severity_from_string(std::string_view text) noexcept {
    std::string lower;
    lower.reserve(text.size());
    for (char c : text)
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));

    if (lower == "none") return Severity::none;
    if (lower == "info" || lower == "informational") return Severity::info;
    if (lower == "low") return Severity::low;
    if (lower == "medium" || lower == "moderate") return Severity::medium;
    if (lower == "high" || lower == "important") return Severity::high;
    if (lower == "critical") return Severity::critical;
    return Severity::unknown;
}

}  // namespace rtguard

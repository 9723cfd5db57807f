// rtguard/severity.hpp: the one severity scale shared by alerts and vulnerability findings.
#pragma once

#include <cstdint>
#include <string_view>

namespace rtguard {

/// Severities, lowest first. `unknown` means no rating is available; `none` is the CVSS
/// rating of a 0.0 score; alerts use info..critical; findings use none..critical.
enum class Severity : std::uint8_t { unknown = 0, none, info, low, medium, high, critical };

/// Lower-case name ("critical", "info", "unknown").
std::string_view to_string(Severity severity) noexcept;

/// Parses a rating, ignoring case: the names above plus the words advisory feeds use
/// ("moderate" -> medium, "important" -> high, "informational" -> info). Unknown text gives
/// Severity::unknown.
Severity severity_from_string(std::string_view text) noexcept;

}  // namespace rtguard

// Internal: per-rule data shared by the detector and the alert writer.
#pragma once

#include <string_view>
#include <vector>

#include "rtguard/detector.hpp"

namespace rtguard::detail {

/// Falco-style tags of a rule ("process", "drift", "mitre_execution").
std::vector<std::string_view> rule_tags(Rule rule);

}  // namespace rtguard::detail

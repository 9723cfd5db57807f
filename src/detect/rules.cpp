// Rule ids, severities and their Falco names.
#include "detect/rules.hpp"

#include <array>

namespace rtguard {
namespace {

struct RuleInfo {
    Rule rule;
    std::string_view id;
    Severity severity;
    std::array<std::string_view, 3> tags;  // unused slots are empty
};

// Severity reflects how rarely the deviation is benign: code that was not in the image
// (drift) almost never is; a new endpoint or syscall often comes with a new feature.
const RuleInfo rule_info[] = {
    {Rule::unexpected_executable,
     "unexpected_executable",
     Severity::high,
     {"process", "anomaly", "mitre_execution"}},
    {Rule::executable_changed,
     "executable_changed",
     Severity::high,
     {"process", "anomaly", "mitre_persistence"}},
    {Rule::drift_upper_layer,
     "drift_upper_layer",
     Severity::critical,
     {"process", "drift", "mitre_execution"}},
    {Rule::drift_memory,
     "drift_memory",
     Severity::critical,
     {"process", "drift", "mitre_defense_evasion"}},
    {Rule::drift_interpreter_script,
     "drift_interpreter_script",
     Severity::high,
     {"process", "drift", "mitre_execution"}},
    {Rule::drift_loader,
     "drift_loader",
     Severity::high,
     {"process", "drift", "mitre_defense_evasion"}},
    {Rule::unexpected_arguments, "unexpected_arguments", Severity::low, {"process", "anomaly"}},
    {Rule::unexpected_write,
     "unexpected_write",
     Severity::medium,
     {"filesystem", "anomaly", "mitre_persistence"}},
    {Rule::sensitive_read,
     "sensitive_read",
     Severity::high,
     {"filesystem", "anomaly", "mitre_credential_access"}},
    {Rule::unexpected_network,
     "unexpected_network",
     Severity::medium,
     {"network", "anomaly", "mitre_command_and_control"}},
    {Rule::unexpected_syscall, "unexpected_syscall", Severity::medium, {"syscall", "anomaly"}},
    {Rule::io_uring_use,
     "io_uring_use",
     Severity::high,
     {"syscall", "anomaly", "mitre_defense_evasion"}},
    {Rule::monitoring_degraded, "monitoring_degraded", Severity::medium, {"monitoring"}},
    {Rule::unknown_workload, "unknown_workload", Severity::low, {"monitoring"}},
};

const RuleInfo* info(Rule rule) noexcept {
    for (const auto& r : rule_info) {
        if (r.rule == rule) return &r;
    }
    return nullptr;
}

}  // namespace

std::string_view to_string(Rule rule) noexcept {
    const RuleInfo* r = info(rule);
    return r ? r->id : "unknown";
}

std::optional<Rule> rule_from_string(std::string_view id) noexcept {
    for (const auto& r : rule_info) {
        if (r.id == id) return r.rule;
    }
    return std::nullopt;
}

Severity default_severity(Rule rule) noexcept {
    const RuleInfo* r = info(rule);
    return r ? r->severity : Severity::medium;
}

std::string_view falco_priority(Severity severity) noexcept {
    switch (severity) {
        case Severity::critical:
            return "Critical";
        case Severity::high:
            return "Error";
        case Severity::medium:
            return "Warning";
        case Severity::low:
            return "Notice";
        case Severity::info:
        case Severity::none:
        case Severity::unknown:
            return "Informational";
    }
    return "Informational";
}

namespace detail {

std::vector<std::string_view> rule_tags(Rule rule) {
    const RuleInfo* r = info(rule);
    std::vector<std::string_view> tags;
    if (!r) return tags;
    for (std::string_view t : r->tags) {
        if (!t.empty()) tags.push_back(t);
    }
    return tags;
}

}  // namespace detail
}  // namespace rtguard

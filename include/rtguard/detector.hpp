// rtguard/detector.hpp: compares events with baselines and raises alerts for deviations and
// drift. See docs/alerts.md for the rules and the alert format.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rtguard/baseline.hpp"
#include "rtguard/event.hpp"
#include "rtguard/severity.hpp"

namespace rtguard {

/// The rules; their ids (to_string) are stable and appear in alert files.
enum class Rule : std::uint8_t {
    unexpected_executable = 1,  ///< a path the baseline never executed
    executable_changed,         ///< a known path with a different file identity
    drift_upper_layer,          ///< executed from the container's writable upper layer
    drift_memory,               ///< executed from memory (memfd) or a deleted file
    drift_interpreter_script,   ///< an interpreter ran a script from a writable directory
    drift_loader,               ///< a program started through the dynamic loader
    unexpected_arguments,       ///< known executable, new argument vector (off by default)
    unexpected_write,           ///< write or create outside the baseline
    sensitive_read,             ///< read of a sensitive path outside the baseline
    unexpected_network,         ///< an endpoint the baseline never used
    unexpected_syscall,         ///< a syscall the baseline never made
    io_uring_use,               ///< io_uring by a workload that never used it
    monitoring_degraded,        ///< the event source lost events
    unknown_workload,           ///< events of a workload without a baseline
};
inline constexpr std::size_t rule_count = 15;  // indexable by the numbers above

std::string_view to_string(Rule rule) noexcept;
std::optional<Rule> rule_from_string(std::string_view id) noexcept;

// Severity and to_string(Severity) live in rtguard/severity.hpp (one scale shared with
// vulnerability findings); alerts use info..critical.
/// The Falco priority a severity maps to: critical->Critical, high->Error,
/// medium->Warning, low->Notice, info->Informational.
std::string_view falco_priority(Severity severity) noexcept;
/// The severity a rule is raised with.
Severity default_severity(Rule rule) noexcept;

/// One deviation, with the event that caused it and the evidence.
struct Alert {
    Rule rule = Rule::unexpected_executable;
    Severity severity = Severity::info;
    std::string workload;
    std::string image_digest;  ///< of the profile the event was checked against
    /// What deviated (a path, "tcp 10.0.0.1:443", a syscall name); the rate-limit key is
    /// (rule, workload, subject).
    std::string subject;
    std::string output;  ///< a human sentence
    /// Facts supporting the alert, in order ("expected_identities", "script", ...).
    std::vector<std::pair<std::string, std::string>> evidence;
    /// Repeats of this (rule, workload, subject) suppressed since the previous alert of it.
    std::uint64_t suppressed = 0;
    Event event;
};

/// What to do with events of a workload that has no baseline.
enum class UnknownWorkload : std::uint8_t { ignore, alert_once };

struct DetectorOptions {
    bool check_arguments = false;  ///< enables unexpected_arguments
    UnknownWorkload unknown_workload = UnknownWorkload::ignore;
    /// Repeats of one (rule, workload, subject) within this much event time of the last
    /// alert of it are suppressed and counted.
    std::uint64_t rate_limit_ns = 60'000'000'000ULL;
    std::size_t max_rate_limit_keys = 65536;  ///< expired keys are pruned beyond this
    /// Directories from which an interpreter running a script is drift (prefix match on
    /// whole components), in addition to events flagged exec.writable_dir.
    std::vector<std::string> writable_dirs = {"/tmp", "/dev/shm", "/var/tmp"};
    /// Sensitive paths: globs where '*' matches any bytes, '/' included.
    // One line per kind of secret reads better than a packed table.
    // clang-format off
    std::vector<std::string> sensitive_paths = {
        "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers*",
        "/root/.ssh/*", "/home/*/.ssh/*", "*/id_rsa", "*/id_dsa", "*/id_ecdsa", "*/id_ed25519",
        "/etc/ssl/private/*", "*.key",
        "/var/run/secrets/kubernetes.io/serviceaccount/*", "/run/secrets/*",
    };
    // clang-format on
};

/// Counters of a detector's work.
struct DetectorStats {
    std::uint64_t events = 0;
    std::uint64_t alerts = 0;      ///< alerts emitted
    std::uint64_t suppressed = 0;  ///< repeats suppressed by the rate limit
    std::uint64_t unknown_workload_events = 0;
    std::uint64_t alerts_by_rule[rule_count] = {};
    std::uint64_t suppressed_by_rule[rule_count] = {};
};

/// Holds compiled baselines per workload and checks events against them. Each check costs a
/// few hash lookups and a walk of a path trie, whatever the size of the baseline. Not safe for
/// concurrent use (the rate limiter is updated by check); use one detector per thread.
class AnomalyDetector {
public:
    explicit AnomalyDetector(DetectorOptions options = {});
    ~AnomalyDetector();
    AnomalyDetector(AnomalyDetector&&) noexcept;
    AnomalyDetector& operator=(AnomalyDetector&&) noexcept;

    /// Compiles `profile` and uses it for events of its workload, replacing a profile of the
    /// same workload and digest. Throws rtguard::Error(errc::invalid_argument) when the
    /// workload already has a profile for another image digest (say which one with
    /// add(baseline, digest)). The profile is copied; it need not outlive the detector.
    void add(const Profile& profile);
    /// Adds every profile of `baseline`, or only those of `image_digest` when not empty.
    void add(const Baseline& baseline, std::string_view image_digest = {});
    /// Checks events of `event_workload` against the profile of `baseline_workload` (for
    /// example every pod of a deployment against one baseline).
    void alias(std::string event_workload, std::string baseline_workload);
    bool has_workload(std::string_view workload) const;

    /// Checks one event and appends its alerts to `out`; returns how many it appended. Does
    /// not throw (except std::bad_alloc).
    std::size_t check(const Event& event, std::vector<Alert>& out);

    const DetectorStats& stats() const noexcept;
    const DetectorOptions& options() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// One alert as a JSON object in Falco's output shape (no trailing newline): time (RFC 3339,
/// nanoseconds), rule, priority, output, output_fields, tags, source "rtguard", hostname.
std::string alert_to_json(const Alert& alert, std::string_view hostname);

}  // namespace rtguard

// rtguard/baseline.hpp: a workload's behavioral baseline (its runtime bill of materials):
// what it executed, opened, connected to and called while it was watched. See docs/baseline.md
// for the file format.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rtguard/event.hpp"

namespace rtguard {

/// Ways a file was accessed, as a bit set.
enum class Access : std::uint8_t { none = 0, read = 1, write = 2, exec = 4 };

constexpr Access operator|(Access a, Access b) noexcept {
    return static_cast<Access>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
constexpr Access operator&(Access a, Access b) noexcept {
    return static_cast<Access>(static_cast<std::uint8_t>(a) & static_cast<std::uint8_t>(b));
}
/// True when every bit of `wanted` is in `granted`.
constexpr bool covers(Access granted, Access wanted) noexcept {
    return (granted & wanted) == wanted;
}
/// "r", "w", "x" letters of the set in that order ("rw", "x"); "" for none.
std::string to_string(Access access);
/// Inverse of to_string(Access); nothing on a letter other than r, w, x or a repeat.
std::optional<Access> access_from_string(std::string_view letters) noexcept;

/// The access an open(2) with these flags asks for: write when open_flags_write(), exec when
/// the kernel's exec-open bit (__FMODE_EXEC, 0x20) is set, read otherwise.
Access access_from_open_flags(std::uint32_t flags) noexcept;

/// A file's identity on its filesystem (st_dev, st_ino); {0, 0} means unknown.
struct FileIdentity {
    std::uint64_t dev = 0;
    std::uint64_t ino = 0;
    auto operator<=>(const FileIdentity&) const = default;
};

/// One executable a workload ran, keyed by the path the kernel resolved.
struct ExecutableEntry {
    std::string path;
    std::uint64_t count = 0;
    /// Identities seen for this path; bounded by BaselineOptions::max_identities. When more
    /// were seen, identities_overflow is set and the path's identity is no longer checked.
    std::set<FileIdentity> identities;
    bool identities_overflow = false;
    /// Distinct argument vectors; bounded by BaselineOptions::max_argument_sets. When more
    /// were seen, argument_sets_overflow is set and arguments are no longer checked.
    std::set<std::vector<std::string>> argument_sets;
    bool argument_sets_overflow = false;
    std::set<std::string> interpreters;     ///< interpreters that ran this path as a script
    std::set<std::string> scripts;          ///< scripts this interpreter was asked to run
    std::set<std::string> loaded_programs;  ///< programs this loader was run directly with
    // Drift conditions that were already present while learning (normal for this workload).
    bool upper_layer = false;
    bool memory = false;
    bool deleted = false;
    bool writable_dir = false;
};

/// A literal file path and how it was accessed.
struct FileEntry {
    std::string path;
    Access access = Access::none;
    std::uint64_t count = 0;
};

/// A generalized path standing for many literal paths that would never repeat. The pattern
/// language: '*' matches any run of bytes within one path component (never '/'); "\*" and
/// "\\" are a literal '*' and '\'. `absorbed` counts the distinct literal paths the pattern
/// replaced (merged runs add up) and `sample` keeps the smallest few of them, so nothing a
/// pattern hides is invisible.
struct PatternEntry {
    std::string pattern;
    Access access = Access::none;
    std::uint64_t count = 0;
    std::uint64_t absorbed = 0;
    std::set<std::string> sample;
};

/// A network endpoint: for connect the remote side, for bind, listen and accept the local.
struct NetworkEndpoint {
    NetOp op = NetOp::connect;
    NetProto protocol = NetProto::unknown;
    NetFamily family = NetFamily::unspec;
    std::string address;
    std::uint16_t port = 0;
    auto operator<=>(const NetworkEndpoint&) const = default;
};

struct NetworkEntry {
    NetworkEndpoint endpoint;
    std::uint64_t count = 0;
};

struct SyscallEntry {
    std::int32_t nr = -1;
    std::string name;  ///< empty when the number has no known name
    std::uint64_t count = 0;
};

/// Bounds and switches of learning. Defaults suit most workloads.
struct BaselineOptions {
    /// A directory whose distinct children with one access mode exceed this becomes a pattern.
    std::size_t dir_children_threshold = 16;
    std::size_t pattern_sample = 8;      ///< literal paths kept per pattern
    std::size_t max_argument_sets = 32;  ///< per executable
    std::size_t max_identities = 16;     ///< per executable
    std::size_t max_argv = 64;           ///< arguments kept per argument set
    /// Generalize /proc/<pid>, numeric, long-hex and uuid-like components, and directories
    /// with many children. Executables are never generalized.
    bool generalize = true;
    std::size_t recent_new_entries = 256;  ///< times of new entries kept for the rate
};

/// How close learning is to complete: new entries stop appearing once the workload's
/// behaviour has been seen.
struct ConvergenceStatus {
    std::uint64_t entries = 0;      ///< distinct entries learned (new-entry events)
    std::uint64_t last_new_ns = 0;  ///< event time of the last new entry; 0 when none
    double quiet_seconds = 0;       ///< now minus last_new_ns
    std::uint64_t new_in_window = 0;
    double window_seconds = 0;
    double rate_per_minute = 0;  ///< new entries per minute within the window
};

/// The learned behaviour of one workload running one image. Argument sets do not count as
/// new entries for convergence (they vary per run while arguments are not checked by default).
/// Copyable; not safe for concurrent use while learning.
class Profile {
public:
    Profile(std::string workload, std::string image_digest, BaselineOptions options = {});
    ~Profile();
    Profile(const Profile& other);
    Profile& operator=(const Profile& other);
    Profile(Profile&&) noexcept;
    Profile& operator=(Profile&&) noexcept;

    const std::string& workload() const noexcept;
    const std::string& image_digest() const noexcept;
    const BaselineOptions& options() const noexcept;

    /// Records one event. event.workload is not looked at (Baseline routes events). Never
    /// throws except std::bad_alloc.
    void learn(const Event& event);

    /// Adds another run of the same workload and image: counts add, the window widens, sets
    /// unite, and literals that a pattern of either side covers are absorbed into it. Throws
    /// rtguard::Error(errc::invalid_argument) when workload or image digest differ.
    void merge(const Profile& other);

    // Read-only views, sorted (by path, endpoint or number).
    std::vector<const ExecutableEntry*> executables() const;
    const ExecutableEntry* find_executable(std::string_view path) const;
    std::vector<const FileEntry*> files() const;
    std::vector<const PatternEntry*> patterns() const;
    std::vector<NetworkEntry> network() const;
    std::vector<SyscallEntry> syscalls() const;
    std::uint64_t io_uring_count() const noexcept;

    /// The access recorded for `path`, through its literal entry and every matching pattern.
    Access file_access(std::string_view path) const;
    /// covers(file_access(path), wanted), looking at patterns only when the literal entry
    /// does not already allow it (the detector's common case).
    bool allows(std::string_view path, Access wanted) const;
    bool has_endpoint(const NetworkEndpoint& endpoint) const;
    bool has_syscall(std::int32_t nr) const;

    std::uint64_t event_count(EventKind kind) const noexcept;
    std::uint64_t events_total() const noexcept;
    /// Events lost while learning, by the kind that was lost. A profile learned with losses
    /// may lack behaviour the workload has; `show` and the detector say so.
    std::uint64_t lost(EventKind kind) const noexcept;
    std::uint64_t lost_total() const noexcept;
    std::uint64_t first_ns() const noexcept;  ///< profiling window; 0 when no events
    std::uint64_t last_ns() const noexcept;

    /// Distinct entries of every kind (executables, identities, files, patterns, endpoints,
    /// syscalls, io_uring).
    std::size_t entry_count() const noexcept;

    /// Convergence as of `now_ns` (0: the profile's last event time), with the rate over the
    /// last `window_seconds`.
    ConvergenceStatus convergence(std::uint64_t now_ns = 0, double window_seconds = 300) const;
    /// True when no new entry appeared for `quiet_seconds` and the new-entry rate over the
    /// last `window_seconds` is at most `max_new_per_minute`. A profile without events never
    /// converges.
    bool converged(double quiet_seconds, double max_new_per_minute, std::uint64_t now_ns = 0,
                   double window_seconds = 300) const;

    /// An OCI seccomp profile (JSON) allowing exactly the learned syscalls on x86_64;
    /// everything else fails with EPERM. Syscalls without a known name are left out and
    /// reported through rtguard::log. Throws rtguard::Error(errc::invalid_argument) when the
    /// profile has no syscall events (an empty allow list would stop the workload).
    std::string seccomp_profile() const;

    /// The syscall names seccomp_profile() allows, sorted: execve (a runtime loads the filter
    /// before it executes the workload) and every learned syscall with a name on x86_64. The
    /// numbers of learned syscalls without a name go to `unnamed` when it is given.
    std::vector<std::string> seccomp_syscalls(std::vector<std::int32_t>* unnamed = nullptr) const;

private:
    friend class Baseline;
    friend struct BaselineCodec;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// A set of profiles, keyed by workload and image digest; what a baseline file holds.
class Baseline {
public:
    explicit Baseline(BaselineOptions options = {});
    ~Baseline();
    Baseline(const Baseline&);
    Baseline& operator=(const Baseline&);
    Baseline(Baseline&&) noexcept;
    Baseline& operator=(Baseline&&) noexcept;

    /// The image digest that events of `workload` learned from now on are filed under
    /// (default: empty, unknown).
    void set_image_digest(const std::string& workload, std::string digest);

    /// Routes the event to its workload's profile, creating it. A lost event without a
    /// workload counts against every profile of this baseline, including ones created later
    /// in the same learning run. Never throws except std::bad_alloc.
    void learn(const Event& event);

    /// The profile for (workload, digest), created when absent.
    Profile& profile(const std::string& workload, const std::string& image_digest = {});
    /// The profile for (workload, digest), or nullptr.
    const Profile* find(std::string_view workload, std::string_view image_digest) const;
    /// Every profile, sorted by workload then digest.
    std::vector<const Profile*> profiles() const;
    std::size_t size() const noexcept;

    /// Merges every profile of `other` into the one with the same key, adding the others.
    void merge(const Baseline& other);

    /// True when every profile converged (see Profile::converged); false when empty.
    bool converged(double quiet_seconds, double max_new_per_minute, std::uint64_t now_ns = 0,
                   double window_seconds = 300) const;

    /// The baseline file's content: pretty, deterministic JSON (see docs/baseline.md).
    std::string to_json() const;
    /// Writes to_json() atomically. Throws rtguard::Error on I/O failure.
    void save(const std::string& path) const;

    /// Parses a baseline file's content. Throws rtguard::Error naming `file_name` and the
    /// place (JSON path and line) on bad JSON, a wrong format or schema, a missing field or a
    /// wrong type (errc::parse_error, schema_mismatch, missing_field, bad_value), and on a
    /// content hash that does not match (errc::integrity).
    static Baseline from_json(std::string_view text, const std::string& file_name,
                              BaselineOptions options = {});
    /// Reads and parses a baseline file; errors as from_json, plus I/O errors with errno.
    static Baseline load(const std::string& path, BaselineOptions options = {});

private:
    friend struct BaselineCodec;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Name of an x86_64 syscall number (from the kernel's asm/unistd_64.h), or "" when unknown.
std::string_view x86_64_syscall_name(std::int32_t nr) noexcept;
/// Number of an x86_64 syscall name, or nothing.
std::optional<std::int32_t> x86_64_syscall_number(std::string_view name) noexcept;

/// RFC 3339 UTC time with nanoseconds ("2024-05-01T12:00:00.000000001Z").
std::string rfc3339_ns(std::uint64_t time_ns);

/// True when a path pattern (PatternEntry's language) matches `path`.
bool path_pattern_matches(std::string_view pattern, std::string_view path) noexcept;

}  // namespace rtguard

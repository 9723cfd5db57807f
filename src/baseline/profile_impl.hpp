// Internal: the state behind rtguard::Profile, shared by learning (profile.cpp) and the file
// codec (baseline_codec.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "baseline/path_pattern.hpp"
#include "rtguard/baseline.hpp"

namespace rtguard {

struct EndpointHash {
    std::size_t operator()(const NetworkEndpoint& e) const noexcept {
        std::size_t h = std::hash<std::string_view>{}(e.address);
        std::size_t k = (static_cast<std::size_t>(e.op) << 40) ^
                        (static_cast<std::size_t>(e.protocol) << 32) ^
                        (static_cast<std::size_t>(e.family) << 24) ^ e.port;
        return h ^ (k * 0x9E3779B97F4A7C15ULL);
    }
};

struct Profile::Impl {
    std::string workload;
    std::string image_digest;
    BaselineOptions options;

    detail::StringMap<ExecutableEntry> executables;
    detail::StringMap<FileEntry> files;
    detail::StringMap<PatternEntry> patterns;  // keyed by the pattern text
    std::unordered_map<NetworkEndpoint, std::uint64_t, EndpointHash> network;
    std::unordered_map<std::int32_t, SyscallEntry> syscalls;
    std::uint64_t io_uring = 0;

    std::array<std::uint64_t, event_kind_count> counts{};
    std::array<std::uint64_t, event_kind_count> lost{};
    std::uint64_t first_ns = 0;
    std::uint64_t last_ns = 0;

    // Convergence: when entries were new.
    std::uint64_t last_new_ns = 0;
    std::deque<std::uint64_t> recent_new;

    // The pattern index maps ids to pattern texts; ids are positions in pattern_ids.
    detail::PatternIndex pattern_index;
    std::vector<std::string> pattern_ids;

    // Learning state, not saved (rebuilt from the literals when a file is loaded). A group
    // holds the distinct components seen at one place of literal paths that agree on
    // everything else and share one access mode.
    struct Group {
        std::string prefix;  // up to and including the '/' before the component
        std::string suffix;  // from the '/' after the component, or empty
        Access access = Access::none;
        std::set<std::string, std::less<>> members;
    };
    detail::StringMap<Group> groups;  // keyed by prefix, suffix and access
    bool merging = false;             // merge() does not count entries as new
    // Hashes of literals each pattern absorbed in this run, so repeats are not counted twice.
    detail::StringMap<std::unordered_set<std::uint64_t>> absorbed_seen;

    Impl(std::string w, std::string d, BaselineOptions o)
        : workload(std::move(w)), image_digest(std::move(d)), options(o) {}
    Impl(const Impl& other);
    Impl& operator=(const Impl&) = delete;

    void learn(const Event& event);
    void merge(const Impl& other);

    void note_time(std::uint64_t t);
    void note_new(std::uint64_t t);

    void learn_exec(const Event& event);
    void learn_network(const Event& event);
    void learn_syscall(const Event& event);

    /// Records `count` accesses of `path`, generalizing as configured.
    void add_file(std::string_view path, Access access, std::uint64_t count, std::uint64_t t);
    /// Adds or widens a pattern, indexing it when new; returns it.
    PatternEntry& add_pattern(const std::string& pattern, Access access, std::uint64_t t);
    /// Counts `literal` as absorbed by `pattern` (once per distinct literal in a run).
    void absorb(PatternEntry& pattern, std::string_view literal, Access access, std::uint64_t count,
                std::uint64_t t);
    /// The first indexed pattern matching `path`, preferring one that covers `access`.
    PatternEntry* matching_pattern(std::string_view path, Access access);

    /// Adds a literal to its groups; collapses a group that passes the threshold unless
    /// `allow_collapse` is false (rebuilding after a load must not change the content).
    /// Returns true when a collapse absorbed `path`.
    bool group_insert(const std::string& path, Access access, std::uint64_t t,
                      bool allow_collapse = true);
    void group_erase(const std::string& path, Access access);
    /// Replaces the literals of a group that passed the threshold with one pattern.
    void collapse_group(const std::string& key, std::uint64_t t);
    /// Rebuilds the learning state (groups, index) from the entries, after a load or copy.
    void rebuild_index();
    void rebuild_groups();

    Access file_access(std::string_view path) const;
    std::size_t entry_count() const noexcept;
};

}  // namespace rtguard

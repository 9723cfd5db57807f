// Internal: the state behind rtguard::Baseline.
#pragma once

#include <array>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

#include "baseline/profile_impl.hpp"
#include "rtguard/baseline.hpp"

namespace rtguard {

struct Baseline::Impl {
    BaselineOptions options;
    std::map<std::pair<std::string, std::string>, Profile> profiles;  // (workload, digest)
    std::unordered_map<std::string, std::string> digests;  // workload -> digest for learning
    // Losses without a workload during this learning run; charged to profiles created later.
    std::array<std::uint64_t, event_kind_count> session_lost{};

    // The last routed workload: consecutive events mostly come from one workload.
    Profile* cached = nullptr;
    std::string cached_workload;

    /// The profile events of `workload` are learned into, created when absent.
    Profile* route(const std::string& workload);
};

/// Reads and writes the baseline file format; a friend of Baseline and Profile.
struct BaselineCodec {
    static Profile::Impl& impl(Profile& p) { return *p.impl_; }
    static const Profile::Impl& impl(const Profile& p) { return *p.impl_; }
    static Baseline::Impl& impl(Baseline& b) { return *b.impl_; }
    static const Baseline::Impl& impl(const Baseline& b) { return *b.impl_; }
};

}  // namespace rtguard

// Baseline: profiles keyed by workload and image digest, and the routing of events to them.
#include <ctime>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "baseline/baseline_impl.hpp"
#include "core/atomic_file.hpp"
#include "rtguard/error.hpp"

namespace rtguard {

std::string rfc3339_ns(std::uint64_t time_ns) {
    std::time_t secs = static_cast<std::time_t>(time_ns / 1'000'000'000ULL);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                       time_ns % 1'000'000'000ULL);
}

Profile* Baseline::Impl::route(const std::string& workload) {
    if (cached && cached_workload == workload) return cached;

    std::string digest;
    if (auto it = digests.find(workload); it != digests.end()) digest = it->second;
    auto key = std::make_pair(workload, digest);
    auto it = profiles.find(key);
    if (it == profiles.end()) {
        it = profiles.emplace(key, Profile(workload, digest, options)).first;
        // Losses of this run that named no workload may have hidden this one's events too.
        for (std::size_t k = 0; k < session_lost.size(); ++k) {
            BaselineCodec::impl(it->second).lost[k] += session_lost[k];
        }
    }
    cached = &it->second;
    cached_workload = workload;
    return cached;
}

Baseline::Baseline(BaselineOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
}
Baseline::~Baseline() = default;
Baseline::Baseline(const Baseline& other) : impl_(std::make_unique<Impl>()) {
    impl_->options = other.impl_->options;
    impl_->profiles = other.impl_->profiles;
    impl_->digests = other.impl_->digests;
    impl_->session_lost = other.impl_->session_lost;
}
Baseline& Baseline::operator=(const Baseline& other) {
    if (this != &other) *this = Baseline(other);
    return *this;
}
Baseline::Baseline(Baseline&&) noexcept = default;
Baseline& Baseline::operator=(Baseline&&) noexcept = default;

void Baseline::set_image_digest(const std::string& workload, std::string digest) {
    impl_->digests[workload] = std::move(digest);
    impl_->cached = nullptr;
}

void Baseline::learn(const Event& event) {
    if (event.kind == EventKind::lost && event.workload.empty()) {
        auto k = static_cast<std::size_t>(event.lost_kind);
        if (k < impl_->session_lost.size()) impl_->session_lost[k] += event.lost_count;
        for (auto& [key, profile] : impl_->profiles)
            profile.learn(event);
        return;
    }
    impl_->route(event.workload)->learn(event);
}

Profile& Baseline::profile(const std::string& workload, const std::string& image_digest) {
    auto key = std::make_pair(workload, image_digest);
    auto it = impl_->profiles.find(key);
    if (it == impl_->profiles.end()) {
        it = impl_->profiles.emplace(key, Profile(workload, image_digest, impl_->options)).first;
    }
    return it->second;
}

const Profile* Baseline::find(std::string_view workload, std::string_view image_digest) const {
    auto it =
        impl_->profiles.find(std::make_pair(std::string(workload), std::string(image_digest)));
    return it == impl_->profiles.end() ? nullptr : &it->second;
}

std::vector<const Profile*> Baseline::profiles() const {
    std::vector<const Profile*> out;
    out.reserve(impl_->profiles.size());
    for (const auto& [key, p] : impl_->profiles)
        out.push_back(&p);
    return out;
}

std::size_t Baseline::size() const noexcept {
    return impl_->profiles.size();
}

void Baseline::merge(const Baseline& other) {
    // Copy first: merging a baseline into itself must not iterate what it modifies.
    if (&other == this) {
        Baseline copy(other);
        merge(copy);
        return;
    }
    for (const auto& [key, p] : other.impl_->profiles) {
        auto it = impl_->profiles.find(key);
        if (it == impl_->profiles.end()) {
            impl_->profiles.emplace(key, p);
        } else {
            it->second.merge(p);
        }
    }
    impl_->cached = nullptr;
}

bool Baseline::converged(double quiet_seconds, double max_new_per_minute, std::uint64_t now_ns,
                         double window_seconds) const {
    if (impl_->profiles.empty()) return false;
    for (const auto& [key, p] : impl_->profiles) {
        if (!p.converged(quiet_seconds, max_new_per_minute, now_ns, window_seconds)) return false;
    }
    return true;
}

void Baseline::save(const std::string& path) const {
    detail::write_file_atomic(path, to_json());
}

Baseline Baseline::load(const std::string& path, BaselineOptions options) {
    std::string text = detail::read_file(path, std::size_t(1) << 30);
    return from_json(text, path, options);
}

}  // namespace rtguard

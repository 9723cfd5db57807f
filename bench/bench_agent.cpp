// Memory of an agent that watches many workloads: one BpfSource watching every cgroup given,
// learning a baseline per workload, then checking their events with an AnomalyDetector, as
// a node agent embedding the library would.
//
//   bench_agent [--learn SECONDS] [--monitor SECONDS] CGROUP_DIR...
//
// Prints "MEMORY <workloads> <VmRSS kB> <VmHWM kB> <events> <alerts> <lost>" at the end of
// monitoring (read from /proc/self/status), and a summary on standard error. Needs root and
// kernel BTF; exit status 77 when live events are unavailable here.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "rtguard/baseline.hpp"
#include "rtguard/detector.hpp"
#include "rtguard/error.hpp"
#include "rtguard/live.hpp"

using namespace rtguard;

namespace {

using Clock = std::chrono::steady_clock;

/// The kB value of a "Name:   123 kB" line of /proc/self/status, or 0.
std::uint64_t status_kb(const std::string& name) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, name.size() + 1, name + ":") == 0)
            return std::strtoull(line.c_str() + name.size() + 1, nullptr, 10);
    }
    return 0;
}

/// Polls `source` for `seconds`, handing each event to `handle`.
template <typename F>
void poll_for(BpfSource& source, double seconds, F&& handle) {
    auto end = Clock::now() +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<Event> batch;
    while (Clock::now() < end) {
        batch.clear();
        source.next_batch(batch, 4096);
        for (const auto& e : batch)
            handle(e);
    }
}

int usage() {
    fmt::print(stderr, "usage: bench_agent [--learn SECONDS] [--monitor SECONDS] CGROUP_DIR...\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    double learn_seconds = 5, monitor_seconds = 10;
    std::vector<std::string> cgroups;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if ((a == "--learn" || a == "--monitor") && i + 1 < argc) {
            (a == "--learn" ? learn_seconds : monitor_seconds) = std::atof(argv[++i]);
        } else if (a.rfind("--", 0) == 0) {
            return usage();
        } else {
            cgroups.push_back(a);
        }
    }
    if (cgroups.empty()) return usage();
    if (auto why = live_unavailable_reason(); !why.empty()) {
        fmt::print(stderr, "bench_agent: skipped: {}\n", why);
        return 77;
    }

    try {
        BpfSource source;
        for (const auto& c : cgroups)
            source.watch_cgroup(c);

        // Learn, then check: the detector holds one compiled profile per workload.
        Baseline baseline;
        std::uint64_t learned = 0;
        poll_for(source, learn_seconds, [&](const Event& e) {
            baseline.learn(e);
            ++learned;
        });
        AnomalyDetector detector;
        detector.add(baseline);
        std::vector<Alert> alerts;
        std::uint64_t alert_count = 0;
        poll_for(source, monitor_seconds, [&](const Event& e) {
            alerts.clear();
            alert_count += detector.check(e, alerts);
        });

        auto rss = status_kb("VmRSS");
        auto hwm = status_kb("VmHWM");
        auto counters = source.counters();
        fmt::print("MEMORY {} {} {} {} {} {}\n", cgroups.size(), rss, hwm, detector.stats().events,
                   alert_count, counters.lost_total());
        fmt::print(stderr,
                   "bench_agent: {} workloads, {} profiles, {} events learned, {} checked, "
                   "{} alerts, {} lost; VmRSS {} kB, VmHWM {} kB\n",
                   cgroups.size(), baseline.size(), learned, detector.stats().events, alert_count,
                   counters.lost_total(), rss, hwm);
    } catch (const Error& e) {
        fmt::print(stderr, "bench_agent: {}\n", e.what());
        return 1;
    }
    return 0;
}

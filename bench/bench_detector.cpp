// Cost of AnomalyDetector::check per event on a 50,000-entry baseline, against the cost of a
// plain std::unordered_set<std::string> lookup of the same paths measured in the same run.
//
//   bench_detector [CHECKS]   (default 1,000,000 checks, over a pool of 100,000 events)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include <fmt/core.h>

#include "rtguard/baseline.hpp"
#include "rtguard/detector.hpp"

using namespace rtguard;

namespace {

constexpr std::uint64_t t0 = 1'700'000'000'000'000'000ULL;

Event event(EventKind kind, std::uint64_t t) {
    Event e;
    e.kind = kind;
    e.time_ns = t;
    e.workload = "container:bench";
    e.pid = 100;
    e.ppid = 1;
    e.comm = "bench";
    e.exe = "/opt/bin/t0";
    return e;
}

Event open_event(std::string path, std::uint32_t flags, std::uint64_t t) {
    Event e = event(EventKind::open, t);
    e.path = std::move(path);
    e.flags = flags;
    return e;
}

Event exec_event(std::string path, std::uint64_t ino, std::uint64_t t) {
    Event e = event(EventKind::exec, t);
    e.exe = std::move(path);
    e.exec.argv = {e.exe, "--run"};
    e.exec.dev = 0x801;
    e.exec.ino = ino;
    return e;
}

Event connect_event(std::string address, std::uint64_t t) {
    Event e = event(EventKind::network, t);
    e.net.op = NetOp::connect;
    e.net.family = NetFamily::inet;
    e.net.protocol = NetProto::tcp;
    e.net.address = std::move(address);
    e.net.port = 443;
    return e;
}

std::string file_path(int i) {
    // 16 files per directory and 16 directories per parent stay under the generalization
    // threshold, so every one of these is a literal entry.
    return fmt::format("/srv/a{}/b{}/f{}.dat", i / 256, (i / 16) % 16, i % 16);
}

std::string address(int i) {
    return fmt::format("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256 + 1);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t n_checks = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
    std::size_t n_events = std::min<std::size_t>(std::max<std::size_t>(n_checks, 1), 100'000);
    std::size_t passes = std::max<std::size_t>(1, n_checks / n_events);
    constexpr int n_files = 32'000, n_exes = 5'000, n_endpoints = 2'500, n_spool = 200,
                  n_syscalls = 300;

    // The baseline: literal files, executables with identities, endpoints, syscalls, and
    // per-request directories that generalize into patterns.
    Profile profile("container:bench", "sha256:bench");
    std::uint64_t t = t0;
    for (int i = 0; i < n_files; ++i)
        profile.learn(open_event(file_path(i), 0, ++t));
    for (int i = 0; i < n_exes; ++i) {
        profile.learn(exec_event(fmt::format("/opt/bin/t{}", i), std::uint64_t(i + 1), ++t));
    }
    for (int i = 0; i < n_endpoints; ++i)
        profile.learn(connect_event(address(i), ++t));
    for (int q = 0; q < n_spool; ++q) {
        for (int r = 0; r < 20; ++r) {
            profile.learn(open_event(fmt::format("/var/spool/q{}/req-{}", q, r), 01 | 0100, ++t));
        }
    }
    for (int nr = 0; nr < n_syscalls; ++nr) {
        Event s = event(EventKind::syscall, ++t);
        s.syscall_nr = nr;
        profile.learn(s);
    }

    AnomalyDetector detector;
    detector.add(profile);

    // The reference holds the same literal paths the stream looks up.
    std::unordered_set<std::string> reference;
    for (const FileEntry* f : profile.files())
        reference.insert(f->path);

    // The stream: mostly conforming events (as in production), some deviations. A pool
    // checked several times keeps the measurement about lookups, not about streaming half a
    // gigabyte of events through the cache.
    std::mt19937_64 rng(42);
    std::vector<Event> events;
    events.reserve(n_events);
    for (std::size_t i = 0; i < n_events; ++i) {
        std::uint64_t now = t0 + 1'000'000'000ULL * 3600 + i * 1000;
        unsigned pick = unsigned(rng() % 100);
        if (pick < 60) {
            events.push_back(open_event(file_path(int(rng() % n_files)), 0, now));
        } else if (pick < 75) {
            events.push_back(open_event(
                fmt::format("/var/spool/q{}/req-{}", rng() % n_spool, rng() % 1'000'000), 01, now));
        } else if (pick < 85) {
            int x = int(rng() % n_exes);
            events.push_back(exec_event(fmt::format("/opt/bin/t{}", x), std::uint64_t(x + 1), now));
        } else if (pick < 95) {
            events.push_back(connect_event(address(int(rng() % n_endpoints)), now));
        } else {
            events.push_back(open_event(fmt::format("/etc/new{}", rng() % 1000), 01, now));
        }
    }

    // Measure, best of three rounds each, so a stray scheduling hiccup does not decide.
    std::vector<Alert> alerts;
    double best_detector = 1e300, best_reference = 1e300;
    std::size_t found = 0, alert_count = 0;
    for (int round = 0; round < 3; ++round) {
        AnomalyDetector d;
        d.add(profile);
        alerts.clear();
        auto start = std::chrono::steady_clock::now();
        for (std::size_t pass = 0; pass < passes; ++pass) {
            for (const auto& e : events) {
                d.check(e, alerts);
                if (alerts.size() > 4096) alerts.clear();
            }
        }
        best_detector = std::min(best_detector, seconds_since(start));
        alert_count = d.stats().alerts;

        found = 0;
        start = std::chrono::steady_clock::now();
        for (std::size_t pass = 0; pass < passes; ++pass) {
            // The paths are read from the same events, so both sides pay for touching them.
            for (const auto& e : events) {
                found += reference.count(e.kind == EventKind::open ? e.path : e.exe);
            }
        }
        best_reference = std::min(best_reference, seconds_since(start));
    }

    double checks = double(events.size() * passes);
    double ns_detector = best_detector * 1e9 / checks;
    double ns_reference = best_reference * 1e9 / checks;
    fmt::print("baseline entries          {}\n", profile.entry_count());
    fmt::print("  files {}, patterns {}, executables {}, endpoints {}, syscalls {}\n",
               profile.files().size(), profile.patterns().size(), profile.executables().size(),
               profile.network().size(), profile.syscalls().size());
    fmt::print("events checked            {} ({} distinct, {} alerts after rate limiting)\n",
               events.size() * passes, events.size(), alert_count);
    fmt::print("AnomalyDetector::check    {:.1f} ns/event\n", ns_detector);
    fmt::print("unordered_set lookup      {:.1f} ns/lookup ({} found)\n", ns_reference, found);
    fmt::print("ratio                     {:.2f}x\n", ns_detector / ns_reference);
    return 0;
}

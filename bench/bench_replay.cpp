// Replay and detection throughput: ReplaySource + AnomalyDetector over a large generated
// replay file, against a plain simdjson parse of the same file, alternated in the same run.
//
//   bench_replay [--events N] [--rounds R] [--dir DIR]
//
// Generates DIR/replay-N.jsonl (N events of 20 workloads, about one in a thousand opens a
// path its baseline never saw) and DIR/train-N.jsonl (what the baselines are learned from)
// with rtguard's own Recorder unless they exist, learns the baselines, then runs R rounds of
// three variants in turn:
//
//   detect     ReplaySource + AnomalyDetector::check of every event
//   replay     ReplaySource alone (decode every event)
//   reference  read the file and simdjson DOM-parse every line (parse_many)
//
// and prints one line per round, "ROUND <detect s> <replay s> <reference s>", for bench/run
// to summarize, followed by a human-readable summary.
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "rtguard/baseline.hpp"
#include "rtguard/detector.hpp"
#include "rtguard/error.hpp"
#include "rtguard/replay.hpp"

using namespace rtguard;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int workload_count = 20;
constexpr std::uint64_t start_ns = 1'736'157'600'000'000'000ULL;

/// What one generated workload does; events are drawn from these tables.
struct Behaviour {
    std::string key;
    std::vector<std::string> executables;
    std::vector<std::string> files;
    std::vector<std::uint32_t> file_flags;
    std::vector<std::pair<std::string, std::uint16_t>> endpoints;
    std::vector<std::int32_t> syscalls;
};

std::vector<Behaviour> make_behaviours() {
    std::mt19937_64 rng(7);
    std::vector<Behaviour> out;
    for (int w = 0; w < workload_count; ++w) {
        Behaviour b;
        b.key = fmt::format("container:{:064x}", 0x5eed0000ULL + static_cast<unsigned>(w));
        for (int i = 0; i < 25; ++i)
            b.executables.push_back(fmt::format("/usr/bin/tool{}", i));

        // Libraries, configuration and data in directories of at most 12 files (below the
        // baseline's generalization threshold), plus per-process /proc paths it generalizes.
        for (int i = 0; i < 400; ++i) {
            switch (i % 4) {
                case 0:
                    b.files.push_back(
                        fmt::format("/usr/lib/x86_64-linux-gnu/d{}/lib{}.so.1", i / 48, i));
                    b.file_flags.push_back(0x80000);  // O_RDONLY|O_CLOEXEC
                    break;
                case 1:
                    b.files.push_back(fmt::format("/etc/app{}/conf{}.yaml", i / 48, i));
                    b.file_flags.push_back(0);
                    break;
                case 2:
                    b.files.push_back(fmt::format("/var/lib/app/d{}/state{}.db", i / 48, i));
                    b.file_flags.push_back(02);  // O_RDWR
                    break;
                default:
                    b.files.push_back(fmt::format("/proc/{}/status", 1000 + rng() % 50000));
                    b.file_flags.push_back(0);
            }
        }
        for (int i = 0; i < 10; ++i)
            b.endpoints.emplace_back(fmt::format("10.0.{}.{}", w, i + 1),
                                     static_cast<std::uint16_t>(5000 + i));
        for (int nr = 0; nr < 60; ++nr)
            b.syscalls.push_back(nr * 3 % 335);
        out.push_back(std::move(b));
    }
    return out;
}

Event base_event(EventKind kind, const Behaviour& b, std::uint64_t t, std::uint32_t pid) {
    Event e;
    e.kind = kind;
    e.time_ns = t;
    e.workload = b.key;
    e.pid = pid;
    e.ppid = 1;
    e.uid = 1000;
    e.exe = b.executables[pid % b.executables.size()];
    e.comm = e.exe.substr(e.exe.rfind('/') + 1);
    return e;
}

/// One event of workload `b`; with `anomaly` an open of a path outside its behaviour.
Event draw_event(const Behaviour& b, std::mt19937_64& rng, std::uint64_t t, bool anomaly) {
    std::uint32_t pid = 2000 + static_cast<std::uint32_t>(rng() % 200);
    unsigned roll = static_cast<unsigned>(rng() % 100);
    if (anomaly) {
        Event e = base_event(EventKind::open, b, t, pid);
        e.path = fmt::format("/srv/unexpected/f{}", rng() % 100000);
        return e;
    }
    if (roll < 60) {
        Event e = base_event(EventKind::open, b, t, pid);
        std::size_t i = rng() % b.files.size();
        e.path = b.files[i];
        e.flags = b.file_flags[i];
        return e;
    }
    if (roll < 70) {
        Event e = base_event(EventKind::syscall, b, t, pid);
        e.syscall_nr = b.syscalls[rng() % b.syscalls.size()];
        return e;
    }
    if (roll < 80) {
        Event e = base_event(EventKind::network, b, t, pid);
        const auto& ep = b.endpoints[rng() % b.endpoints.size()];
        e.net = {NetOp::connect, NetFamily::inet, NetProto::tcp, ep.first, ep.second};
        return e;
    }
    if (roll < 88) {
        Event e = base_event(EventKind::exec, b, t, pid);
        e.exe = b.executables[rng() % b.executables.size()];
        e.comm = e.exe.substr(e.exe.rfind('/') + 1);
        e.exec.argv = {e.comm, "--serve", fmt::format("--worker={}", rng() % 4)};
        e.exec.dev = 2049;
        e.exec.ino = 100000 + std::hash<std::string>{}(e.exe) % 100000;
        e.exec.cwd = "/app";
        return e;
    }
    if (roll < 94) return base_event(EventKind::fork, b, t, pid);
    Event e = base_event(EventKind::exit, b, t, pid);
    e.exit_code = 0;
    return e;
}

/// Writes the training file (every behaviour entry once, then random events) and the replay
/// file (random events with one anomalous open in a thousand events).
void generate(const std::string& train, const std::string& replay, std::size_t events) {
    auto behaviours = make_behaviours();
    std::mt19937_64 rng(42);
    std::uint64_t t = start_ns;

    Recorder train_out(train);
    for (const auto& b : behaviours) {
        for (std::size_t i = 0; i < b.files.size(); ++i) {
            Event e = base_event(EventKind::open, b, t += 1000, 2000);
            e.path = b.files[i];
            e.flags = b.file_flags[i];
            train_out.write(e);
        }
        for (std::size_t i = 0; i < 4000; ++i)
            train_out.write(draw_event(b, rng, t += 1000, false));
    }
    train_out.close();

    Recorder replay_out(replay);
    for (std::size_t i = 0; i < events; ++i) {
        const auto& b = behaviours[rng() % behaviours.size()];
        replay_out.write(draw_event(b, rng, t += 10'000, rng() % 1000 == 0));
    }
    replay_out.close();
}

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Pass {
    double seconds = 0;
    std::uint64_t events = 0;
    std::uint64_t alerts = 0;
};

Pass replay_pass(const std::string& path, AnomalyDetector* detector) {
    Pass p;
    auto t0 = Clock::now();
    ReplaySource source(path, ReplayOptions{});
    std::vector<Event> batch;
    std::vector<Alert> alerts;
    while (!source.at_end()) {
        batch.clear();
        source.next_batch(batch, 4096);
        p.events += batch.size();
        if (!detector) continue;
        for (const auto& e : batch) {
            alerts.clear();
            p.alerts += detector->check(e, alerts);
        }
    }
    if (source.counters().skipped)
        throw Error(errc::parse_error, "the generated file has bad lines", path);
    p.seconds = seconds_since(t0);
    return p;
}

Pass reference_pass(const std::string& path) {
    Pass p;
    auto t0 = Clock::now();
    simdjson::padded_string json;
    if (simdjson::padded_string::load(path).get(json) != simdjson::SUCCESS)
        throw Error(std::make_error_code(std::errc::io_error), "cannot read the file", path);
    simdjson::dom::parser parser;
    simdjson::dom::document_stream stream;
    if (parser.parse_many(json).get(stream) != simdjson::SUCCESS)
        throw Error(errc::parse_error, "simdjson cannot parse the file", path);
    for (auto doc : stream) {
        simdjson::dom::element e;
        if (doc.get(e) != simdjson::SUCCESS)
            throw Error(errc::parse_error, "simdjson cannot parse a line", path);
        ++p.events;
    }
    --p.events;  // the header line
    p.seconds = seconds_since(t0);
    return p;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty()      ? 0
           : v.size() % 2 ? v[v.size() / 2]
                          : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int usage() {
    fmt::print(stderr, "usage: bench_replay [--events N] [--rounds R] [--dir DIR]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t events = 1'000'000;
    int rounds = 5;
    std::string dir = "/tmp";
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 >= argc) return usage();
        if (a == "--events") {
            events = std::strtoull(argv[++i], nullptr, 10);
        } else if (a == "--rounds") {
            rounds = std::atoi(argv[++i]);
        } else if (a == "--dir") {
            dir = argv[++i];
        } else {
            return usage();
        }
    }
    if (events == 0 || rounds <= 0) return usage();

    try {
        // The files are generated once per size and reused by later runs.
        std::string train = fmt::format("{}/train-{}.jsonl", dir, events);
        std::string replay = fmt::format("{}/replay-{}.jsonl", dir, events);
        if (!std::filesystem::exists(train) || !std::filesystem::exists(replay)) {
            auto t0 = Clock::now();
            generate(train, replay, events);
            fmt::print("generated {} and {} in {:.1f} s\n", train, replay, seconds_since(t0));
        }
        auto bytes = std::filesystem::file_size(replay);

        Baseline baseline;
        {
            ReplaySource source(train);
            std::vector<Event> batch;
            while (!source.at_end()) {
                batch.clear();
                source.next_batch(batch, 4096);
                for (const auto& e : batch)
                    baseline.learn(e);
            }
        }
        std::size_t entries = 0;
        for (const auto* p : baseline.profiles())
            entries += p->entry_count();
        fmt::print("replay file: {} events, {:.1f} MB; baselines: {} workloads, {} entries\n",
                   events, static_cast<double>(bytes) / 1e6, baseline.size(), entries);

        // The variants take turns so that a change in machine load hits all of them alike.
        std::vector<double> r_detect, r_replay;
        std::uint64_t alerts = 0;
        for (int r = 0; r < rounds; ++r) {
            AnomalyDetector detector;
            detector.add(baseline);
            Pass d = replay_pass(replay, &detector);
            Pass p = replay_pass(replay, nullptr);
            Pass ref = reference_pass(replay);
            if (d.events != events || p.events != events || ref.events != events)
                throw Error(errc::parse_error,
                            fmt::format("event counts differ: {} {} {} (expected {})", d.events,
                                        p.events, ref.events, events),
                            replay);
            alerts = d.alerts;
            fmt::print("ROUND {:.4f} {:.4f} {:.4f}\n", d.seconds, p.seconds, ref.seconds);
            r_detect.push_back(d.seconds / ref.seconds);
            r_replay.push_back(p.seconds / ref.seconds);
        }
        fmt::print("alerts per detect pass: {}\n", alerts);
        fmt::print("median time ratio to the simdjson parse: detect {:.2f}, replay {:.2f}\n",
                   median(r_detect), median(r_replay));
    } catch (const Error& e) {
        fmt::print(stderr, "bench_replay: {}\n", e.what());
        return 1;
    }
    return 0;
}

// A third-party program built against the installed rtguard through pkg-config:
//
//   c++ -std=c++20 consumer.cpp $(pkg-config --cflags --libs rtguard) -o consumer
//   ./consumer EVENTS.jsonl
//
// It learns a baseline from a recording, checks the same recording against it (a workload
// that does what it did while learning raises nothing) and prints what it learned.
#include <cstdio>
#include <exception>
#include <vector>

#include <rtguard/baseline.hpp>
#include <rtguard/detector.hpp>
#include <rtguard/replay.hpp>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s EVENTS.jsonl\n", argv[0]);
        return 2;
    }
    try {
        // Learn.
        rtguard::Baseline baseline;
        std::vector<rtguard::Event> batch;
        rtguard::ReplaySource learn_source(argv[1]);
        while (learn_source.next_batch(batch, 1024) > 0) {
            for (const auto& e : batch)
                baseline.learn(e);
            batch.clear();
        }

        // Detect on the same events: nothing may deviate.
        rtguard::AnomalyDetector detector;
        detector.add(baseline);
        std::vector<rtguard::Alert> alerts;
        rtguard::ReplaySource detect_source(argv[1]);
        while (detect_source.next_batch(batch, 1024) > 0) {
            for (const auto& e : batch)
                detector.check(e, alerts);
            batch.clear();
        }

        for (const auto* profile : baseline.profiles()) {
            std::printf("%s: %zu executables, %zu files, %zu patterns, %zu syscalls\n",
                        profile->workload().c_str(), profile->executables().size(),
                        profile->files().size(), profile->patterns().size(),
                        profile->syscalls().size());
        }
        std::printf("%zu alerts\n", alerts.size());
        return alerts.empty() && baseline.size() > 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "consumer: %s\n", e.what());
        return 2;
    }
}

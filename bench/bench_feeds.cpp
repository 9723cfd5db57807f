// Loading OSV feeds: rtguard's on-demand decoder and index against a plain simdjson DOM parse
// of every record of the same archives, in the same run; then matching every SBOM.
//
// usage: bench_feeds [DATA_DIR] [ROUNDS]   (DATA_DIR defaults to $RTGUARD_SHARED_DATA or
//                                           ../shared/data; it holds osv/*.zip and sbom/*.json)
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "rtguard/matcher.hpp"
#include "sbom/osv_feed.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Wall-clock and CPU time (all threads) of the best of `rounds` runs, in milliseconds: the
// run least disturbed by other work on the machine.
struct Timing {
    double wall = 1e300;
    double cpu = 1e300;
};

Timing best_ms(int rounds, const std::function<void()>& f) {
    Timing best;
    for (int i = 0; i < rounds; ++i) {
        double c0 = cpu_ms();
        auto t0 = Clock::now();
        f();
        std::chrono::duration<double, std::milli> d = Clock::now() - t0;
        if (d.count() < best.wall) best = {d.count(), cpu_ms() - c0};
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    const char* env = std::getenv("RTGUARD_SHARED_DATA");
    fs::path data = argc > 1 ? argv[1] : env ? env : "../shared/data";
    int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
    std::vector<std::string> zips;
    for (const char* z : {"Go.zip", "crates.io.zip", "AlmaLinux.zip", "PyPI.zip"}) {
        if (!fs::exists(data / "osv" / z)) {
            fmt::print(stderr, "bench_feeds: {} not found (pass the data directory)\n",
                       (data / "osv" / z).string());
            return 2;
        }
        zips.push_back((data / "osv" / z).string());
    }

    // The same bytes for both parsers: every member of every archive, padded once.
    std::vector<simdjson::padded_string> records;
    std::size_t bytes = 0;
    for (const auto& z : zips) {
        for (auto& r : rtguard::detail::read_feed_bytes(z)) {
            bytes += r.json.size();
            records.emplace_back(r.json);
        }
    }
    fmt::print("feeds: {} archives, {} records, {:.1f} MB of JSON, best of {} rounds\n\n",
               zips.size(), records.size(), bytes / 1e6, rounds);

    // End to end, from the archives: decompress, decode, index.
    std::size_t loaded = 0;
    Timing load = best_ms(rounds, [&] {
        rtguard::SbomMatcher m;
        for (const auto& z : zips)
            m.load_feed(z);
        loaded = m.advisory_count();
    });
    Timing reference = best_ms(rounds, [&] {
        simdjson::dom::parser parser;
        for (const auto& z : zips) {
            for (auto& r : rtguard::detail::read_feed_bytes(z)) {
                simdjson::dom::element doc;
                if (parser.parse(r.json).get(doc) != simdjson::SUCCESS) std::abort();
            }
        }
    });
    Timing unzip = best_ms(rounds, [&] {
        for (const auto& z : zips)
            (void)rtguard::detail::read_feed_bytes(z);
    });

    // From memory: the record decoder alone against a DOM parse of every record.
    Timing decode = best_ms(rounds, [&] {
        rtguard::detail::OsvParser parser;
        rtguard::detail::StringArena arena;
        std::vector<rtguard::detail::OsvRecord> decoded;
        std::vector<rtguard::FeedProblem> problems;
        static const std::string file = "mem", member;
        for (const auto& r : records) {
            decoded.emplace_back();
            parser.parse(r.data(), r.size(), r.size() + simdjson::SIMDJSON_PADDING, file, member,
                         arena, decoded.back(), problems);
        }
    });
    Timing dom = best_ms(rounds, [&] {
        simdjson::dom::parser parser;
        for (const auto& r : records) {
            simdjson::dom::element doc;
            if (parser.parse(r).get(doc) != simdjson::SUCCESS) std::abort();
        }
    });

    fmt::print("{:<50} {:>9} {:>9} {:>7}\n", "", "wall ms", "cpu ms", "ratio");
    auto row = [](std::string_view what, Timing t, const Timing* ref) {
        std::string ratio = ref ? fmt::format("{:.2f}", t.wall / ref->wall) : "";
        fmt::print("{:<50} {:9.1f} {:9.1f} {:>7}\n", what, t.wall, t.cpu, ratio);
    };
    row(fmt::format("load all four archives ({} advisories)", loaded), load, &reference);
    row("  reference: unzip + simdjson DOM of each record", reference, nullptr);
    row("  of which unzip alone", unzip, nullptr);
    row("decode every record from memory", decode, &dom);
    row("  reference: simdjson DOM of each record", dom, nullptr);
    fmt::print("\n");

    // Matching: every SBOM of the data set against all four feeds.
    rtguard::SbomMatcher m;
    for (const auto& z : zips)
        m.load_feed(z);
    std::vector<std::string> sboms;
    for (const auto& e : fs::directory_iterator(data / "sbom"))
        if (e.path().extension() == ".json") sboms.push_back(e.path().string());
    std::sort(sboms.begin(), sboms.end());
    std::vector<rtguard::Sbom> parsed;
    Timing read = best_ms(rounds, [&] {
        parsed.clear();
        for (const auto& s : sboms)
            parsed.push_back(rtguard::Sbom::read(s));
    });
    std::size_t findings = 0, components = 0;
    Timing match = best_ms(rounds, [&] {
        findings = components = 0;
        for (const auto& s : parsed) {
            auto r = m.match(s);
            findings += r.findings.size();
            components += r.components;
        }
    });
    row(fmt::format("read {} SBOMs", sboms.size()), read, nullptr);
    row(fmt::format("match them ({} components, {} findings)", components, findings), match,
        nullptr);
    return 0;
}

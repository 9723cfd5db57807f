// rtguard detect: recorded events checked against a baseline; alerts as JSON Lines.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <unordered_set>

#include <fmt/core.h>

#include "cli.hpp"
#include "event_files.hpp"
#include "rtguard/baseline.hpp"
#include "rtguard/detector.hpp"
#include "rtguard/error.hpp"

namespace rtguard::cli {
namespace {

constexpr const char* detect_usage =
    "usage: rtguard detect --baseline BASELINE EVENTS... [--format replay|tetragon|auto]\n"
    "                      [--workload KEY] [--image-digest D] [--check-arguments]\n"
    "                      [--unknown-workload ignore|alert] [--rate-limit DURATION]\n"
    "                      [--hostname NAME] [--strict]\n"
    "\n"
    "Checks recorded events against a baseline and writes one alert per line on standard\n"
    "output (Falco's JSON shape, see docs/alerts.md). Exit status: 0 no alert, 1 alerts,\n"
    "2 error.\n"
    "\n"
    "  --baseline FILE        the baseline (from rtguard learn or rtguard profile)\n"
    "  --format F             replay, tetragon or auto (default: the first line decides)\n"
    "  --workload KEY         check every workload's events against KEY's profile\n"
    "  --image-digest D       use the profiles of image digest D\n"
    "  --check-arguments      also alert on argument vectors the baseline never saw\n"
    "  --unknown-workload A   ignore (default) or alert once for workloads without a profile\n"
    "  --rate-limit D         suppress repeats of an alert within D (default 60s; 0: never)\n"
    "  --hostname NAME        the hostname alerts carry (default: this machine's)\n"
    "  --strict               stop at the first malformed record instead of skipping it\n";

std::string this_hostname() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "unknown";
    return name;
}

int run_detect(const std::vector<std::string>& args) {
    auto a = parse_args(args, {"--help", "--baseline=", "--format=", "--workload=",
                               "--image-digest=", "--check-arguments",
                               "--unknown-workload=", "--rate-limit=", "--hostname=", "--strict"});
    if (a.has("--help")) {
        fmt::print("{}", detect_usage);
        return 0;
    }
    auto baseline_path = a.get("--baseline");
    if (!baseline_path) throw UsageError("--baseline BASELINE is required");
    if (a.positional.empty()) throw UsageError("no events files given");
    EventFormat format = parse_event_format(a.get("--format").value_or("auto"));

    DetectorOptions options;
    options.check_arguments = a.has("--check-arguments");
    if (auto u = a.get("--unknown-workload")) {
        if (*u == "alert") {
            options.unknown_workload = UnknownWorkload::alert_once;
        } else if (*u != "ignore") {
            throw UsageError("--unknown-workload takes ignore or alert");
        }
    }
    if (auto r = a.get("--rate-limit")) {
        options.rate_limit_ns = static_cast<std::uint64_t>(parse_duration_seconds(*r) * 1e9);
    }
    std::string hostname = a.get("--hostname").value_or(this_hostname());

    Baseline baseline = Baseline::load(*baseline_path);
    AnomalyDetector detector(options);
    detector.add(baseline, a.get("--image-digest").value_or(""));
    auto workload = a.get("--workload");
    if (workload && !detector.has_workload(*workload)) {
        throw UsageError("the baseline has no profile for workload " + *workload);
    }
    for (const Profile* p : baseline.profiles()) {
        if (p->lost_total()) {
            fmt::print(stderr,
                       "rtguard detect: warning: the profile of {} was learned with {} events "
                       "lost; it may lack behaviour the workload has\n",
                       p->workload(), p->lost_total());
        }
    }

    // Alerts keep the real workload of each event; --workload only chooses the profile.
    std::unordered_set<std::string> aliased;
    std::vector<Alert> alerts;
    std::uint64_t emitted = 0;
    ReadTotals totals =
        read_event_files(a.positional, format, a.has("--strict"), [&](std::vector<Event>& events) {
            for (const auto& e : events) {
                if (workload && e.workload != *workload && aliased.insert(e.workload).second) {
                    detector.alias(e.workload, *workload);
                }
                alerts.clear();
                detector.check(e, alerts);
                for (const auto& alert : alerts) {
                    std::string line = alert_to_json(alert, hostname);
                    line += '\n';
                    std::fwrite(line.data(), 1, line.size(), stdout);
                    ++emitted;
                }
            }
            std::fflush(stdout);
        });
    if (std::ferror(stdout)) throw Error::from_errno(errno, "cannot write alerts", "stdout");

    const DetectorStats& s = detector.stats();
    fmt::print(stderr,
               "rtguard detect: {} events read ({} skipped), {} alerts, {} repeats suppressed, "
               "{} events of workloads without a profile\n",
               totals.events, totals.skipped, emitted, s.suppressed, s.unknown_workload_events);
    // Exit status 0 says "nothing deviated": it must not be said of events never read.
    if (totals.events == 0 && totals.skipped > 0) {
        throw Error(errc::bad_value,
                    fmt::format("none of the {} records could be read; nothing was checked",
                                totals.skipped),
                    a.positional.front());
    }
    return emitted > 0 ? 1 : 0;
}

}  // namespace

extern const Command detect_command;
const Command detect_command{"detect", "check recorded events against a baseline", run_detect};

}  // namespace rtguard::cli

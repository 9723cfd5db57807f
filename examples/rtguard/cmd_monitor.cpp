// rtguard monitor: check a live workload against its baseline and print alerts as they happen.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "cli.hpp"
#include "live_cli.hpp"
#include "rtguard/baseline.hpp"
#include "rtguard/detector.hpp"
#include "rtguard/error.hpp"
#include "rtguard/log.hpp"

namespace rtguard::cli {
namespace {

constexpr const char* monitor_usage =
    "usage: rtguard monitor --baseline FILE [--profile NAME] [--image-digest DIGEST]\n"
    "                       [--check-arguments] [--output FILE] [--duration D] [--workload NAME]\n"
    "                       (--cgroup PATH | --pid PID | -- CMD [ARGS...])\n"
    "\n"
    "Checks what a live workload does against its baseline and prints each alert as one\n"
    "JSON object per line on standard output, as it happens (see docs/alerts.md).\n"
    "\n"
    "  --baseline FILE    the baseline (from rtguard profile or rtguard learn)\n"
    "  --profile NAME     check against the baseline's profile of workload NAME; by default\n"
    "                     the profile of the watched workload's own key, or the only profile\n"
    "                     when the baseline has one\n"
    "  --image-digest D   use the profiles of image digest D\n"
    "  --check-arguments  also alert on new argument vectors of known executables\n"
    "  -o, --output FILE  write the alerts there instead of standard output, which a command\n"
    "                     started with -- CMD shares with rtguard\n"
    "\n"
    "Exit status: 1 when at least one alert was printed; otherwise the command's exit status\n"
    "(128+N when a signal N ended it), or 0 when watching a cgroup or a pid; 2 on a usage or\n"
    "setup error. A summary on standard error says which.\n"
    "\n";

int run_monitor(const std::vector<std::string>& args) {
    std::vector<std::string> options = live_target_options;
    options.insert(options.end(), {"--help", "--baseline=", "--profile=", "--image-digest=",
                                   "--check-arguments", "-o=", "--output="});
    auto a = parse_args(args, options);
    if (a.has("--help")) {
        fmt::print("{}{}", monitor_usage, live_target_help);
        return 0;
    }
    auto baseline_path = a.get("--baseline");
    if (!baseline_path) throw UsageError("--baseline FILE is required");
    LiveTarget target = parse_live_target(a);

    Baseline baseline = Baseline::load(*baseline_path);
    DetectorOptions detector_options;
    detector_options.check_arguments = a.has("--check-arguments");
    detector_options.unknown_workload = UnknownWorkload::alert_once;
    AnomalyDetector detector(detector_options);
    detector.add(baseline, a.get("--image-digest").value_or(""));
    auto profile = a.get("--profile");
    if (profile && !detector.has_workload(*profile))
        throw Error(errc::invalid_argument,
                    fmt::format("the baseline has no profile of workload {}", *profile),
                    *baseline_path);

    // Alerts go to their own file when asked: a started command writes to rtguard's stdout.
    std::FILE* out = stdout;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> out_file(nullptr, &std::fclose);
    if (auto path = a.get("--output") ? a.get("--output") : a.get("-o"); path && *path != "-") {
        // Close-on-exec ("e"): the watched command must not be able to write alerts.
        out_file.reset(std::fopen(path->c_str(), "we"));
        if (!out_file) throw Error::from_errno(errno, "cannot open for writing", *path);
        out = out_file.get();
    }

    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    std::vector<Alert> alerts;
    std::uint64_t alert_count = 0;

    // Which profile the watched workload is checked against.
    auto choose_profile = [&](const std::string& workload) {
        if (profile) {
            detector.alias(workload, *profile);
        } else if (!detector.has_workload(workload)) {
            auto profiles = baseline.profiles();
            if (profiles.size() != 1)
                throw Error(errc::invalid_argument,
                            fmt::format("the baseline has {} profiles and none of workload {}; "
                                        "choose one with --profile",
                                        profiles.size(), workload),
                            *baseline_path);
            detector.alias(workload, profiles[0]->workload());
            log(LogLevel::info, fmt::format("checking {} against the profile of {}", workload,
                                            profiles[0]->workload()));
        }
    };

    LiveRun run =
        run_live(target, BpfSourceOptions{}, choose_profile, [&](const std::vector<Event>& events) {
            for (const auto& e : events) {
                alerts.clear();
                detector.check(e, alerts);
                for (const auto& alert : alerts)
                    fmt::print(out, "{}\n", alert_to_json(alert, host));
                alert_count += alerts.size();
            }
            if (!events.empty()) std::fflush(out);
            return true;
        });

    const auto& stats = detector.stats();
    fmt::print(stderr,
               "rtguard monitor: {} events of {} checked, {} alerts ({} repeats "
               "suppressed){}\n",
               stats.events, run.workload, alert_count, stats.suppressed,
               run.interrupted ? ", interrupted" : "");
    report_live_run("monitor", run);
    if (alert_count > 0) return 1;
    return run.command ? exit_status_of(run.wait_status) : 0;
}

}  // namespace

extern const Command monitor_command;
const Command monitor_command{"monitor", "check a live workload against its baseline", run_monitor};

}  // namespace rtguard::cli

// rtguard profile: learn a live workload's baseline.
#include <time.h>

#include <filesystem>

#include <fmt/core.h>

#include "cli.hpp"
#include "core/atomic_file.hpp"
#include "live_cli.hpp"
#include "rtguard/baseline.hpp"

namespace rtguard::cli {
namespace {

constexpr const char* profile_usage =
    "usage: rtguard profile [-o BASELINE] [--merge] [--until-stable [--quiet D]]\n"
    "                       [--duration D] [--workload NAME] [--image-digest DIGEST]\n"
    "                       (--cgroup PATH | --pid PID | -- CMD [ARGS...])\n"
    "\n"
    "Watches a live workload and writes its baseline (see docs/baseline.md) when the command\n"
    "ends, the duration passes, the baseline converges (--until-stable) or on SIGINT/SIGTERM.\n"
    "\n"
    "  -o, --output FILE  the baseline to write (default baseline.json; \"-\" for standard\n"
    "                     output, and a started command's output then goes to standard error)\n"
    "  --merge            merge into FILE when it exists, instead of replacing it\n"
    "  --until-stable     stop once no new behaviour (executable, file, endpoint, syscall)\n"
    "                     appeared for --quiet D (default 60s)\n"
    "  --image-digest D   file the profile under image digest D\n"
    "\n";

std::uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

int run_profile(const std::vector<std::string>& args) {
    std::vector<std::string> options = live_target_options;
    options.insert(options.end(), {"--help", "-o=", "--output=", "--merge", "--until-stable",
                                   "--quiet=", "--image-digest="});
    auto a = parse_args(args, options);
    if (a.has("--help")) {
        fmt::print("{}{}", profile_usage, live_target_help);
        return 0;
    }
    std::string output = a.get("--output").value_or(a.get("-o").value_or("baseline.json"));
    LiveTarget target = parse_live_target(a);
    target.command_stdout_to_stderr = writes_to_stdout(output);
    bool until_stable = a.has("--until-stable");
    double quiet = 60;
    if (auto q = a.get("--quiet")) {
        if (!until_stable) throw UsageError("--quiet needs --until-stable");
        quiet = parse_duration_seconds(*q);
    }

    // Load what is to be merged first: a broken file should stop us before profiling.
    Baseline baseline;
    if (a.has("--merge") && std::filesystem::exists(output)) baseline = Baseline::load(output);
    // And a place to write it, before the workload runs for nothing.
    detail::check_writable(output);
    Baseline learned;
    auto digest = a.get("--image-digest");

    LiveRun run = run_live(
        target, BpfSourceOptions{},
        [&](const std::string& workload) {
            if (digest) learned.set_image_digest(workload, *digest);
        },
        [&](const std::vector<Event>& events) {
            for (const auto& e : events)
                learned.learn(e);
            // Converged: nothing new within the quiet period (rate measured over it, too).
            return !(until_stable && learned.converged(quiet, 0, now_ns(), quiet));
        });

    baseline.merge(learned);
    baseline.save(output);
    std::size_t entries = 0;
    for (const auto* p : learned.profiles())
        entries += p->entry_count();
    fmt::print(stderr, "rtguard profile: baseline of {} ({} entries{}) written to {}\n",
               run.workload, entries, run.interrupted ? ", interrupted" : "", output);
    report_live_run("profile", run);
    return 0;
}

}  // namespace

extern const Command profile_command;
const Command profile_command{"profile", "learn a live workload's baseline", run_profile};

}  // namespace rtguard::cli

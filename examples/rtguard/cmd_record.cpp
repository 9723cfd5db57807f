// rtguard record: write what a live workload does to a replay file.
#include <cstdlib>

#include <fmt/core.h>

#include "cli.hpp"
#include "live_cli.hpp"
#include "rtguard/replay.hpp"

namespace rtguard::cli {
namespace {

constexpr const char* record_usage =
    "usage: rtguard record -o EVENTS [--all] [--duration D] [--workload NAME]\n"
    "                      (--cgroup PATH | --pid PID | -- CMD [ARGS...])\n"
    "\n"
    "Writes what a live workload does to EVENTS, a replay file (see docs/events.md) that\n"
    "learn and detect read. The file appears when recording ends.\n"
    "\n"
    "  -o, --output EVENTS  the replay file to write (\"-\" for standard output; a started\n"
    "                     command's output then goes to standard error)\n"
    "  --all              every event: repeats of an exec, open or connection too (by default\n"
    "                     the kernel drops repeats)\n"
    "  --ring-buffer N    kernel ring buffer size in bytes (a power of two; default 8 MiB)\n"
    "\n";

int run_record(const std::vector<std::string>& args) {
    std::vector<std::string> options = live_target_options;
    options.insert(options.end(), {"--help", "-o=", "--output=", "--all", "--ring-buffer="});
    auto a = parse_args(args, options);
    if (a.has("--help")) {
        fmt::print("{}{}", record_usage, live_target_help);
        return 0;
    }
    auto output = a.get("--output") ? a.get("--output") : a.get("-o");
    if (!output) throw UsageError("-o EVENTS is required");
    LiveTarget target = parse_live_target(a);
    target.command_stdout_to_stderr = writes_to_stdout(*output);

    BpfSourceOptions options_bpf;
    options_bpf.dedupe = !a.has("--all");
    if (auto n = a.get("--ring-buffer")) {
        char* end = nullptr;
        options_bpf.ring_buffer_bytes = std::strtoull(n->c_str(), &end, 10);
        if (n->empty() || *end) throw UsageError("--ring-buffer: expected a number of bytes");
    }

    Recorder recorder(*output);
    LiveRun run = run_live(
        target, options_bpf, [](const std::string&) {},
        [&](const std::vector<Event>& events) {
            for (const auto& e : events)
                recorder.write(e);
            return true;
        });
    recorder.close();

    fmt::print(stderr, "rtguard record: {} events of {} written to {}\n", recorder.written(),
               run.workload, *output);
    report_live_run("record", run);
    return 0;
}

}  // namespace

extern const Command record_command;
const Command record_command{"record", "write a live workload's events to a replay file",
                             run_record};

}  // namespace rtguard::cli

// rtguard learn: a baseline from recorded events.
#include <unordered_set>

#include <fmt/core.h>

#include "cli.hpp"
#include "event_files.hpp"
#include "rtguard/baseline.hpp"
#include "rtguard/error.hpp"

namespace rtguard::cli {
namespace {

constexpr const char* learn_usage =
    "usage: rtguard learn EVENTS... -o BASELINE [--format replay|tetragon|auto]\n"
    "                     [--workload KEY] [--image-digest D] [--merge EXISTING] [--strict]\n"
    "\n"
    "Learns the baseline of every workload in the recorded events and writes it to BASELINE\n"
    "(see docs/baseline.md).\n"
    "\n"
    "  -o, --output FILE   the baseline to write (atomically; may be EXISTING)\n"
    "  --format F          replay, tetragon or auto (default: the first line decides)\n"
    "  --workload KEY      file every event under workload KEY (for example one baseline for\n"
    "                      all the pods of a deployment)\n"
    "  --image-digest D    file the profiles under image digest D\n"
    "  --merge EXISTING    add what was learned to the baseline in EXISTING (counts add,\n"
    "                      windows widen)\n"
    "  --strict            stop at the first malformed record instead of skipping it\n";

int run_learn(const std::vector<std::string>& args) {
    auto a = parse_args(args, {"--help", "-o=", "--output=", "--format=", "--workload=",
                               "--image-digest=", "--merge=", "--strict"});
    if (a.has("--help")) {
        fmt::print("{}", learn_usage);
        return 0;
    }
    auto output = a.get("--output") ? a.get("--output") : a.get("-o");
    if (!output) throw UsageError("-o BASELINE is required");
    if (a.positional.empty()) throw UsageError("no events files given");
    EventFormat format = parse_event_format(a.get("--format").value_or("auto"));
    auto workload = a.get("--workload");
    auto digest = a.get("--image-digest");

    // Load what is to be merged first: a damaged file should stop us before the work.
    Baseline baseline;
    if (auto existing = a.get("--merge")) baseline = Baseline::load(*existing);

    Baseline learned;
    std::unordered_set<std::string> seen;
    ReadTotals totals =
        read_event_files(a.positional, format, a.has("--strict"), [&](std::vector<Event>& events) {
            for (auto& e : events) {
                if (workload) e.workload = *workload;
                if (digest && seen.insert(e.workload).second) {
                    learned.set_image_digest(e.workload, *digest);
                }
                learned.learn(e);
            }
        });
    // An empty baseline would alert on everything, and written over an earlier one it would
    // lose what that held: nothing is written.
    if (learned.size() == 0) {
        throw Error(errc::bad_value,
                    fmt::format("no workload events in the input ({} events read, {} skipped); "
                                "{} was not written",
                                totals.events, totals.skipped, *output),
                    a.positional.front());
    }

    baseline.merge(learned);
    baseline.save(*output);

    for (const Profile* p : learned.profiles()) {
        fmt::print(
            stderr, "rtguard learn: {}{}: {} events, {} entries{}\n", p->workload(),
            p->image_digest().empty() ? "" : " @ " + p->image_digest(), p->events_total(),
            p->entry_count(),
            p->lost_total() ? fmt::format(", {} events LOST while learning", p->lost_total()) : "");
    }
    fmt::print(stderr, "rtguard learn: {} events read, {} skipped; {} profiles written to {}\n",
               totals.events, totals.skipped, baseline.size(), *output);
    return 0;
}

}  // namespace

extern const Command learn_command;
const Command learn_command{"learn", "learn a baseline from recorded events", run_learn};

}  // namespace rtguard::cli

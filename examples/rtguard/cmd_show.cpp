// rtguard show: a baseline, readable; or its seccomp profile.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include <fmt/core.h>

#include "cli.hpp"
#include "rtguard/baseline.hpp"
#include "rtguard/detector.hpp"
#include "rtguard/error.hpp"

namespace rtguard::cli {
namespace {

constexpr const char* show_usage =
    "usage: rtguard show BASELINE [--all] [--limit N] [--workload KEY]\n"
    "       rtguard show BASELINE --seccomp [--workload KEY] [--image-digest D]\n"
    "\n"
    "Prints a readable summary of each profile in BASELINE: workload, image digest, window,\n"
    "event counts and losses, convergence, executables, files, patterns (with what they\n"
    "absorbed), network endpoints and syscalls.\n"
    "\n"
    "  --all               list every entry (default: the first --limit of each section)\n"
    "  --limit N           entries listed per section (default 25)\n"
    "  --workload KEY      only this workload's profile\n"
    "  --image-digest D    only profiles of image digest D\n"
    "  --seccomp           print the OCI seccomp profile (JSON) of the one selected profile\n";

std::string duration_text(double seconds) {
    if (seconds < 120) return fmt::format("{:.0f}s", seconds);
    if (seconds < 7200) return fmt::format("{:.1f}m", seconds / 60);
    if (seconds < 172800) return fmt::format("{:.1f}h", seconds / 3600);
    return fmt::format("{:.1f}d", seconds / 86400);
}

std::string time_text(std::uint64_t ns) {
    return ns ? rfc3339_ns(ns) : "-";
}

// Heads a section and returns how many of `total` entries to list.
std::size_t section(const char* title, std::size_t total, std::size_t limit) {
    fmt::print("  {} ({}){}\n", title, total,
               total > limit ? fmt::format(", first {}", limit) : "");
    return std::min(total, limit);
}

void show_profile(const Profile& p, std::size_t limit) {
    fmt::print("workload {}\n", printable(p.workload()));
    fmt::print("  image digest   {}\n",
               p.image_digest().empty() ? "(none)" : printable(p.image_digest()));
    double span = p.last_ns() > p.first_ns() ? double(p.last_ns() - p.first_ns()) / 1e9 : 0.0;
    fmt::print("  window         {} .. {} ({})\n", time_text(p.first_ns()), time_text(p.last_ns()),
               duration_text(span));

    std::string counts;
    for (std::size_t k = 1; k < event_kind_count; ++k) {
        auto kind = static_cast<EventKind>(k);
        if (kind == EventKind::lost || p.event_count(kind) == 0) continue;
        counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", to_string(kind),
                              p.event_count(kind));
    }
    fmt::print("  events         {} ({})\n", p.events_total(), counts.empty() ? "-" : counts);
    if (p.lost_total()) {
        std::string lost;
        for (std::size_t k = 1; k < event_kind_count; ++k) {
            auto kind = static_cast<EventKind>(k);
            if (p.lost(kind)) {
                lost +=
                    fmt::format("{}{} {}", lost.empty() ? "" : ", ", to_string(kind), p.lost(kind));
            }
        }
        fmt::print(
            "  LOST           {} events while learning ({}): the baseline may be incomplete\n",
            p.lost_total(), lost);
    } else {
        fmt::print("  lost           none\n");
    }

    ConvergenceStatus c = p.convergence();
    fmt::print(
        "  convergence    {} entries; last new entry {} ({} before the window's end); "
        "{:.2f} new per minute over the last 5 minutes\n",
        c.entries, time_text(c.last_new_ns), duration_text(c.quiet_seconds), c.rate_per_minute);

    auto exes = p.executables();
    std::size_t n = section("executables", exes.size(), limit);
    for (std::size_t i = 0; i < n; ++i) {
        const ExecutableEntry& e = *exes[i];
        std::string notes;
        auto note = [&](bool on, const std::string& text) {
            if (on) notes += (notes.empty() ? "" : ", ") + text;
        };
        note(!e.identities.empty(),
             fmt::format("{} identit{}{}", e.identities.size(),
                         e.identities.size() == 1 ? "y" : "ies",
                         e.identities_overflow ? " (overflowed: not checked)" : ""));
        note(true, fmt::format("{} argument set{}{}", e.argument_sets.size(),
                               e.argument_sets.size() == 1 ? "" : "s",
                               e.argument_sets_overflow ? " (overflowed)" : ""));
        note(!e.scripts.empty(), fmt::format("{} script(s)", e.scripts.size()));
        note(!e.loaded_programs.empty(),
             fmt::format("{} loaded program(s)", e.loaded_programs.size()));
        note(e.upper_layer, "upper layer");
        note(e.memory, "memory");
        note(e.deleted, "deleted");
        note(e.writable_dir, "writable dir");
        fmt::print("    {:>7}x {}  [{}]\n", e.count, printable(e.path), notes);
        for (const auto& s : e.scripts)
            fmt::print("             script {}\n", printable(s));
        for (const auto& s : e.loaded_programs)
            fmt::print("             loaded {}\n", printable(s));
    }

    auto files = p.files();
    n = section("files", files.size(), limit);
    for (std::size_t i = 0; i < n; ++i) {
        fmt::print("    {:>7}x {:<3} {}\n", files[i]->count, to_string(files[i]->access),
                   printable(files[i]->path));
    }

    auto patterns = p.patterns();
    n = section("patterns", patterns.size(), limit);
    for (std::size_t i = 0; i < n; ++i) {
        const PatternEntry& pe = *patterns[i];
        fmt::print("    {:>7}x {:<3} {}  (absorbed {} paths)\n", pe.count, to_string(pe.access),
                   printable(pe.pattern), pe.absorbed);
        for (const auto& s : pe.sample)
            fmt::print("             e.g. {}\n", printable(s));
    }

    auto net = p.network();
    n = section("network", net.size(), limit);
    for (std::size_t i = 0; i < n; ++i) {
        const NetworkEndpoint& ep = net[i].endpoint;
        fmt::print("    {:>7}x {:<7} {:<4} {:<5} {}{}\n", net[i].count, to_string(ep.op),
                   to_string(ep.protocol), to_string(ep.family), printable(ep.address),
                   ep.family == NetFamily::unix_ ? "" : fmt::format(" port {}", ep.port));
    }

    auto calls = p.syscalls();
    std::string names;
    for (const auto& s : calls) {
        names += (names.empty() ? "" : " ") + (s.name.empty() ? std::to_string(s.nr) : s.name);
    }
    fmt::print("  syscalls ({}){}{}\n", calls.size(), calls.empty() ? "" : ": ", names);
    fmt::print("  io_uring       {}\n",
               p.io_uring_count() ? fmt::format("used ({} events)", p.io_uring_count()) : "never");
}

int run_show(const std::vector<std::string>& args) {
    auto a = parse_args(
        args, {"--help", "--all", "--limit=", "--workload=", "--image-digest=", "--seccomp"});
    if (a.has("--help")) {
        fmt::print("{}", show_usage);
        return 0;
    }
    if (a.positional.size() != 1) throw UsageError("give exactly one BASELINE file");
    std::size_t limit = 25;
    if (a.has("--all")) {
        limit = SIZE_MAX;
    } else if (auto l = a.get("--limit")) {
        char* end = nullptr;
        unsigned long v = std::strtoul(l->c_str(), &end, 10);
        if (l->empty() || (*l)[0] < '0' || (*l)[0] > '9' || *end) {
            throw UsageError("--limit takes a number (--all lists everything)");
        }
        limit = v;
    }

    Baseline baseline = Baseline::load(a.positional[0]);
    std::vector<const Profile*> selected;
    for (const Profile* p : baseline.profiles()) {
        if (auto w = a.get("--workload"); w && p->workload() != *w) continue;
        if (auto d = a.get("--image-digest"); d && p->image_digest() != *d) continue;
        selected.push_back(p);
    }
    if (selected.empty() && (a.has("--workload") || a.has("--image-digest"))) {
        std::string known;
        for (const Profile* p : baseline.profiles()) {
            known += (known.empty() ? "" : ", ") + printable(p->workload()) +
                     (p->image_digest().empty() ? "" : " @ " + printable(p->image_digest()));
        }
        throw UsageError(fmt::format("{}: no profile matches (the baseline has: {})",
                                     printable(a.positional[0]), known.empty() ? "none" : known));
    }

    if (a.has("--seccomp")) {
        if (selected.size() != 1) {
            throw UsageError(
                fmt::format("--seccomp needs exactly one profile, and {} match; "
                            "choose with --workload and --image-digest",
                            selected.size()));
        }
        fmt::print("{}", selected[0]->seccomp_profile());
        return 0;
    }

    fmt::print("{}: {} profile{}\n", printable(a.positional[0]), baseline.size(),
               baseline.size() == 1 ? "" : "s");
    for (const Profile* p : selected) {
        fmt::print("\n");
        show_profile(*p, limit);
    }
    return 0;
}

}  // namespace

extern const Command show_command;
const Command show_command{"show", "print a baseline in readable form", run_show};

}  // namespace rtguard::cli

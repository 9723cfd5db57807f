// rtguard watch: match every deployed image and report only what changed since last time.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include "cli.hpp"
#include "rtguard/matcher.hpp"

namespace rtguard::cli {

// Defined in cmd_match.cpp.
SbomMatcher load_feeds(const std::vector<std::string>& feeds);
void print_findings_table(std::string& out, const std::vector<const Finding*>& findings,
                          const std::vector<std::string>& images);

namespace {

constexpr const char* watch_usage =
    "usage: rtguard watch --inventory FILE --feed PATH [--feed PATH...] --state PATH\n"
    "                     [--format json|table]\n"
    "\n"
    "Matches the SBOM of every image in the inventory against OSV advisories and reports\n"
    "the (image, component, vulnerability) pairs not reported by an earlier run, and the\n"
    "earlier ones that no longer hold (withdrawn or no longer matching). The state file\n"
    "remembers what was reported; it is created when missing. See docs/watch.md.\n"
    "\n"
    "  --inventory FILE   JSON array of {\"image\", \"sbom\", \"deployed_at\"}; SBOM paths are\n"
    "                     relative to FILE\n"
    "  --feed PATH        OSV records: a directory, an OSV all.zip or a .json file\n"
    "  --state PATH       the watch state (written atomically)\n"
    "  --format F         json (default) or table\n"
    "\n"
    "Exit status: 0 no new findings, 1 new findings none of them critical, 3 new critical\n"
    "findings, 2 an error (an image whose SBOM cannot be read counts: its earlier findings\n"
    "are kept).\n";

int run_watch(const std::vector<std::string>& args) {
    auto a = parse_args(args, {"--help", "--inventory=", "--feed=", "--state=", "--format="});
    if (a.has("--help")) {
        fmt::print("{}", watch_usage);
        return 0;
    }
    if (!a.positional.empty()) throw UsageError("unexpected argument " + a.positional[0]);
    auto inventory_path = a.get("--inventory");
    auto state_path = a.get("--state");
    if (!inventory_path) throw UsageError("--inventory is required");
    if (!state_path) throw UsageError("--state is required");
    std::string format = a.get("--format").value_or("json");
    if (format != "json" && format != "table") throw UsageError("--format: expected json or table");

    SbomMatcher matcher = load_feeds(a.all("--feed"));
    std::vector<InventoryEntry> inventory = read_inventory(*inventory_path);
    Watcher watcher(matcher, *state_path);
    WatchReport report = watcher.run(inventory);

    if (format == "json") {
        fmt::print("{}", watch_report_to_json(report));
        return report.exit_status();
    }

    std::string out;
    std::vector<const Finding*> rows;
    std::vector<std::string> images;
    for (const auto& n : report.new_findings) {
        rows.push_back(&n.finding);
        images.push_back(n.image);
    }
    fmt::format_to(std::back_inserter(out), "{} new findings in {} images ({} already known)\n",
                   rows.size(), report.images, report.known);
    if (!rows.empty()) print_findings_table(out, rows, images);
    if (!report.retractions.empty()) {
        fmt::format_to(std::back_inserter(out), "\n{} retracted:\n", report.retractions.size());
        for (const auto& r : report.retractions)
            fmt::format_to(std::back_inserter(out), "  {} {} {}: {}\n", r.image, r.component,
                           r.vulnerability, r.reason);
    }
    for (const auto& e : report.errors)
        fmt::format_to(std::back_inserter(out), "\nerror: {}: {}\n", e.image, e.message);
    fmt::print("{}", out);
    return report.exit_status();
}

}  // namespace

extern const Command watch_command;
const Command watch_command{"watch", "report new and retracted CVE findings of deployed images",
                            run_watch};

}  // namespace rtguard::cli

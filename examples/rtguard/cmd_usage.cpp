// rtguard usage: which packages of an image a workload used, and which it never touched.
// Also the --baseline part of rtguard match: findings of used packages first.
#include <algorithm>

#include <fmt/core.h>

#include "cli.hpp"
#include "core/atomic_file.hpp"
#include "rtguard/baseline.hpp"
#include "rtguard/inventory.hpp"
#include "rtguard/log.hpp"
#include "rtguard/matcher.hpp"

namespace rtguard::cli {

// Shared with cmd_sbom.cpp, cmd_seccomp.cpp and cmd_match.cpp.
void report_inventory_problems(const RootfsInventory& inventory);
std::vector<const Profile*> select_profiles(const Baseline& baseline,
                                            const std::vector<std::string>& workloads,
                                            const std::string& file);
int write_findings_with_usage(MatchResult& result, const MatchOptions& options, const ParsedArgs& a,
                              const std::string& format);

std::vector<const Profile*> select_profiles(const Baseline& baseline,
                                            const std::vector<std::string>& workloads,
                                            const std::string& file) {
    std::vector<const Profile*> out;
    for (const Profile* p : baseline.profiles()) {
        if (workloads.empty() ||
            std::find(workloads.begin(), workloads.end(), p->workload()) != workloads.end())
            out.push_back(p);
    }
    if (out.empty()) {
        std::string known;
        for (const Profile* p : baseline.profiles())
            known += (known.empty() ? "" : ", ") + p->workload();
        throw UsageError(fmt::format(
            "{}: no profile of {} (the baseline has: {})", file,
            workloads.empty() ? std::string("any workload") : fmt::format("{}", workloads.front()),
            known.empty() ? "none" : known));
    }
    return out;
}

namespace {

// The inventory the usage analysis needs: the root filesystem, else the SBOM's file lists.
RootfsInventory inventory_for(const ParsedArgs& a, const std::string& sbom) {
    if (auto rootfs = a.get("--rootfs")) {
        RootfsInventory inv = RootfsInventory::read(*rootfs);
        report_inventory_problems(inv);
        return inv;
    }
    RootfsInventory inv = RootfsInventory::read_cyclonedx_files(sbom);
    bool any_files = std::any_of(inv.packages().begin(), inv.packages().end(),
                                 [](const InstalledPackage& p) { return !p.files.empty(); });
    if (!any_files)
        throw UsageError(sbom +
                         " lists no package files: give --rootfs, or write the SBOM with "
                         "'rtguard sbom --files'");
    return inv;
}

UsageReport usage_for(const ParsedArgs& a, const std::string& sbom) {
    std::string baseline_file = *a.get("--baseline");
    Baseline baseline = Baseline::load(baseline_file);
    auto profiles = select_profiles(baseline, a.all("--workload"), baseline_file);
    RootfsInventory inventory = inventory_for(a, sbom);
    UsageReport report = analyze_usage(inventory, profiles);
    if (report.lossy)
        log(LogLevel::warning,
            "the baseline lost events while learning: a package marked unused may have been used");
    return report;
}

void write_output(const ParsedArgs& a, const std::string& out) {
    std::string path = a.get("--output").value_or(a.get("-o").value_or("-"));
    if (path == "-")
        fmt::print("{}", out);
    else
        detail::write_file_atomic(path, out);
}

constexpr const char* usage_usage =
    "usage: rtguard usage --baseline FILE (--rootfs DIR | --sbom FILE) [--workload NAME...]\n"
    "                     [--format table|json] [-o FILE]\n"
    "\n"
    "Crosses a baseline with an image's packages: for each package, the files its workloads\n"
    "executed or opened; packages never touched are candidates for removal. Paths are compared\n"
    "as the container saw them, through the image's own symlinks (/bin -> /usr/bin).\n"
    "\n"
    "  --baseline FILE    the baseline (rtguard profile, learn)\n"
    "  --rootfs DIR       the image's root filesystem (dpkg or apk database)\n"
    "  --sbom FILE        instead of --rootfs: an SBOM written by 'rtguard sbom --files'\n"
    "  --workload NAME    only this workload's profile (repeatable; default: all profiles)\n"
    "  --format F         table (default) or json (format rtguard-usage, docs/hardening.md)\n"
    "  -o, --output FILE  write there (atomically) instead of standard output\n"
    "\n"
    "Exit status: 0 when the report was written, 2 on errors.\n";

int run_usage(const std::vector<std::string>& args) {
    auto a = parse_args(args, {"--help", "--baseline=", "--rootfs=", "--sbom=", "--workload=",
                               "--format=", "-o=", "--output="});
    if (a.has("--help")) {
        fmt::print("{}", usage_usage);
        return 0;
    }
    if (!a.positional.empty()) throw UsageError("unexpected argument " + a.positional[0]);
    if (!a.has("--baseline")) throw UsageError("--baseline is needed");
    if (a.has("--rootfs") == a.has("--sbom"))
        throw UsageError("give exactly one of --rootfs DIR and --sbom FILE");
    std::string format = a.get("--format").value_or("table");
    if (format != "table" && format != "json") throw UsageError("--format: expected table or json");

    UsageReport report = usage_for(a, a.get("--sbom").value_or(""));
    write_output(a, format == "json" ? usage_to_json(report) : usage_to_table(report));
    return 0;
}

// The findings table with a USE column, used packages first.
std::string findings_table(const MatchResult& result, const std::vector<FindingUse>& marks) {
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it, "{:<8} {:<9} {:>5}  {:<20} {:<28} {:<24} {}\n", "USE", "SEVERITY", "SCORE",
                   "ID", "COMPONENT", "INSTALLED", "EVIDENCE");
    for (std::size_t i = 0; i < result.findings.size(); ++i) {
        const Finding& f = result.findings[i];
        const FindingUse& m = marks[i];
        std::string use = m.known ? std::string(to_string(m.use)) : "unknown";
        std::string score = f.cvss_vector.empty() ? "-" : fmt::format("{:.1f}", f.score);
        std::string evidence = m.paths.empty() ? "-" : m.paths.front();
        if (m.paths.size() > 1) evidence += fmt::format(" (+{})", m.paths.size() - 1);
        fmt::format_to(it, "{:<8} {:<9} {:>5}  {:<20} {:<28} {:<24} {}\n", use,
                       to_string(f.severity), score, f.id, f.component.name, f.installed_version,
                       evidence);
    }
    std::size_t used = std::count_if(marks.begin(), marks.end(), [](const FindingUse& m) {
        return m.known && m.use == PackageUse::used;
    });
    fmt::format_to(it,
                   "\n{} findings: {} in packages used at runtime, {} in packages not seen used\n",
                   result.findings.size(), used, result.findings.size() - used);
    return out;
}

}  // namespace

int write_findings_with_usage(MatchResult& result, const MatchOptions& options, const ParsedArgs& a,
                              const std::string& format) {
    UsageReport usage = usage_for(a, result.sbom_file);
    std::vector<FindingUse> marks = order_findings_by_use(result, usage);
    std::string out;
    if (format == "json")
        out = findings_with_use_to_json(result, options, marks, usage);
    else if (format == "sarif")
        out = findings_with_use_to_sarif(result, marks);
    else
        out = findings_table(result, marks);
    write_output(a, out);
    return 0;
}

extern const Command usage_command;
const Command usage_command{
    "usage", "show which packages a baseline used and which it never touched", run_usage};

}  // namespace rtguard::cli

// rtguard match: which advisories affect the components of an SBOM.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "cli.hpp"
#include "core/atomic_file.hpp"
#include "rtguard/error.hpp"
#include "rtguard/log.hpp"
#include "rtguard/matcher.hpp"

namespace rtguard::cli {

// Shared with cmd_watch.cpp.
SbomMatcher load_feeds(const std::vector<std::string>& feeds);
void print_findings_table(std::string& out, const std::vector<const Finding*>& findings,
                          const std::vector<std::string>& images);
// From cmd_usage.cpp: the --baseline output (findings marked by runtime use).
int write_findings_with_usage(MatchResult& result, const MatchOptions& options, const ParsedArgs& a,
                              const std::string& format);

SbomMatcher load_feeds(const std::vector<std::string>& feeds) {
    if (feeds.empty()) throw UsageError("at least one --feed is needed");
    SbomMatcher matcher;
    for (const auto& path : feeds) {
        FeedLoadStats s = matcher.load_feed(path);
        log(LogLevel::debug, fmt::format("{}: {} records from {} files, {} skipped, {} withdrawn",
                                         path, s.records, s.files, s.skipped, s.withdrawn));
        // Matched against nothing, an SBOM would look clean and a watch would retract
        // every finding it reported: a feed that gave no record is an error.
        if (s.records == 0 && s.withdrawn == 0) {
            // Say why, with the first problems of this feed.
            std::string why;
            std::size_t told = 0;
            for (const auto& p : matcher.problems()) {
                bool of_this =
                    p.file == path || p.file.starts_with(path.ends_with('/') ? path : path + "/");
                if (!of_this || told == 3) continue;
                ++told;
                why += fmt::format("\n  {}{}{}: {}: {}", p.file, p.member.empty() ? "" : ":",
                                   p.member, p.where, p.message);
            }
            throw Error(errc::bad_value,
                        fmt::format("no OSV record could be read ({} files, {} skipped){}", s.files,
                                    s.skipped, why),
                        path);
        }
    }

    // A bad record is skipped, not fatal: say how many and show the first few.
    const auto& problems = matcher.problems();
    std::size_t skipped = std::count_if(problems.begin(), problems.end(),
                                        [](const FeedProblem& p) { return p.record_skipped; });
    if (!problems.empty())
        log(LogLevel::warning, fmt::format("{} feed records skipped, {} parts of records ignored",
                                           skipped, problems.size() - skipped));
    std::size_t shown = 0;
    for (const auto& p : problems) {
        bool show = shown < 5 || std::getenv("RTGUARD_DEBUG");
        if (!show) break;
        ++shown;
        log(LogLevel::warning, fmt::format("{}{}{}: {}: {}", p.file, p.member.empty() ? "" : ":",
                                           p.member, p.where, p.message));
    }
    return matcher;
}

void print_findings_table(std::string& out, const std::vector<const Finding*>& findings,
                          const std::vector<std::string>& images) {
    bool with_image = !images.empty();
    if (with_image) fmt::format_to(std::back_inserter(out), "{:<24} ", "IMAGE");
    fmt::format_to(std::back_inserter(out), "{:<9} {:>5}  {:<20} {:<40} {:<24} {}\n", "SEVERITY",
                   "SCORE", "ID", "COMPONENT", "INSTALLED", "FIXED");
    for (std::size_t i = 0; i < findings.size(); ++i) {
        const Finding& f = *findings[i];
        if (with_image) fmt::format_to(std::back_inserter(out), "{:<24} ", images[i]);
        std::string score = f.cvss_vector.empty() ? "-" : fmt::format("{:.1f}", f.score);
        std::string fixed =
            f.fixed_versions.empty() ? "-" : fmt::format("{}", fmt::join(f.fixed_versions, ", "));
        std::string mark =
            f.release_unknown
                ? " (release unknown: " + fmt::format("{}", fmt::join(f.releases, ", ")) + ")"
                : "";
        fmt::format_to(std::back_inserter(out), "{:<9} {:>5}  {:<20} {:<40} {:<24} {}{}\n",
                       to_string(f.severity), score, f.id, f.component.name, f.installed_version,
                       fixed, mark);
    }
}

namespace {

constexpr const char* match_usage =
    "usage: rtguard match SBOM --feed PATH [--feed PATH...] [--since TIME]\n"
    "                     [--since-field published|modified] [--min-severity LEVEL]\n"
    "                     [--drop-unrated] [--format table|json|sarif] [--output FILE]\n"
    "                     [--baseline FILE [--rootfs DIR] [--workload NAME...]]\n"
    "\n"
    "Matches the components of a CycloneDX or SPDX JSON SBOM against OSV advisories.\n"
    "\n"
    "  --feed PATH          OSV records: a directory of *.json, an OSV all.zip, or a .json\n"
    "                       file; repeat for several feeds\n"
    "  --since TIME         only advisories published after TIME: RFC 3339 time, a date\n"
    "                       (2024-05-01) or an age (30d, 12h)\n"
    "  --since-field F      compare --since with 'published' (default) or 'modified'\n"
    "  --min-severity L     drop findings rated below L (low, medium, high, critical);\n"
    "                       unrated findings are kept unless --drop-unrated\n"
    "  --format F           table (default), json (docs/findings.md) or sarif (2.1.0)\n"
    "  --output FILE        write there (atomically) instead of standard output\n"
    "  --baseline FILE      mark findings by whether the baseline's workloads used the\n"
    "                       package, used first; with --rootfs DIR (the image) or an SBOM from\n"
    "                       'rtguard sbom --files'; --workload NAME picks profiles\n"
    "\n"
    "Exit status: 0 when the match ran (whatever it found), 2 on errors.\n";

std::chrono::sys_seconds parse_since(const std::string& text) {
    // An age counts back from now; anything else is a time or a date.
    if (!text.empty() &&
        (text.back() == 'd' || text.back() == 'h' || text.back() == 'm' || text.back() == 's')) {
        double seconds = parse_duration_seconds(text);
        auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
        return now - std::chrono::seconds(static_cast<long long>(seconds));
    }
    try {
        return parse_time(text);
    } catch (const Error& e) {
        throw UsageError("--since: " + e.message());
    }
}

Severity parse_severity(const std::string& text) {
    Severity s = severity_from_string(text);
    if (s == Severity::unknown)
        throw UsageError("--min-severity: unknown level '" + text +
                         "' (none, low, medium, high, critical)");
    return s;
}

int run_match(const std::vector<std::string>& args) {
    auto a = parse_args(
        args,
        {"--help", "--feed=", "--since=", "--since-field=", "--min-severity=", "--drop-unrated",
         "--format=", "--output=", "--baseline=", "--rootfs=", "--workload="});
    if (a.has("--help")) {
        fmt::print("{}", match_usage);
        return 0;
    }
    if (a.positional.size() != 1) throw UsageError("expected exactly one SBOM file");
    if (!a.has("--baseline") && (a.has("--rootfs") || a.has("--workload")))
        throw UsageError("--rootfs and --workload go with --baseline");

    MatchOptions options;
    if (auto s = a.get("--since")) options.since = parse_since(*s);
    if (auto f = a.get("--since-field")) {
        if (*f == "published")
            options.since_field = SinceField::published;
        else if (*f == "modified")
            options.since_field = SinceField::modified;
        else
            throw UsageError("--since-field: expected 'published' or 'modified'");
    }
    if (auto s = a.get("--min-severity")) options.min_severity = parse_severity(*s);
    options.drop_unrated = a.has("--drop-unrated");
    std::string format = a.get("--format").value_or("table");
    if (format != "table" && format != "json" && format != "sarif")
        throw UsageError("--format: expected table, json or sarif");

    SbomMatcher matcher = load_feeds(a.all("--feed"));
    Sbom sbom = Sbom::read(a.positional[0]);
    MatchResult result = matcher.match(sbom, options);
    if (a.has("--baseline")) return write_findings_with_usage(result, options, a, format);

    std::string out;
    if (format == "json") {
        out = findings_to_json(result, options);
    } else if (format == "sarif") {
        out = findings_to_sarif(result);
    } else {
        std::vector<const Finding*> rows;
        for (const auto& f : result.findings)
            rows.push_back(&f);
        print_findings_table(out, rows, {});
        fmt::format_to(std::back_inserter(out),
                       "\n{} findings in {} components; {} components unmatched, {} with "
                       "unparsable versions",
                       result.findings.size(), result.components, result.unmatched.size(),
                       result.version_errors.size());
        if (result.filtered)
            fmt::format_to(std::back_inserter(out), "; {} filtered out", result.filtered);
        if (result.undated)
            fmt::format_to(std::back_inserter(out), " ({} for lack of a date)", result.undated);
        out += "\n";
    }

    if (auto path = a.get("--output"))
        detail::write_file_atomic(*path, out);
    else
        fmt::print("{}", out);
    return 0;
}

}  // namespace

extern const Command match_command;
const Command match_command{"match", "match an SBOM against OSV advisory feeds", run_match};

}  // namespace rtguard::cli

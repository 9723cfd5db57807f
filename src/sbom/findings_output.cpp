// Findings as rtguard's own JSON document and as SARIF 2.1.0.
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/json_writer.hpp"
#include "rtguard/matcher.hpp"

namespace rtguard {
namespace {

using detail::JsonWriter;

void string_array(JsonWriter& w, std::string_view key, const std::vector<std::string>& v) {
    w.key(key).begin_array();
    for (const auto& s : v)
        w.value(s);
    w.end_array();
}

void write_finding(JsonWriter& w, const Finding& f) {
    w.begin_object();
    w.key("id").value(f.id);
    string_array(w, "advisories", f.advisories);
    string_array(w, "aliases", f.aliases);
    string_array(w, "related", f.related);
    w.key("summary").value(f.summary);

    w.key("component").begin_object();
    w.key("name").value(f.component.name);
    w.key("purl").value(f.component.purl);
    w.key("ecosystem").value(f.component.ecosystem);
    w.key("ref").value(f.component.ref);
    w.end_object();

    w.key("installed_version").value(f.installed_version);
    string_array(w, "fixed_versions", f.fixed_versions);
    string_array(w, "custom_fixed_versions", f.custom_fixed_versions);
    w.key("severity").value(to_string(f.severity));
    if (f.cvss_vector.empty())
        w.key("score").null();
    else
        w.key("score").value(f.score);
    w.key("cvss_vector").value(f.cvss_vector);
    w.key("ecosystem_severities").begin_array();
    for (const auto& es : f.ecosystem_severities) {
        w.begin_object();
        w.key("advisory").value(es.advisory);
        w.key("rating").value(es.rating);
        w.end_object();
    }
    w.end_array();
    w.key("published").value(f.published);
    w.key("modified").value(f.modified);
    w.key("release_unknown").value(f.release_unknown);
    string_array(w, "releases", f.releases);
    w.end_object();
}

void write_issues(JsonWriter& w, std::string_view key, const std::vector<ComponentIssue>& v) {
    w.key(key).begin_array();
    for (const auto& c : v) {
        w.begin_object();
        w.key("name").value(c.name);
        w.key("version").value(c.version);
        w.key("purl").value(c.purl);
        w.key("where").value(c.where);
        w.key("reason").value(c.reason);
        w.end_object();
    }
    w.end_array();
}

// GitHub code scanning files results by this number; ratings without a score get the
// middle of their CVSS band.
std::string security_severity(const Finding& f) {
    if (!f.cvss_vector.empty()) return fmt::format("{:.1f}", f.score);
    switch (f.severity) {
        case Severity::critical:
            return "9.5";
        case Severity::high:
            return "8.0";
        case Severity::medium:
            return "5.5";
        case Severity::low:
            return "2.0";
        default:
            return {};
    }
}

const char* sarif_level(Severity s) {
    switch (s) {
        case Severity::critical:
        case Severity::high:
            return "error";
        case Severity::low:
        case Severity::info:
        case Severity::none:
            return "note";
        default:
            return "warning";
    }
}

}  // namespace

std::string findings_to_json(const MatchResult& result, const MatchOptions& options) {
    std::string out;
    JsonWriter w(out);
    w.set_indent(2);
    w.begin_object();
    w.key("format").value("rtguard-findings");
    w.key("schema").value(1);
    w.key("sbom").begin_object();
    w.key("file").value(result.sbom_file);
    w.key("name").value(result.sbom_name);
    w.end_object();

    w.key("options").begin_object();
    if (options.since)
        w.key("since").value(format_time(*options.since));
    else
        w.key("since").null();
    w.key("since_field")
        .value(options.since_field == SinceField::published ? "published" : "modified");
    w.key("min_severity").value(to_string(options.min_severity));
    w.key("drop_unrated").value(options.drop_unrated);
    w.end_object();

    std::map<Severity, std::size_t> counts;
    for (const auto& f : result.findings)
        ++counts[f.severity];
    w.key("counts").begin_object();
    w.key("components").value(result.components);
    w.key("findings").value(result.findings.size());
    for (Severity s : {Severity::critical, Severity::high, Severity::medium, Severity::low,
                       Severity::info, Severity::none, Severity::unknown})
        w.key(to_string(s)).value(counts[s]);
    w.key("filtered").value(result.filtered);
    w.key("undated").value(result.undated);
    w.key("release_unknown").value(result.release_unknown);
    w.key("unmatched").value(result.unmatched.size());
    w.key("version_errors").value(result.version_errors.size());
    w.end_object();

    w.key("findings").begin_array();
    for (const auto& f : result.findings)
        write_finding(w, f);
    w.end_array();
    write_issues(w, "unmatched", result.unmatched);
    write_issues(w, "version_errors", result.version_errors);
    w.end_object();
    out += '\n';
    return out;
}

std::string watch_report_to_json(const WatchReport& report) {
    std::string out;
    JsonWriter w(out);
    w.set_indent(2);
    w.begin_object();
    w.key("format").value("rtguard-watch-report");
    w.key("schema").value(1);
    w.key("images").value(report.images);
    w.key("known").value(report.known);
    w.key("exit_status").value(report.exit_status());

    w.key("new").begin_array();
    for (const auto& n : report.new_findings) {
        w.begin_object();
        w.key("image").value(n.image);
        w.key("disclosed_after_deploy").value(n.disclosed_after_deploy);
        w.key("finding");
        write_finding(w, n.finding);
        w.end_object();
    }
    w.end_array();

    w.key("retractions").begin_array();
    for (const auto& r : report.retractions) {
        w.begin_object();
        w.key("image").value(r.image);
        w.key("component").value(r.component);
        w.key("vulnerability").value(r.vulnerability);
        string_array(w, "ids", r.ids);
        w.key("reason").value(r.reason);
        w.end_object();
    }
    w.end_array();

    w.key("errors").begin_array();
    for (const auto& e : report.errors) {
        w.begin_object();
        w.key("image").value(e.image);
        w.key("message").value(e.message);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    out += '\n';
    return out;
}

std::string findings_to_sarif(const MatchResult& result) {
    // One rule per vulnerability, one result per affected component.
    std::vector<const Finding*> rules;
    std::map<std::string, std::size_t> rule_index;
    for (const auto& f : result.findings) {
        if (rule_index.emplace(f.id, rules.size()).second) rules.push_back(&f);
    }

    std::string out;
    JsonWriter w(out);
    w.set_indent(2);
    w.begin_object();
    w.key("$schema").value("https://json.schemastore.org/sarif-2.1.0.json");
    w.key("version").value("2.1.0");
    w.key("runs").begin_array().begin_object();

    w.key("tool").begin_object().key("driver").begin_object();
    w.key("name").value("rtguard");
    w.key("semanticVersion").value("0.1.0");
    w.key("rules").begin_array();
    for (const Finding* f : rules) {
        w.begin_object();
        w.key("id").value(f->id);
        w.key("shortDescription").begin_object();
        w.key("text").value(f->summary.empty() ? f->id : f->summary);
        w.end_object();
        w.key("fullDescription").begin_object();
        w.key("text").value(fmt::format("{} (also known as: {})",
                                        f->summary.empty() ? f->id : f->summary,
                                        fmt::join(f->aliases, ", ")));
        w.end_object();
        w.key("helpUri").value("https://osv.dev/vulnerability/" + f->advisories.front());
        w.key("properties").begin_object();
        w.key("tags").begin_array().value("security").value("vulnerability").end_array();
        if (auto s = security_severity(*f); !s.empty()) w.key("security-severity").value(s);
        w.end_object();
        w.end_object();
    }
    w.end_array();
    w.end_object().end_object();

    w.key("results").begin_array();
    for (const auto& f : result.findings) {
        w.begin_object();
        w.key("ruleId").value(f.id);
        w.key("ruleIndex").value(rule_index[f.id]);
        w.key("level").value(sarif_level(f.severity));
        std::string fixed = f.fixed_versions.empty()
                                ? std::string("no fixed version known")
                                : fmt::format("fixed in {}", fmt::join(f.fixed_versions, ", "));
        w.key("message").begin_object();
        w.key("text").value(fmt::format("{} {} is affected by {} ({}); {}", f.component.name,
                                        f.installed_version, f.id, to_string(f.severity), fixed));
        w.end_object();
        w.key("locations").begin_array().begin_object();
        w.key("physicalLocation").begin_object();
        w.key("artifactLocation").begin_object().key("uri").value(result.sbom_file).end_object();
        w.end_object();
        w.key("logicalLocations").begin_array().begin_object();
        w.key("name").value(f.component.purl.empty() ? f.component.name : f.component.purl);
        w.key("kind").value("package");
        w.end_object().end_array();
        w.end_object().end_array();
        w.key("partialFingerprints").begin_object();
        w.key("rtguardFinding/v1")
            .value(f.id + "|" + (f.component.purl.empty() ? f.component.name : f.component.purl));
        w.end_object();
        w.end_object();
    }
    w.end_array();

    w.end_object().end_array();
    w.end_object();
    out += '\n';
    return out;
}

}  // namespace rtguard

// SBOMs, the advisory matcher, its findings, and the watcher of deployed images.
#include <chrono>
#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "common.hpp"

namespace rtguard::python {
namespace {

template <class C, class T>
void def_text(C& cls, const char* name, std::string T::*member, const char* doc = "") {
    cls.def_property_readonly(
        name, [member](const T& self) { return decode(self.*member); }, doc);
}

template <class C, class T>
void def_texts(C& cls, const char* name, std::vector<std::string> T::*member,
               const char* doc = "") {
    cls.def_property_readonly(
        name, [member](const T& self) { return decode_list(self.*member); }, doc);
}

/// An advisory database that Python threads may share: loading takes it exclusively, matching
/// shares it; both wait for it with the GIL released.
class PyMatcher {
public:
    FeedLoadStats load_feed(const std::string& path) {
        ReleaseGil release;
        std::unique_lock lock(mutex_);
        return matcher_.load_feed(path);
    }

    bool load_record(const std::string& json, const std::string& name) {
        ReleaseGil release;
        std::unique_lock lock(mutex_);
        return matcher_.load_record(json, name);
    }

    std::vector<FeedProblem> problems() {
        ReleaseGil release;
        std::shared_lock lock(mutex_);
        return matcher_.problems();
    }

    std::size_t advisory_count() {
        ReleaseGil release;
        std::shared_lock lock(mutex_);
        return matcher_.advisory_count();
    }

    bool withdrawn(const std::string& id) {
        ReleaseGil release;
        std::shared_lock lock(mutex_);
        return matcher_.withdrawn(id);
    }

    MatchResult match(const Sbom& sbom, const MatchOptions& options) {
        ReleaseGil release;
        std::shared_lock lock(mutex_);
        return matcher_.match(sbom, options);
    }

    /// Runs f(matcher) with the database shared and the GIL released.
    template <class F>
    auto shared(F&& f) {
        ReleaseGil release;
        std::shared_lock lock(mutex_);
        return f(static_cast<const SbomMatcher&>(matcher_));
    }

    const SbomMatcher& matcher() const { return matcher_; }

private:
    SbomMatcher matcher_;
    std::shared_mutex mutex_;
};

/// A match result with the options that produced it (its JSON form records them).
struct PyMatchResult {
    MatchResult result;
    MatchOptions options;
};

class PyWatcher {
public:
    PyWatcher(PyMatcher& matcher, std::string state_path)
        : matcher_(matcher), watcher_(matcher.matcher(), std::move(state_path)) {}

    WatchReport run(const std::vector<InventoryEntry>& inventory, const MatchOptions& options) {
        return matcher_.shared(
            [&](const SbomMatcher&) { return watcher_.run(inventory, options); });
    }

private:
    PyMatcher& matcher_;
    Watcher watcher_;
};

/// A time given as RFC 3339 text, a datetime (naive means UTC) or Unix seconds.
std::chrono::sys_seconds time_arg(py::handle t) {
    if (PyUnicode_Check(t.ptr())) return parse_time(t.cast<std::string>());

    double seconds = 0;
    auto datetime = py::module_::import("datetime");
    if (py::isinstance(t, datetime.attr("datetime"))) {
        py::object value = py::reinterpret_borrow<py::object>(t);
        if (value.attr("tzinfo").is_none()) {
            value =
                value.attr("replace")(py::arg("tzinfo") = datetime.attr("timezone").attr("utc"));
        }
        seconds = value.attr("timestamp")().cast<double>();
    } else if (py::isinstance(t, datetime.attr("date"))) {
        return parse_time(t.attr("isoformat")().cast<std::string>());
    } else if (PyLong_Check(t.ptr()) || PyFloat_Check(t.ptr())) {
        seconds = t.cast<double>();
    } else {
        throw py::type_error("a time is RFC 3339 text, a datetime or Unix seconds, not " +
                             std::string(Py_TYPE(t.ptr())->tp_name));
    }
    return std::chrono::sys_seconds(
        std::chrono::seconds(static_cast<std::int64_t>(std::floor(seconds))));
}

MatchOptions match_options(py::handle since, const std::string& since_field,
                           py::handle min_severity, bool drop_unrated) {
    MatchOptions o;
    if (!since.is_none()) o.since = time_arg(since);
    if (since_field == "published") {
        o.since_field = SinceField::published;
    } else if (since_field == "modified") {
        o.since_field = SinceField::modified;
    } else {
        throw py::value_error("since_field must be 'published' or 'modified', not '" + since_field +
                              "'");
    }
    if (!min_severity.is_none()) o.min_severity = enum_arg<Severity>(min_severity, "min_severity");
    o.drop_unrated = drop_unrated;
    return o;
}

py::dict component_dict(const FindingComponent& c) {
    py::dict d;
    d["name"] = decode(c.name);
    d["purl"] = decode(c.purl);
    d["ecosystem"] = decode(c.ecosystem);
    d["ref"] = decode(c.ref);
    return d;
}

py::dict finding_dict(const Finding& f) {
    py::dict d;
    d["id"] = decode(f.id);
    d["advisories"] = decode_list(f.advisories);
    d["aliases"] = decode_list(f.aliases);
    d["related"] = decode_list(f.related);
    d["summary"] = decode(f.summary);
    d["component"] = component_dict(f.component);
    d["installed_version"] = decode(f.installed_version);
    d["fixed_versions"] = decode_list(f.fixed_versions);
    d["custom_fixed_versions"] = decode_list(f.custom_fixed_versions);
    d["severity"] = enum_object(f.severity);
    d["score"] = f.score;
    d["cvss_vector"] = decode(f.cvss_vector);
    py::list severities;
    for (const auto& s : f.ecosystem_severities) {
        py::dict e;
        e["advisory"] = decode(s.advisory);
        e["rating"] = decode(s.rating);
        severities.append(e);
    }
    d["ecosystem_severities"] = severities;
    d["published"] = decode(f.published);
    d["modified"] = decode(f.modified);
    d["release_unknown"] = f.release_unknown;
    d["releases"] = decode_list(f.releases);
    return d;
}

py::dict issue_dict(const ComponentIssue& c) {
    py::dict d;
    d["name"] = decode(c.name);
    d["version"] = decode(c.version);
    d["purl"] = decode(c.purl);
    d["where"] = decode(c.where);
    d["reason"] = decode(c.reason);
    return d;
}

template <class T>
py::list copies(const std::vector<T>& items) {
    py::list out(items.size());
    for (std::size_t i = 0; i < items.size(); ++i)
        out[i] = py::cast(items[i]);
    return out;
}

}  // namespace

void bind_sbom(py::module_& m) {
    define_enum<SbomFormat>(m, "SbomFormat", "SBOM formats read.",
                            {{SbomFormat::cyclonedx, "cyclonedx"}, {SbomFormat::spdx, "spdx"}});

    // --- Sbom ---------------------------------------------------------------------------------
    py::class_<OsRelease> os(m, "OsRelease", "The operating system an SBOM describes.");
    def_text(os, "id", &OsRelease::id, "Lower-case distribution id ('alpine', 'debian').");
    def_text(os, "version", &OsRelease::version, "As written ('3.15.6', '12').");
    def_text(os, "where", &OsRelease::where, "JSON path it came from.");
    os.def("__repr__", [](const OsRelease& o) {
        return "OsRelease(id='" + o.id + "', version='" + o.version + "')";
    });

    py::class_<Component> component(m, "Component",
                                    "One package of an SBOM, with what the matcher looks up.");
    def_text(component, "name", &Component::name);
    def_text(component, "version", &Component::version);
    def_text(component, "purl", &Component::purl, "Package URL as written, '' when none.");
    def_text(component, "ref", &Component::ref, "CycloneDX bom-ref or SPDX SPDXID.");
    def_text(component, "where", &Component::where, "JSON path in the SBOM.");
    def_text(component, "ecosystem", &Component::ecosystem, "OSV ecosystem, without release.");
    def_text(component, "match_name", &Component::match_name, "Name as OSV records spell it.");
    def_text(component, "match_version", &Component::match_version,
             "Version compared against advisories.");
    def_text(component, "release", &Component::release, "OSV release suffix ('12', 'v3.18').");
    component.def_readonly("release_unknown", &Component::release_unknown);
    def_text(component, "source_name", &Component::source_name);
    def_text(component, "commit", &Component::commit);
    def_text(component, "purl_error", &Component::purl_error,
             "Why the purl could not be used; '' when it is fine.");
    component.def("__repr__", [](const Component& c) {
        return "Component(" + py::repr(decode(c.name)).cast<std::string>() + ", " +
               py::repr(decode(c.version)).cast<std::string>() + ")";
    });

    py::class_<Sbom>(m, "Sbom",
                     "A parsed SBOM (CycloneDX 1.2-1.6 or SPDX 2.2-2.3 JSON) as a flat list "
                     "of components.")
        .def_static(
            "load",
            [](py::handle path) {
                std::string file = fspath(path);
                ReleaseGil release;
                return Sbom::read(file);
            },
            py::arg("path"),
            "Reads an SBOM file. Raises OSError when it cannot be read, rtguard.Error naming "
            "the file and JSON path (or line and column) when it is not a valid SBOM.")
        .def_static("parse", &Sbom::parse, py::arg("text"), py::arg("file") = "<string>",
                    "Parses SBOM text; file names it in errors.")
        .def_property_readonly("file", [](const Sbom& s) { return decode(s.file()); })
        .def_property_readonly("format", &Sbom::format)
        .def_property_readonly("spec_version", &Sbom::spec_version)
        .def_property_readonly("name", [](const Sbom& s) { return decode(s.name()); })
        .def_property_readonly("os", &Sbom::os)
        .def_property_readonly("components", [](const Sbom& s) { return copies(s.components()); })
        .def("__len__", [](const Sbom& s) { return s.components().size(); })
        .def("__repr__", [](const Sbom& s) {
            return "Sbom(" + py::repr(decode(s.file())).cast<std::string>() + ", format='" +
                   std::string(to_string(s.format())) +
                   "', components=" + std::to_string(s.components().size()) + ")";
        });

    // --- Feeds --------------------------------------------------------------------------------
    py::class_<FeedProblem> problem(m, "FeedProblem",
                                    "A feed record that could not be used, or a part of one "
                                    "that was ignored.");
    def_text(problem, "file", &FeedProblem::file);
    def_text(problem, "member", &FeedProblem::member, "Zip member, '' for plain files.");
    def_text(problem, "where", &FeedProblem::where, "JSON path or line.");
    def_text(problem, "message", &FeedProblem::message);
    problem.def_readonly("record_skipped", &FeedProblem::record_skipped)
        .def("__repr__", [](const FeedProblem& p) {
            return "FeedProblem(" +
                   py::repr(decode(p.file + (p.member.empty() ? "" : "!" + p.member) + ":" +
                                   p.where + ": " + p.message))
                       .cast<std::string>() +
                   ")";
        });

    py::class_<FeedLoadStats>(m, "FeedLoadStats", "What one load_feed() call read.")
        .def_readonly("files", &FeedLoadStats::files)
        .def_readonly("records", &FeedLoadStats::records)
        .def_readonly("skipped", &FeedLoadStats::skipped)
        .def_readonly("withdrawn", &FeedLoadStats::withdrawn)
        .def_readonly("superseded", &FeedLoadStats::superseded)
        .def_readonly("bytes", &FeedLoadStats::bytes)
        .def("__repr__", [](const FeedLoadStats& s) {
            return "FeedLoadStats(files=" + std::to_string(s.files) +
                   ", records=" + std::to_string(s.records) +
                   ", skipped=" + std::to_string(s.skipped) + ")";
        });

    // --- Findings -----------------------------------------------------------------------------
    py::class_<FindingComponent> fc(m, "FindingComponent", "The component a finding is about.");
    def_text(fc, "name", &FindingComponent::name);
    def_text(fc, "purl", &FindingComponent::purl);
    def_text(fc, "ecosystem", &FindingComponent::ecosystem, "With release when known.");
    def_text(fc, "ref", &FindingComponent::ref);
    fc.def("to_dict", &component_dict);

    py::class_<EcosystemSeverity> es(m, "EcosystemSeverity", "An ecosystem's own rating.");
    def_text(es, "advisory", &EcosystemSeverity::advisory);
    def_text(es, "rating", &EcosystemSeverity::rating);

    py::class_<Finding> finding(m, "Finding", "One vulnerability affecting one component.");
    def_text(finding, "id", &Finding::id, "Representative id: the lowest CVE id, else lowest.");
    def_texts(finding, "advisories", &Finding::advisories, "Ids of the records that matched.");
    def_texts(finding, "aliases", &Finding::aliases, "Every id naming this vulnerability.");
    def_texts(finding, "related", &Finding::related);
    def_text(finding, "summary", &Finding::summary);
    finding.def_readonly("component", &Finding::component);
    def_text(finding, "installed_version", &Finding::installed_version);
    def_texts(finding, "fixed_versions", &Finding::fixed_versions);
    def_texts(finding, "custom_fixed_versions", &Finding::custom_fixed_versions);
    finding.def_readonly("severity", &Finding::severity)
        .def_readonly("score", &Finding::score, "Highest CVSS base score, 0 when none.");
    def_text(finding, "cvss_vector", &Finding::cvss_vector);
    finding.def_property_readonly("ecosystem_severities",
                                  [](const Finding& f) { return copies(f.ecosystem_severities); });
    def_text(finding, "published", &Finding::published, "RFC 3339; '' when unknown.");
    def_text(finding, "modified", &Finding::modified, "RFC 3339; '' when unknown.");
    finding.def_readonly("release_unknown", &Finding::release_unknown);
    def_texts(finding, "releases", &Finding::releases);
    finding.def("to_dict", &finding_dict, "Every attribute as a plain dict (JSON-ready).")
        .def("__repr__", [](const Finding& f) {
            return "Finding('" + f.id +
                   "', component=" + py::repr(decode(f.component.name)).cast<std::string>() +
                   ", severity='" + std::string(to_string(f.severity)) + "')";
        });

    py::class_<ComponentIssue> issue(m, "ComponentIssue", "A component that could not be matched.");
    def_text(issue, "name", &ComponentIssue::name);
    def_text(issue, "version", &ComponentIssue::version);
    def_text(issue, "purl", &ComponentIssue::purl);
    def_text(issue, "where", &ComponentIssue::where);
    def_text(issue, "reason", &ComponentIssue::reason);
    issue.def("to_dict", &issue_dict);

    py::class_<PyMatchResult>(m, "MatchResult", "Every finding for one SBOM.")
        .def_property_readonly("sbom_file",
                               [](const PyMatchResult& r) { return decode(r.result.sbom_file); })
        .def_property_readonly(
            "findings", [](const PyMatchResult& r) { return copies(r.result.findings); },
            "Finding list by severity, score (highest first), component, id.")
        .def_property_readonly(
            "unmatched", [](const PyMatchResult& r) { return copies(r.result.unmatched); },
            "Components that cannot be looked up (no purl, no version, no OSV ecosystem).")
        .def_property_readonly(
            "version_errors",
            [](const PyMatchResult& r) { return copies(r.result.version_errors); },
            "Components whose version does not parse: matched against exact versions only.")
        .def_property_readonly("components",
                               [](const PyMatchResult& r) { return r.result.components; })
        .def_property_readonly("filtered", [](const PyMatchResult& r) { return r.result.filtered; })
        .def_property_readonly("undated", [](const PyMatchResult& r) { return r.result.undated; })
        .def_property_readonly("release_unknown",
                               [](const PyMatchResult& r) { return r.result.release_unknown; })
        .def(
            "to_json", [](const PyMatchResult& r) { return findings_to_json(r.result, r.options); },
            "The findings document (format 'rtguard-findings', schema 1).")
        .def(
            "to_sarif", [](const PyMatchResult& r) { return findings_to_sarif(r.result); },
            "The findings as a SARIF 2.1.0 log.")
        .def("__len__", [](const PyMatchResult& r) { return r.result.findings.size(); })
        .def("__repr__", [](const PyMatchResult& r) {
            return "MatchResult(" + py::repr(decode(r.result.sbom_file)).cast<std::string>() +
                   ", findings=" + std::to_string(r.result.findings.size()) + ")";
        });

    // --- SbomMatcher --------------------------------------------------------------------------
    py::class_<PyMatcher>(m, "SbomMatcher",
                          "An advisory database built from OSV feeds, matched against SBOMs. "
                          "Threads may share it: loads take it exclusively, matches share it, "
                          "and both release the GIL.")
        .def(py::init<>())
        .def(
            "load_feed", [](PyMatcher& m, py::handle path) { return m.load_feed(fspath(path)); },
            py::arg("path"),
            "Loads OSV records from a directory (every *.json below it), an OSV all.zip or "
            "one .json record; returns FeedLoadStats. Malformed records are skipped and listed "
            "in problems. Raises OSError / rtguard.Error when the path itself cannot be read.")
        .def(
            "load_record",
            [](PyMatcher& m, py::handle json, const std::string& name) {
                return m.load_record(encode(json, "json"), name);
            },
            py::arg("json"), py::arg("name") = "<string>",
            "Loads one OSV record from text; False when it was skipped (see problems).")
        .def_property_readonly("problems", &PyMatcher::problems)
        .def_property_readonly("advisory_count", &PyMatcher::advisory_count)
        .def("withdrawn", &PyMatcher::withdrawn, py::arg("id"),
             "True when a loaded record with this id or alias is withdrawn.")
        .def(
            "match",
            [](PyMatcher& m, const Sbom& sbom, py::handle since, const std::string& since_field,
               py::handle min_severity, bool drop_unrated) {
                auto options = match_options(since, since_field, min_severity, drop_unrated);
                return PyMatchResult{m.match(sbom, options), options};
            },
            py::arg("sbom"), py::kw_only(), py::arg("since") = py::none(),
            py::arg("since_field") = "published", py::arg("min_severity") = py::none(),
            py::arg("drop_unrated") = false,
            "Matches every component of sbom. since (RFC 3339 text, datetime or Unix seconds) "
            "keeps findings published (or modified) after it; min_severity drops lower-rated "
            "findings (unrated ones stay unless drop_unrated).");

    // --- Watching deployed images -------------------------------------------------------------
    py::class_<InventoryEntry> inv(m, "InventoryEntry", "One deployed image of an inventory.");
    def_text(inv, "image", &InventoryEntry::image);
    def_text(inv, "sbom", &InventoryEntry::sbom,
             "SBOM path, resolved against the inventory's "
             "directory.");
    def_text(inv, "deployed_at", &InventoryEntry::deployed_at, "RFC 3339, as written.");
    m.def(
        "read_inventory",
        [](py::handle path) {
            std::string file = fspath(path);
            ReleaseGil release;
            return read_inventory(file);
        },
        py::arg("path"),
        "Reads an inventory file: a JSON array of {image, sbom, deployed_at} objects.");

    py::class_<WatchFinding> wf(m, "WatchFinding", "A finding reported for the first time.");
    def_text(wf, "image", &WatchFinding::image);
    wf.def_readonly("disclosed_after_deploy", &WatchFinding::disclosed_after_deploy)
        .def_readonly("finding", &WatchFinding::finding);

    py::class_<Retraction> retraction(m, "Retraction",
                                      "A previously reported finding that no longer holds.");
    def_text(retraction, "image", &Retraction::image);
    def_text(retraction, "component", &Retraction::component);
    def_text(retraction, "vulnerability", &Retraction::vulnerability);
    def_texts(retraction, "ids", &Retraction::ids);
    def_text(retraction, "reason", &Retraction::reason);

    py::class_<WatchError> werr(m, "WatchError", "An image whose SBOM could not be read.");
    def_text(werr, "image", &WatchError::image);
    def_text(werr, "message", &WatchError::message);

    py::class_<WatchReport>(m, "WatchReport", "What changed since the previous watch run.")
        .def_property_readonly("new_findings",
                               [](const WatchReport& r) { return copies(r.new_findings); })
        .def_property_readonly("retractions",
                               [](const WatchReport& r) { return copies(r.retractions); })
        .def_property_readonly("errors", [](const WatchReport& r) { return copies(r.errors); })
        .def_readonly("images", &WatchReport::images)
        .def_readonly("known", &WatchReport::known)
        .def("exit_status", &WatchReport::exit_status,
             "2 when an image failed, 3 for a new critical finding, 1 for other new findings, "
             "else 0.");

    py::class_<PyWatcher>(m, "Watcher",
                          "Continuous matching of deployed images: each run reports only new "
                          "and retracted findings, remembering the rest in a state file.")
        .def(py::init([](PyMatcher& matcher, py::handle state_path) {
                 return std::make_unique<PyWatcher>(matcher, fspath(state_path));
             }),
             py::arg("matcher"), py::arg("state_path"), py::keep_alive<1, 2>())
        .def(
            "run",
            [](PyWatcher& w, py::handle inventory, py::handle since, const std::string& since_field,
               py::handle min_severity, bool drop_unrated) {
                std::vector<InventoryEntry> entries;
                if (PyUnicode_Check(inventory.ptr()) || PyBytes_Check(inventory.ptr()) ||
                    PyObject_HasAttrString(inventory.ptr(), "__fspath__")) {
                    std::string file = fspath(inventory);
                    ReleaseGil release;
                    entries = read_inventory(file);
                } else {
                    entries = inventory.cast<std::vector<InventoryEntry>>();
                }
                auto options = match_options(since, since_field, min_severity, drop_unrated);
                return w.run(entries, options);
            },
            py::arg("inventory"), py::kw_only(), py::arg("since") = py::none(),
            py::arg("since_field") = "published", py::arg("min_severity") = py::none(),
            py::arg("drop_unrated") = false,
            "Matches every image of the inventory (a path or a list of InventoryEntry), "
            "writes the new state and returns a WatchReport.");
}

}  // namespace rtguard::python

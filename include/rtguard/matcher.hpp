// rtguard/matcher.hpp: OSV advisory feeds, matching SBOM components against them, and
// watching a fleet of deployed images for new and retracted findings.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtguard/cvss.hpp"
#include "rtguard/sbom.hpp"

namespace rtguard {

/// A record of a feed that could not be used, or a part of one that was ignored.
struct FeedProblem {
    std::string file;    ///< the feed path (directory entry or zip file)
    std::string member;  ///< the zip member, empty for plain files
    std::string where;   ///< JSON path ("$.affected[2].ranges[0].events[1].fixed") or line
    std::string message;
    bool record_skipped = true;  ///< false: the record was kept, only this part ignored
};

/// What one load_feed() call read.
struct FeedLoadStats {
    std::size_t files = 0;       ///< JSON files or zip members read
    std::size_t records = 0;     ///< records loaded
    std::size_t skipped = 0;     ///< records skipped because they are malformed
    std::size_t withdrawn = 0;   ///< loaded records that carry "withdrawn"
    std::size_t superseded = 0;  ///< records replaced by a newer copy with the same id
    std::size_t bytes = 0;       ///< JSON bytes parsed
};

/// Which date `MatchOptions::since` is compared with.
enum class SinceField { published, modified };

struct MatchOptions {
    /// Keep only findings whose advisories were published (or modified, see `since_field`)
    /// strictly after this time. A finding made of several records uses the earliest
    /// published and the latest modified date. Records without a usable date (absent, or
    /// the zero date "0001-01-01T00:00:00Z" some feeds write) are left out and counted in
    /// MatchResult::undated.
    std::optional<std::chrono::sys_seconds> since;
    SinceField since_field = SinceField::published;
    /// Drop findings rated below this. Findings with no rating at all (Severity::unknown)
    /// are kept unless `drop_unrated` is set: unrated is not the same as low.
    Severity min_severity = Severity::unknown;
    bool drop_unrated = false;
};

/// The component a finding is about.
struct FindingComponent {
    std::string name;
    std::string purl;       ///< as written in the SBOM (empty if none)
    std::string ecosystem;  ///< OSV ecosystem with release when known: "AlmaLinux:9", "Go"
    std::string ref;        ///< bom-ref / SPDXID
};

/// An ecosystem's own rating, kept beside the CVSS score: GitHub's "HIGH", AlmaLinux's
/// "Important", Ubuntu's "medium".
struct EcosystemSeverity {
    std::string advisory;  ///< the record that gives it
    std::string rating;    ///< as written
};

/// One vulnerability affecting one component. Advisories that alias each other (a GHSA, its
/// CVE and a PYSEC record) form one finding listing every id.
struct Finding {
    std::string id;                       ///< representative id: the lowest CVE id, else lowest
    std::vector<std::string> advisories;  ///< ids of the records that matched, sorted
    std::vector<std::string> aliases;     ///< every id naming this vulnerability, sorted
    std::vector<std::string> related;     ///< "related" ids of the records (not aliases)
    std::string summary;

    FindingComponent component;
    std::string installed_version;            ///< the version compared (see Component)
    std::vector<std::string> fixed_versions;  ///< first fixed version above the installed one,
                                              ///< per matching range, sorted, unique
    /// Fix versions in a project's own tag scheme (Go "custom_ranges"): shown, not compared.
    std::vector<std::string> custom_fixed_versions;

    Severity severity = Severity::unknown;  ///< from the best CVSS score, else the ecosystem's
    double score = 0.0;                     ///< highest CVSS base score, 0 when none
    std::string cvss_vector;                ///< the vector that gave `score`
    std::vector<EcosystemSeverity> ecosystem_severities;

    std::string published;  ///< earliest of the records, RFC 3339; empty when unknown
    std::string modified;   ///< latest of the records, RFC 3339; empty when unknown

    /// The SBOM does not say which distribution release the component belongs to: the
    /// finding holds for the releases listed in `releases` (OSV ecosystems) and may not
    /// apply to the real one.
    bool release_unknown = false;
    std::vector<std::string> releases;
};

/// A component that could not be matched, and why.
struct ComponentIssue {
    std::string name;
    std::string version;
    std::string purl;
    std::string where;   ///< JSON path in the SBOM
    std::string reason;  ///< "no purl", "no OSV ecosystem for purl type 'oci'", a version error
};

struct MatchResult {
    std::string sbom_file;
    std::string sbom_name;          ///< the SBOM's subject (Sbom::name())
    std::vector<Finding> findings;  ///< by severity, score (highest first), then component, id
    /// Components that cannot be looked up: no purl, no version, purl type without an OSV
    /// ecosystem.
    std::vector<ComponentIssue> unmatched;
    /// Components whose installed version does not parse under its ecosystem's rules: only
    /// exact matches against advisories' "versions" lists are made for them, no ranges.
    std::vector<ComponentIssue> version_errors;
    std::size_t components = 0;       ///< components looked up (unique purls)
    std::size_t filtered = 0;         ///< findings dropped by min_severity or since
    std::size_t undated = 0;          ///< findings dropped by since for lack of a date
    std::size_t release_unknown = 0;  ///< findings flagged release_unknown
};

/// Advisory database built from OSV feeds, and the matching itself. Loading is not
/// thread-safe; once loaded, match() may be called from several threads.
class SbomMatcher {
public:
    SbomMatcher();
    ~SbomMatcher();
    SbomMatcher(SbomMatcher&&) noexcept;
    SbomMatcher& operator=(SbomMatcher&&) noexcept;

    /// Loads OSV records from `path`: a directory (every *.json below it, recursively), an
    /// OSV all.zip (every *.json member) or one .json record. Malformed records are skipped
    /// and listed in problems() with the file, member and JSON path; the rest still load.
    /// A record whose id is already loaded replaces the older copy (by "modified").
    /// Throws rtguard::Error when the path itself cannot be read (missing, not a zip).
    FeedLoadStats load_feed(const std::string& path);

    /// Loads one record from memory; `name` names it in problems(). Returns false when the
    /// record was skipped.
    bool load_record(std::string_view json, const std::string& name);

    /// Problems met by every load so far.
    const std::vector<FeedProblem>& problems() const noexcept;
    /// Records usable for matching (withdrawn ones included: they count for retractions).
    std::size_t advisory_count() const noexcept;
    /// True when the loaded record with this id is withdrawn.
    bool withdrawn(std::string_view id) const;

    /// Matches every component of `sbom`. Does not throw for bad components: they land in
    /// MatchResult::unmatched or version_errors.
    MatchResult match(const Sbom& sbom, const MatchOptions& options = {}) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Parses an RFC 3339 time ("2024-05-01T10:00:00Z", "...+02:00", fractions ignored) or a
/// date ("2024-05-01", midnight UTC). Throws rtguard::Error (errc::bad_value) otherwise.
std::chrono::sys_seconds parse_time(std::string_view text);
/// The same time as "YYYY-MM-DDTHH:MM:SSZ".
std::string format_time(std::chrono::sys_seconds t);

/// Findings as a JSON document (format "rtguard-findings", schema 1; see docs/findings.md).
std::string findings_to_json(const MatchResult& result, const MatchOptions& options = {});
/// Findings as a SARIF 2.1.0 log for code-scanning tools.
std::string findings_to_sarif(const MatchResult& result);

/// One deployed image of an inventory file.
struct InventoryEntry {
    std::string image;        ///< image reference, the key of its findings
    std::string sbom;         ///< SBOM path, resolved against the inventory file's directory
    std::string deployed_at;  ///< RFC 3339, as written
    std::chrono::sys_seconds deployed{};
};

/// Reads an inventory: a JSON array of {"image", "sbom", "deployed_at"} objects. Throws
/// rtguard::Error naming the file and JSON path for a malformed file, a duplicate image or
/// an unparsable time.
std::vector<InventoryEntry> read_inventory(const std::string& path);

/// A finding reported for the first time by a watch run.
struct WatchFinding {
    std::string image;
    /// Published after the image was deployed: disclosed while it was running.
    bool disclosed_after_deploy = false;
    Finding finding;
};

/// A previously reported (image, component, vulnerability) pair that no longer holds.
struct Retraction {
    std::string image;
    std::string component;      ///< purl (or name@version) as stored
    std::string vulnerability;  ///< the representative id as stored
    std::vector<std::string> ids;
    std::string reason;  ///< "withdrawn", "no longer matches", "image removed from inventory"
};

struct WatchError {
    std::string image;
    std::string message;
};

struct WatchReport {
    std::vector<WatchFinding> new_findings;
    std::vector<Retraction> retractions;
    std::vector<WatchError> errors;  ///< images whose SBOM could not be read (state kept)
    std::size_t images = 0;
    std::size_t known = 0;  ///< pairs already reported by an earlier run and still true

    /// 2 when any image failed, 3 when a new finding is critical, 1 when there are other new
    /// findings, 0 otherwise. Retractions alone give 0.
    int exit_status() const noexcept;
};

/// A watch run as JSON (format "rtguard-watch-report", schema 1; see docs/watch.md).
std::string watch_report_to_json(const WatchReport& report);

/// Continuous matching of deployed images. The state file remembers every pair reported so
/// far, so that each run reports only what is new and what was retracted. The state is
/// JSON (format "rtguard-watch-state", schema 1, see docs/watch.md) and replaced atomically.
class Watcher {
public:
    /// `matcher` must outlive the Watcher.
    Watcher(const SbomMatcher& matcher, std::string state_path);

    /// Matches every image, compares with the state, writes the new state and returns what
    /// changed. A missing state file is an empty one. Throws rtguard::Error for a state file
    /// that cannot be read or written; a single image's unreadable SBOM is a WatchError and
    /// keeps that image's stored pairs untouched.
    WatchReport run(const std::vector<InventoryEntry>& inventory, const MatchOptions& options = {});

private:
    const SbomMatcher& matcher_;
    std::string state_path_;
};

}  // namespace rtguard

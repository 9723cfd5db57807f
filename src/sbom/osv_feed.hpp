// Internal: OSV records as the matcher keeps them, and reading them from JSON, directories
// and zip archives.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rtguard/cvss.hpp"
#include "rtguard/matcher.hpp"
#include "rtguard/version.hpp"

namespace rtguard::detail {

/// Seconds since the epoch of a record's date; no_time when absent or the zero date.
inline constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::min();

enum class OsvEventKind : std::uint8_t { introduced, fixed, last_affected, limit };
enum class OsvRangeKind : std::uint8_t { semver, ecosystem, git };

struct OsvEvent {
    OsvEventKind kind;
    std::string version;  ///< "0" for the introduced-at-the-beginning event, "*" for no limit
};

struct OsvRange {
    OsvRangeKind kind = OsvRangeKind::ecosystem;
    /// False when the ecosystem has no version order this build knows: such a range is
    /// never evaluated (the record's "versions" list still is).
    bool evaluable = true;
    bool has_limit = false;
    VersionScheme scheme = VersionScheme::semver;
    /// Sorted by version (introduced "0" first, ties keep the record's order), except for
    /// GIT ranges, which keep the record's order.
    std::vector<OsvEvent> events;
};

struct OsvAffected {
    std::string ecosystem;   ///< as written: "AlmaLinux:9"
    std::string base;        ///< before the first ':': "AlmaLinux"
    std::string release;     ///< after it: "9"; Ubuntu's ":LTS" suffix dropped; else empty
    std::string name;        ///< as written
    std::vector<std::string> versions;
    std::vector<OsvRange> ranges;
    /// Fixed versions of Go's ecosystem_specific.custom_ranges, in the project's own tag
    /// scheme; informational (Go tooling matches the SEMVER ranges only).
    std::vector<std::string> custom_fixed;

    // Best CVSS score of affected[].severity; score < 0 when there is none.
    double score = -1.0;
    Severity cvss_severity = Severity::unknown;
    std::string vector;
    std::string rating;  ///< ecosystem-specific rating from this entry
};

struct OsvRecord {
    std::string id;
    std::vector<std::string> aliases;
    std::vector<std::string> related;
    std::string summary;
    std::string published;
    std::string modified;
    std::int64_t published_s = no_time;
    std::int64_t modified_s = no_time;
    bool withdrawn = false;
    std::vector<OsvAffected> affected;

    double score = -1.0;  ///< best CVSS base score of the record-level severity[]
    Severity cvss_severity = Severity::unknown;
    std::string vector;
    std::string rating;  ///< database_specific.severity, or a Red Hat style summary prefix

    std::string origin;  ///< "Go.zip:GO-2022-0191.json" or the file path
};

/// Decodes OSV records with one reused simdjson parser. Malformed records produce a
/// FeedProblem and no record.
class OsvParser {
public:
    OsvParser();
    ~OsvParser();

    /// Parses `json`, which must have at least `padding()` readable bytes past its end
    /// (`capacity` >= size + padding). Returns false and appends to `problems` when the
    /// record is malformed; parts of a good record that are ignored (a bad CVSS vector) are
    /// appended with record_skipped = false.
    bool parse(const char* json, std::size_t size, std::size_t capacity, const std::string& file,
               const std::string& member, OsvRecord& out, std::vector<FeedProblem>& problems);

    static std::size_t padding();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Calls `sink` with each record of a feed path (a directory searched recursively for
/// *.json, an OSV all.zip, or one .json file), appending problems. Throws rtguard::Error
/// when the path cannot be read at all (missing, unreadable, not a zip archive).
void read_feed(const std::string& path, OsvParser& parser, FeedLoadStats& stats,
               std::vector<FeedProblem>& problems,
               const std::function<void(OsvRecord&&)>& sink);

/// Seconds since the epoch of an RFC 3339 time or date; no_time when it does not parse.
std::int64_t parse_time_seconds(std::string_view text) noexcept;

/// The raw JSON of every record of a feed path, in the order read_feed visits them; used by
/// the benchmark to parse the same bytes with a reference parser.
struct FeedBytes {
    std::string name;
    std::string json;
};
std::vector<FeedBytes> read_feed_bytes(const std::string& path);

}  // namespace rtguard::detail

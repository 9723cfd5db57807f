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

/// Owns the text of loaded records. Records keep string_views into it: a feed's tens of
/// thousands of short strings then cost a copy each, not an allocation each. Text never
/// moves once stored; an arena is moved around whole, never copied.
class StringArena {
public:
    StringArena() = default;
    StringArena(StringArena&&) noexcept = default;
    StringArena& operator=(StringArena&&) noexcept = default;

    std::string_view store(std::string_view s);

private:
    std::vector<std::unique_ptr<char[]>> blocks_;
    char* next_ = nullptr;
    std::size_t left_ = 0;
};

enum class OsvEventKind : std::uint8_t { introduced, fixed, last_affected, limit };
enum class OsvRangeKind : std::uint8_t { semver, ecosystem, git };

struct OsvEvent {
    OsvEventKind kind;
    std::string_view version;  ///< "0" for introduced-at-the-beginning, "*" for no limit
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
    std::string_view ecosystem;  ///< as written: "AlmaLinux:9"
    std::string_view base;       ///< before the first ':': "AlmaLinux"
    std::string_view release;    ///< after it: "9"; Ubuntu's ":LTS" suffix dropped; else empty
    std::string_view name;       ///< as written
    std::vector<std::string_view> versions;
    std::vector<OsvRange> ranges;
    /// Fixed versions of Go's ecosystem_specific.custom_ranges, in the project's own tag
    /// scheme; informational (Go tooling matches the SEMVER ranges only).
    std::vector<std::string_view> custom_fixed;

    // Best CVSS score of affected[].severity; score < 0 when there is none.
    double score = -1.0;
    Severity cvss_severity = Severity::unknown;
    std::string_view vector;
    std::string_view rating;  ///< ecosystem-specific rating from this entry
};

struct OsvRecord {
    std::string_view id;
    std::vector<std::string_view> aliases;
    std::vector<std::string_view> related;
    std::string_view summary;
    std::string_view published;
    std::string_view modified;
    std::int64_t published_s = no_time;
    std::int64_t modified_s = no_time;
    bool withdrawn = false;
    std::vector<OsvAffected> affected;

    double score = -1.0;  ///< best CVSS base score of the record-level severity[]
    Severity cvss_severity = Severity::unknown;
    std::string_view vector;
    std::string_view rating;  ///< database_specific.severity, or a Red Hat style summary prefix

    std::string_view origin;  ///< "Go.zip:GO-2022-0191.json" or the file path
};

/// Decodes OSV records with one reused simdjson parser, storing their text in `arena`.
/// Malformed records produce a FeedProblem and no record. Not thread-safe: use one parser
/// per thread.
class OsvParser {
public:
    OsvParser();
    ~OsvParser();

    /// Parses `json`, which must have at least `padding()` readable bytes past its end
    /// (`capacity` >= size + padding). Returns false and appends to `problems` when the
    /// record is malformed; parts of a good record that are ignored (a bad CVSS vector) are
    /// appended with record_skipped = false.
    bool parse(const char* json, std::size_t size, std::size_t capacity, const std::string& file,
               const std::string& member, StringArena& arena, OsvRecord& out,
               std::vector<FeedProblem>& problems);

    static std::size_t padding();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// What reading a feed path produced: records in a fixed order (sorted file names, or the
/// archive's member order), their text, and the problems met.
struct FeedContent {
    std::vector<OsvRecord> records;
    std::vector<StringArena> arenas;
    std::vector<FeedProblem> problems;
    FeedLoadStats stats;
};

/// Reads every record of a feed path: a directory searched recursively for *.json, an OSV
/// all.zip, or one .json file. With `threads` > 1, large feeds are read (decompressed) on
/// the calling thread and decoded on another; the result does not depend on it. Throws
/// rtguard::Error when the path cannot be read at all (missing, unreadable, not a zip).
FeedContent read_feed(const std::string& path, unsigned threads);

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

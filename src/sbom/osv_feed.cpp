// Decoding OSV records (https://ossf.github.io/osv-schema/) with simdjson's on-demand API,
// and reading them from directories and OSV all.zip archives with libzip.
#include "sbom/osv_feed.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/atomic_file.hpp"
#include "rtguard/error.hpp"
#include "sbom/ecosystem.hpp"
#include "sbom/json_support.hpp"

namespace rtguard::detail {
namespace {

namespace od = simdjson::ondemand;

constexpr std::size_t max_record_bytes = std::size_t(64) << 20;

// Thrown inside the decoder for a malformed record; caught per record.
struct RecordError {
    std::string where;
    std::string message;
};

const char* json_type_name(od::json_type t) {
    switch (t) {
        case od::json_type::array:
            return "an array";
        case od::json_type::object:
            return "an object";
        case od::json_type::number:
            return "a number";
        case od::json_type::string:
            return "a string";
        case od::json_type::boolean:
            return "a boolean";
        case od::json_type::null:
            return "null";
    }
    return "an unknown value";
}

const char* event_key(OsvEventKind k) {
    switch (k) {
        case OsvEventKind::introduced:
            return "introduced";
        case OsvEventKind::fixed:
            return "fixed";
        case OsvEventKind::last_affected:
            return "last_affected";
        case OsvEventKind::limit:
            return "limit";
    }
    return "";
}

// Red Hat style errata (AlmaLinux, Rocky Linux) start their summary with the rating.
std::string_view summary_rating(std::string_view summary) {
    for (std::string_view r : {"Low", "Moderate", "Important", "Critical"}) {
        if (summary.size() > r.size() && summary.substr(0, r.size()) == r &&
            summary[r.size()] == ':')
            return summary.substr(0, r.size());
    }
    return {};
}

}  // namespace

struct OsvParser::Impl {
    od::parser parser;

    // Per record being decoded.
    JsonPath path;
    const std::string* file = nullptr;
    const std::string* member = nullptr;
    std::vector<FeedProblem>* problems = nullptr;
    StringArena* arena = nullptr;
    std::vector<std::string_view> known_ranges;  // per affected entry, GitHub's bound

    [[noreturn]] void fail(std::string message) {
        throw RecordError{path.str(), std::move(message)};
    }

    void check(simdjson::error_code e, const char* expected) {
        if (e == simdjson::SUCCESS) return;
        if (e == simdjson::INCORRECT_TYPE) fail(std::string("expected ") + expected);
        fail(std::string("malformed JSON: ") + simdjson::error_message(e));
    }

    // A wrong type is told with what was found instead.
    [[noreturn]] void wrong_type(od::value& v, const char* expected) {
        od::json_type t{};
        check(v.type().get(t), expected);  // not even a value: broken JSON
        fail(std::string("expected ") + expected + ", found " + json_type_name(t));
    }

    // A kept record's ignored part.
    void note(std::string where, std::string message) {
        problems->push_back({*file, *member, std::move(where), std::move(message), false});
    }

    od::json_type type_of(od::value& v) {
        od::json_type t{};
        check(v.type().get(t), "a JSON value");
        return t;
    }

    std::string_view string(od::value& v) {
        std::string_view s;
        auto e = v.get_string().get(s);
        if (e == simdjson::INCORRECT_TYPE) wrong_type(v, "a string");
        check(e, "a string");
        return s;
    }

    std::string_view stored(od::value& v) { return arena->store(string(v)); }

    template <class F>
    void each_field(od::value& v, F&& f) {
        od::object o;
        auto e = v.get_object().get(o);
        if (e == simdjson::INCORRECT_TYPE) wrong_type(v, "an object");
        check(e, "an object");
        for (auto fr : o) {
            od::field field;
            check(std::move(fr).get(field), "an object member");
            std::string_view key;
            check(field.unescaped_key().get(key), "a key");
            f(key, field.value());
        }
    }

    template <class F>
    void each_element(od::value& v, F&& f) {
        od::array a;
        auto e = v.get_array().get(a);
        if (e == simdjson::INCORRECT_TYPE) wrong_type(v, "an array");
        check(e, "an array");
        std::size_t i = 0;
        for (auto er : a) {
            PathGuard g(path, i);
            od::value item;
            check(std::move(er).get(item), "an array element");
            f(item);
            ++i;
        }
    }

    void strings(od::value& v, std::vector<std::string_view>& out) {
        each_element(v, [&](od::value& item) { out.push_back(stored(item)); });
    }

    // A severity[] array: CVSS vectors are scored, other types are ratings ("Ubuntu").
    template <class Target>
    void severity_list(od::value& v, Target& target) {
        each_element(v, [&](od::value& item) {
            std::string_view type, score;
            each_field(item, [&](std::string_view key, od::value& val) {
                if (key == "type") {
                    PathGuard g(path, "type");
                    type = stored(val);
                } else if (key == "score") {
                    PathGuard g(path, "score");
                    score = stored(val);
                }
            });
            if (type.empty() || score.empty()) fail("a severity needs \"type\" and \"score\"");
            if (type == "CVSS_V2" || type == "CVSS_V3" || type == "CVSS_V4") {
                try {
                    CvssScore s = score_cvss(score);
                    if (s.base > target.score) {
                        target.score = s.base;
                        target.cvss_severity = s.severity;
                        target.vector = score;
                    }
                } catch (const std::exception& e) {
                    note(path.str("score"), std::string("CVSS vector ignored: ") + e.what());
                }
            } else if (target.rating.empty()) {
                target.rating = score;
            }
        });
    }

    void event_list(od::value& v, std::vector<OsvEvent>& out) {
        each_element(v, [&](od::value& item) {
            int seen = 0;
            each_field(item, [&](std::string_view key, od::value& val) {
                OsvEventKind kind;
                if (key == "introduced")
                    kind = OsvEventKind::introduced;
                else if (key == "fixed")
                    kind = OsvEventKind::fixed;
                else if (key == "last_affected")
                    kind = OsvEventKind::last_affected;
                else if (key == "limit")
                    kind = OsvEventKind::limit;
                else
                    fail("unknown event \"" + std::string(key) + "\"");
                PathGuard g(path, event_key(kind));
                std::string_view version = stored(val);
                if (version.empty()) fail("empty version");
                out.push_back({kind, version});
                ++seen;
            });
            if (seen != 1)
                fail("an event needs exactly one of introduced, fixed, last_affected, limit");
        });
    }

    OsvRange range(od::value& v) {
        OsvRange r;
        bool typed = false, has_events = false;
        each_field(v, [&](std::string_view key, od::value& val) {
            if (key == "type") {
                PathGuard g(path, "type");
                std::string_view t = string(val);
                if (t == "SEMVER")
                    r.kind = OsvRangeKind::semver;
                else if (t == "ECOSYSTEM")
                    r.kind = OsvRangeKind::ecosystem;
                else if (t == "GIT")
                    r.kind = OsvRangeKind::git;
                else
                    fail("unknown range type \"" + std::string(t) + "\"");
                typed = true;
            } else if (key == "events") {
                PathGuard g(path, "events");
                event_list(val, r.events);
                has_events = true;
            }
        });
        if (!typed) fail("missing \"type\"");
        if (!has_events || r.events.empty()) fail("missing \"events\"");
        return r;
    }

    void affected(od::value& v, OsvAffected& a, std::string_view& known_range) {
        each_field(v, [&](std::string_view key, od::value& val) {
            if (key == "package") {
                PathGuard g(path, "package");
                each_field(val, [&](std::string_view k, od::value& pv) {
                    if (k == "ecosystem") {
                        PathGuard g2(path, "ecosystem");
                        a.ecosystem = stored(pv);
                    } else if (k == "name") {
                        PathGuard g2(path, "name");
                        a.name = stored(pv);
                    }
                });
                if (a.ecosystem.empty()) fail("missing \"ecosystem\"");
                if (a.name.empty()) fail("missing \"name\"");
            } else if (key == "ranges") {
                PathGuard g(path, "ranges");
                each_element(val, [&](od::value& item) { a.ranges.push_back(range(item)); });
            } else if (key == "versions") {
                PathGuard g(path, "versions");
                strings(val, a.versions);
            } else if (key == "severity") {
                PathGuard g(path, "severity");
                severity_list(val, a);
            } else if (key == "ecosystem_specific") {
                PathGuard g(path, "ecosystem_specific");
                if (type_of(val) != od::json_type::object) return;
                each_field(val, [&](std::string_view k, od::value& ev) {
                    if (k == "custom_ranges") {
                        PathGuard g2(path, "custom_ranges");
                        each_element(ev, [&](od::value& item) {
                            for (const auto& e : range(item).events)
                                if (e.kind == OsvEventKind::fixed)
                                    a.custom_fixed.push_back(e.version);
                        });
                    } else if (k == "severity" && type_of(ev) == od::json_type::string) {
                        a.rating = stored(ev);
                    }
                });
            } else if (key == "database_specific") {
                PathGuard g(path, "database_specific");
                if (type_of(val) != od::json_type::object) return;
                each_field(val, [&](std::string_view k, od::value& dv) {
                    if (k == "last_known_affected_version_range") {
                        PathGuard g2(path, "last_known_affected_version_range");
                        known_range = stored(dv);
                    } else if (k == "severity" && type_of(dv) == od::json_type::string &&
                               a.rating.empty()) {
                        a.rating = stored(dv);
                    }
                });
            }
        });
    }

    // After the whole entry is read (the package may come after the ranges): order each
    // range by its ecosystem's rules.
    void finish_affected(OsvAffected& a, std::string_view known_range) {
        auto colon = a.ecosystem.find(':');
        a.base = a.ecosystem.substr(0, colon);
        if (colon != std::string_view::npos) a.release = a.ecosystem.substr(colon + 1);
        if (a.base == "Ubuntu" && a.release.size() > 4 &&
            a.release.substr(a.release.size() - 4) == ":LTS")
            a.release.remove_suffix(4);
        std::optional<VersionScheme> eco_scheme = scheme_for_ecosystem(a.ecosystem);

        PathGuard g(path, "ranges");
        for (std::size_t i = 0; i < a.ranges.size(); ++i) {
            PathGuard gi(path, i);
            OsvRange& r = a.ranges[i];
            if (r.kind == OsvRangeKind::semver)
                r.scheme = VersionScheme::semver;
            else if (r.kind == OsvRangeKind::ecosystem && eco_scheme)
                r.scheme = *eco_scheme;
            else
                r.evaluable = false;
            if (r.kind != OsvRangeKind::git) {
                bounded_by_github(r, known_range);
                if (r.evaluable) order(r);
            }
            for (const auto& e : r.events)
                r.has_limit |= e.kind == OsvEventKind::limit;
        }
    }

    // GitHub records an open-ended range (no fix yet) with the highest version known to be
    // affected in database_specific.last_known_affected_version_range: "<= 1.2.3" or
    // "< 1.2.3". It bounds the range only when the events give no upper bound.
    void bounded_by_github(OsvRange& r, std::string_view text) {
        if (text.empty()) return;
        for (const auto& e : r.events)
            if (e.kind != OsvEventKind::introduced) return;
        std::string_view t = text;
        if (auto comma = t.rfind(','); comma != std::string_view::npos) t = t.substr(comma + 1);
        while (!t.empty() && t.front() == ' ')
            t.remove_prefix(1);
        OsvEventKind kind;
        if (t.substr(0, 2) == "<=") {
            kind = OsvEventKind::last_affected;
            t.remove_prefix(2);
        } else if (t.substr(0, 1) == "<") {
            kind = OsvEventKind::limit;
            t.remove_prefix(1);
        } else {
            note(path.str(), "last_known_affected_version_range \"" + std::string(text) +
                                 "\" is not \"<= V\" or \"< V\"; ignored");
            return;
        }
        while (!t.empty() && t.front() == ' ')
            t.remove_prefix(1);
        while (!t.empty() && t.back() == ' ')
            t.remove_suffix(1);
        if (t.empty() || (r.evaluable && !valid_version(r.scheme, t))) {
            note(path.str(), "last_known_affected_version_range \"" + std::string(text) +
                                 "\" has no usable version; ignored");
            return;
        }
        r.events.push_back({kind, t});
    }

    void order(OsvRange& r) {
        // Every version must parse before the sort compares them.
        for (std::size_t k = 0; k < r.events.size(); ++k) {
            const OsvEvent& e = r.events[k];
            if (e.kind == OsvEventKind::introduced && e.version == "0") continue;
            if (e.kind == OsvEventKind::limit && e.version == "*") continue;
            std::string why;
            if (!valid_version(r.scheme, e.version, &why)) {
                PathGuard g1(path, "events");
                PathGuard g2(path, k);
                PathGuard g3(path, event_key(e.kind));
                fail("version \"" + std::string(e.version) + "\" does not parse as " +
                     std::string(to_string(r.scheme)) + (why.empty() ? "" : ": " + why));
            }
        }

        // Introduced "0" sorts first, limit "*" last. Most ranges are already in order.
        auto rank = [](const OsvEvent& e) {
            if (e.kind == OsvEventKind::introduced && e.version == "0") return 0;
            if (e.kind == OsvEventKind::limit && e.version == "*") return 2;
            return 1;
        };
        auto less = [&](const OsvEvent& a, const OsvEvent& b) {
            int ra = rank(a), rb = rank(b);
            if (ra != 1 || rb != 1) return ra < rb;
            return compare_versions(r.scheme, a.version, b.version) < 0;
        };
        bool sorted = true;
        for (std::size_t k = 1; k < r.events.size() && sorted; ++k)
            sorted = !less(r.events[k], r.events[k - 1]);
        if (!sorted) std::stable_sort(r.events.begin(), r.events.end(), less);
    }

    void record(const char* json, std::size_t size, std::size_t capacity, OsvRecord& out) {
        od::document doc;
        check(parser.iterate(json, size, capacity).get(doc), "a JSON document");
        od::json_type root_type{};
        check(doc.type().get(root_type), "a JSON document");
        if (root_type != od::json_type::object)
            fail(std::string("expected an object, found ") + json_type_name(root_type));
        od::value root;
        check(doc.get_value().get(root), "a JSON document");

        bool has_modified = false;
        each_field(root, [&](std::string_view key, od::value& val) {
            if (key == "id") {
                PathGuard g(path, "id");
                out.id = stored(val);
            } else if (key == "schema_version") {
                PathGuard g(path, "schema_version");
                std::string_view v = string(val);
                if (v.substr(0, 2) != "1.")
                    fail("schema_version \"" + std::string(v) + "\" is not supported (1.x is)");
            } else if (key == "modified") {
                PathGuard g(path, "modified");
                out.modified = stored(val);
                out.modified_s = record_time(out.modified);
                has_modified = true;
            } else if (key == "published") {
                PathGuard g(path, "published");
                out.published = stored(val);
                out.published_s = record_time(out.published);
            } else if (key == "withdrawn") {
                PathGuard g(path, "withdrawn");
                (void)string(val);
                out.withdrawn = true;
            } else if (key == "aliases") {
                PathGuard g(path, "aliases");
                strings(val, out.aliases);
            } else if (key == "related") {
                PathGuard g(path, "related");
                strings(val, out.related);
            } else if (key == "summary") {
                PathGuard g(path, "summary");
                out.summary = stored(val);
            } else if (key == "severity") {
                PathGuard g(path, "severity");
                severity_list(val, out);
            } else if (key == "affected") {
                PathGuard g(path, "affected");
                each_element(val, [&](od::value& item) {
                    out.affected.emplace_back();
                    known_ranges.emplace_back();
                    affected(item, out.affected.back(), known_ranges.back());
                });
            } else if (key == "database_specific") {
                PathGuard g(path, "database_specific");
                if (type_of(val) != od::json_type::object) return;
                each_field(val, [&](std::string_view k, od::value& dv) {
                    if (k == "severity" && type_of(dv) == od::json_type::string)
                        out.rating = stored(dv);
                });
            }
        });

        // Nothing may follow the record's object.
        const char* rest = nullptr;
        if (doc.current_location().get(rest) == simdjson::SUCCESS) fail("content after the record");

        if (out.id.empty()) fail("missing \"id\"");
        if (!has_modified) fail("missing \"modified\"");
        if (out.rating.empty()) out.rating = summary_rating(out.summary);

        PathGuard g(path, "affected");
        for (std::size_t i = 0; i < out.affected.size(); ++i) {
            PathGuard gi(path, i);
            finish_affected(out.affected[i], known_ranges[i]);
        }
    }

    // Feeds write "0001-01-01T00:00:00Z" for an unknown date.
    std::int64_t record_time(std::string_view text) {
        std::int64_t t = parse_time_seconds(text);
        if (t == no_time) fail("\"" + std::string(text) + "\" is not an RFC 3339 time");
        if (text.substr(0, 4) == "0001") return no_time;
        return t;
    }
};

OsvParser::OsvParser() : impl_(std::make_unique<Impl>()) {}
OsvParser::~OsvParser() = default;

std::size_t OsvParser::padding() {
    return simdjson::SIMDJSON_PADDING;
}

bool OsvParser::parse(const char* json, std::size_t size, std::size_t capacity,
                      const std::string& file, const std::string& member, StringArena& arena,
                      OsvRecord& out, std::vector<FeedProblem>& problems) {
    Impl& p = *impl_;
    p.path.clear();
    p.file = &file;
    p.member = &member;
    p.problems = &problems;
    p.arena = &arena;
    p.known_ranges.clear();
    try {
        p.record(json, size, capacity, out);
        return true;
    } catch (const RecordError& e) {
        std::string where = e.where;
        if (e.message.rfind("malformed JSON", 0) == 0) {
            std::string place = syntax_error_place(std::string_view(json, size));
            if (!place.empty()) where += " (" + place + ")";
        }
        problems.push_back({file, member, std::move(where), e.message, true});
    } catch (const std::exception& e) {
        problems.push_back({file, member, p.path.str(), e.what(), true});
    }
    return false;
}

std::string_view StringArena::store(std::string_view s) {
    if (s.empty()) return {};
    constexpr std::size_t block = std::size_t(256) << 10;
    if (s.size() > left_) {
        // Long text gets a block of its own; the current block stays in use.
        if (s.size() > block / 4) {
            blocks_.push_back(std::make_unique<char[]>(s.size()));
            std::memcpy(blocks_.back().get(), s.data(), s.size());
            return {blocks_.back().get(), s.size()};
        }
        blocks_.push_back(std::make_unique<char[]>(block));
        next_ = blocks_.back().get();
        left_ = block;
    }
    std::memcpy(next_, s.data(), s.size());
    std::string_view out(next_, s.size());
    next_ += s.size();
    left_ -= s.size();
    return out;
}

namespace {

// Makes `buf` hold `size` bytes plus simdjson's padding; returns where the bytes go.
char* padded(std::string& buf, std::size_t size) {
    buf.resize(size + OsvParser::padding());
    return buf.data();
}

bool ends_with_json(std::string_view name) {
    return name.size() > 5 && name.substr(name.size() - 5) == ".json";
}

// Reads a regular file into `buf`; returns the size, or throws rtguard::Error.
std::size_t read_whole(const std::string& path, std::string& buf) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error::from_errno(errno, "cannot open", path);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int err = S_ISREG(st.st_mode) ? errno : EINVAL;
        ::close(fd);
        throw Error::from_errno(err, "not a regular file", path);
    }
    auto size = static_cast<std::size_t>(st.st_size);
    if (size > max_record_bytes) {
        ::close(fd);
        throw Error(errc::limit_exceeded, "record is larger than 64 MiB", path);
    }
    char* p = padded(buf, size);
    std::size_t got = 0;
    while (got < size) {
        ssize_t n = ::read(fd, p + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = n < 0 ? errno : EIO;
            ::close(fd);
            throw Error::from_errno(err, "cannot read", path);
        }
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return size;
}

// An archive read from memory: the whole file is read once, and every thread opens its own
// handle on the same bytes, without a system call per member.
class ZipArchive {
public:
    ZipArchive(const std::string& path, const std::string& bytes) : path_(path) {
        zip_error_t ze;
        zip_error_init(&ze);
        zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &ze);
        if (src) {
            zip_ = zip_open_from_source(src, ZIP_RDONLY, &ze);
            if (!zip_) zip_source_free(src);
        }
        if (!zip_) {
            std::string msg = zip_error_strerror(&ze);
            zip_error_fini(&ze);
            throw Error(errc::parse_error, "cannot open zip archive: " + msg, path);
        }
        zip_error_fini(&ze);
    }
    ~ZipArchive() {
        if (zip_) zip_discard(zip_);
    }
    ZipArchive(const ZipArchive&) = delete;
    ZipArchive& operator=(const ZipArchive&) = delete;

    std::uint64_t size() const { return static_cast<std::uint64_t>(zip_get_num_entries(zip_, 0)); }

    // The name of entry i, or empty for directories.
    std::string name(std::uint64_t i) const {
        const char* n = zip_get_name(zip_, i, ZIP_FL_ENC_RAW);
        return n ? n : "";
    }

    // Decompresses entry i into buf; returns its size or throws naming the member.
    std::size_t read(std::uint64_t i, const std::string& member, std::string& buf) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(zip_, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
            throw Error(errc::parse_error, "cannot read member " + member, path_);
        if (st.size > max_record_bytes)
            throw Error(errc::limit_exceeded, "member " + member + " is larger than 64 MiB", path_);
        auto size = static_cast<std::size_t>(st.size);
        char* p = padded(buf, size);
        zip_file_t* f = zip_fopen_index(zip_, i, 0);
        if (!f)
            throw Error(errc::parse_error,
                        "cannot open member " + member + ": " + zip_strerror(zip_), path_);
        std::size_t got = 0;
        while (got < size) {
            zip_int64_t n = zip_fread(f, p + got, size - got);
            if (n <= 0) {
                std::string msg = n < 0 ? zip_file_strerror(f) : "unexpected end of data";
                zip_fclose(f);
                throw Error(errc::parse_error, "cannot read member " + member + ": " + msg, path_);
            }
            got += static_cast<std::size_t>(n);
        }
        zip_fclose(f);
        return size;
    }

private:
    std::string path_;
    zip_t* zip_ = nullptr;
};

bool is_zip(const std::string& path) {
    if (path.size() > 4 && path.compare(path.size() - 4, 4, ".zip") == 0) return true;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char magic[4] = {};
    bool zip = ::read(fd, magic, 4) == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0;
    ::close(fd);
    return zip;
}

// Where a feed's records are: a sorted list of files, or the JSON members of one archive.
struct FeedSource {
    std::string path;
    std::string archive;  // the zip file's bytes; empty for files
    std::unique_ptr<ZipArchive> zip;
    std::vector<std::string> files;
    std::vector<std::pair<std::uint64_t, std::string>> members;
    std::size_t size() const { return zip ? members.size() : files.size(); }
};

FeedSource list_feed(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec) throw Error::from_errno(ec.value(), "cannot read feed", path);

    FeedSource src;
    src.path = path;
    if (fs::is_directory(status)) {
        auto opts = fs::directory_options::skip_permission_denied;
        for (auto it = fs::recursive_directory_iterator(path, opts, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_regular_file(ec) && ends_with_json(it->path().filename().string()))
                src.files.push_back(it->path().string());
        }
        if (ec) throw Error::from_errno(ec.value(), "cannot list feed directory", path);

        // A fixed order makes problems and duplicate-id resolution reproducible.
        std::sort(src.files.begin(), src.files.end());
        return src;
    }
    if (!fs::is_regular_file(status))
        throw Error(errc::invalid_argument, "a feed must be a directory, a zip or a .json file",
                    path);
    if (is_zip(path)) {
        // One handle, opened once: libzip converts every entry's DOS time with mktime(),
        // which takes a global lock and stats /etc/localtime when TZ is unset.
        src.archive = read_file(path);
        src.zip = std::make_unique<ZipArchive>(path, src.archive);
        for (std::uint64_t i = 0, n = src.zip->size(); i < n; ++i) {
            std::string member = src.zip->name(i);
            if (ends_with_json(member)) src.members.emplace_back(i, std::move(member));
        }
        return src;
    }
    src.files.push_back(path);
    return src;
}

// One record's bytes on their way from the reader to the decoder.
struct Item {
    std::string file;
    std::string member;
    std::string json;  // the record, then simdjson's padding
    std::size_t size = 0;
    std::string error;  // why the record could not be read
};

void read_item(const FeedSource& src, std::size_t i, Item& item) {
    item.error.clear();
    try {
        if (src.zip) {
            item.file = src.path;
            item.member = src.members[i].second;
            item.size = src.zip->read(src.members[i].first, item.member, item.json);
        } else {
            item.file = src.files[i];
            item.member.clear();
            item.size = read_whole(item.file, item.json);
        }
    } catch (const Error& e) {
        item.error = e.message();
    }
}

struct Decoded {
    std::vector<OsvRecord> records;
    StringArena arena;
    std::vector<FeedProblem> problems;
    FeedLoadStats stats;
};

void decode_item(OsvParser& parser, const Item& item, Decoded& out) {
    if (!item.error.empty()) {
        out.problems.push_back({item.file, item.member, {}, item.error, true});
        ++out.stats.skipped;
        return;
    }
    ++out.stats.files;
    out.stats.bytes += item.size;
    OsvRecord rec;
    if (!parser.parse(item.json.data(), item.size, item.json.size(), item.file, item.member,
                      out.arena, rec, out.problems)) {
        ++out.stats.skipped;
        return;
    }
    rec.origin = out.arena.store(item.member.empty() ? item.file : item.file + ":" + item.member);
    out.records.push_back(std::move(rec));
}

// Records travel from the reading thread to the decoding thread in batches, so that the
// threads meet once per batch, not once per record; buffers go back for reuse.
using Batch = std::vector<Item>;

class BatchQueue {
public:
    static constexpr std::size_t batch_size = 32;

    Batch spare() {
        std::lock_guard lock(mutex_);
        if (free_.empty()) return {};
        Batch b = std::move(free_.back());
        free_.pop_back();
        return b;
    }

    void recycle(Batch&& b) {
        std::lock_guard lock(mutex_);
        free_.push_back(std::move(b));
    }

    // False when the decoder gave up.
    bool push(Batch&& b) {
        std::unique_lock lock(mutex_);
        not_full_.wait(lock, [&] { return batches_.size() < capacity || aborted_; });
        if (aborted_) return false;
        batches_.push_back(std::move(b));
        not_empty_.notify_one();
        return true;
    }

    // False once the queue is closed and empty.
    bool pop(Batch& b) {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [&] { return !batches_.empty() || closed_; });
        if (batches_.empty()) return false;
        b = std::move(batches_.front());
        batches_.pop_front();
        not_full_.notify_one();
        return true;
    }

    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        not_empty_.notify_all();
    }

    void abort() {
        std::lock_guard lock(mutex_);
        aborted_ = true;
        not_full_.notify_all();
    }

private:
    static constexpr std::size_t capacity = 8;
    std::mutex mutex_;
    std::condition_variable not_empty_, not_full_;
    std::deque<Batch> batches_;
    std::vector<Batch> free_;
    bool closed_ = false;
    bool aborted_ = false;
};

}  // namespace

FeedContent read_feed(const std::string& path, unsigned threads) {
    FeedSource src = list_feed(path);
    std::size_t n = src.size();
    Decoded out;

    if (threads < 2 || n < 256) {
        OsvParser parser;
        Item item;
        for (std::size_t i = 0; i < n; ++i) {
            read_item(src, i, item);
            decode_item(parser, item, out);
        }
    } else {
        // Decompressing and decoding cost about the same: one thread each, records in
        // archive order, so the result does not depend on the thread count.
        BatchQueue queue;
        std::exception_ptr error;
        std::thread decoder([&] {
            try {
                OsvParser parser;
                Batch batch;
                while (queue.pop(batch)) {
                    for (const Item& item : batch)
                        decode_item(parser, item, out);
                    queue.recycle(std::move(batch));
                }
            } catch (...) {
                error = std::current_exception();
                queue.abort();
            }
        });
        try {
            for (std::size_t i = 0; i < n;) {
                Batch batch = queue.spare();
                std::size_t k = std::min(BatchQueue::batch_size, n - i);
                batch.resize(k);
                for (std::size_t j = 0; j < k; ++j)
                    read_item(src, i + j, batch[j]);
                i += k;
                if (!queue.push(std::move(batch))) break;
            }
        } catch (...) {
            queue.close();
            decoder.join();
            throw;
        }
        queue.close();
        decoder.join();
        if (error) std::rethrow_exception(error);
    }

    FeedContent content;
    content.records = std::move(out.records);
    content.arenas.push_back(std::move(out.arena));
    content.problems = std::move(out.problems);
    content.stats = out.stats;
    return content;
}

std::vector<FeedBytes> read_feed_bytes(const std::string& path) {
    FeedSource src = list_feed(path);
    std::vector<FeedBytes> out;
    Item item;
    for (std::size_t i = 0; i < src.size(); ++i) {
        read_item(src, i, item);
        if (item.error.empty())
            out.push_back({item.member.empty() ? item.file : item.member,
                           std::string(item.json.data(), item.size)});
    }
    return out;
}

}  // namespace rtguard::detail

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
#include <cstring>
#include <filesystem>

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
        case od::json_type::array: return "an array";
        case od::json_type::object: return "an object";
        case od::json_type::number: return "a number";
        case od::json_type::string: return "a string";
        case od::json_type::boolean: return "a boolean";
        case od::json_type::null: return "null";
    }
    return "an unknown value";
}

const char* event_key(OsvEventKind k) {
    switch (k) {
        case OsvEventKind::introduced: return "introduced";
        case OsvEventKind::fixed: return "fixed";
        case OsvEventKind::last_affected: return "last_affected";
        case OsvEventKind::limit: return "limit";
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
    std::vector<RawAffected> raw;

    [[noreturn]] void fail(std::string message) {
        throw RecordError{path.str(), std::move(message)};
    }

    void check(simdjson::error_code e, const char* expected) {
        if (e == simdjson::SUCCESS) return;
        if (e == simdjson::INCORRECT_TYPE) fail(std::string("expected ") + expected);
        fail(std::string("malformed JSON: ") + simdjson::error_message(e));
    }

    // A kept record's ignored part.
    void note(std::string where, std::string message) {
        problems->push_back({*file, *member, std::move(where), std::move(message), false});
    }

    od::json_type type_of(od::value& v) {
        od::json_type t;
        check(v.type().get(t), "a JSON value");
        return t;
    }

    void expect(od::value& v, od::json_type want, const char* expected) {
        od::json_type t = type_of(v);
        if (t != want) fail(std::string("expected ") + expected + ", found " + json_type_name(t));
    }

    std::string_view string(od::value& v) {
        expect(v, od::json_type::string, "a string");
        std::string_view s;
        check(v.get_string().get(s), "a string");
        return s;
    }

    template <class F>
    void each_field(od::value& v, F&& f) {
        expect(v, od::json_type::object, "an object");
        od::object o;
        check(v.get_object().get(o), "an object");
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
        expect(v, od::json_type::array, "an array");
        od::array a;
        check(v.get_array().get(a), "an array");
        std::size_t i = 0;
        for (auto er : a) {
            PathGuard g(path, i);
            od::value item;
            check(std::move(er).get(item), "an array element");
            f(item, i);
            ++i;
        }
    }

    void strings(od::value& v, std::vector<std::string>& out) {
        each_element(v, [&](od::value& item, std::size_t) { out.emplace_back(string(item)); });
    }

    // One entry of a severity[] array: CVSS vectors are scored, other types are ratings.
    template <class Target>
    void severity_list(od::value& v, Target& target) {
        each_element(v, [&](od::value& item, std::size_t) {
            std::string type, score;
            each_field(item, [&](std::string_view key, od::value& val) {
                if (key == "type") {
                    PathGuard g(path, "type");
                    type = string(val);
                } else if (key == "score") {
                    PathGuard g(path, "score");
                    score = string(val);
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
                target.rating = score;  // "Ubuntu": "medium" and other named ratings
            }
        });
    }

    void event_list(od::value& v, std::vector<OsvEvent>& out) {
        each_element(v, [&](od::value& item, std::size_t) {
            int seen = 0;
            each_field(item, [&](std::string_view key, od::value& val) {
                OsvEventKind kind;
                if (key == "introduced") kind = OsvEventKind::introduced;
                else if (key == "fixed") kind = OsvEventKind::fixed;
                else if (key == "last_affected") kind = OsvEventKind::last_affected;
                else if (key == "limit") kind = OsvEventKind::limit;
                else fail("unknown event \"" + std::string(key) + "\"");
                PathGuard g(path, event_key(kind));
                std::string_view version = string(val);
                if (version.empty()) fail("empty version");
                out.push_back({kind, std::string(version)});
                ++seen;
            });
            if (seen != 1) fail("an event needs exactly one of introduced, fixed, last_affected, limit");
        });
    }

    RawRange range(od::value& v) {
        RawRange r{OsvRangeKind::ecosystem, {}};
        bool typed = false, has_events = false;
        each_field(v, [&](std::string_view key, od::value& val) {
            if (key == "type") {
                PathGuard g(path, "type");
                std::string_view t = string(val);
                if (t == "SEMVER") r.kind = OsvRangeKind::semver;
                else if (t == "ECOSYSTEM") r.kind = OsvRangeKind::ecosystem;
                else if (t == "GIT") r.kind = OsvRangeKind::git;
                else fail("unknown range type \"" + std::string(t) + "\"");
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

    void affected(od::value& v, OsvAffected& a, RawAffected& raw) {
        each_field(v, [&](std::string_view key, od::value& val) {
            if (key == "package") {
                PathGuard g(path, "package");
                each_field(val, [&](std::string_view k, od::value& pv) {
                    if (k == "ecosystem") {
                        PathGuard g2(path, "ecosystem");
                        a.ecosystem = std::string(string(pv));
                    } else if (k == "name") {
                        PathGuard g2(path, "name");
                        a.name = std::string(string(pv));
                    }
                });
                if (a.ecosystem.empty()) fail("missing \"ecosystem\"");
                if (a.name.empty()) fail("missing \"name\"");
            } else if (key == "ranges") {
                PathGuard g(path, "ranges");
                each_element(val, [&](od::value& item, std::size_t) {
                    raw.ranges.push_back(range(item));
                });
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
                        each_element(ev, [&](od::value& item, std::size_t) {
                            for (const auto& e : range(item).events)
                                if (e.kind == OsvEventKind::fixed) a.custom_fixed.push_back(e.version);
                        });
                    } else if (k == "severity" && type_of(ev) == od::json_type::string) {
                        a.rating = std::string(string(ev));
                    }
                });
            } else if (key == "database_specific") {
                PathGuard g(path, "database_specific");
                if (type_of(val) != od::json_type::object) return;
                each_field(val, [&](std::string_view k, od::value& dv) {
                    if (k == "last_known_affected_version_range") {
                        PathGuard g2(path, "last_known_affected_version_range");
                        raw.known_affected_range = std::string(string(dv));
                    } else if (k == "severity" && type_of(dv) == od::json_type::string &&
                               a.rating.empty()) {
                        a.rating = std::string(string(dv));
                    }
                });
            }
        });
    }

    // After the whole entry is read: order each range by its ecosystem's rules.
    void finish_affected(OsvAffected& a, RawAffected& raw) {
        auto colon = a.ecosystem.find(':');
        a.base = a.ecosystem.substr(0, colon);
        if (colon != std::string::npos) a.release = a.ecosystem.substr(colon + 1);
        if (a.base == "Ubuntu" && a.release.size() > 4 &&
            a.release.compare(a.release.size() - 4, 4, ":LTS") == 0)
            a.release.resize(a.release.size() - 4);
        std::optional<VersionScheme> eco_scheme = scheme_for_ecosystem(a.ecosystem);
        if (!eco_scheme) eco_scheme = scheme_for_ecosystem(a.base);

        PathGuard g(path, "ranges");
        for (std::size_t i = 0; i < raw.ranges.size(); ++i) {
            PathGuard gi(path, i);
            OsvRange r;
            r.kind = raw.ranges[i].kind;
            r.events = std::move(raw.ranges[i].events);
            if (r.kind == OsvRangeKind::semver) r.scheme = VersionScheme::semver;
            else if (r.kind == OsvRangeKind::ecosystem && eco_scheme) r.scheme = *eco_scheme;
            else r.evaluable = false;
            if (r.kind != OsvRangeKind::git) {
                bounded_by_github(r, raw.known_affected_range);
                if (r.evaluable) order(r);
            }
            for (const auto& e : r.events) r.has_limit |= e.kind == OsvEventKind::limit;
            a.ranges.push_back(std::move(r));
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
        while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
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
        while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
        while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
        std::string why;
        if (t.empty() || (r.evaluable && !valid_version(r.scheme, t, &why))) {
            note(path.str(), "last_known_affected_version_range \"" + std::string(text) +
                                 "\" has no usable version; ignored");
            return;
        }
        r.events.push_back({kind, std::string(t)});
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
                fail("version \"" + e.version + "\" does not parse as " +
                     std::string(to_string(r.scheme)) + (why.empty() ? "" : ": " + why));
            }
        }

        // Introduced "0" sorts first, limit "*" last.
        auto rank = [](const OsvEvent& e) {
            if (e.kind == OsvEventKind::introduced && e.version == "0") return 0;
            if (e.kind == OsvEventKind::limit && e.version == "*") return 2;
            return 1;
        };
        bool sorted = true;
        auto less = [&](const OsvEvent& a, const OsvEvent& b) {
            int ra = rank(a), rb = rank(b);
            if (ra != 1 || rb != 1) return ra < rb;
            return compare_versions(r.scheme, a.version, b.version) < 0;
        };
        for (std::size_t k = 1; k < r.events.size() && sorted; ++k)
            sorted = !less(r.events[k], r.events[k - 1]);
        if (!sorted) std::stable_sort(r.events.begin(), r.events.end(), less);
    }

    bool record(const char* json, std::size_t size, std::size_t capacity, OsvRecord& out) {
        od::document doc;
        check(parser.iterate(json, size, capacity).get(doc), "a JSON document");
        od::json_type root_type;
        check(doc.type().get(root_type), "a JSON document");
        if (root_type != od::json_type::object)
            fail(std::string("expected an object, found ") + json_type_name(root_type));
        od::value root;
        check(doc.get_value().get(root), "a JSON document");

        bool has_modified = false;
        each_field(root, [&](std::string_view key, od::value& val) {
            if (key == "id") {
                PathGuard g(path, "id");
                out.id = std::string(string(val));
            } else if (key == "schema_version") {
                PathGuard g(path, "schema_version");
                std::string_view v = string(val);
                if (v.substr(0, 2) != "1.")
                    fail("schema_version \"" + std::string(v) + "\" is not supported (1.x is)");
            } else if (key == "modified") {
                PathGuard g(path, "modified");
                out.modified = std::string(string(val));
                out.modified_s = record_time(out.modified);
                has_modified = true;
            } else if (key == "published") {
                PathGuard g(path, "published");
                out.published = std::string(string(val));
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
                out.summary = std::string(string(val));
            } else if (key == "severity") {
                PathGuard g(path, "severity");
                severity_list(val, out);
            } else if (key == "affected") {
                PathGuard g(path, "affected");
                each_element(val, [&](od::value& item, std::size_t) {
                    out.affected.emplace_back();
                    raw.emplace_back();
                    affected(item, out.affected.back(), raw.back());
                });
            } else if (key == "database_specific") {
                PathGuard g(path, "database_specific");
                if (type_of(val) != od::json_type::object) return;
                each_field(val, [&](std::string_view k, od::value& dv) {
                    if (k == "severity" && type_of(dv) == od::json_type::string)
                        out.rating = std::string(string(dv));
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
            finish_affected(out.affected[i], raw[i]);
        }
        return true;
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

std::size_t OsvParser::padding() { return simdjson::SIMDJSON_PADDING; }

bool OsvParser::parse(const char* json, std::size_t size, std::size_t capacity,
                      const std::string& file, const std::string& member, OsvRecord& out,
                      std::vector<FeedProblem>& problems) {
    Impl& p = *impl_;
    p.path.clear();
    p.file = &file;
    p.member = &member;
    p.problems = &problems;
    p.raw.clear();
    try {
        return p.record(json, size, capacity, out);
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

namespace {

// A growable buffer with simdjson's padding past the data.
class PaddedBuffer {
public:
    char* reserve(std::size_t size) {
        std::size_t need = size + OsvParser::padding();
        if (need > capacity_) {
            capacity_ = std::max(need, capacity_ * 2);
            data_ = std::make_unique<char[]>(capacity_);
        }
        std::memset(data_.get() + size, 0, OsvParser::padding());
        return data_.get();
    }
    const char* data() const { return data_.get(); }
    std::size_t capacity() const { return capacity_; }

private:
    std::unique_ptr<char[]> data_;
    std::size_t capacity_ = 0;
};

bool ends_with_json(std::string_view name) {
    return name.size() > 5 && name.substr(name.size() - 5) == ".json";
}

// Reads a regular file into `buf`; returns the size, or throws rtguard::Error.
std::size_t read_whole(const std::string& path, PaddedBuffer& buf) {
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
    char* p = buf.reserve(size);
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

class ZipArchive {
public:
    explicit ZipArchive(const std::string& path) : path_(path) {
        int err = 0;
        zip_ = zip_open(path.c_str(), ZIP_RDONLY, &err);
        if (!zip_) {
            zip_error_t ze;
            zip_error_init_with_code(&ze, err);
            std::string msg = zip_error_strerror(&ze);
            zip_error_fini(&ze);
            throw Error(errc::parse_error, "cannot open zip archive: " + msg, path);
        }
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
    std::size_t read(std::uint64_t i, const std::string& member, PaddedBuffer& buf) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(zip_, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
            throw Error(errc::parse_error, "cannot read member " + member, path_);
        if (st.size > max_record_bytes)
            throw Error(errc::limit_exceeded, "member " + member + " is larger than 64 MiB",
                        path_);
        auto size = static_cast<std::size_t>(st.size);
        char* p = buf.reserve(size);
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
                throw Error(errc::parse_error, "cannot read member " + member + ": " + msg,
                            path_);
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

// Visits every record's bytes of a feed path: (file, member, data, size, capacity).
template <class Visit>
void visit_feed(const std::string& path, std::vector<FeedProblem>& problems, Visit&& visit) {
    namespace fs = std::filesystem;
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec) throw Error::from_errno(ec.value(), "cannot read feed", path);

    PaddedBuffer buf;
    if (fs::is_directory(status)) {
        std::vector<std::string> files;
        auto opts = fs::directory_options::skip_permission_denied;
        for (auto it = fs::recursive_directory_iterator(path, opts, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_regular_file(ec) && ends_with_json(it->path().filename().string()))
                files.push_back(it->path().string());
        }
        if (ec) throw Error::from_errno(ec.value(), "cannot list feed directory", path);

        // A fixed order makes problems and duplicate-id resolution reproducible.
        std::sort(files.begin(), files.end());
        static const std::string no_member;
        for (const auto& f : files) {
            std::size_t size = 0;
            try {
                size = read_whole(f, buf);
            } catch (const Error& e) {
                problems.push_back({f, {}, {}, e.message(), true});
                continue;
            }
            visit(f, no_member, buf.data(), size, buf.capacity());
        }
        return;
    }

    if (!fs::is_regular_file(status))
        throw Error(errc::invalid_argument, "a feed must be a directory, a zip or a .json file",
                    path);
    if (is_zip(path)) {
        ZipArchive zip(path);
        std::uint64_t n = zip.size();
        for (std::uint64_t i = 0; i < n; ++i) {
            std::string member = zip.name(i);
            if (!ends_with_json(member)) continue;
            std::size_t size = 0;
            try {
                size = zip.read(i, member, buf);
            } catch (const Error& e) {
                problems.push_back({path, member, {}, e.message(), true});
                continue;
            }
            visit(path, member, buf.data(), size, buf.capacity());
        }
        return;
    }
    std::size_t size = read_whole(path, buf);
    static const std::string no_member;
    visit(path, no_member, buf.data(), size, buf.capacity());
}

}  // namespace

void read_feed(const std::string& path, OsvParser& parser, FeedLoadStats& stats,
               std::vector<FeedProblem>& problems,
               const std::function<void(OsvRecord&&)>& sink) {
    visit_feed(path, problems,
               [&](const std::string& file, const std::string& member, const char* data,
                   std::size_t size, std::size_t capacity) {
                   ++stats.files;
                   stats.bytes += size;
                   OsvRecord rec;
                   if (!parser.parse(data, size, capacity, file, member, rec, problems)) {
                       ++stats.skipped;
                       return;
                   }
                   rec.origin = member.empty() ? file : file + ":" + member;
                   sink(std::move(rec));
               });
}

std::vector<FeedBytes> read_feed_bytes(const std::string& path) {
    std::vector<FeedBytes> out;
    std::vector<FeedProblem> ignored;
    visit_feed(path, ignored,
               [&](const std::string& file, const std::string& member, const char* data,
                   std::size_t size, std::size_t) {
                   out.push_back({member.empty() ? file : member, std::string(data, size)});
               });
    return out;
}

}  // namespace rtguard::detail

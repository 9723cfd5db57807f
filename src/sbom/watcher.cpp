// Inventories of deployed images and the watch state that makes each run report only what
// changed.
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "core/atomic_file.hpp"
#include "core/json_writer.hpp"
#include "rtguard/error.hpp"
#include "rtguard/matcher.hpp"
#include "sbom/json_support.hpp"
#include "sbom/osv_feed.hpp"

namespace rtguard {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr std::string_view state_format = "rtguard-watch-state";
constexpr std::int64_t state_schema = 1;

// Reads small JSON files (inventory, state) with JSON paths in every message.
class DomFile {
public:
    explicit DomFile(const std::string& path) : path_(path) {
        text_ = detail::read_file(path, std::size_t(256) << 20);
        if (auto err = parser_.parse(text_).get(root_); err != simdjson::SUCCESS)
            throw Error(errc::parse_error,
                        std::string("not valid JSON: ") + simdjson::error_message(err), path,
                        detail::syntax_error_place(text_));
    }

    element root() const { return root_; }

    [[noreturn]] void fail(errc code, const std::string& msg, const std::string& where) const {
        throw Error(code, msg, path_, where);
    }

    object as_object(element e, const std::string& where) const {
        if (e.type() != element_type::OBJECT) fail(errc::bad_value, "expected an object", where);
        return e.get_object().value_unsafe();
    }

    simdjson::dom::array as_array(element e, const std::string& where) const {
        if (e.type() != element_type::ARRAY) fail(errc::bad_value, "expected an array", where);
        return e.get_array().value_unsafe();
    }

    std::string string(object o, std::string_view key, const std::string& where) const {
        element e;
        if (o.at_key(key).get(e) != simdjson::SUCCESS)
            fail(errc::missing_field, "missing \"" + std::string(key) + "\"", where);
        if (e.type() != element_type::STRING)
            fail(errc::bad_value, "expected a string", where + "." + std::string(key));
        return std::string(e.get_string().value_unsafe());
    }

private:
    std::string path_;
    std::string text_;
    simdjson::dom::parser parser_;
    element root_;
};

std::string path_at(std::string_view base, std::size_t i) {
    return std::string(base) + "[" + std::to_string(i) + "]";
}

// One remembered (image, component, vulnerability) pair.
struct Pair {
    std::string image;
    std::string component;
    std::string vulnerability;
    std::vector<std::string> ids;
    std::string severity;
    std::string first_reported;
    bool seen = false;
};

std::vector<Pair> read_state(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return {};
    DomFile f(path);
    object root = f.as_object(f.root(), "$");

    // The marker fields say what this file is before anything else is trusted.
    std::string format = f.string(root, "format", "$");
    if (format != state_format)
        f.fail(errc::schema_mismatch,
               "\"format\" is \"" + format + "\", expected \"" + std::string(state_format) + "\"",
               "$.format");
    element schema;
    if (root.at_key("schema").get(schema) != simdjson::SUCCESS)
        f.fail(errc::missing_field, "missing \"schema\"", "$");
    std::int64_t version = 0;
    if (schema.get_int64().get(version) != simdjson::SUCCESS || version != state_schema)
        f.fail(errc::schema_mismatch, "unsupported schema (this build reads schema 1)", "$.schema");

    element pairs_el;
    if (root.at_key("pairs").get(pairs_el) != simdjson::SUCCESS)
        f.fail(errc::missing_field, "missing \"pairs\"", "$");
    std::vector<Pair> pairs;
    std::size_t i = 0;
    for (element e : f.as_array(pairs_el, "$.pairs")) {
        std::string where = path_at("$.pairs", i++);
        object o = f.as_object(e, where);
        Pair p;
        p.image = f.string(o, "image", where);
        p.component = f.string(o, "component", where);
        p.vulnerability = f.string(o, "vulnerability", where);
        p.severity = f.string(o, "severity", where);
        p.first_reported = f.string(o, "first_reported", where);
        element ids;
        if (o.at_key("ids").get(ids) != simdjson::SUCCESS)
            f.fail(errc::missing_field, "missing \"ids\"", where);
        std::size_t k = 0;
        for (element id : f.as_array(ids, where + ".ids")) {
            if (id.type() != element_type::STRING)
                f.fail(errc::bad_value, "expected a string", path_at(where + ".ids", k));
            p.ids.emplace_back(id.get_string().value_unsafe());
            ++k;
        }
        pairs.push_back(std::move(p));
    }
    return pairs;
}

void write_state(const std::string& path, const std::vector<Pair>& pairs, const std::string& now) {
    std::string out;
    detail::JsonWriter w(out);
    w.set_indent(2);
    w.begin_object();
    w.key("format").value(state_format);
    w.key("schema").value(state_schema);
    w.key("updated").value(now);
    w.key("pairs").begin_array();
    for (const auto& p : pairs) {
        w.begin_object();
        w.key("image").value(p.image);
        w.key("component").value(p.component);
        w.key("vulnerability").value(p.vulnerability);
        w.key("ids").begin_array();
        for (const auto& id : p.ids)
            w.value(id);
        w.end_array();
        w.key("severity").value(p.severity);
        w.key("first_reported").value(p.first_reported);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    out += '\n';
    detail::write_file_atomic(path, out);
}

bool intersects(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    for (const auto& x : a)
        if (std::find(b.begin(), b.end(), x) != b.end()) return true;
    return false;
}

std::string component_key(const Finding& f) {
    return f.component.purl.empty() ? f.component.name + "@" + f.installed_version
                                    : f.component.purl;
}

}  // namespace

std::vector<InventoryEntry> read_inventory(const std::string& path) {
    DomFile f(path);
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    std::vector<InventoryEntry> out;
    std::set<std::string> images;
    std::size_t i = 0;
    for (element e : f.as_array(f.root(), "$")) {
        std::string where = path_at("$", i++);
        object o = f.as_object(e, where);
        InventoryEntry entry;
        entry.image = f.string(o, "image", where);
        std::string sbom = f.string(o, "sbom", where);
        entry.deployed_at = f.string(o, "deployed_at", where);

        if (entry.image.empty()) f.fail(errc::bad_value, "empty image", where + ".image");
        if (!images.insert(entry.image).second)
            f.fail(errc::bad_value, "image \"" + entry.image + "\" is listed twice",
                   where + ".image");
        if (sbom.empty() || sbom.find('\0') != std::string::npos)
            f.fail(errc::bad_value, "the SBOM path is empty or holds a NUL byte", where + ".sbom");
        std::int64_t t = detail::parse_time_seconds(entry.deployed_at);
        if (t == detail::no_time)
            f.fail(errc::bad_value, "\"" + entry.deployed_at + "\" is not an RFC 3339 time",
                   where + ".deployed_at");
        entry.deployed = std::chrono::sys_seconds{std::chrono::seconds{t}};

        // Relative SBOM paths are relative to the inventory, so the set can move as a whole.
        std::filesystem::path p(sbom);
        entry.sbom = p.is_absolute() || dir.empty() ? sbom : (dir / p).string();
        out.push_back(std::move(entry));
    }
    return out;
}

int WatchReport::exit_status() const noexcept {
    if (!errors.empty()) return 2;
    bool critical = std::any_of(new_findings.begin(), new_findings.end(), [](const auto& w) {
        return w.finding.severity == Severity::critical;
    });
    if (critical) return 3;
    return new_findings.empty() ? 0 : 1;
}

Watcher::Watcher(const SbomMatcher& matcher, std::string state_path)
    : matcher_(matcher), state_path_(std::move(state_path)) {}

WatchReport Watcher::run(const std::vector<InventoryEntry>& inventory,
                         const MatchOptions& options) {
    std::vector<Pair> stored = read_state(state_path_);
    std::string now =
        format_time(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));

    std::multimap<std::string, std::size_t> by_key;  // image + component -> stored pair
    for (std::size_t i = 0; i < stored.size(); ++i)
        by_key.emplace(stored[i].image + '\n' + stored[i].component, i);

    WatchReport report;
    std::vector<Pair> next;
    std::set<std::string> listed, failed;
    for (const auto& entry : inventory) {
        ++report.images;
        listed.insert(entry.image);
        MatchResult result;
        try {
            result = matcher_.match(Sbom::read(entry.sbom), options);
        } catch (const std::exception& e) {
            report.errors.push_back({entry.image, e.what()});
            failed.insert(entry.image);
            continue;
        }

        for (auto& f : result.findings) {
            Pair p{
                entry.image, component_key(f), f.id, f.aliases, std::string(to_string(f.severity)),
                now};

            // Already reported when a stored pair names the same component and shares an id:
            // the representative id may change as feeds add aliases.
            auto [lo, hi] = by_key.equal_range(p.image + '\n' + p.component);
            Pair* known = nullptr;
            for (auto it = lo; it != hi && !known; ++it)
                if (!stored[it->second].seen && intersects(stored[it->second].ids, p.ids))
                    known = &stored[it->second];
            if (known) {
                known->seen = true;
                p.first_reported = known->first_reported;
                ++report.known;
            } else {
                std::int64_t published = detail::parse_time_seconds(f.published);
                bool after = published != detail::no_time &&
                             published > entry.deployed.time_since_epoch().count();
                report.new_findings.push_back({entry.image, after, std::move(f)});
            }
            next.push_back(std::move(p));
        }
    }

    // What was reported before and is not true now is retracted, except for images whose
    // SBOM could not be read this time: their pairs stay as they were.
    for (auto& p : stored) {
        if (p.seen) continue;
        if (failed.count(p.image)) {
            next.push_back(p);
            continue;
        }
        std::string reason = "no longer matches";
        if (!listed.count(p.image)) {
            reason = "image removed from inventory";
        } else {
            for (const auto& id : p.ids)
                if (matcher_.withdrawn(id)) reason = "withdrawn";
        }
        report.retractions.push_back({p.image, p.component, p.vulnerability, p.ids, reason});
    }

    std::sort(next.begin(), next.end(), [](const Pair& a, const Pair& b) {
        return std::tie(a.image, a.component, a.vulnerability) <
               std::tie(b.image, b.component, b.vulnerability);
    });
    write_state(state_path_, next, now);
    return report;
}

}  // namespace rtguard

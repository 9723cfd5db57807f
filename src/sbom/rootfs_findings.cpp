// CVE relevancy: findings marked with whether their package was used at runtime.
#include <simdjson.h>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/json_writer.hpp"
#include "rtguard/error.hpp"
#include "rtguard/inventory.hpp"
#include "sbom/package_use.hpp"

namespace rtguard {

using detail::JsonWriter;
using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

constexpr std::size_t max_paths_per_finding = 5;

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The decoded version of a purl ("pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64"), or
// empty. Enough for comparing with an inventory's versions; rtguard::Purl does the rest.
std::string purl_version(std::string_view purl) {
    std::string_view head = purl.substr(0, purl.find_first_of("?#"));
    auto at = head.rfind('@');
    if (at == std::string_view::npos) return {};
    std::string_view enc = head.substr(at + 1);
    std::string out;
    for (std::size_t i = 0; i < enc.size(); ++i) {
        if (enc[i] == '%' && i + 2 < enc.size()) {
            int hi = hex_digit(enc[i + 1]), lo = hex_digit(enc[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += enc[i];
    }
    return out;
}

FindingUse mark(const PackageUsage& u) {
    FindingUse m;
    m.use = u.use;
    m.known = true;
    m.package = u.name;
    for (const auto* list : {&u.executed, &u.opened, &u.patterns})
        for (const auto& p : *list)
            if (m.paths.size() < max_paths_per_finding) m.paths.push_back(p);
    return m;
}

// Re-emits a parsed document through JsonWriter; `extra` is called inside each object whose
// path it recognizes, after the object's own members, to add members.
template <typename Extra>
void reemit(JsonWriter& w, element e, std::vector<std::string>& path, const Extra& extra) {
    switch (e.type()) {
        case element_type::OBJECT: {
            w.begin_object();
            simdjson::dom::object members = e.get_object().value_unsafe();
            for (auto [key, value] : members) {
                w.key(key);
                path.emplace_back(key);
                reemit(w, value, path, extra);
                path.pop_back();
            }
            extra(w, path);
            w.end_object();
            break;
        }
        case element_type::ARRAY: {
            w.begin_array();
            std::size_t i = 0;
            simdjson::dom::array items = e.get_array().value_unsafe();
            for (element v : items) {
                path.push_back(fmt::format("[{}]", i++));
                reemit(w, v, path, extra);
                path.pop_back();
            }
            w.end_array();
            break;
        }
        case element_type::STRING:
            w.value(e.get_string().value_unsafe());
            break;
        case element_type::INT64:
            w.value(e.get_int64().value_unsafe());
            break;
        case element_type::UINT64:
            w.value(e.get_uint64().value_unsafe());
            break;
        case element_type::DOUBLE:
            w.value(e.get_double().value_unsafe());
            break;
        case element_type::BOOL:
            w.value(e.get_bool().value_unsafe());
            break;
        case element_type::NULL_VALUE:
            w.null();
            break;
    }
}

// The index of "[i]" path segment, or -1.
long segment_index(const std::string& s) {
    if (s.size() < 3 || s.front() != '[' || s.back() != ']') return -1;
    return std::strtol(s.c_str() + 1, nullptr, 10);
}

template <typename Extra>
std::string rewrite(const std::string& json, const Extra& extra) {
    simdjson::dom::parser parser;
    element root;
    simdjson::padded_string padded(json);
    if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS)
        throw Error(errc::parse_error, std::string("findings document is not valid JSON: ") +
                                           simdjson::error_message(err));
    std::string out;
    JsonWriter w(out);
    w.set_indent(2);
    std::vector<std::string> path;
    reemit(w, root, path, extra);
    out += '\n';
    return out;
}

void use_members(JsonWriter& w, const FindingUse& m) {
    w.key("use").value(m.known ? to_string(m.use) : std::string_view("unknown"));
    w.key("in_use").value(m.known && m.use == PackageUse::used);
    w.key("used_package").value(m.package);
    w.key("used_paths").begin_array();
    for (const auto& p : m.paths)
        w.value(p);
    w.end_array();
}

}  // namespace

std::vector<FindingUse> order_findings_by_use(MatchResult& result, const UsageReport& usage) {
    std::map<std::string, const PackageUsage*> by_purl;
    std::multimap<std::string, const PackageUsage*> by_name;
    std::multimap<std::pair<std::string, std::string>, const PackageUsage*> by_source;
    for (const auto& u : usage.packages) {
        if (!u.purl.empty()) by_purl.emplace(u.purl, &u);
        by_name.emplace(u.name, &u);
        if (!u.source_name.empty())
            by_source.emplace(std::pair{u.source_name, u.source_version}, &u);
    }
    auto better = [](const PackageUsage* a, const PackageUsage* b) {
        return !b || detail::use_rank(a->use) < detail::use_rank(b->use);
    };

    // The package a component is: same purl, else same name and version, else same name
    // (another tool's SBOM may spell purls differently).
    auto package_of = [&](const Finding& f) -> const PackageUsage* {
        if (auto it = by_purl.find(f.component.purl); it != by_purl.end()) return it->second;
        std::string version = purl_version(f.component.purl);
        const PackageUsage* best = nullptr;
        for (int pass = 0; pass < 2 && !best; ++pass) {
            auto [lo, hi] = by_name.equal_range(f.component.name);
            for (auto it = lo; it != hi; ++it) {
                if (pass == 0 && (version.empty() || it->second->version != version)) continue;
                if (better(it->second, best)) best = it->second;
            }
        }
        return best;
    };

    // Then the best-used package built from the same source.
    auto find = [&](const Finding& f) -> FindingUse {
        const PackageUsage* best = package_of(f);
        if (!best) return FindingUse{};
        if (!best->source_name.empty()) {
            auto [lo, hi] =
                by_source.equal_range(std::pair{best->source_name, best->source_version});
            for (auto it = lo; it != hi; ++it)
                if (better(it->second, best)) best = it->second;
        }
        return mark(*best);
    };

    std::vector<std::pair<Finding, FindingUse>> rows;
    rows.reserve(result.findings.size());
    for (auto& f : result.findings) {
        FindingUse m = find(f);
        rows.emplace_back(std::move(f), std::move(m));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return detail::use_rank(a.second.known ? a.second.use : PackageUse::unused) <
               detail::use_rank(b.second.known ? b.second.use : PackageUse::unused);
    });

    std::vector<FindingUse> marks;
    result.findings.clear();
    for (auto& [f, m] : rows) {
        result.findings.push_back(std::move(f));
        marks.push_back(std::move(m));
    }
    return marks;
}

std::string findings_with_use_to_json(const MatchResult& result, const MatchOptions& options,
                                      const std::vector<FindingUse>& marks,
                                      const UsageReport& usage) {
    if (marks.size() != result.findings.size())
        throw Error(errc::invalid_argument, "one use mark per finding is needed");

    std::size_t in_use = 0, pattern = 0;
    for (const auto& m : marks) {
        in_use += m.known && m.use == PackageUse::used;
        pattern += m.known && m.use == PackageUse::pattern;
    }
    auto extra = [&](JsonWriter& w, const std::vector<std::string>& path) {
        if (path.empty()) {
            w.key("usage").begin_object();
            w.key("workloads").begin_array();
            for (const auto& wl : usage.workloads)
                w.value(wl);
            w.end_array();
            w.bytes_field("rootfs", usage.rootfs);
            w.key("lossy").value(usage.lossy);
            w.key("findings_in_use").value(in_use);
            w.key("findings_pattern").value(pattern);
            w.key("findings_not_in_use").value(marks.size() - in_use - pattern);
            w.end_object();
            return;
        }
        if (path.size() == 2 && path[0] == "findings") {
            long i = segment_index(path[1]);
            if (i >= 0 && static_cast<std::size_t>(i) < marks.size()) use_members(w, marks[i]);
        }
    };
    return rewrite(findings_to_json(result, options), extra);
}

std::string findings_with_use_to_sarif(const MatchResult& result,
                                       const std::vector<FindingUse>& marks) {
    if (marks.size() != result.findings.size())
        throw Error(errc::invalid_argument, "one use mark per finding is needed");

    // SARIF results are written in the order of the findings; each gets a property bag.
    auto extra = [&](JsonWriter& w, const std::vector<std::string>& path) {
        if (path.size() != 4 || path[0] != "runs" || path[2] != "results") return;
        long i = segment_index(path[3]);
        if (i < 0 || static_cast<std::size_t>(i) >= marks.size()) return;
        const FindingUse& m = marks[i];
        w.key("properties").begin_object();
        w.key("rtguard/use").value(m.known ? to_string(m.use) : std::string_view("unknown"));
        w.key("rtguard/in_use").value(m.known && m.use == PackageUse::used);
        w.end_object();
    };
    return rewrite(findings_to_sarif(result), extra);
}

}  // namespace rtguard

// Package URLs: parsing, normalization and the canonical form, following the purl
// specification's parsing and building rules and its per-type definitions.
#include "rtguard/purl.hpp"

#include <algorithm>

#include <fmt/core.h>

#include "rtguard/error.hpp"
#include "versions/version_detail.hpp"

namespace rtguard {
namespace {

using detail::versions::is_alnum;
using detail::versions::is_alpha;
using detail::versions::is_digit;
using detail::versions::to_lower;

[[noreturn]] void bad_purl(std::string_view text, const std::string& why) {
    std::string shown(text.substr(0, 300));
    for (char& c : shown)
        if (static_cast<unsigned char>(c) < 0x20) c = '?';
    throw Error(errc::bad_purl, fmt::format("'{}' is not a valid package URL: {}", shown, why));
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = to_lower(c);
    return out;
}

int hex_value(char c) {
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Percent-decoding; '+' stays '+', as the specification says.
std::string decode(std::string_view s, std::string_view text, const char* what) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
        int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) bad_purl(text, fmt::format("bad percent-encoding in the {}", what));
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

// Percent-encoding for the canonical form: letters, digits, ".-_~" and ':' stay as they
// are, everything else (UTF-8 bytes included) becomes %XX.
std::string encode(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (is_alnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == ':') {
            out += c;
        } else {
            auto u = static_cast<unsigned char>(c);
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
        size_t pos = s.find(sep, start);
        parts.push_back(s.substr(start, pos == s.npos ? s.npos : pos - start));
        if (pos == s.npos) return parts;
        start = pos + 1;
    }
}

bool valid_type(std::string_view t) {
    if (t.empty() || !is_alpha(t[0])) return false;
    return std::all_of(t.begin(), t.end(),
                       [](char c) { return is_alnum(c) || c == '.' || c == '+' || c == '-'; });
}

bool valid_qualifier_key(std::string_view k) {
    if (k.empty() || is_digit(k[0])) return false;
    return std::all_of(k.begin(), k.end(),
                       [](char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_'; });
}

// Subpath segments: no empty, '.' or '..' segments.
std::string clean_subpath(const std::vector<std::string>& segments) {
    std::string out;
    for (const auto& s : segments) {
        if (s.empty() || s == "." || s == "..") continue;
        if (!out.empty()) out += '/';
        out += s;
    }
    return out;
}

// The rules of the type definitions that the specification's tests exercise: case
// folding, and components a type requires or forbids.
void apply_type_rules(Purl& p, std::string_view text) {
    const std::string& t = p.type;
    auto fold_namespace_and_name = [&] {
        p.namespace_ = lower(p.namespace_);
        p.name = lower(p.name);
    };

    if (t == "alpm" || t == "apk" || t == "bitbucket" || t == "bitnami" || t == "brew" ||
        t == "composer" || t == "deb" || t == "git" || t == "github" || t == "hex") {
        fold_namespace_and_name();
    } else if (t == "pypi") {
        p.name = lower(p.name);
        std::replace(p.name.begin(), p.name.end(), '_', '-');
    } else if (t == "rpm" || t == "qpkg") {
        p.namespace_ = lower(p.namespace_);
    } else if (t == "huggingface") {
        p.version = lower(p.version);  // a commit hash
    } else if (t == "mlflow") {
        // Databricks treats model names case-insensitively, Azure ML does not.
        if (p.qualifier("repository_url").find("databricks") != std::string_view::npos)
            p.name = lower(p.name);
    }

    auto require = [&](bool ok, const char* why) {
        if (!ok) bad_purl(text, fmt::format("type '{}': {}", t, why));
    };
    if (t == "swift" || t == "vscode-extension")
        require(!p.namespace_.empty(), "a namespace is required");
    if (t == "otp" || t == "vcpkg") require(p.namespace_.empty(), "a namespace is not allowed");
    if (t == "julia") require(!p.qualifier("uuid").empty(), "the uuid qualifier is required");
    if (t == "cpan")
        require(p.name.find(':') == std::string::npos,
                "the name is a distribution name (URI-PackageURL), not a module name");
    if (t == "chrome-extension") {
        require(p.name.size() == 32 && std::all_of(p.name.begin(), p.name.end(),
                                                   [](char c) { return c >= 'a' && c <= 'p'; }),
                "the name is an extension id of 32 letters a-p");
        if (!p.version.empty()) {
            auto parts = split(p.version, '.');
            require(parts.size() <= 4 && std::all_of(parts.begin(), parts.end(),
                                                     [](std::string_view s) {
                                                         return detail::versions::all_digits(s);
                                                     }),
                    "the version is one to four dot-separated numbers");
        }
    }
}

void finish(Purl& p, std::string_view text) {
    if (p.type.empty()) bad_purl(text, "the type is missing");
    if (!valid_type(p.type))
        bad_purl(text, fmt::format("the type '{}' must be letters, digits, '.', '+' or '-' "
                                   "and start with a letter",
                                   p.type));
    p.type = lower(p.type);
    if (p.name.empty()) bad_purl(text, "the name is missing");

    // Qualifiers: keys in lower case, unique, sorted; empty values dropped.
    std::vector<std::pair<std::string, std::string>> kept;
    for (auto& [k, v] : p.qualifiers) {
        if (!valid_qualifier_key(k))
            bad_purl(text, fmt::format("qualifier key '{}' must be letters, digits, '.', '-' "
                                       "or '_' and not start with a digit",
                                       k));
        if (!v.empty()) kept.emplace_back(lower(k), std::move(v));
    }
    std::sort(kept.begin(), kept.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 1; i < kept.size(); ++i)
        if (kept[i].first == kept[i - 1].first)
            bad_purl(text, fmt::format("qualifier '{}' appears twice", kept[i].first));
    p.qualifiers = std::move(kept);

    apply_type_rules(p, text);
}

}  // namespace

Purl Purl::parse(std::string_view text) {
    Purl p;
    std::string_view rest = text;
    for (char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == ' ')
            bad_purl(text, "it contains whitespace or control characters");

    // pkg:type/namespace/name@version?qualifiers#subpath, taken apart from the outside in.
    if (size_t hash = rest.rfind('#'); hash != rest.npos) {
        std::vector<std::string> segments;
        for (auto s : split(rest.substr(hash + 1), '/')) {
            segments.push_back(decode(s, text, "subpath"));
            if (segments.back().find('/') != std::string::npos)
                bad_purl(text, "a subpath segment holds an encoded '/'");
        }
        p.subpath = clean_subpath(segments);
        rest = rest.substr(0, hash);
    }
    if (size_t q = rest.rfind('?'); q != rest.npos) {
        for (auto pair : split(rest.substr(q + 1), '&')) {
            if (pair.empty()) continue;
            size_t eq = pair.find('=');
            if (eq == pair.npos) bad_purl(text, fmt::format("qualifier '{}' has no '='", pair));
            p.qualifiers.emplace_back(std::string(pair.substr(0, eq)),
                                      decode(pair.substr(eq + 1), text, "qualifiers"));
        }
        rest = rest.substr(0, q);
    }

    size_t colon = rest.find(':');
    if (colon == rest.npos || lower(rest.substr(0, colon)) != "pkg")
        bad_purl(text, "it must start with 'pkg:'");
    rest.remove_prefix(colon + 1);
    while (!rest.empty() && rest.front() == '/')
        rest.remove_prefix(1);
    while (!rest.empty() && rest.back() == '/')
        rest.remove_suffix(1);

    size_t slash = rest.find('/');
    if (slash == rest.npos) bad_purl(text, "the type or the name is missing");
    p.type = std::string(rest.substr(0, slash));
    rest.remove_prefix(slash + 1);

    // The version follows an '@' in the last segment ("pkg:npm/@babel/core" has none).
    size_t at = rest.rfind('@');
    size_t last_slash = rest.rfind('/');
    if (at != rest.npos && (last_slash == rest.npos || at > last_slash)) {
        p.version = decode(rest.substr(at + 1), text, "version");
        rest = rest.substr(0, at);
    }

    // The name is the last segment; a git purl's namespace is the host alone and the rest
    // of the path is the name.
    if (!rest.empty() && rest.back() == '/') bad_purl(text, "the name is missing");
    std::vector<std::string> segments;
    for (auto s : split(rest, '/')) {
        if (s.empty()) continue;
        segments.push_back(decode(s, text, "namespace or name"));
        if (segments.back().find('/') != std::string::npos)
            bad_purl(text, "a namespace segment or the name holds an encoded '/'");
    }
    if (!segments.empty()) {
        size_t name_start = segments.size() - 1;
        if (lower(p.type) == "git" && segments.size() > 2) name_start = 1;
        for (size_t i = 0; i < segments.size(); ++i) {
            std::string& target = i < name_start ? p.namespace_ : p.name;
            if (!target.empty()) target += '/';
            target += segments[i];
        }
    }
    finish(p, text);
    return p;
}

Purl Purl::build(std::string_view type, std::string_view namespace_, std::string_view name,
                 std::string_view version,
                 std::vector<std::pair<std::string, std::string>> qualifiers,
                 std::string_view subpath) {
    Purl p;
    p.type = std::string(type);
    std::string shown =
        fmt::format("pkg:{}/{}{}{}", type, namespace_, namespace_.empty() ? "" : "/", name);
    for (auto s : split(namespace_, '/')) {
        if (s.empty()) continue;
        if (!p.namespace_.empty()) p.namespace_ += '/';
        p.namespace_ += s;
    }
    p.name = std::string(name);
    if (p.name.find('/') != std::string::npos && lower(type) != "git")
        bad_purl(shown, "the name holds a '/'");
    p.version = std::string(version);
    p.qualifiers = std::move(qualifiers);
    std::vector<std::string> segments;
    for (auto s : split(subpath, '/'))
        segments.emplace_back(s);
    p.subpath = clean_subpath(segments);
    finish(p, shown);
    return p;
}

std::string Purl::to_string() const {
    std::string out = "pkg:" + type + "/";
    if (!namespace_.empty()) {
        for (auto s : split(namespace_, '/'))
            out += encode(s) + "/";
    }
    if (type == "git") {
        auto parts = split(name, '/');
        for (size_t i = 0; i < parts.size(); ++i)
            out += (i ? "/" : "") + encode(parts[i]);
    } else {
        out += encode(name);
    }
    if (!version.empty()) out += "@" + encode(version);
    for (size_t i = 0; i < qualifiers.size(); ++i)
        out += (i ? "&" : "?") + qualifiers[i].first + "=" + encode(qualifiers[i].second);
    if (!subpath.empty()) {
        out += "#";
        auto parts = split(subpath, '/');
        for (size_t i = 0; i < parts.size(); ++i)
            out += (i ? "/" : "") + encode(parts[i]);
    }
    return out;
}

std::string_view Purl::qualifier(std::string_view key) const noexcept {
    for (const auto& [k, v] : qualifiers)
        if (k == key) return v;
    return {};
}

}  // namespace rtguard

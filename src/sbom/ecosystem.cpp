#include "sbom/ecosystem.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace rtguard::detail {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// The leading "N" or "N.M" of a dotted version ("3.18.4" -> "3.18" with parts=2).
std::string leading_parts(std::string_view s, int parts) {
    std::string out;
    int seen = 0;
    std::size_t i = 0;
    while (i < s.size() && seen < parts) {
        std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
        if (i == start) break;
        if (!out.empty()) out += '.';
        out.append(s.substr(start, i - start));
        ++seen;
        if (i < s.size() && s[i] == '.') ++i;
    }
    return seen == parts ? out : std::string{};
}

// Debian and Ubuntu release code names as purls' distro qualifiers spell them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> debian_codenames{{
    {"wheezy", "7"},
    {"jessie", "8"},
    {"stretch", "9"},
    {"buster", "10"},
    {"bullseye", "11"},
    {"bookworm", "12"},
    {"trixie", "13"},
    {"forky", "14"},
    {"sid", "sid"},
}};
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> ubuntu_codenames{{
    {"trusty", "14.04"},
    {"xenial", "16.04"},
    {"bionic", "18.04"},
    {"focal", "20.04"},
    {"jammy", "22.04"},
    {"mantic", "23.10"},
    {"noble", "24.04"},
    {"oracular", "24.10"},
}};

}  // namespace

std::string ecosystem_for_purl(const Purl& purl) {
    const std::string& t = purl.type;
    std::string ns = lower(purl.namespace_);
    if (t == "golang") return "Go";
    if (t == "npm") return "npm";
    if (t == "pypi") return "PyPI";
    if (t == "cargo") return "crates.io";
    if (t == "maven") return "Maven";
    if (t == "gem") return "RubyGems";
    if (t == "nuget") return "NuGet";
    if (t == "composer") return "Packagist";
    if (t == "hex") return "Hex";
    if (t == "pub") return "Pub";
    if (t == "cran") return "CRAN";
    if (t == "hackage") return "Hackage";
    if (t == "deb") return ecosystem_for_distro(ns.empty() ? "debian" : ns);
    // Older Syft versions wrote Alpine packages as pkg:alpine/NAME without a namespace.
    if (t == "apk" || t == "alpine") return ecosystem_for_distro(ns.empty() ? "alpine" : ns);
    if (t == "rpm") return ecosystem_for_distro(ns);
    return {};
}

std::string ecosystem_for_distro(std::string_view distro_id) {
    std::string id = lower(distro_id);
    if (id == "debian") return "Debian";
    if (id == "ubuntu") return "Ubuntu";
    if (id == "alpine") return "Alpine";
    if (id == "wolfi") return "Wolfi";
    if (id == "chainguard") return "Chainguard";
    if (id == "almalinux") return "AlmaLinux";
    if (id == "rocky" || id == "rockylinux" || id == "rocky linux") return "Rocky Linux";
    if (id == "mageia") return "Mageia";
    return {};
}

bool release_scoped(std::string_view ecosystem) {
    return ecosystem == "Debian" || ecosystem == "Ubuntu" || ecosystem == "Alpine" ||
           ecosystem == "AlmaLinux" || ecosystem == "Rocky Linux" || ecosystem == "Mageia";
}

std::string normalize_release(std::string_view ecosystem, std::string_view text) {
    std::string t = lower(text);

    // Drop a "<distro>-" prefix ("alpine-3.18.4", "debian-12", "almalinux-9.2").
    if (auto dash = t.find('-');
        dash != std::string::npos && dash > 0 && !std::isdigit(static_cast<unsigned char>(t[0]))) {
        std::string id = t.substr(0, dash);
        if (!ecosystem_for_distro(id).empty() || id == "rhel" || id == "el") t.erase(0, dash + 1);
    }
    if (t.empty()) return {};

    if (ecosystem == "Debian") {
        for (const auto& [name, number] : debian_codenames)
            if (t == name) return std::string(number);
        return leading_parts(t, 1);
    }
    if (ecosystem == "Ubuntu") {
        for (const auto& [name, number] : ubuntu_codenames)
            if (t == name) return std::string(number);
        return leading_parts(t, 2);
    }
    if (ecosystem == "Alpine") {
        if (t[0] == 'v') t.erase(0, 1);
        std::string mm = leading_parts(t, 2);
        return mm.empty() ? mm : "v" + mm;
    }
    if (ecosystem == "AlmaLinux" || ecosystem == "Rocky Linux" || ecosystem == "Mageia") {
        if (t.size() > 2 && t[0] == 'e' && t[1] == 'l') t.erase(0, 2);
        return leading_parts(t, 1);
    }
    return {};
}

std::string osv_name_for_purl(const Purl& purl, std::string_view ecosystem) {
    const std::string& ns = purl.namespace_;
    if (ecosystem == "Maven") return ns.empty() ? purl.name : ns + ":" + purl.name;
    if (ecosystem == "Go" || ecosystem == "npm" || ecosystem == "Packagist")
        return ns.empty() ? purl.name : ns + "/" + purl.name;
    return purl.name;
}

std::string index_name(std::string_view ecosystem, std::string_view name) {
    if (ecosystem == "PyPI") {
        // PEP 503: lower case, runs of '-', '_' and '.' become one '-'.
        std::string out;
        out.reserve(name.size());
        bool in_run = false;
        for (char c : name) {
            if (c == '-' || c == '_' || c == '.') {
                if (!in_run) out += '-';
                in_run = true;
                continue;
            }
            in_run = false;
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        return out;
    }
    if (ecosystem == "Packagist" || ecosystem == "NuGet") return lower(name);
    return std::string(name);
}

std::string go_semver(std::string_view version, bool stdlib) {
    std::string_view v = version;
    if (stdlib && v.substr(0, 2) == "go") v.remove_prefix(2);
    if (!v.empty() && v[0] == 'v') v.remove_prefix(1);
    if (!stdlib) return std::string(v);

    // Go release names: "1.20", "1.20.3", "1.21rc2", "1.9beta1".
    std::size_t i = 0;
    std::string parts[3];
    int n = 0;
    while (n < 3) {
        std::size_t start = i;
        while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])))
            ++i;
        if (i == start) return std::string(v);
        parts[n++] = std::string(v.substr(start, i - start));
        if (i < v.size() && v[i] == '.') {
            ++i;
            continue;
        }
        break;
    }
    if (n < 2) return std::string(v);
    std::string out = parts[0] + "." + parts[1] + "." + (n == 3 ? parts[2] : "0");
    std::string_view rest = v.substr(i);
    if (rest.empty()) return out;
    for (std::string_view tag : {"rc", "beta", "alpha"}) {
        if (rest.substr(0, tag.size()) == tag && all_digits(rest.substr(tag.size())))
            return out + "-" + std::string(tag) + "." + std::string(rest.substr(tag.size()));
    }
    return std::string(v);
}

std::optional<VersionScheme> scheme_for_base(std::string_view ecosystem) {
    if (ecosystem == "Go") return VersionScheme::semver;
    return scheme_for_ecosystem(ecosystem);
}

void derive_match_fields(Component& c, const Purl& purl, std::string_view source_name,
                         std::string_view source_version, const OsRelease& os) {
    c.ecosystem = ecosystem_for_purl(purl);
    if (c.ecosystem.empty()) return;

    // Debian and Alpine advisories name source packages; the purl's "upstream" (Syft) or
    // "source" qualifier says which one, as "name" or "name@version".
    std::string src(source_name), src_version(source_version);
    std::string_view q = purl.qualifier("upstream");
    if (q.empty()) q = purl.qualifier("source");
    if (!q.empty()) {
        auto at = q.find('@');
        src = std::string(q.substr(0, at));
        if (at != std::string_view::npos) src_version = std::string(q.substr(at + 1));
    }
    c.source_name = src;

    bool by_source = c.ecosystem == "Debian" || c.ecosystem == "Ubuntu" ||
                     c.ecosystem == "Alpine" || c.ecosystem == "Wolfi" ||
                     c.ecosystem == "Chainguard";
    c.match_name = by_source && !src.empty() ? src : osv_name_for_purl(purl, c.ecosystem);

    // The version: the purl's, else the SBOM's field; adjusted to the advisories' spelling.
    std::string v = purl.version.empty() ? c.version : purl.version;
    if (by_source && !src_version.empty()) v = src_version;
    if (c.ecosystem == "Go") v = go_semver(v, c.match_name == "stdlib");
    if (purl.type == "rpm") {
        std::string_view epoch = purl.qualifier("epoch");
        if (!epoch.empty() && epoch != "0" && v.find(':') == std::string::npos && !v.empty())
            v = std::string(epoch) + ":" + v;
    }
    c.match_version = v;

    // The release: the purl's distro qualifier, else the SBOM's operating system.
    if (!release_scoped(c.ecosystem)) return;
    std::string_view distro = purl.qualifier("distro");
    if (!distro.empty()) c.release = normalize_release(c.ecosystem, distro);
    if (c.release.empty() && ecosystem_for_distro(os.id) == c.ecosystem)
        c.release = normalize_release(c.ecosystem, os.version);
    c.release_unknown = c.release.empty();
}

}  // namespace rtguard::detail

// Dispatch of version ordering to each scheme, and the mapping from ecosystem names.
#include "rtguard/version.hpp"

#include <fmt/core.h>

#include "rtguard/error.hpp"
#include "versions/version_detail.hpp"

namespace rtguard {
namespace {

namespace dv = detail::versions;

template <class Parsed, auto Parse, auto Compare>
struct Scheme {
    using parsed_type = Parsed;
    static const char* parse(std::string_view v, Parsed& out) { return Parse(v, out); }
    static int compare(const Parsed& a, const Parsed& b) { return Compare(a, b); }
};

using DebianScheme = Scheme<dv::DebianVersion, dv::parse_debian, dv::compare_debian>;
using AlpineScheme = Scheme<dv::AlpineVersion, dv::parse_alpine, dv::compare_alpine>;
using RpmScheme = Scheme<dv::RpmVersion, dv::parse_rpm, dv::compare_rpm>;
using SemverScheme = Scheme<dv::SemverVersion, dv::parse_semver, dv::compare_semver>;
using GoScheme = Scheme<dv::SemverVersion, dv::parse_go, dv::compare_semver>;
using NugetScheme = Scheme<dv::SemverVersion, dv::parse_nuget, dv::compare_nuget>;
using Pep440Scheme = Scheme<dv::Pep440Version, dv::parse_pep440, dv::compare_pep440>;
using MavenScheme = Scheme<dv::MavenVersion, dv::parse_maven, dv::compare_maven>;
using RubyScheme = Scheme<dv::RubyVersion, dv::parse_rubygems, dv::compare_rubygems>;
using PackagistScheme = Scheme<dv::PackagistVersion, dv::parse_packagist, dv::compare_packagist>;

// Calls `f` with the scheme type for `scheme`.
template <class F>
decltype(auto) with_scheme(VersionScheme scheme, F&& f) {
    switch (scheme) {
        case VersionScheme::debian:
            return f(DebianScheme{});
        case VersionScheme::alpine:
            return f(AlpineScheme{});
        case VersionScheme::rpm:
            return f(RpmScheme{});
        case VersionScheme::semver:
            return f(SemverScheme{});
        case VersionScheme::go:
            return f(GoScheme{});
        case VersionScheme::pep440:
            return f(Pep440Scheme{});
        case VersionScheme::maven:
            return f(MavenScheme{});
        case VersionScheme::rubygems:
            return f(RubyScheme{});
        case VersionScheme::nuget:
            return f(NugetScheme{});
        case VersionScheme::packagist:
            return f(PackagistScheme{});
    }
    throw Error(errc::invalid_argument,
                fmt::format("unknown version scheme {}", static_cast<int>(scheme)));
}

// Version text is shown as it was given, but bounded and with control bytes escaped, so a
// hostile version cannot flood or garble a log line.
std::string printable(std::string_view v) {
    std::string out;
    size_t n = 0;
    for (char c : v) {
        if (++n > 200) {
            out += "...";
            break;
        }
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            out += fmt::format("\\x{:02x}", u);
        else
            out += c;
    }
    return out;
}

[[noreturn]] void throw_bad_version(VersionScheme scheme, std::string_view v, const char* why) {
    throw Error(errc::bad_version, fmt::format("'{}' is not a valid {} version: {}", printable(v),
                                               to_string(scheme), why));
}

std::string_view base_ecosystem(std::string_view ecosystem) {
    size_t colon = ecosystem.find(':');
    return colon == ecosystem.npos ? ecosystem : ecosystem.substr(0, colon);
}

}  // namespace

std::string_view to_string(VersionScheme scheme) noexcept {
    switch (scheme) {
        case VersionScheme::debian:
            return "debian";
        case VersionScheme::alpine:
            return "alpine";
        case VersionScheme::rpm:
            return "rpm";
        case VersionScheme::semver:
            return "semver";
        case VersionScheme::go:
            return "go";
        case VersionScheme::pep440:
            return "pep440";
        case VersionScheme::maven:
            return "maven";
        case VersionScheme::rubygems:
            return "rubygems";
        case VersionScheme::nuget:
            return "nuget";
        case VersionScheme::packagist:
            return "packagist";
    }
    return "unknown";
}

std::optional<VersionScheme> version_scheme_from_string(std::string_view name) noexcept {
    for (int i = 0; i <= static_cast<int>(VersionScheme::packagist); ++i) {
        auto scheme = static_cast<VersionScheme>(i);
        if (dv::equals_ignore_case(name, to_string(scheme))) return scheme;
    }
    return std::nullopt;
}

std::optional<VersionScheme> scheme_for_ecosystem(std::string_view ecosystem) noexcept {
    // OSV ecosystem names, optionally followed by ":release" ("Debian:12", "Alpine:v3.18",
    // "Red Hat:enterprise_linux:9::appstream").
    static constexpr std::pair<std::string_view, VersionScheme> table[] = {
        {"Debian", VersionScheme::debian},       {"Ubuntu", VersionScheme::debian},
        {"Alpine", VersionScheme::alpine},       {"Wolfi", VersionScheme::alpine},
        {"Chainguard", VersionScheme::alpine},   {"MinimOS", VersionScheme::alpine},
        {"AlmaLinux", VersionScheme::rpm},       {"Rocky Linux", VersionScheme::rpm},
        {"Red Hat", VersionScheme::rpm},         {"SUSE", VersionScheme::rpm},
        {"openSUSE", VersionScheme::rpm},        {"openEuler", VersionScheme::rpm},
        {"Mageia", VersionScheme::rpm},          {"Photon OS", VersionScheme::rpm},
        {"Azure Linux", VersionScheme::rpm},     {"npm", VersionScheme::semver},
        {"crates.io", VersionScheme::semver},    {"Hex", VersionScheme::semver},
        {"SwiftURL", VersionScheme::semver},     {"Go", VersionScheme::go},
        {"PyPI", VersionScheme::pep440},         {"Maven", VersionScheme::maven},
        {"RubyGems", VersionScheme::rubygems},   {"NuGet", VersionScheme::nuget},
        {"Packagist", VersionScheme::packagist},
    };
    std::string_view base = base_ecosystem(ecosystem);
    for (const auto& [name, scheme] : table)
        if (dv::equals_ignore_case(base, name)) return scheme;
    return std::nullopt;
}

std::optional<VersionScheme> scheme_for_purl_type(std::string_view purl_type) noexcept {
    static constexpr std::pair<std::string_view, VersionScheme> table[] = {
        {"deb", VersionScheme::debian},   {"apk", VersionScheme::alpine},
        {"rpm", VersionScheme::rpm},      {"npm", VersionScheme::semver},
        {"cargo", VersionScheme::semver}, {"hex", VersionScheme::semver},
        {"golang", VersionScheme::go},    {"pypi", VersionScheme::pep440},
        {"maven", VersionScheme::maven},  {"gem", VersionScheme::rubygems},
        {"nuget", VersionScheme::nuget},  {"composer", VersionScheme::packagist},
    };
    for (const auto& [name, scheme] : table)
        if (dv::equals_ignore_case(purl_type, name)) return scheme;
    return std::nullopt;
}

bool valid_version(VersionScheme scheme, std::string_view v, std::string* why) {
    const char* reason = with_scheme(scheme, [&](auto s) -> const char* {
        typename decltype(s)::parsed_type parsed;
        return s.parse(v, parsed);
    });
    if (reason && why) *why = reason;
    return reason == nullptr;
}

int compare_versions(VersionScheme scheme, std::string_view a, std::string_view b) {
    return with_scheme(scheme, [&](auto s) {
        typename decltype(s)::parsed_type pa, pb;
        if (const char* why = s.parse(a, pa)) throw_bad_version(scheme, a, why);
        if (const char* why = s.parse(b, pb)) throw_bad_version(scheme, b, why);
        return s.compare(pa, pb);
    });
}

}  // namespace rtguard

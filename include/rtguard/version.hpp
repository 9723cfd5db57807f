// rtguard/version.hpp: version ordering by each ecosystem's own rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rtguard {

/// Version-ordering rule sets. Several OSV ecosystems share one scheme (npm and crates.io
/// use SemVer; Debian and Ubuntu use dpkg's rules; AlmaLinux, Rocky, Red Hat use rpm's).
enum class VersionScheme {
    debian,     ///< dpkg: epoch:upstream-revision, '~' sorts before everything
    alpine,     ///< apk-tools
    rpm,        ///< rpmvercmp with epochs, '~' and '^'
    semver,     ///< SemVer 2.0.0 (npm, crates.io, OSV "SEMVER" ranges)
    go,         ///< SemVer with a leading 'v', +incompatible and pseudo-versions
    pep440,     ///< Python (PyPI)
    maven,      ///< Maven's ComparableVersion
    rubygems,   ///< Gem::Version
    nuget,      ///< NuGet SemVer 2 with four parts
    packagist,  ///< Composer (PHP version_compare normalisation)
};

/// The scheme's lower-case name ("debian", "pep440", ...).
std::string_view to_string(VersionScheme scheme) noexcept;

/// The scheme named by to_string() (any case); nothing for other names.
std::optional<VersionScheme> version_scheme_from_string(std::string_view name) noexcept;

/// The scheme an OSV ecosystem name orders its versions by: "Debian:12" -> debian,
/// "PyPI" -> pep440, "crates.io" -> semver, "Go" -> go, "SUSE:..." -> rpm. The part after
/// the first ':' (the release) is ignored and names match in any case. Nothing for unknown
/// ecosystems.
std::optional<VersionScheme> scheme_for_ecosystem(std::string_view ecosystem) noexcept;

/// Same for a purl type ("deb", "apk", "rpm", "npm", "cargo", "golang", "pypi", "maven",
/// "gem", "nuget", "composer").
std::optional<VersionScheme> scheme_for_purl_type(std::string_view purl_type) noexcept;

/// True when `v` parses under `scheme`; otherwise false and, if `why` is given, the reason.
bool valid_version(VersionScheme scheme, std::string_view v, std::string* why = nullptr);

/// -1, 0 or 1 as `a` sorts before, equal to, or after `b` under `scheme`. Throws
/// rtguard::Error (errc::bad_version, naming the version and the reason) when either does
/// not parse; an unparsable version is reported, never guessed at. Thread-safe; does not
/// allocate except for unusually long Maven and RubyGems versions and Composer's
/// date-based versions.
int compare_versions(VersionScheme scheme, std::string_view a, std::string_view b);

}  // namespace rtguard

// Internal: how package URLs and distribution names map onto OSV ecosystems and names.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rtguard/purl.hpp"
#include "rtguard/sbom.hpp"
#include "rtguard/version.hpp"

namespace rtguard::detail {

/// The OSV ecosystem (without release) of a purl, or empty: "golang" -> "Go",
/// "deb" with namespace "debian" -> "Debian", "rpm"/"almalinux" -> "AlmaLinux".
std::string ecosystem_for_purl(const Purl& purl);

/// The OSV ecosystem of a distribution id as SBOMs write it ("alpine", "debian",
/// "almalinux", "rocky"), or empty.
std::string ecosystem_for_distro(std::string_view distro_id);

/// True for ecosystems whose OSV names carry a release ("Debian:12", "Alpine:v3.18").
bool release_scoped(std::string_view ecosystem);

/// The OSV release of a distribution version as SBOMs write it: ("Alpine", "3.18.4") ->
/// "v3.18", ("Debian", "bookworm") -> "12", ("AlmaLinux", "almalinux-9.2") -> "9". A
/// leading "<distro>-" is accepted. Empty when the text cannot be understood.
std::string normalize_release(std::string_view ecosystem, std::string_view text);

/// The name OSV records use for a purl's package in `ecosystem`: the Go module path, the
/// npm "@scope/name", Maven's "group:artifact", Packagist's "vendor/name".
std::string osv_name_for_purl(const Purl& purl, std::string_view ecosystem);

/// The name under which a package is indexed, equal for the SBOM's and the advisory's
/// spelling of the same package: PEP 503 for PyPI, lower case where the ecosystem ignores
/// case (Packagist, NuGet), unchanged elsewhere.
std::string index_name(std::string_view ecosystem, std::string_view name);

/// A Go version as OSV's SEMVER ranges spell it: no leading 'v'; for the standard library
/// also no "go" prefix and "1.21rc2" -> "1.21.0-rc.2", "1.20" -> "1.20.0".
std::string go_semver(std::string_view version, bool stdlib);

/// The version-ordering scheme of a base ecosystem ("Go" orders by SemVer here, as OSV's
/// Go records are SEMVER ranges).
std::optional<VersionScheme> scheme_for_base(std::string_view ecosystem);

/// Fills the derived fields of `c` (ecosystem, match_name, match_version, release,
/// release_unknown) from its purl, the source package the SBOM names (`source_name`,
/// `source_version`, either may be empty) and the SBOM's operating system.
void derive_match_fields(Component& c, const Purl& purl, std::string_view source_name,
                         std::string_view source_version, const OsRelease& os);

}  // namespace rtguard::detail

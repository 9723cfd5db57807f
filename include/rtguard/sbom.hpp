// rtguard/sbom.hpp: software bills of materials (CycloneDX JSON and SPDX JSON) as a flat
// list of components ready for advisory matching.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rtguard {

namespace detail {
struct SbomAccess;
}

enum class SbomFormat { cyclonedx, spdx };

std::string_view to_string(SbomFormat format) noexcept;

/// The operating system an SBOM describes (an image's base distribution).
struct OsRelease {
    std::string id;       ///< lower-case distribution id as written: "alpine", "debian"
    std::string version;  ///< as written: "3.15.6", "12", "9.2"
    std::string where;    ///< JSON path of the component or qualifier it came from
};

/// One package of an SBOM. Text fields hold what the SBOM says; the derived fields
/// (`ecosystem`, `match_name`, `match_version`, `release`) are what the matcher looks up.
struct Component {
    std::string name;     ///< the SBOM's name for it
    std::string version;  ///< the SBOM's version for it (may be empty)
    std::string purl;     ///< the package URL as written, empty when the SBOM gives none
    std::string ref;      ///< CycloneDX bom-ref or SPDX SPDXID
    std::string where;    ///< JSON path of the component in the SBOM: "$.components[3]"

    /// OSV ecosystem without release ("Go", "PyPI", "Debian", "AlmaLinux"); empty when the
    /// purl type has no OSV ecosystem (oci, generic, github) or there is no purl.
    std::string ecosystem;
    /// The package name as OSV records spell it: Go module path, npm "@scope/name", Maven
    /// "group:artifact", PyPI normalized (PEP 503), Debian and Alpine SOURCE package names.
    std::string match_name;
    /// The version compared against advisories: the purl's version (Go without its 'v',
    /// RPM with the purl's epoch qualifier prepended, Debian's source version when known).
    std::string match_version;
    /// OSV release suffix for distributions ("12", "v3.18", "9"); empty when the
    /// ecosystem has none or the SBOM does not say (see `release_unknown`).
    std::string release;
    /// True for a distribution package whose release could not be determined.
    bool release_unknown = false;
    /// Source package name when the SBOM records one (Debian, Alpine origin, SRPM).
    std::string source_name;
    /// VCS commit of the component when the SBOM records one (for OSV GIT ranges).
    std::string commit;
    /// Why the purl could not be used (malformed), empty when it is fine. Such a component
    /// is kept and reported as unmatched with this reason.
    std::string purl_error;
};

/// A parsed SBOM. Components are listed in document order, nested CycloneDX components
/// flattened after their parent; operating-system components are not packages and are kept
/// in `os` instead. Components without a purl are kept (the matcher reports them as
/// unmatched).
class Sbom {
public:
    /// Reads and parses a file. Throws rtguard::Error naming the file and the JSON path (or
    /// line and column for a syntax error): errc::parse_error for broken JSON,
    /// errc::schema_mismatch for an unknown format or spec version (CycloneDX 1.2-1.6 and
    /// SPDX 2.2-2.3 are read), errc::missing_field / errc::bad_value for wrong documents.
    /// A malformed package URL does not fail the SBOM (see Component::purl_error). Files
    /// past 512 MiB are refused (errc::limit_exceeded).
    static Sbom read(const std::string& path);

    /// Parses SBOM text; `file` names it in errors and in the result.
    static Sbom parse(std::string_view json, const std::string& file);

    const std::string& file() const noexcept { return file_; }
    SbomFormat format() const noexcept { return format_; }
    /// "1.4" for CycloneDX, "SPDX-2.3" for SPDX.
    const std::string& spec_version() const noexcept { return spec_version_; }
    /// The subject: CycloneDX metadata.component name, or the SPDX document name.
    const std::string& name() const noexcept { return name_; }
    /// The operating system, when an operating-system component names one; else empty id.
    const OsRelease& os() const noexcept { return os_; }
    const std::vector<Component>& components() const noexcept { return components_; }

private:
    friend struct detail::SbomAccess;
    std::string file_;
    SbomFormat format_ = SbomFormat::cyclonedx;
    std::string spec_version_;
    std::string name_;
    OsRelease os_;
    std::vector<Component> components_;
};

}  // namespace rtguard

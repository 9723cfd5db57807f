// rtguard/inventory.hpp: what a root filesystem has installed (from its dpkg or apk
// database), as a CycloneDX SBOM, crossed with a baseline: which packages a workload used,
// which it never touched, and which findings concern code that actually ran. See
// docs/hardening.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rtguard/baseline.hpp"
#include "rtguard/matcher.hpp"

namespace rtguard {

/// The package database an inventory was read from.
enum class PackageDb { dpkg, apk, sbom };

std::string_view to_string(PackageDb db) noexcept;

/// The distribution of a root filesystem, from etc/os-release (or usr/lib/os-release) and
/// the distribution's own release file.
struct OsInfo {
    std::string id;           ///< os-release ID, lower case ("debian", "alpine"); may be empty
    std::string version_id;   ///< os-release VERSION_ID, else the release file ("12", "3.19.1")
    std::string codename;     ///< os-release VERSION_CODENAME ("bookworm"); may be empty
    std::string pretty_name;  ///< os-release PRETTY_NAME; may be empty
    /// etc/debian_version or etc/alpine-release as written ("12.10", "3.19.1"); may be empty.
    std::string release_file;
};

/// One installed package.
struct InstalledPackage {
    std::string name;
    std::string version;
    std::string architecture;  ///< "amd64", "all", "x86_64"; may be empty for apk
    /// The source package (dpkg Source, apk origin); equals `name` when the database names
    /// none.
    std::string source_name;
    /// The source package's version (dpkg "Source: name (version)"); equals `version` when
    /// the database gives none.
    std::string source_version;
    std::string multi_arch;  ///< dpkg Multi-Arch ("same", "foreign", "allowed"), else empty
    /// dpkg's package state ("installed", "unpacked", "half-configured", ...); "installed"
    /// for apk.
    std::string state;
    std::string purl;  ///< canonical package URL (see docs/hardening.md)
    /// Regular files and symlinks the package installed, as the container sees them
    /// ("/usr/bin/ls"), sorted and unique. Directories are left out: packages share them.
    std::vector<std::string> files;
    std::string where;  ///< the database stanza: "var/lib/dpkg/status:line 120"
};

/// A part of the database that was skipped (a counted skip, not a failure).
struct InventoryProblem {
    std::string file;   ///< path inside the root filesystem
    std::string where;  ///< "line 12", or empty
    std::string message;
};

/// Bounds against hostile or broken root filesystems.
struct InventoryLimits {
    std::size_t max_database_bytes = std::size_t{256} << 20;  ///< status, installed
    std::size_t max_list_bytes = std::size_t{64} << 20;       ///< one dpkg .list file
    std::size_t max_small_file_bytes = std::size_t{1} << 20;  ///< os-release and the like
    std::size_t max_line_bytes = std::size_t{1} << 20;
    std::size_t max_packages = 200000;
    std::size_t max_files = 20000000;  ///< files over all packages
    std::size_t max_symlinks = 40;     ///< per path resolution, as the kernel's limit
};

/// How to_cyclonedx() writes the SBOM.
struct CycloneDxOptions {
    /// Name of the SBOM's subject (metadata.component); default: the root filesystem's
    /// directory name.
    std::string subject_name;
    /// RFC 3339 time for metadata.timestamp; empty: now (SOURCE_DATE_EPOCH when set).
    std::string timestamp;
    /// List every package's files as evidence.occurrences, so that `rtguard match
    /// --baseline` can cross an SBOM with a baseline without the root filesystem.
    bool include_files = false;
};

/// The installed packages of a root filesystem (or of an SBOM that lists their files).
///
/// Every path is resolved by rtguard itself inside the root: absolute symlinks and ".."
/// stay inside it, as they would for a process chrooted there, and no file outside the root
/// is ever opened. Only regular files are read, each within InventoryLimits. Copyable.
class RootfsInventory {
public:
    /// Reads the dpkg database (var/lib/dpkg/status and info/<pkg>[:<arch>].list, diversions)
    /// or else the apk database (lib/apk/db/installed) of `rootfs`, and its release files.
    /// Packages in dpkg states without files on disk (not-installed, config-files) are left
    /// out and counted. Throws rtguard::Error naming the file (as a path inside the root) and
    /// line: errc::parse_error for malformed stanzas, errc::bad_value for an invalid package
    /// name, architecture or state, errc::missing_field for an installed package without a
    /// version, errc::limit_exceeded past a limit, errc::invalid_argument when there is no
    /// package database, and OS errors (with errno) for unreadable files. A missing or
    /// unreadable .list file is a problem(), not an error.
    static RootfsInventory read(const std::string& rootfs, const InventoryLimits& limits = {});

    /// Reads a CycloneDX JSON SBOM that lists components' files as evidence.occurrences (as
    /// to_cyclonedx() with include_files writes). Components without occurrences have no
    /// files. Throws rtguard::Error naming the file and JSON path when it is not such an SBOM.
    static RootfsInventory read_cyclonedx_files(const std::string& path,
                                                const InventoryLimits& limits = {});

    /// The root filesystem's absolute path; empty for an inventory read from an SBOM.
    const std::string& rootfs() const noexcept { return rootfs_; }
    PackageDb database() const noexcept { return database_; }
    const OsInfo& os() const noexcept { return os_; }
    /// Sorted by name, then architecture.
    const std::vector<InstalledPackage>& packages() const noexcept { return packages_; }
    const std::vector<InventoryProblem>& problems() const noexcept { return problems_; }
    /// dpkg stanzas left out because their package has no files installed.
    std::size_t not_installed() const noexcept { return not_installed_; }

    /// The CycloneDX 1.5 JSON SBOM: an operating-system component (when the release is
    /// known) and one component per package with its purl, and properties naming the source
    /// package. Deterministic apart from the timestamp.
    std::string to_cyclonedx(const CycloneDxOptions& options = {}) const;

private:
    std::string rootfs_;
    PackageDb database_ = PackageDb::dpkg;
    OsInfo os_;
    std::vector<InstalledPackage> packages_;
    std::vector<InventoryProblem> problems_;
    std::size_t not_installed_ = 0;

    friend struct InventoryBuilder;
};

/// The canonical package URL of a distribution package: pkg:deb/<os id>/<name>@<version>
/// or pkg:apk/<os id>/..., with the qualifiers arch, distro (<id>-<version id>) and
/// upstream (the source package, "name" or "name@version", when it differs). Exposed for
/// tests and for tools that build inventories of their own.
std::string distro_package_purl(PackageDb db, const OsInfo& os, const InstalledPackage& p);

/// How much of a package a workload was seen to use.
enum class PackageUse {
    used,     ///< a file of the package was executed or opened
    pattern,  ///< only a generalized path (a baseline pattern) matches some of its files
    unused,   ///< nothing of it was touched: a candidate for removal
};

std::string_view to_string(PackageUse use) noexcept;

/// One package and the baseline paths that touched it.
struct PackageUsage {
    std::string name;
    std::string version;
    std::string architecture;
    std::string purl;
    std::string source_name;  ///< the source package (see InstalledPackage)
    std::string source_version;
    PackageUse use = PackageUse::unused;
    std::size_t file_count = 0;         ///< files the package installed
    std::vector<std::string> executed;  ///< baseline executable paths owned by the package
    std::vector<std::string> opened;    ///< baseline file paths (and pattern samples)
    std::vector<std::string> patterns;  ///< baseline patterns matching some of its files
};

/// A baseline crossed with an inventory.
struct UsageReport {
    std::string rootfs;                  ///< the inventory's root filesystem, may be empty
    std::vector<std::string> workloads;  ///< profiles that were united, "workload@digest"
    std::vector<PackageUsage> packages;  ///< same order as the inventory's packages
    /// Baseline paths no package owns (files the workload created, /proc, /dev, ...).
    std::vector<std::string> unowned;
    std::size_t used = 0;
    std::size_t pattern_only = 0;
    std::size_t unused = 0;
    /// True when the profiles lost events while learning: an "unused" package may have been
    /// used unseen.
    bool lossy = false;
};

/// Crosses the profiles (united) with the inventory. A baseline path is compared as the
/// container sees it: with a root filesystem, both the path and each package file are
/// resolved through the root's own symlinks (so /bin/ls and /usr/bin/ls meet on a merged-
/// /usr system, and a library's soname link meets its file); without one (an inventory from
/// an SBOM) the /usr-merge aliases /bin, /sbin, /lib, /lib32, /lib64 and /libx32 are folded
/// into /usr. Literal files and executables, the interpreters, scripts and loaded programs
/// of executables, and pattern samples count as use; a pattern matching a package file
/// marks it `pattern`. Throws rtguard::Error when the root filesystem cannot be opened.
UsageReport analyze_usage(const RootfsInventory& inventory,
                          const std::vector<const Profile*>& profiles,
                          const InventoryLimits& limits = {});

/// The report as JSON (format "rtguard-usage", schema 1; see docs/hardening.md).
std::string usage_to_json(const UsageReport& report);
/// The report as a text table, used packages first, then a summary line.
std::string usage_to_table(const UsageReport& report);

/// Whether the component of one finding was used at runtime.
struct FindingUse {
    PackageUse use = PackageUse::unused;
    bool known = false;              ///< false: no package of the inventory matches it
    std::string package;             ///< the package whose use decided the mark
    std::vector<std::string> paths;  ///< baseline paths that touched the package (first few)
};

/// Marks each finding with the use of its component and orders findings: used first, then
/// pattern-only, then unused or unknown, keeping the matcher's order within each group.
/// A finding's component is found by purl, else by name and the purl's version, else by
/// name. Distribution advisories concern source packages and a matcher may report one
/// binary package for all of a source's (libc-bin for glibc): the mark is the best use of
/// any package built from the same source and version (libc6 running marks a glibc
/// finding filed under libc-bin). Returns one mark per finding, in the new order.
std::vector<FindingUse> order_findings_by_use(MatchResult& result, const UsageReport& usage);

/// findings_to_json() with "use", "in_use" and "used_paths" added to each finding and a
/// "usage" summary object at the top (see docs/hardening.md). `marks` is aligned with
/// result.findings.
std::string findings_with_use_to_json(const MatchResult& result, const MatchOptions& options,
                                      const std::vector<FindingUse>& marks,
                                      const UsageReport& usage);
/// findings_to_sarif() with "rtguard/use" and "rtguard/in_use" in each result's properties.
std::string findings_with_use_to_sarif(const MatchResult& result,
                                       const std::vector<FindingUse>& marks);

}  // namespace rtguard

// rtguard sbom: the CycloneDX SBOM of a root filesystem, from its package database.
#include <fmt/core.h>

#include "cli.hpp"
#include "core/atomic_file.hpp"
#include "rtguard/inventory.hpp"
#include "rtguard/log.hpp"

namespace rtguard::cli {

// Shared with cmd_usage.cpp: says what an inventory skipped, the first few in full.
void report_inventory_problems(const RootfsInventory& inventory);

void report_inventory_problems(const RootfsInventory& inventory) {
    const auto& problems = inventory.problems();
    if (problems.empty()) return;
    log(LogLevel::warning,
        fmt::format("{} parts of the package database were skipped", problems.size()));
    std::size_t shown = 0;
    for (const auto& p : problems) {
        if (shown++ == 5 && !std::getenv("RTGUARD_DEBUG")) break;
        log(LogLevel::warning,
            fmt::format("{}{}{}: {}", p.file, p.where.empty() ? "" : ":", p.where, p.message));
    }
}

namespace {

constexpr const char* sbom_usage =
    "usage: rtguard sbom ROOTFS [-o SBOM] [--name NAME] [--files]\n"
    "\n"
    "Reads the dpkg database (var/lib/dpkg) or the apk database (lib/apk/db) of the root\n"
    "filesystem ROOTFS and writes its packages as a CycloneDX 1.5 JSON SBOM, with an\n"
    "operating-system component and package URLs (see docs/hardening.md). Paths are resolved\n"
    "inside ROOTFS: its symlinks never lead outside it.\n"
    "\n"
    "  -o, --output FILE  write there (atomically) instead of standard output\n"
    "  --name NAME        the SBOM's subject (default: the name of ROOTFS's directory)\n"
    "  --files            list each package's files as evidence.occurrences, so that\n"
    "                     'rtguard match --baseline' and 'rtguard usage --sbom' work\n"
    "                     without ROOTFS\n"
    "\n"
    "Exit status: 0 when the SBOM was written, 2 on errors.\n";

int run_sbom(const std::vector<std::string>& args) {
    auto a = parse_args(args, {"--help", "-o=", "--output=", "--name=", "--files"});
    if (a.has("--help")) {
        fmt::print("{}", sbom_usage);
        return 0;
    }
    if (a.positional.size() != 1) throw UsageError("expected exactly one root filesystem");

    RootfsInventory inventory = RootfsInventory::read(a.positional[0]);
    report_inventory_problems(inventory);

    CycloneDxOptions options;
    options.subject_name = a.get("--name").value_or("");
    options.include_files = a.has("--files");
    std::string output = a.get("--output").value_or(a.get("-o").value_or("-"));
    detail::write_file_atomic(output, inventory.to_cyclonedx(options));

    const OsInfo& os = inventory.os();
    fmt::print(stderr, "rtguard sbom: {} packages ({} {}, {} database) written to {}\n",
               inventory.packages().size(), os.id.empty() ? "unknown system" : os.id, os.version_id,
               to_string(inventory.database()), output == "-" ? "standard output" : output);
    return 0;
}

}  // namespace

extern const Command sbom_command;
const Command sbom_command{"sbom", "write the CycloneDX SBOM of a root filesystem", run_sbom};

}  // namespace rtguard::cli

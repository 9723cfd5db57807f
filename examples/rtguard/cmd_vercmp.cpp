// rtguard vercmp: compare two versions by an ecosystem's own rules.
#include <cstdio>
#include <iostream>
#include <string>

#include <fmt/core.h>

#include "cli.hpp"
#include "rtguard/error.hpp"
#include "rtguard/version.hpp"

namespace rtguard::cli {
namespace {

constexpr const char* vercmp_usage =
    "usage: rtguard vercmp ECOSYSTEM A B\n"
    "       rtguard vercmp ECOSYSTEM --batch < PAIRS\n"
    "\n"
    "Prints '<', '=' or '>' as version A sorts before, equal to or after version B under\n"
    "ECOSYSTEM's rules. ECOSYSTEM is an OSV ecosystem name (\"Debian:12\", \"PyPI\", \"npm\",\n"
    "\"Maven\", ...) or a scheme name: debian, alpine, rpm, semver, go, pep440, maven,\n"
    "rubygems, nuget, packagist. Versions that start with '-' go after \"--\".\n"
    "\n"
    "  --batch   read pairs \"A B\" (one per line, separated by a tab or a space) from\n"
    "            standard input and print one result per line; a bad version prints\n"
    "            \"error: MESSAGE\" on its line and the exit status is 2 at the end\n"
    "\n"
    "Exit status: 0 when compared, 2 on a bad version or usage.\n";

VersionScheme scheme_named(const std::string& name) {
    if (auto s = scheme_for_ecosystem(name)) return *s;
    if (auto s = version_scheme_from_string(name)) return *s;
    throw UsageError(fmt::format("unknown ecosystem or version scheme '{}'", name));
}

const char* symbol(int order) {
    return order < 0 ? "<" : order > 0 ? ">" : "=";
}

int run_batch(VersionScheme scheme) {
    int status = 0;
    std::string line;
    while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        size_t sep = line.find('\t');
        if (sep == std::string::npos) sep = line.find(' ');
        if (sep == std::string::npos) {
            fmt::print("error: expected two versions on the line\n");
            status = exit_usage;
            continue;
        }
        try {
            fmt::print("{}\n",
                       symbol(compare_versions(scheme, line.substr(0, sep), line.substr(sep + 1))));
        } catch (const Error& e) {
            fmt::print("error: {}\n", e.message());
            status = exit_usage;
        }
    }
    std::fflush(stdout);
    return status;
}

int run_vercmp(const std::vector<std::string>& args) {
    auto a = parse_args(args, {"--help", "--batch"});
    if (a.has("--help")) {
        fmt::print("{}", vercmp_usage);
        return 0;
    }
    std::vector<std::string> words = a.positional;
    words.insert(words.end(), a.rest.begin(), a.rest.end());
    if (words.empty()) throw UsageError("ECOSYSTEM is required");
    VersionScheme scheme = scheme_named(words[0]);

    if (a.has("--batch")) {
        if (words.size() != 1) throw UsageError("--batch takes the pairs on standard input");
        return run_batch(scheme);
    }
    if (words.size() != 3) throw UsageError("expected ECOSYSTEM A B");
    try {
        fmt::print("{}\n", symbol(compare_versions(scheme, words[1], words[2])));
    } catch (const Error& e) {
        fmt::print(stderr, "rtguard vercmp: {}\n", e.message());
        return exit_usage;
    }
    return 0;
}

}  // namespace

extern const Command vercmp_command;
const Command vercmp_command{"vercmp", "compare two versions by an ecosystem's rules", run_vercmp};

}  // namespace rtguard::cli

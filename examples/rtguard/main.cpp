// rtguard: learn baselines, detect deviations and drift, and match SBOMs against advisories.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "cli.hpp"
#include "rtguard/error.hpp"
#include "rtguard/log.hpp"

namespace rtguard::cli {
// Each subcommand lives in its own cmd_<name>.cpp.
extern const Command profile_command, monitor_command, record_command;
extern const Command vercmp_command;
extern const Command match_command, watch_command;
extern const Command sbom_command, usage_command, seccomp_command;
extern const Command learn_command, detect_command, show_command;
}  // namespace rtguard::cli

namespace {

using rtguard::cli::Command;

const Command commands[] = {
    {"help", "show this help", nullptr}, rtguard::cli::learn_command,
    rtguard::cli::detect_command,        rtguard::cli::show_command,
    rtguard::cli::profile_command,       rtguard::cli::monitor_command,
    rtguard::cli::record_command,        rtguard::cli::vercmp_command,
    rtguard::cli::match_command,         rtguard::cli::watch_command,
    rtguard::cli::sbom_command,          rtguard::cli::usage_command,
    rtguard::cli::seccomp_command,
};

void print_help() {
    fmt::print(
        "usage: rtguard COMMAND [ARGS...]\n\n"
        "Runtime security for containers: behavioral baselines, anomaly and drift\n"
        "detection, and CVE matching of SBOMs.\n\ncommands:\n");
    for (const auto& c : commands)
        fmt::print("  {:<10} {}\n", c.name, c.summary);
    fmt::print("\nRun 'rtguard COMMAND --help' for a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
    rtguard::set_log_sink([](rtguard::LogLevel level, std::string_view msg) {
        static const char* names[] = {"debug", "info", "warning", "error"};
        if (level == rtguard::LogLevel::debug && !std::getenv("RTGUARD_DEBUG")) return;
        fmt::print(stderr, "rtguard: {}: {}\n", names[static_cast<int>(level)], msg);
    });

    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
        !std::strcmp(argv[1], "help")) {
        print_help();
        return argc < 2 ? rtguard::cli::exit_usage : 0;
    }

    std::string name = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto& c : commands) {
        if (name != c.name || !c.run) continue;
        try {
            return c.run(args);
        } catch (const rtguard::cli::UsageError& e) {
            fmt::print(stderr, "rtguard {}: {}\nTry 'rtguard {} --help'.\n", name, e.what(), name);
            return rtguard::cli::exit_usage;
        } catch (const std::exception& e) {
            fmt::print(stderr, "rtguard {}: error: {}\n", name, e.what());
            return rtguard::cli::exit_usage;
        }
    }
    fmt::print(stderr, "rtguard: unknown command '{}'\nTry 'rtguard --help'.\n", name);
    return rtguard::cli::exit_usage;
}

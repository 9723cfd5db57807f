// The rtguard program: shared pieces of its subcommands.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rtguard::cli {

/// A subcommand: `run` gets the arguments after the subcommand's name and returns the
/// process exit status. Errors it does not handle are printed by main() (status 2).
struct Command {
    const char* name;
    const char* summary;  ///< one line for `rtguard --help`
    int (*run)(const std::vector<std::string>& args);
};

/// Exit status for a usage error (bad option, missing argument).
inline constexpr int exit_usage = 2;

/// Thrown by the parser on a usage error; main() prints it with the subcommand's help hint.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A small getopt-like parser. Options are declared as "--name" (flag) or "--name=" (takes
/// a value, given as "--name V" or "--name=V"); repeated value options accumulate.
/// Everything else is positional; "--" ends options and the rest is kept in `rest`.
struct ParsedArgs {
    std::map<std::string, std::vector<std::string>> values;
    std::vector<std::string> positional;
    std::vector<std::string> rest;  ///< after "--"
    bool has(const std::string& name) const { return values.count(name) > 0; }
    std::optional<std::string> get(const std::string& name) const;
    std::vector<std::string> all(const std::string& name) const;
};

ParsedArgs parse_args(const std::vector<std::string>& args,
                      const std::vector<std::string>& options);

/// `text` fit for a terminal line: control bytes, backslashes and bytes that are not UTF-8
/// written as escapes (\n, \t, \\, \xNN), so that a file name cannot break or forge a line.
std::string printable(std::string_view text);

/// The longest duration an option takes: ten years.
inline constexpr double max_duration_seconds = 10 * 365.0 * 86400;

/// Parses durations like "30s", "5m", "2h", "1d", "1500ms" or plain seconds, up to
/// max_duration_seconds; throws UsageError.
double parse_duration_seconds(const std::string& text);

}  // namespace rtguard::cli

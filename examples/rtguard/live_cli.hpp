// The rtguard program: pieces shared by the live subcommands (profile, monitor, record).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "rtguard/event.hpp"
#include "rtguard/event_source.hpp"
#include "rtguard/live.hpp"

namespace rtguard::cli {

/// What to watch: exactly one of a command to start, a cgroup or a running process tree.
struct LiveTarget {
    std::vector<std::string> command;  ///< after "--"
    std::string cgroup;
    pid_t pid = 0;
    std::string workload;  ///< workload key to use instead of the default
    double duration = 0;   ///< seconds; 0 for no limit
    /// A started command's standard output goes to rtguard's standard error, for when
    /// rtguard's own output is a file that the command must not write into.
    bool command_stdout_to_stderr = false;
};

/// Whether writing `output` ("-", /dev/stdout, ...) lands on rtguard's standard output, where
/// a started command's output must then not go.
bool writes_to_stdout(const std::string& output);

/// How a live run ended.
struct LiveRun {
    std::string workload;
    bool command = false;
    int wait_status = 0;  ///< the command's, when `command`
    bool interrupted = false;
    bool asked_to_end = false;  ///< rtguard sent the command a signal to end it
    SourceCounters counters;
};

/// Options every live subcommand takes, for parse_args.
extern const std::vector<std::string> live_target_options;
/// Their help text, for the subcommands' usage.
extern const char* const live_target_help;

/// The target the parsed arguments name; throws UsageError unless exactly one is given.
LiveTarget parse_live_target(const ParsedArgs& a);

/// The exit status a shell would show for a wait status.
int exit_status_of(int wait_status);

/// Watches `target` and hands every batch of events to `on_events` (also empty batches, at
/// least every poll interval, so it can decide on time). Watching ends when the command
/// exits, the duration passes, a signal arrives or `on_events` returns false; a started
/// command is then asked to end (SIGTERM, SIGKILL ten seconds later) and waited for. The
/// events still buffered are handed over before returning. `on_start` learns the workload key
/// before the first event. Throws rtguard::Error when the source cannot start.
LiveRun run_live(const LiveTarget& target, BpfSourceOptions options,
                 const std::function<void(const std::string&)>& on_start,
                 const std::function<bool(const std::vector<Event>&)>& on_events);

/// Reports lost events and a failed command on stderr after a live run.
void report_live_run(const char* command, const LiveRun& run);

}  // namespace rtguard::cli

// The rtguard program: the pieces its live subcommands (profile, monitor, record) share:
// choosing what to watch, the poll loop, signals.
#include "live_cli.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include <fmt/core.h>

#include "core/atomic_file.hpp"
#include "rtguard/error.hpp"
#include "rtguard/log.hpp"

namespace rtguard::cli {

const std::vector<std::string> live_target_options = {
    "--cgroup=", "--pid=", "--workload=", "--duration="};

const char* const live_target_help =
    "What to watch (exactly one):\n"
    "  -- CMD [ARGS...]   start CMD and watch it and everything it starts; its workload is\n"
    "                     \"command:<name of CMD>\" unless --workload says otherwise\n"
    "  --cgroup PATH      every process in the cgroup v2 directory PATH (a container's\n"
    "                     cgroup gives \"container:<id>\", others \"cgroup:<id>\")\n"
    "  --pid PID          process PID, its descendants and what they start\n"
    "\n"
    "  --workload NAME    workload key for the watched processes\n"
    "  --duration D       stop after D (30s, 5m, 2h; 0 for no limit, the default); a\n"
    "                     command then gets SIGTERM\n"
    "\n"
    "Needs root (or CAP_BPF and CAP_PERFMON) and a kernel with BTF. SIGINT or SIGTERM ends\n"
    "watching cleanly (a started command gets the signal and is waited for); what was\n"
    "collected is still written.\n";

bool writes_to_stdout(const std::string& output) {
    try {
        return detail::resolve_output(output).fd == STDOUT_FILENO;
    } catch (const Error&) {
        return false;  // reported when the output is checked or written
    }
}

LiveTarget parse_live_target(const ParsedArgs& a) {
    LiveTarget t;
    t.command = a.rest;
    t.cgroup = a.get("--cgroup").value_or("");
    if (auto pid = a.get("--pid")) {
        char* end = nullptr;
        long v = std::strtol(pid->c_str(), &end, 10);
        if (pid->empty() || *end || v <= 0) throw UsageError("--pid: expected a process id");
        t.pid = static_cast<pid_t>(v);
    }
    t.workload = a.get("--workload").value_or("");
    if (auto d = a.get("--duration")) t.duration = parse_duration_seconds(*d);
    int targets = !t.command.empty() + !t.cgroup.empty() + (t.pid != 0);
    if (targets != 1) throw UsageError("give exactly one of -- CMD, --cgroup PATH or --pid PID");
    if (!a.positional.empty()) throw UsageError("unexpected argument " + a.positional[0]);
    return t;
}

namespace {

volatile sig_atomic_t pending_signal = 0;

void on_signal(int sig) {
    pending_signal = sig;
}

/// Catches SIGINT and SIGTERM for the lifetime of the object, without SA_RESTART so that a
/// blocking poll returns.
class SignalCatcher {
public:
    SignalCatcher() {
        pending_signal = 0;
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int_);
        sigaction(SIGTERM, &sa, &old_term_);
    }
    ~SignalCatcher() {
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
    }
    SignalCatcher(const SignalCatcher&) = delete;
    SignalCatcher& operator=(const SignalCatcher&) = delete;

    /// The signal caught since the last call, or 0.
    int take() {
        int sig = pending_signal;
        pending_signal = 0;
        return sig;
    }

private:
    struct sigaction old_int_ {
    }, old_term_{};
};

std::string command_name(const std::string& argv0) {
    auto slash = argv0.rfind('/');
    return slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
}

}  // namespace

int exit_status_of(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 1;
}

LiveRun run_live(const LiveTarget& target, BpfSourceOptions options,
                 const std::function<void(const std::string&)>& on_start,
                 const std::function<bool(const std::vector<Event>&)>& on_events) {
    using Clock = std::chrono::steady_clock;
    SignalCatcher signals;
    BpfSource source(std::move(options));
    LiveRun run;

    // Loading takes a moment; a signal that came meanwhile means: do not start anything.
    if (signals.take()) {
        run.interrupted = true;
        run.workload = target.workload;
        return run;
    }

    pid_t child = 0;
    if (!target.cgroup.empty()) {
        run.workload = source.watch_cgroup(target.cgroup, target.workload);
    } else if (target.pid) {
        run.workload = source.watch_pid(target.pid, target.workload);
    } else {
        std::string key = target.workload.empty() ? "command:" + command_name(target.command[0])
                                                  : target.workload;
        on_start(key);  // before the first event can arrive
        if (target.command_stdout_to_stderr) {
            // The child inherits the swapped descriptor; rtguard gets its own back at once.
            std::fflush(stdout);
            int saved = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
            if (saved < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
                throw Error::from_errno(errno, "cannot redirect the command's output");
            }
            try {
                child = source.spawn(target.command, key);
            } catch (...) {
                ::dup2(saved, STDOUT_FILENO);
                ::close(saved);
                throw;
            }
            ::dup2(saved, STDOUT_FILENO);
            ::close(saved);
        } else {
            child = source.spawn(target.command, key);
        }
        run.workload = key;
        run.command = true;
    }
    if (!run.command) on_start(run.workload);
    log(LogLevel::info, fmt::format("watching {} (hook set {})", run.workload, source.hook_set()));

    // Poll until the target is done.
    auto deadline = target.duration > 0
                        ? Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(target.duration))
                        : Clock::time_point::max();
    std::optional<Clock::time_point> kill_at;
    bool ending = false;  // stop watching; a command is being asked to end
    std::vector<Event> batch;
    auto end_command = [&](int sig) {
        if (!child) return;
        ::kill(child, sig);
        run.asked_to_end = true;
        if (!kill_at) kill_at = Clock::now() + std::chrono::seconds(10);
    };
    for (;;) {
        batch.clear();
        source.next_batch(batch, 4096);
        if (!on_events(batch) && !ending) {
            ending = true;
            end_command(SIGTERM);
        }

        if (child) {
            pid_t r = ::waitpid(child, &run.wait_status, WNOHANG);
            if (r == child) break;
            if (r < 0 && errno != EINTR) throw Error::from_errno(errno, "waitpid failed");
        }
        if (int sig = signals.take()) {
            run.interrupted = true;
            if (!child) break;
            // A second signal does not wait for the command any longer.
            end_command(ending ? SIGKILL : sig);
            ending = true;
        }
        if (!ending && Clock::now() >= deadline) {
            ending = true;
            if (!child) break;
            end_command(SIGTERM);
        }
        if (ending && !child) break;
        if (kill_at && Clock::now() >= *kill_at) {
            ::kill(child, SIGKILL);
            kill_at = Clock::now() + std::chrono::hours(24);
        }
    }

    // What is still in the ring buffer belongs to the run.
    source.stop();
    while (!source.at_end()) {
        batch.clear();
        source.next_batch(batch, 4096);
        on_events(batch);
    }
    run.counters = source.counters();
    return run;
}

void report_live_run(const char* command, const LiveRun& run) {
    if (auto lost = run.counters.lost_total())
        fmt::print(stderr, "rtguard {}: warning: {} events were lost (see the lost events)\n",
                   command, lost);
    if (run.command && exit_status_of(run.wait_status) != 0)
        fmt::print(stderr, "rtguard {}: the command exited with status {}{}\n", command,
                   exit_status_of(run.wait_status),
                   run.asked_to_end ? " after it was asked to end" : "");
}

}  // namespace rtguard::cli

// rtguard seccomp: an OCI seccomp profile allowing exactly what a baseline's workload called.
#include <fmt/core.h>

#include <algorithm>
#include <string_view>

#include "cli.hpp"
#include "core/atomic_file.hpp"
#include "rtguard/baseline.hpp"
#include "rtguard/error.hpp"

namespace rtguard::cli {

// From cmd_usage.cpp.
std::vector<const Profile*> select_profiles(const Baseline& baseline,
                                            const std::vector<std::string>& workloads,
                                            const std::string& file);

namespace {

// What runc 1.1 itself calls after it loaded the filter and before it executes the
// workload (libcontainer's standard init, with noNewPrivileges): it closes its sync and log
// pipes, checks that /proc/self/fd is procfs (fstatfs), lists it to close leaked
// descriptors, reopens the exec FIFO through it and writes to it, then executes the
// program. Found by removing one syscall at a time under a workload that calls almost
// nothing (see docs/hardening.md).
constexpr const char* runc_syscalls[] = {
    "close", "execve", "fstatfs", "futex", "getdents64", "openat", "rt_sigreturn", "write",
};

// What the Go runtime of runc's init may call at any moment in that window: waking or
// parking threads, signals, returning memory, the netpoller. Not seen in every run, so a
// filter without them fails now and then.
constexpr const char* go_runtime_syscalls[] = {
    "epoll_ctl", "epoll_pwait", "exit_group",     "getpid",      "gettid",      "madvise", "mmap",
    "munmap",    "nanosleep",   "rt_sigprocmask", "sched_yield", "sigaltstack", "tgkill",
};

constexpr const char* seccomp_usage =
    "usage: rtguard seccomp --baseline FILE [-o PROFILE] [--workload NAME...]\n"
    "                       [--runtime runc]\n"
    "\n"
    "Writes an OCI seccomp profile (the linux.seccomp object of a runtime's config.json) that\n"
    "allows exactly the syscalls the baseline's workload used on x86_64; every other syscall\n"
    "fails with EPERM. Several profiles (several workloads or images) allow what any of them\n"
    "used.\n"
    "\n"
    "  --baseline FILE     the baseline (rtguard profile, learn); its syscalls must have been\n"
    "                      recorded from the workload's first exec on: profile the container's\n"
    "                      cgroup from before 'runc start' (see docs/hardening.md)\n"
    "  -o, --output FILE   write there (atomically) instead of standard output\n"
    "  --workload NAME     only this workload's profile (repeatable; default: all profiles)\n"
    "  --runtime runc      also allow what runc itself calls between loading the filter and\n"
    "                      executing the workload, for baselines that did not see it\n"
    "\n"
    "Exit status: 0 when the profile was written, 2 on errors.\n";

Event syscall_event(std::int32_t nr, std::string_view name, std::uint64_t time_ns) {
    Event e;
    e.kind = EventKind::syscall;
    e.time_ns = time_ns;
    e.syscall_nr = nr;
    e.syscall_name = std::string(name);
    return e;
}

int run_seccomp(const std::vector<std::string>& args) {
    auto a = parse_args(args,
                        {"--help", "--baseline=", "-o=", "--output=", "--workload=", "--runtime="});
    if (a.has("--help")) {
        fmt::print("{}", seccomp_usage);
        return 0;
    }
    if (!a.positional.empty()) throw UsageError("unexpected argument " + a.positional[0]);
    auto baseline_file = a.get("--baseline");
    if (!baseline_file) throw UsageError("--baseline is needed");
    std::string runtime = a.get("--runtime").value_or("");
    if (!runtime.empty() && runtime != "runc") throw UsageError("--runtime: only runc is known");

    Baseline baseline = Baseline::load(*baseline_file);
    auto profiles = select_profiles(baseline, a.all("--workload"), *baseline_file);

    // Checked before the runtime's syscalls are added, which would hide an empty baseline.
    bool any_syscall = std::any_of(profiles.begin(), profiles.end(), [](const Profile* p) {
        return p->event_count(EventKind::syscall) > 0;
    });
    if (!any_syscall) {
        throw Error(errc::invalid_argument,
                    "no selected profile has syscall events; a seccomp profile from them would "
                    "allow nothing",
                    *baseline_file);
    }

    // The first profile stands for all: the others' syscalls and the runtime's are added to
    // a copy of it as if it had seen them.
    Profile merged = *profiles.front();
    for (std::size_t i = 1; i < profiles.size(); ++i) {
        for (const SyscallEntry& s : profiles[i]->syscalls())
            merged.learn(syscall_event(s.nr, s.name, merged.last_ns()));
    }
    if (runtime == "runc") {
        std::vector<const char*> names(std::begin(runc_syscalls), std::end(runc_syscalls));
        names.insert(names.end(), std::begin(go_runtime_syscalls), std::end(go_runtime_syscalls));
        for (const char* name : names) {
            auto nr = x86_64_syscall_number(name);
            if (!nr) throw Error(errc::invalid_argument, fmt::format("unknown syscall {}", name));
            merged.learn(syscall_event(*nr, name, merged.last_ns()));
        }
    }

    std::string profile = merged.seccomp_profile();
    std::string output = a.get("--output").value_or(a.get("-o").value_or("-"));
    detail::write_file_atomic(output, profile);
    fmt::print(stderr, "rtguard seccomp: {} syscalls allowed, written to {}\n",
               merged.seccomp_syscalls().size(), output == "-" ? "standard output" : output);
    return 0;
}

}  // namespace

extern const Command seccomp_command;
const Command seccomp_command{"seccomp", "write an OCI seccomp profile from a baseline",
                              run_seccomp};

}  // namespace rtguard::cli

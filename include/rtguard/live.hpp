// rtguard/live.hpp: events from the running kernel, collected by rtguard's eBPF programs.
// See docs/live.md for what is collected, how and with which limits.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rtguard/event_source.hpp"

namespace rtguard {

struct BpfSourceOptions {
    /// Size of the kernel-to-user ring buffer in bytes: a power of two, at least one page.
    /// When it fills up, records are dropped in the kernel and reported as lost events.
    std::size_t ring_buffer_bytes = std::size_t{8} << 20;
    /// How long next_batch() waits for a record before returning 0. Fork, exit and syscall
    /// records do not wake the reader (unless the ring buffer is a quarter full): they are
    /// delivered within this time, or with the next record that does.
    int poll_timeout_ms = 100;
    /// Drop repeats in the kernel: an exec of the same file by the same name, an open of the
    /// same path with the same flags from the same directory, the same network endpoint and
    /// the same io_uring operation reach user space once per workload. Turn off to record
    /// every event. Syscall events are first uses whatever this says.
    bool dedupe = true;
    /// Keys the kernel's dedupe cache behind `dedupe` holds (in sets of four; a new key may
    /// displace an old one of its set, whose event can then be reported again).
    std::size_t dedupe_entries = 65536;
    /// Processes of watched trees the kernel can track; a fork beyond it is reported lost.
    std::size_t max_tree_processes = 65536;
    std::size_t max_cgroups = 1024;  ///< cgroups that can be watched at once
    /// The kernel finds a watched process's workload in a table indexed by tgid, and a
    /// watched cgroup in one indexed by cgroup id, falling back to hash maps for what the
    /// tables cannot hold. Off (for tests), the tables stay empty and every lookup takes the
    /// maps.
    bool lookup_tables = true;
    /// Which kernel hooks to use: empty picks the first hook set the kernel accepts, in the
    /// order "tp_btf", "raw_tp"; a name forces that set.
    std::string hook_set;
    /// Events decoded ahead of next_batch() before the ring buffer is left to fill up.
    std::size_t max_pending = 65536;
};

/// Live events of watched workloads, from eBPF programs on kernel tracepoints. Only watched
/// workloads produce events: cgroups (watch_cgroup) and process trees (watch_pid, spawn).
///
/// Construction loads and attaches the programs; the destructor detaches them. Throws
/// rtguard::Error with errc::unsupported when the process lacks the privileges (root, or
/// CAP_BPF with CAP_PERFMON) or the kernel lacks BTF, and errc::kernel_refused when the
/// kernel refuses a program, naming the program and libbpf's reason. libbpf's messages go to
/// rtguard::log. Not safe for concurrent use.
class BpfSource final : public EventSource {
public:
    explicit BpfSource(BpfSourceOptions options = {});
    ~BpfSource() override;
    BpfSource(const BpfSource&) = delete;
    BpfSource& operator=(const BpfSource&) = delete;

    /// Watches every process in the cgroup v2 directory `path` (e.g.
    /// /sys/fs/cgroup/system.slice/docker-<id>.scope). Returns the workload key its events
    /// carry: `key` when given, else the container key when the path names a container, else
    /// "cgroup:<id>". Throws rtguard::Error when the path is not a cgroup v2 directory.
    std::string watch_cgroup(const std::string& path, std::string key = {});

    /// Watches process `pid`, its current descendants and every process they start. Returns
    /// the workload key (`key`, or "tree:<pid>"). Throws rtguard::Error(errc::invalid_argument)
    /// when there is no such process.
    std::string watch_pid(pid_t pid, std::string key = {});

    /// Starts `argv` (argv[0] is looked up in PATH) as a watched process tree and returns its
    /// pid. The child is held between fork and exec until it is watched, so its first exec is
    /// seen; what it does before that exec (this program's code) is not reported, except the
    /// use of execve. Its workload key is `key`, or "tree:<pid>". The caller reaps it
    /// (waitpid).
    /// Throws rtguard::Error with the errno when the command cannot be run.
    pid_t spawn(const std::vector<std::string>& argv, std::string key = {});

    /// The workload key of a watched tree root or cgroup, as events carry it.
    std::string workload_of_pid(pid_t pid) const;

    /// Detaches the programs and hands out what is still buffered; at_end() is true once
    /// that is drained. Call it after the watched command ended to get its last events.
    void stop();

    std::size_t next_batch(std::vector<Event>& out, std::size_t max) override;
    bool at_end() const override;
    SourceCounters counters() const override;
    std::vector<std::string> skip_messages() const override;

    /// The hook set that was loaded ("tp_btf", "raw_tp").
    const std::string& hook_set() const noexcept;

    /// Kernel-side problems counted so far (failed memory reads, truncated paths, full
    /// maps), by name.
    std::vector<std::pair<std::string, std::uint64_t>> kernel_errors() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Why BpfSource cannot run here, or empty when it can try: checks privileges and kernel BTF
/// without loading anything. Tests use it to skip with a reason.
std::string live_unavailable_reason();

}  // namespace rtguard

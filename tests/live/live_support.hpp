// Helpers of the live suite: skipping without root or BTF, running watched commands, scratch
// directories, cgroups and listening sockets.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "rtguard/event.hpp"
#include "rtguard/live.hpp"

/// Skips the rest of a test case, saying why, when this machine cannot run eBPF programs.
#define RTGUARD_REQUIRE_LIVE()                                                 \
    do {                                                                       \
        if (auto why_ = ::rtguard::live_unavailable_reason(); !why_.empty()) { \
            MESSAGE("SKIP: " << why_);                                         \
            return;                                                            \
        }                                                                      \
    } while (0)

namespace rtguard::live_testing {

/// A fresh directory under `parent`, removed at scope exit.
class ScratchDir {
public:
    explicit ScratchDir(const std::filesystem::path& parent = "/tmp") {
        std::string tmpl = (parent / "rtguard-live-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed in " + tmpl);
        path_ = tmpl;
        std::filesystem::permissions(path_, std::filesystem::perms(0755));
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

    /// Writes `content` to `name` with `mode` and returns its path.
    std::string write(const std::string& name, const std::string& content, int mode = 0644) const {
        std::string p = file(name);
        std::ofstream(p, std::ios::binary) << content;
        ::chmod(p.c_str(), static_cast<mode_t>(mode));
        return p;
    }

private:
    std::filesystem::path path_;
};

/// What a watched command did.
struct Run {
    pid_t pid = 0;
    int status = 0;
    std::string workload;
    std::vector<Event> events;
};

/// Polls `source` until `pid` has exited, then stops the source and drains it.
inline void drain_until_exit(BpfSource& source, pid_t pid, Run& run) {
    for (;;) {
        source.next_batch(run.events, 4096);
        pid_t r = ::waitpid(pid, &run.status, WNOHANG);
        if (r == pid) break;
        if (r < 0) throw std::runtime_error("waitpid failed");
    }
    source.stop();
    while (!source.at_end())
        source.next_batch(run.events, 4096);
}

/// Starts `argv` under `source`, collects its events until it exits.
inline Run run_watched(BpfSource& source, const std::vector<std::string>& argv,
                       const std::string& key = {}) {
    Run run;
    run.pid = source.spawn(argv, key);
    run.workload = source.workload_of_pid(run.pid);
    drain_until_exit(source, run.pid, run);
    return run;
}

/// A TCP socket listening on 127.0.0.1 at an ephemeral port; connections complete in the
/// kernel's backlog without being accepted.
class Listener {
public:
    Listener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof(a);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
            ::listen(fd_, 64) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("cannot listen on 127.0.0.1");
        port_ = ntohs(a.sin_port);
    }
    ~Listener() { ::close(fd_); }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

/// Where cgroup v2 is mounted, or empty.
inline std::string cgroup2_mount() {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        auto dash = line.find(" - ");
        if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
        std::istringstream fields(line);
        std::string id, parent, devno, root, mount_point;
        fields >> id >> parent >> devno >> root >> mount_point;
        return mount_point;
    }
    return {};
}

/// Forks a child that moves itself into `cgroup_dir` and then runs `argv`; returns its pid.
inline pid_t spawn_in_cgroup(const std::string& cgroup_dir, const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::string procs = cgroup_dir + "/cgroup.procs";
    pid_t pid = ::fork();
    if (pid == 0) {
        int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0 || ::write(fd, "0", 1) != 1) _exit(126);
        ::close(fd);
        ::execv(args[0], args.data());
        _exit(127);
    }
    return pid;
}

/// Events of one kind.
inline std::vector<const Event*> of_kind(const std::vector<Event>& events, EventKind kind) {
    std::vector<const Event*> out;
    for (const auto& e : events)
        if (e.kind == kind) out.push_back(&e);
    return out;
}

/// The exec events whose executable or argv[0] ends with `name`.
inline std::vector<const Event*> execs_of(const std::vector<Event>& events,
                                          const std::string& name) {
    std::vector<const Event*> out;
    for (const auto* e : of_kind(events, EventKind::exec)) {
        bool exe_match = e->exe.size() >= name.size() &&
                         e->exe.compare(e->exe.size() - name.size(), name.size(), name) == 0;
        if (exe_match || (!e->exec.argv.empty() && e->exec.argv[0] == name)) out.push_back(e);
    }
    return out;
}

}  // namespace rtguard::live_testing

// What rtguard's eBPF programs cost a workload: the time of a cheap syscall (getppid) and of
// an open/close pair, measured in a child process with no programs loaded (the reference),
// with the programs attached but the child not watched (what every other process on the
// machine pays), and with the child watched, with and without in-kernel dedupe. All in the
// same run; each figure is the best of ROUNDS runs.
//
// usage: bench_syscall [ITERATIONS] [ROUNDS]     (needs root and kernel BTF)
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "rtguard/live.hpp"

extern char** environ;

namespace {

std::uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

/// The measured side: runs both loops and writes "getppid_ns open_ns" per iteration to fd.
int child_main(long iterations, int fd) {
    std::uint64_t t0 = now_ns();
    for (long i = 0; i < iterations; ++i)
        (void)getppid();
    std::uint64_t t1 = now_ns();
    for (long i = 0; i < iterations; ++i) {
        int f = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
        if (f >= 0) close(f);
    }
    std::uint64_t t2 = now_ns();
    std::string out = fmt::format("{} {}\n", static_cast<double>(t1 - t0) / iterations,
                                  static_cast<double>(t2 - t1) / iterations);
    return write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size()) ? 0 : 1;
}

struct PerCall {
    double getppid = 0;
    double open = 0;
};

/// Starts the child through `start` (which returns its pid), polls `source` (if any) until it
/// exits, and returns what it measured.
PerCall measure(const std::function<pid_t(const std::vector<std::string>&)>& start,
                rtguard::BpfSource* source, const std::string& self, long iterations,
                std::uint64_t& lost) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = start({self, "--child", std::to_string(iterations), std::to_string(fds[1])});
    close(fds[1]);

    std::vector<rtguard::Event> events;
    int status = 0;
    for (;;) {
        if (source) {
            events.clear();
            source->next_batch(events, 65536);
        }
        pid_t r = waitpid(pid, &status, source ? WNOHANG : 0);
        if (r == pid) break;
    }
    if (source) {
        source->stop();
        while (!source->at_end()) {
            events.clear();
            source->next_batch(events, 65536);
        }
        lost += source->counters().lost_total();
    }

    char buf[128] = {};
    ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
    close(fds[0]);
    PerCall p;
    if (n <= 0 || std::sscanf(buf, "%lf %lf", &p.getppid, &p.open) != 2)
        throw std::runtime_error("the child reported nothing");
    return p;
}

pid_t plain_spawn(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0)
        throw std::runtime_error("posix_spawn failed");
    return pid;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::strcmp(argv[1], "--child") == 0)
        return child_main(std::atol(argv[2]), std::atoi(argv[3]));

    long iterations = argc > 1 ? std::max(1L, std::atol(argv[1])) : 200000;
    int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
    if (auto why = rtguard::live_unavailable_reason(); !why.empty()) {
        fmt::print("bench_syscall: skipped: {}\n", why);
        return 0;
    }
    char self_buf[4096] = {};
    ssize_t n = readlink("/proc/self/exe", self_buf, sizeof(self_buf) - 1);
    if (n <= 0) return 1;
    std::string self(self_buf, static_cast<std::size_t>(n));

    struct Mode {
        const char* name;
        bool load;
        bool watch;
        bool dedupe;
    };
    const Mode modes[] = {
        {"no programs (reference)", false, false, true},
        {"attached, not watched", true, false, true},
        {"watched, dedupe", true, true, true},
        {"watched, every event", true, true, false},
    };

    fmt::print("{} iterations per loop, best of {} rounds\n\n", iterations, rounds);
    fmt::print("{:<26} {:>12} {:>8} {:>12} {:>8} {:>10}\n", "mode", "getppid ns", "ratio",
               "open+close", "ratio", "lost");
    PerCall reference;
    for (const auto& mode : modes) {
        PerCall best{1e300, 1e300};
        std::uint64_t lost = 0;
        for (int r = 0; r < rounds; ++r) {
            std::unique_ptr<rtguard::BpfSource> source;
            if (mode.load) {
                rtguard::BpfSourceOptions o;
                o.dedupe = mode.dedupe;
                o.poll_timeout_ms = 10;
                source = std::make_unique<rtguard::BpfSource>(o);
            }
            auto start = [&](const std::vector<std::string>& a) {
                return mode.watch ? source->spawn(a) : plain_spawn(a);
            };
            PerCall p = measure(start, source.get(), self, iterations, lost);
            best.getppid = std::min(best.getppid, p.getppid);
            best.open = std::min(best.open, p.open);
        }
        if (!mode.load) reference = best;
        fmt::print("{:<26} {:>12.1f} {:>8.2f} {:>12.1f} {:>8.2f} {:>10}\n", mode.name, best.getppid,
                   best.getppid / reference.getppid, best.open, best.open / reference.open, lost);
    }
    return 0;
}

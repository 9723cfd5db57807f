// Builders of events for the baseline and detector suites.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rtguard/event.hpp"

namespace rtguard::testing {

inline constexpr std::uint64_t t0 = 1'700'000'000'000'000'000ULL;  // 2023-11-14T22:13:20Z
inline constexpr std::uint64_t second = 1'000'000'000ULL;

inline constexpr std::uint32_t o_rdonly = 0, o_wronly = 01, o_rdwr = 02, o_creat = 0100,
                               o_trunc = 01000;

inline Event base_event(EventKind kind, std::uint64_t time_ns, const std::string& workload) {
    Event e;
    e.kind = kind;
    e.time_ns = time_ns;
    e.workload = workload;
    e.pid = 4242;
    e.ppid = 1;
    e.uid = 1000;
    e.comm = "app";
    e.exe = "/usr/bin/app";
    return e;
}

inline Event exec_event(const std::string& exe, std::vector<std::string> argv,
                        std::uint64_t time_ns = t0, const std::string& workload = "container:abc",
                        std::uint64_t dev = 0x801, std::uint64_t ino = 1000) {
    Event e = base_event(EventKind::exec, time_ns, workload);
    e.exe = exe;
    e.comm = exe.substr(exe.rfind('/') + 1).substr(0, 15);
    e.exec.argv = std::move(argv);
    e.exec.dev = dev;
    e.exec.ino = ino;
    return e;
}

inline Event open_event(const std::string& path, std::uint32_t flags, std::uint64_t time_ns = t0,
                        const std::string& workload = "container:abc") {
    Event e = base_event(EventKind::open, time_ns, workload);
    e.path = path;
    e.flags = flags;
    return e;
}

inline Event network_event(NetOp op, const std::string& address, std::uint16_t port,
                           std::uint64_t time_ns = t0,
                           const std::string& workload = "container:abc",
                           NetProto proto = NetProto::tcp, NetFamily family = NetFamily::inet) {
    Event e = base_event(EventKind::network, time_ns, workload);
    e.net.op = op;
    e.net.address = address;
    e.net.port = port;
    e.net.protocol = proto;
    e.net.family = family;
    return e;
}

inline Event syscall_event(std::int32_t nr, std::uint64_t time_ns = t0,
                           const std::string& workload = "container:abc") {
    Event e = base_event(EventKind::syscall, time_ns, workload);
    e.syscall_nr = nr;
    return e;
}

inline Event io_uring_event(std::uint64_t time_ns = t0,
                            const std::string& workload = "container:abc") {
    Event e = base_event(EventKind::io_uring, time_ns, workload);
    e.uring_op = IoUringOp::setup;
    e.uring_count = 8;
    return e;
}

inline Event lost_event(EventKind kind, std::uint64_t count, std::uint64_t time_ns = t0,
                        const std::string& workload = "container:abc") {
    Event e = base_event(EventKind::lost, time_ns, workload);
    e.lost_kind = kind;
    e.lost_count = count;
    return e;
}

}  // namespace rtguard::testing

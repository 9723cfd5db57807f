// rtguard/event.hpp: what a workload did, as one record. Every EventSource produces these.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtguard {

/// Kinds of event. The numbers are stable (they appear in the kernel ABI and in files) and a
/// retired number is never reused.
enum class EventKind : std::uint8_t {
    exec = 1,      ///< a process image was replaced (execve, execveat)
    exit = 2,      ///< a process ended
    open = 3,      ///< a file was opened
    network = 4,   ///< connect, bind, listen or accept
    syscall = 5,   ///< a workload used a syscall for the first time
    io_uring = 6,  ///< io_uring was set up or used
    lost = 7,      ///< a source dropped events of some kind
    fork = 8,      ///< a process was created (its parent is ppid)
};

inline constexpr std::size_t event_kind_count = 9;  // indexable by the numbers above

/// Lower-case name of a kind ("exec", "io_uring"), as used in files.
std::string_view to_string(EventKind kind) noexcept;
/// The kind with that name, or nothing.
std::optional<EventKind> event_kind_from_string(std::string_view name) noexcept;

/// Where an executed file came from, as far as the kernel could tell.
struct ExecDetail {
    std::vector<std::string> argv;
    std::uint64_t dev = 0;       ///< device of the executed file (st_dev encoding)
    std::uint64_t ino = 0;       ///< inode of the executed file
    bool upper_layer = false;    ///< file lives in a writable overlayfs upper layer
    bool memory = false;         ///< file is memory-backed (memfd, tmpfs anonymous)
    bool deleted = false;        ///< file was unlinked when executed
    bool writable_dir = false;   ///< file sits in a directory that is writable (e.g. /tmp)
    std::string interpreter;     ///< script interpreter, when exec went through one
    std::string script;          ///< the script an interpreter was asked to run
    std::string loader;          ///< dynamic loader run directly (ld-linux ... ./prog)
    std::string loaded_program;  ///< the program a directly-run loader was given
    std::string cwd;             ///< working directory at exec time, when known
};

enum class NetOp : std::uint8_t { connect = 1, bind = 2, listen = 3, accept = 4 };
enum class NetFamily : std::uint8_t { unspec = 0, inet = 2, inet6 = 10, unix_ = 1 };
enum class NetProto : std::uint8_t { unknown = 0, tcp = 6, udp = 17 };

std::string_view to_string(NetOp op) noexcept;
std::string_view to_string(NetFamily family) noexcept;
std::string_view to_string(NetProto proto) noexcept;
std::optional<NetOp> net_op_from_string(std::string_view s) noexcept;
std::optional<NetFamily> net_family_from_string(std::string_view s) noexcept;
std::optional<NetProto> net_proto_from_string(std::string_view s) noexcept;

struct NetworkDetail {
    NetOp op = NetOp::connect;
    NetFamily family = NetFamily::unspec;
    NetProto protocol = NetProto::unknown;
    std::string address;  ///< textual IPv4/IPv6 address, or the Unix socket path
    std::uint16_t port = 0;
};

enum class IoUringOp : std::uint8_t { setup = 1, submit = 2 };

/// One thing a workload did. Fields that do not apply to the kind keep their defaults.
/// Strings hold bytes as the kernel gave them; paths need not be valid UTF-8.
struct Event {
    EventKind kind = EventKind::exec;
    std::uint64_t time_ns = 0;  ///< wall-clock time, nanoseconds since the Unix epoch
    std::string workload;       ///< workload key ("container:<id>", "cgroup:<id>", ...)
    std::uint32_t pid = 0;      ///< thread-group id
    std::uint32_t ppid = 0;
    std::uint32_t uid = 0;
    std::string comm;  ///< task name (at most 15 bytes in the kernel)
    std::string exe;   ///< executable path resolved by the kernel, not argv[0]

    ExecDetail exec;             ///< kind == exec
    std::int32_t exit_code = 0;  ///< kind == exit (wait status as the kernel reports it)

    std::string path;  ///< kind == open: the opened file (links resolved), else the path asked for
    std::uint32_t flags = 0;  ///< kind == open: open(2) flags (O_RDONLY, O_WRONLY, ...)

    NetworkDetail net;  ///< kind == network

    std::int32_t syscall_nr = -1;  ///< kind == syscall: number on this architecture
    std::string syscall_name;      ///< kind == syscall: name when known

    IoUringOp uring_op = IoUringOp::setup;  ///< kind == io_uring
    std::uint32_t uring_count = 0;          ///< kind == io_uring: entries submitted

    EventKind lost_kind = EventKind::lost;  ///< kind == lost: which kind was dropped
    std::uint64_t lost_count = 0;           ///< kind == lost: how many
};

/// True when open(2) flags ask for write access or creation/truncation.
constexpr bool open_flags_write(std::uint32_t flags) noexcept {
    constexpr std::uint32_t accmode = 03, wronly = 01, rdwr = 02, creat = 0100, trunc = 01000;
    return (flags & accmode) == wronly || (flags & accmode) == rdwr || (flags & creat) ||
           (flags & trunc);
}

}  // namespace rtguard

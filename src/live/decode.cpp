#include "live/decode.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>
#include <type_traits>

#include <fmt/core.h>

#include "rtguard/baseline.hpp"
#include "rtguard_abi.h"

namespace rtguard::live {
namespace {

// The record numbers are EventKind's; the kernel and this file must agree.
static_assert(RTG_EV_EXEC == static_cast<int>(EventKind::exec));
static_assert(RTG_EV_EXIT == static_cast<int>(EventKind::exit));
static_assert(RTG_EV_OPEN == static_cast<int>(EventKind::open));
static_assert(RTG_EV_NET == static_cast<int>(EventKind::network));
static_assert(RTG_EV_SYSCALL == static_cast<int>(EventKind::syscall));
static_assert(RTG_EV_IO_URING == static_cast<int>(EventKind::io_uring));
static_assert(RTG_EV_LOST == static_cast<int>(EventKind::lost));
static_assert(RTG_EV_FORK == static_cast<int>(EventKind::fork));
static_assert(RTG_EV_MAX == event_kind_count);
static_assert(RTG_NET_CONNECT == static_cast<int>(NetOp::connect));
static_assert(RTG_NET_ACCEPT == static_cast<int>(NetOp::accept));
static_assert(RTG_URING_SETUP == static_cast<int>(IoUringOp::setup));
static_assert(RTG_URING_ENTER == static_cast<int>(IoUringOp::submit));
static_assert(std::is_standard_layout_v<rtg_exec> && std::is_standard_layout_v<rtg_net>);

/// Reads the fixed part of a record of type T; records need not be aligned.
template <typename T>
bool read_fixed(const unsigned char* data, std::size_t size, T& out) {
    if (size < sizeof(T)) return false;
    std::memcpy(&out, data, sizeof(T));
    return true;
}

/// Cuts the next `len` bytes of a record's variable part.
class Cursor {
public:
    Cursor(const unsigned char* data, std::size_t size) : data_(data), size_(size) {}
    bool take(std::size_t len, std::string& out) {
        if (len > size_ - pos_) return false;
        out.assign(reinterpret_cast<const char*>(data_ + pos_), len);
        pos_ += len;
        return true;
    }

private:
    const unsigned char* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

std::string c_string(const char* s, std::size_t max) {
    return std::string(s, strnlen(s, max));
}

std::vector<std::string> split_argv(std::string_view bytes) {
    std::vector<std::string> argv;
    std::size_t i = 0;
    while (i < bytes.size()) {
        std::size_t end = bytes.find('\0', i);
        if (end == std::string_view::npos) end = bytes.size();  // cut by the kernel's limit
        argv.emplace_back(bytes.substr(i, end - i));
        i = end + 1;
    }
    return argv;
}

std::string_view basename_of(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view dirname_of(std::string_view path) {
    auto slash = path.rfind('/');
    if (slash == std::string_view::npos) return ".";
    return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

NetProto protocol_of(std::uint32_t p) {
    if (p == 6) return NetProto::tcp;
    if (p == 17) return NetProto::udp;
    return NetProto::unknown;
}

std::optional<std::string> decode_exec(const unsigned char* data, std::size_t size, Event& event,
                                       RecordMeta& meta) {
    rtg_exec r;
    if (!read_fixed(data, size, r)) return "exec record shorter than its fixed part";
    meta.exec_flags = r.flags;
    meta.fs_magic = r.fs_magic;
    meta.nlink = r.nlink;
    meta.argc = r.argc;
    event.exec.dev = user_dev(r.dev);
    event.exec.ino = r.ino;

    Cursor c(data + sizeof(r), size - sizeof(r));
    std::string argv;
    if (!c.take(r.filename_len, meta.filename) || !c.take(r.interp_len, meta.interp) ||
        !c.take(r.argv_len, argv) || !c.take(r.path_len, event.exe) ||
        !c.take(r.cwd_len, event.exec.cwd))
        return "exec record lengths pass its end";
    event.exec.argv = split_argv(argv);
    return std::nullopt;
}

std::optional<std::string> decode_open(const unsigned char* data, std::size_t size, Event& event,
                                       RecordMeta& meta) {
    rtg_open r;
    if (!read_fixed(data, size, r)) return "open record shorter than its fixed part";
    meta.open_flags = r.flags;
    event.flags = r.open_flags;

    Cursor c(data + sizeof(r), size - sizeof(r));
    std::string base, path;
    if (!c.take(r.base_len, base) || !c.take(r.path_len, path))
        return "open record lengths pass its end";
    if (path.empty()) return "open record without a path";
    // The kernel resolved the path of a file that was opened; an attempt's path is joined to
    // its base here. A relative path whose base is unknown (bad dirfd) stays relative.
    if (r.flags & RTG_OPEN_RESOLVED)
        event.path = std::move(path);
    else
        event.path = (path[0] == '/' || !base.empty()) ? absolute_path(base, path) : path;
    return std::nullopt;
}

std::optional<std::string> decode_net(const unsigned char* data, std::size_t size, Event& event) {
    rtg_net r;
    if (!read_fixed(data, size, r)) return "network record shorter than its fixed part";
    if (r.op < RTG_NET_CONNECT || r.op > RTG_NET_ACCEPT) return "network record with bad op";
    event.net.op = static_cast<NetOp>(r.op);
    event.net.protocol = protocol_of(r.protocol);
    event.net.port = static_cast<std::uint16_t>(r.port);

    char text[INET6_ADDRSTRLEN] = {};
    std::string path;
    switch (r.family) {
        case AF_INET:
            event.net.family = NetFamily::inet;
            inet_ntop(AF_INET, r.addr, text, sizeof(text));
            event.net.address = text;
            break;
        case AF_INET6:
            event.net.family = NetFamily::inet6;
            inet_ntop(AF_INET6, r.addr, text, sizeof(text));
            event.net.address = text;
            break;
        case AF_UNIX: {
            event.net.family = NetFamily::unix_;
            Cursor c(data + sizeof(r), size - sizeof(r));
            if (!c.take(r.path_len, path)) return "network record path passes its end";
            // Abstract names start with NUL and are shown as "@name"; others end at a NUL.
            if (!path.empty() && path[0] == '\0') {
                while (path.size() > 1 && path.back() == '\0')
                    path.pop_back();
                event.net.address = "@" + path.substr(1);
            } else {
                event.net.address = path.substr(0, path.find('\0'));
            }
            break;
        }
        default:
            return fmt::format("network record with unknown family {}", r.family);
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> decode_record(const void* raw, std::size_t size, Event& event,
                                         RecordMeta& meta) {
    const auto* data = static_cast<const unsigned char*>(raw);
    rtg_hdr h;
    if (!read_fixed(data, size, h)) return fmt::format("record of {} bytes has no header", size);
    if (h.size < sizeof(h) || h.size > size)
        return fmt::format("record says it has {} bytes but has {}", h.size, size);
    size = h.size;

    event = Event{};
    meta = RecordMeta{};
    event.pid = h.tgid;
    event.ppid = h.ppid;
    event.uid = h.uid;
    event.comm = c_string(h.comm, sizeof(h.comm));
    meta.boot_ns = h.time_ns;
    meta.tid = h.tid;
    meta.tree = h.tree;
    meta.cgroup_id = h.cgroup_id;
    meta.exe_ino = h.exe_ino;
    meta.exe_dev = h.exe_ino ? user_dev(h.exe_dev) : 0;

    switch (h.type) {
        case RTG_EV_EXEC:
            event.kind = EventKind::exec;
            return decode_exec(data, size, event, meta);
        case RTG_EV_OPEN:
            event.kind = EventKind::open;
            return decode_open(data, size, event, meta);
        case RTG_EV_NET:
            event.kind = EventKind::network;
            return decode_net(data, size, event);
        case RTG_EV_EXIT: {
            rtg_exit r;
            if (!read_fixed(data, size, r)) return "exit record too short";
            event.kind = EventKind::exit;
            event.exit_code = r.exit_code;
            return std::nullopt;
        }
        case RTG_EV_FORK: {
            rtg_fork r;
            if (!read_fixed(data, size, r)) return "fork record too short";
            event.kind = EventKind::fork;
            return std::nullopt;
        }
        case RTG_EV_SYSCALL: {
            rtg_syscall r;
            if (!read_fixed(data, size, r)) return "syscall record too short";
            event.kind = EventKind::syscall;
            event.syscall_nr = r.nr;
            event.syscall_name = std::string(x86_64_syscall_name(r.nr));
            return std::nullopt;
        }
        case RTG_EV_IO_URING: {
            rtg_io_uring r;
            if (!read_fixed(data, size, r)) return "io_uring record too short";
            if (r.op != RTG_URING_SETUP && r.op != RTG_URING_ENTER)
                return fmt::format("io_uring record with bad op {}", r.op);
            event.kind = EventKind::io_uring;
            event.uring_op = static_cast<IoUringOp>(r.op);
            event.uring_count = r.count;
            return std::nullopt;
        }
        default:
            return fmt::format("record of unknown type {}", h.type);
    }
}

std::uint64_t user_dev(std::uint64_t kernel_dev) noexcept {
    std::uint64_t major = (kernel_dev >> 20) & 0xfff;
    std::uint64_t minor = kernel_dev & 0xfffff;
    return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~std::uint64_t{0xff}) << 12);
}

std::string absolute_path(std::string_view base, std::string_view path) {
    std::vector<std::string_view> parts;
    auto add = [&](std::string_view p) {
        std::size_t i = 0;
        while (i <= p.size()) {
            std::size_t slash = p.find('/', i);
            if (slash == std::string_view::npos) slash = p.size();
            std::string_view c = p.substr(i, slash - i);
            if (c == "..") {
                if (!parts.empty()) parts.pop_back();
            } else if (!c.empty() && c != ".") {
                parts.push_back(c);
            }
            i = slash + 1;
        }
    };

    if (path.empty() || path[0] != '/') add(base);
    add(path);

    std::string out;
    for (auto c : parts) {
        out += '/';
        out += c;
    }
    return out.empty() ? "/" : out;
}

bool is_loader_name(std::string_view name) noexcept {
    auto starts = [&](std::string_view p) { return name.substr(0, p.size()) == p; };
    return starts("ld-linux") || starts("ld-musl-") || name == "ld.so" || starts("ld.so.") ||
           starts("ld64.so");
}

std::string loader_program(const std::vector<std::string>& argv) {
    // glibc's rtld options; those in the first list take a value.
    static constexpr std::string_view with_value[] = {
        "--library-path",        "--inhibit-rpath",     "--audit", "--preload", "--argv0",
        "--glibc-hwcaps-prefix", "--glibc-hwcaps-mask",
    };
    for (std::size_t i = 1; i < argv.size(); ++i) {
        std::string_view a = argv[i];
        if (a == "--") return i + 1 < argv.size() ? argv[i + 1] : std::string();
        if (a.substr(0, 2) != "--") return argv[i];
        bool takes_value = false;
        for (auto v : with_value)
            takes_value = takes_value || a == v;
        if (takes_value) ++i;
    }
    return {};
}

std::string command_line_script(std::string_view exe, const std::vector<std::string>& argv) {
    enum class Family { none, shell, python, perl, ruby, node, php, lua };
    std::string_view name = basename_of(exe);
    auto starts = [&](std::string_view p) { return name.substr(0, p.size()) == p; };

    Family family = Family::none;
    if (name == "sh" || name == "bash" || name == "dash" || name == "zsh" || name == "ksh" ||
        name == "ash" || name == "mksh")
        family = Family::shell;
    else if (starts("python"))
        family = Family::python;
    else if (starts("perl"))
        family = Family::perl;
    else if (starts("ruby"))
        family = Family::ruby;
    else if (name == "node" || name == "nodejs")
        family = Family::node;
    else if (starts("php"))
        family = Family::php;
    else if (starts("lua"))
        family = Family::lua;
    if (family == Family::none) return {};

    // Options that make the code come from the command line or a module, not a file.
    auto inline_code = [&](std::string_view a) {
        switch (family) {
            case Family::shell:
                return a == "-c" ||
                       (a[0] == '-' && a.find('c') != a.npos && a.substr(0, 2) != "--");
            case Family::python:
                return a == "-c" || a == "-m" || a == "-";
            case Family::perl:
            case Family::ruby:
                return a == "-e" || a == "-E";
            case Family::node:
                return a == "-e" || a == "--eval" || a == "-p" || a == "--print";
            case Family::php:
                return a == "-r";
            case Family::lua:
                return a == "-e" || a == "-";
            case Family::none:
                break;
        }
        return false;
    };
    // Options whose value is the next argument.
    auto takes_value = [&](std::string_view a) {
        switch (family) {
            case Family::shell:
                return a == "-o" || a == "+o" || a == "-O" || a == "+O" || a == "--rcfile" ||
                       a == "--init-file";
            case Family::python:
                return a == "-W" || a == "-X" || a == "--check-hash-based-pycs";
            case Family::ruby:
                return a == "-r" || a == "-I" || a == "-C";
            case Family::node:
                return a == "-r" || a == "--require" || a == "--import";
            case Family::php:
                return a == "-c" || a == "-d" || a == "-z";
            case Family::lua:
                return a == "-l";
            case Family::perl:
            case Family::none:
                break;
        }
        return false;
    };

    for (std::size_t i = 1; i < argv.size(); ++i) {
        std::string_view a = argv[i];
        if (a.empty()) return {};
        if (a == "--") return i + 1 < argv.size() ? argv[i + 1] : std::string();
        if (inline_code(a)) return {};
        if (a[0] != '-' && !(family == Family::shell && a[0] == '+')) return argv[i];
        if (takes_value(a)) ++i;
    }
    return {};
}

bool in_temp_dir(std::string_view path) noexcept {
    for (std::string_view dir : {"/tmp", "/var/tmp", "/dev/shm"}) {
        if (path.substr(0, dir.size()) != dir) continue;
        if (path.size() == dir.size() || path[dir.size()] == '/') return true;
    }
    return false;
}

void complete_exec(Event& event, const RecordMeta& meta, const DirProbe& probe) {
    ExecDetail& x = event.exec;
    const std::string& cwd = x.cwd.empty() ? std::string("/") : x.cwd;

    // Memory-backed and deleted files, as /proc/<pid>/exe shows them.
    x.deleted = (meta.exec_flags & RTG_EXEC_DELETED) != 0;
    x.memory = (meta.exec_flags & RTG_EXEC_MEMFD) != 0 ||
               (x.deleted && (meta.exec_flags & RTG_EXEC_TMPFS) != 0);
    x.upper_layer = (meta.exec_flags & RTG_EXEC_UPPER) != 0;
    if (x.deleted && !event.exe.ends_with(" (deleted)")) event.exe += " (deleted)";

    // binfmt_script replaced the file by its interpreter: filename is the script.
    if (!meta.interp.empty() && meta.interp != meta.filename) {
        x.interpreter = meta.interp;
        x.script = meta.filename.starts_with("/dev/fd/") ? meta.filename
                                                         : absolute_path(cwd, meta.filename);
    } else if (std::string script = command_line_script(event.exe, x.argv); !script.empty()) {
        x.interpreter = event.exe;
        x.script = absolute_path(cwd, script);
    }

    // A dynamic loader run as the program itself.
    if ((meta.exec_flags & RTG_EXEC_LOADER) || is_loader_name(basename_of(event.exe))) {
        x.loader = event.exe;
        std::string program = loader_program(x.argv);
        if (!program.empty()) x.loaded_program = absolute_path(cwd, program);
    }

    // Code that lives in a directory others can write to.
    auto writable = [&](const std::string& file) {
        if (file.empty() || file[0] != '/' || x.memory) return false;
        std::string dir(dirname_of(file));
        return in_temp_dir(dir) || (probe && probe(dir));
    };
    x.writable_dir = writable(event.exe) || writable(x.script) || writable(x.loaded_program);
}

}  // namespace rtguard::live

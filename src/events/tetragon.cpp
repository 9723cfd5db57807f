#include "rtguard/tetragon.hpp"

#include <simdjson.h>

#include <chrono>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "core/json_writer.hpp"
#include "events/json_fields.hpp"
#include "events/record_reader.hpp"
#include "events/skip_log.hpp"
#include "rtguard/error.hpp"

namespace rtguard {
namespace {

using detail::FieldError;
using detail::Need;
using detail::ObjectReader;

constexpr std::size_t max_string_bytes = 65536;
constexpr std::size_t task_comm_bytes = 15;  // TASK_COMM_LEN less the terminating NUL
constexpr std::int32_t at_fdcwd = -100;

// Open flags as open(2) numbers them on Linux.
constexpr std::uint32_t o_rdonly = 0, o_wronly = 01, o_rdwr = 02, o_creat = 0100, o_trunc = 01000;
// security_file_permission's mask bits (MAY_WRITE, MAY_APPEND from linux/fs.h).
constexpr std::int64_t may_write = 0x2, may_append = 0x8;

std::string quoted(std::string_view s) {
    constexpr std::size_t max_shown = 64;
    std::string out;
    detail::append_json_string(out, s.substr(0, max_shown));
    if (s.size() > max_shown) out += "...";
    return out;
}

// ---- time ----

bool read_digits(std::string_view s, std::size_t pos, std::size_t count, int& value) {
    if (pos + count > s.size()) return false;
    value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        value = value * 10 + (s[i] - '0');
    }
    return true;
}

// RFC 3339 date-time ("2022-01-19T16:29:02.021Z", "...+02:00") to nanoseconds since the epoch.
// Digits past nanoseconds are dropped; times before 1970 do not fit and are refused.
bool parse_rfc3339(std::string_view s, std::uint64_t& out) {
    int year, month, day, hour, minute, second;
    if (!read_digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' ||
        !read_digits(s, 5, 2, month) || s[7] != '-' || !read_digits(s, 8, 2, day) ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !read_digits(s, 11, 2, hour) ||
        s[13] != ':' || !read_digits(s, 14, 2, minute) || s[16] != ':' ||
        !read_digits(s, 17, 2, second)) {
        return false;
    }

    // Fraction of a second, scaled to nanoseconds.
    std::size_t pos = 19;
    std::uint64_t fraction = 0;
    if (pos < s.size() && s[pos] == '.') {
        int digits = 0;
        for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++digits) {
            if (digits < 9) fraction = fraction * 10 + static_cast<std::uint64_t>(s[pos] - '0');
        }
        if (digits == 0) return false;
        for (; digits < 9; ++digits)
            fraction *= 10;
    }

    // Offset from UTC.
    std::int64_t offset = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int oh, om;
        if (!read_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !read_digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
            return false;
        }
        offset = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        pos += 6;
    } else {
        return false;
    }
    if (pos != s.size()) return false;

    using namespace std::chrono;
    year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                        std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 60) return false;
    std::int64_t seconds = sys_days{date}.time_since_epoch().count() * std::int64_t{86400} +
                           hour * 3600 + minute * 60 + second - offset;
    if (seconds < 0) return false;
    auto unsigned_seconds = static_cast<std::uint64_t>(seconds);
    if (unsigned_seconds > (std::numeric_limits<std::uint64_t>::max() - fraction) / 1000000000u) {
        return false;
    }
    out = unsigned_seconds * 1000000000u + fraction;
    return true;
}

// ---- arguments ----

// Splits Tetragon's "arguments" string the way a POSIX shell splits simple words: blanks
// separate, single quotes are literal, double quotes allow \" \\ \$ \`, and a backslash
// outside quotes takes the next character literally. Tetragon quotes an argument that
// contains a space ("-c \"PORT=9080 python app.py\""), which this undoes. An unterminated
// quote runs to the end rather than failing: the string may have been truncated.
std::vector<std::string> split_arguments(std::string_view s) {
    std::vector<std::string> out;
    std::string word;
    bool in_word = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) out.push_back(std::move(word));
            word.clear();
            in_word = false;
            continue;
        }
        in_word = true;
        if (c == '\'') {
            for (++i; i < s.size() && s[i] != '\''; ++i)
                word.push_back(s[i]);
        } else if (c == '"') {
            for (++i; i < s.size() && s[i] != '"'; ++i) {
                // find, not strchr: strchr also matches the terminator, so a NUL after the
                // backslash would have been taken for an escaped character.
                if (s[i] == '\\' && i + 1 < s.size() &&
                    std::string_view("\"\\$`").find(s[i + 1]) != std::string_view::npos) {
                    ++i;
                }
                word.push_back(s[i]);
            }
        } else if (c == '\\' && i + 1 < s.size()) {
            word.push_back(s[++i]);
        } else {
            word.push_back(c);
        }
    }
    if (in_word) out.push_back(std::move(word));
    return out;
}

std::string_view basename(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// "containerd://19a0..." -> "19a0..."; every runtime prefixes its scheme the same way.
std::string_view strip_runtime_prefix(std::string_view id) {
    auto scheme = id.find("://");
    return scheme == std::string_view::npos ? id : id.substr(scheme + 3);
}

int signal_number(std::string_view name) {
    if (name.substr(0, 3) == "SIG") name.remove_prefix(3);
    for (int sig = 1; sig < 65; ++sig) {
        const char* abbrev = ::sigabbrev_np(sig);
        if (abbrev && name == abbrev) return sig;
    }
    return 0;
}

NetFamily family_from_tetragon(std::string_view s) {
    if (s == "AF_INET") return NetFamily::inet;
    if (s == "AF_INET6") return NetFamily::inet6;
    if (s == "AF_UNIX" || s == "AF_LOCAL") return NetFamily::unix_;
    return NetFamily::unspec;
}

NetFamily family_of_address(std::string_view address) {
    if (address.empty()) return NetFamily::unspec;
    return address.find(':') != std::string_view::npos ? NetFamily::inet6 : NetFamily::inet;
}

NetProto protocol_from_tetragon(std::string_view s) {
    if (s == "IPPROTO_TCP" || s == "TCP" || s == "tcp") return NetProto::tcp;
    if (s == "IPPROTO_UDP" || s == "UDP" || s == "udp") return NetProto::udp;
    return NetProto::unknown;
}

// ---- kprobe hooks ----

enum class Hook {
    none,
    connect,
    bind,
    listen,
    accept,
    open_syscall,    // open/openat/creat: path and flags are arguments
    read,            // the file was read
    write,           // the file was written
    truncate,        // the file was truncated
    permission,      // security_file_permission: the mask says read or write
    file_reference,  // the file was opened or installed; its mode is not in the event
};

// "__x64_sys_openat" -> "openat": the syscall wrappers differ by architecture only.
std::string_view normalize_function(std::string_view name) {
    for (std::string_view prefix : {"__x64_sys_", "__arm64_sys_", "__ia32_compat_sys_",
                                    "__ia32_sys_", "__se_sys_", "__do_sys_", "ksys_", "sys_"}) {
        if (name.substr(0, prefix.size()) == prefix) return name.substr(prefix.size());
    }
    return name;
}

Hook classify_hook(std::string_view function) {
    std::string_view f = normalize_function(function);
    auto any_of = [f](std::initializer_list<std::string_view> names) {
        for (auto n : names)
            if (f == n) return true;
        return false;
    };
    if (any_of({"tcp_connect", "tcp_v4_connect", "tcp_v6_connect", "ip4_datagram_connect",
                "ip6_datagram_connect", "inet_stream_connect", "security_socket_connect",
                "connect"})) {
        return Hook::connect;
    }
    if (any_of({"inet_bind", "inet6_bind", "security_socket_bind", "bind"})) return Hook::bind;
    if (any_of({"inet_csk_listen_start", "inet_listen", "security_socket_listen", "listen"})) {
        return Hook::listen;
    }
    if (any_of({"inet_csk_accept", "security_socket_accept", "accept", "accept4"})) {
        return Hook::accept;
    }
    if (any_of({"open", "openat", "openat2", "creat"})) return Hook::open_syscall;
    if (any_of({"read", "pread64", "readv", "preadv", "preadv2", "vfs_read", "vfs_readv"})) {
        return Hook::read;
    }
    if (any_of({"write", "pwrite64", "writev", "pwritev", "pwritev2", "vfs_write", "vfs_writev"})) {
        return Hook::write;
    }
    if (any_of({"truncate", "ftruncate", "security_path_truncate", "security_file_truncate",
                "do_truncate"})) {
        return Hook::truncate;
    }
    if (f == "security_file_permission") return Hook::permission;
    if (any_of({"security_file_open", "fd_install", "security_file_receive", "do_filp_open",
                "vfs_open"})) {
        return Hook::file_reference;
    }
    return Hook::none;
}

// ---- mapping ----

enum class Outcome { event, unmapped, bad };

// Metadata members beside the one event member of an export record.
bool metadata_member(std::string_view key) {
    return key == "node_name" || key == "time" || key == "cluster_name" || key == "node_labels" ||
           key == "aggregation_info";
}

class Mapper {
public:
    /// Maps one export record. `note` says why an unmapped record was left out; `err` says
    /// what is wrong with a bad one.
    Outcome map(simdjson::dom::object root, Event& e, std::string& note, FieldError& err) {
        note_ = &note;
        ObjectReader top(root, "$", err, max_string_bytes, true);

        // The one member that is not metadata names the event type.
        std::string_view type;
        simdjson::dom::element body;
        for (auto member : root) {
            if (metadata_member(member.key)) continue;
            type = member.key;
            body = member.value;
            break;
        }
        if (type.empty()) {
            top.fail(errc::missing_field, "", "expected an event member such as process_exec");
            return Outcome::bad;
        }
        simdjson::dom::object object;
        if (!top.object(type, Need::required, object)) return Outcome::bad;
        ObjectReader ev(object, top.path_of(type), err, max_string_bytes, true);

        if (!read_time(top)) return Outcome::bad;

        if (type == "rate_limit_info") return map_rate_limit(ev, e);
        if (type == "process_exec") return map_process(ev, e, EventKind::exec);
        if (type == "process_exit") return map_process(ev, e, EventKind::exit);
        if (type == "process_connect" || type == "process_listen") {
            return map_process(ev, e, EventKind::network);
        }
        if (type == "process_kprobe") {
            std::string_view function;
            if (!ev.text("function_name", Need::required, function)) return Outcome::bad;
            hook_ = classify_hook(function);
            if (hook_ == Hook::none) {
                note = fmt::format("process_kprobe on {} has no rtguard counterpart; skipped",
                                   quoted(function));
                return Outcome::unmapped;
            }
            return map_process(ev, e, EventKind::open);
        }
        if (type == "process_close") {
            note = "process_close (a socket closed) has no rtguard counterpart; skipped";
            return Outcome::unmapped;
        }
        note = fmt::format("event type {} has no rtguard counterpart; skipped", quoted(type));
        return Outcome::unmapped;
    }

private:
    bool read_time(ObjectReader& top) {
        has_time_ = false;
        std::string_view time;
        if (!top.text("time", Need::optional, time)) return !top.failed();
        if (!parse_rfc3339(time, time_ns_)) {
            return top.fail(errc::bad_value, "time",
                            fmt::format("expected an RFC 3339 time such as "
                                        "2022-01-19T16:29:02.021Z, found {}",
                                        quoted(time)));
        }
        has_time_ = true;
        return true;
    }

    Outcome map_rate_limit(ObjectReader& ev, Event& e) {
        if (!has_time_) {
            ev.error().set(errc::missing_field, "$.time: required member is missing");
            return Outcome::bad;
        }
        e.kind = EventKind::lost;
        e.time_ns = time_ns_;
        // Tetragon does not say which kinds it dropped.
        e.lost_kind = EventKind::lost;
        if (!ev.u64("number_of_dropped_process_events", Need::required, e.lost_count)) {
            return Outcome::bad;
        }
        return Outcome::event;
    }

    // Fills the members every process event has from "process" and "parent".
    bool read_process(ObjectReader& ev, Event& e) {
        simdjson::dom::object process;
        if (!ev.object("process", Need::required, process)) return false;
        ObjectReader p(process, ev.path_of("process"), ev.error(), max_string_bytes, true);

        std::string_view binary, cwd, flags, start_time, container_id;
        p.u32("pid", Need::required, e.pid);
        p.u32("uid", Need::optional, e.uid);
        p.text("binary", Need::optional, binary);
        p.text("cwd", Need::optional, cwd);
        p.text("flags", Need::optional, flags);
        has_start_ = p.text("start_time", Need::optional, start_time);
        if (p.failed()) return false;
        if (has_start_ && !parse_rfc3339(start_time, start_ns_)) {
            return p.fail(errc::bad_value, "start_time",
                          fmt::format("expected an RFC 3339 time, found {}", quoted(start_time)));
        }

        // The workload is the container, named by the id without its runtime scheme.
        simdjson::dom::object pod, container;
        if (p.object("pod", Need::optional, pod)) {
            ObjectReader pr(pod, p.path_of("pod"), ev.error(), max_string_bytes, true);
            if (pr.object("container", Need::optional, container)) {
                ObjectReader cr(container, pr.path_of("container"), ev.error(), max_string_bytes,
                                true);
                cr.text("id", Need::optional, container_id);
            }
        }
        if (container_id.empty()) p.text("docker", Need::optional, container_id);
        if (p.failed()) return false;
        container_id = strip_runtime_prefix(container_id);
        e.workload = container_id.empty() ? "host" : fmt::format("container:{}", container_id);
        if (e.workload.size() > max_string_bytes) {
            // With its prefix the key would outgrow what a recording of the event can hold.
            return p.fail(
                errc::limit_exceeded, "",
                fmt::format("container id longer than {} bytes",
                            max_string_bytes - (e.workload.size() - container_id.size())));
        }

        e.exe.assign(binary);
        e.comm.assign(basename(binary).substr(0, task_comm_bytes));

        // Tetragon leaves cwd out when it is the root and says so in the flags.
        cwd_.assign(cwd);
        if (cwd_.empty() && flags.find("rootcwd") != std::string_view::npos) cwd_ = "/";
        if (cwd_.empty() && flags.find("rootCWD") != std::string_view::npos) cwd_ = "/";
        if (cwd_.size() > 1 && cwd_.back() == '/') cwd_.pop_back();

        simdjson::dom::object parent;
        if (ev.object("parent", Need::optional, parent)) {
            ObjectReader pp(parent, ev.path_of("parent"), ev.error(), max_string_bytes, true);
            pp.u32("pid", Need::optional, e.ppid);
        }
        return !ev.failed();
    }

    Outcome map_process(ObjectReader& ev, Event& e, EventKind kind) {
        e.kind = kind;
        if (!read_process(ev, e)) return Outcome::bad;

        // An exec happens when its process starts; other events need the record's time.
        if (has_time_) {
            e.time_ns = time_ns_;
        } else if (kind == EventKind::exec && has_start_) {
            e.time_ns = start_ns_;
        } else {
            ev.error().set(errc::missing_field, "$.time: required member is missing");
            return Outcome::bad;
        }

        switch (kind) {
            case EventKind::exec:
                return map_exec(ev, e);
            case EventKind::exit:
                return map_exit(ev, e);
            case EventKind::network:
                return map_socket_event(ev, e);
            default:
                return map_kprobe(ev, e);
        }
    }

    Outcome map_exec(ObjectReader& ev, Event& e) {
        simdjson::dom::object process;
        ev.object("process", Need::required, process);
        ObjectReader p(process, ev.path_of("process"), ev.error(), max_string_bytes, true);

        // The export drops argv[0]; the binary stands in for it, as the kernel's would.
        std::string_view arguments;
        p.text("arguments", Need::optional, arguments);
        e.exec.argv.clear();
        e.exec.argv.push_back(e.exe);
        for (auto& arg : split_arguments(arguments))
            e.exec.argv.push_back(std::move(arg));
        e.exec.cwd = cwd_;

        // binary_properties.file is present only for a binary run from memory (memfd, shm)
        // or one deleted from the filesystem.
        simdjson::dom::object properties, file, inode;
        if (p.object("binary_properties", Need::optional, properties)) {
            ObjectReader bp(properties, p.path_of("binary_properties"), ev.error(),
                            max_string_bytes, true);
            if (bp.object("file", Need::optional, file)) {
                ObjectReader fr(file, bp.path_of("file"), ev.error(), max_string_bytes, true);
                std::string_view path;
                fr.text("path", Need::optional, path);
                if (fr.object("inode", Need::optional, inode)) {
                    ObjectReader ir(inode, fr.path_of("inode"), ev.error(), max_string_bytes, true);
                    ir.u64("number", Need::optional, e.exec.ino);
                }
                bool in_memory = path.find("memfd:") != std::string_view::npos ||
                                 e.exe.find("memfd:") != std::string::npos ||
                                 path.substr(0, 9) == "/dev/shm/" ||
                                 std::string_view(e.exe).substr(0, 9) == "/dev/shm/";
                (in_memory ? e.exec.memory : e.exec.deleted) = true;
            }
        }
        return ev.failed() ? Outcome::bad : Outcome::event;
    }

    Outcome map_exit(ObjectReader& ev, Event& e) {
        std::uint32_t status = 0;
        std::string_view signal;
        ev.u32("status", Need::optional, status);
        ev.text("signal", Need::optional, signal);
        if (ev.failed()) return Outcome::bad;

        // Compose a wait status as the kernel reports it: the signal in the low bits, or the
        // exit code in the second byte.
        int sig = signal.empty() ? 0 : signal_number(signal);
        e.exit_code = sig ? sig : static_cast<std::int32_t>((status & 0xff) << 8);
        return Outcome::event;
    }

    // process_connect and process_listen, from Tetragon's older socket sensor.
    Outcome map_socket_event(ObjectReader& ev, Event& e) {
        std::string_view address, protocol;
        std::uint64_t port = 0;
        bool connect = ev.present("destination_ip") || ev.present("destination_port");
        e.net.op = connect ? NetOp::connect : NetOp::listen;
        ev.text(connect ? "destination_ip" : "ip", Need::required, address);
        ev.u64(connect ? "destination_port" : "port", Need::required, port,
               std::numeric_limits<std::uint16_t>::max());
        ev.text("protocol", Need::optional, protocol);
        if (ev.failed()) return Outcome::bad;

        e.net.address.assign(address);
        e.net.port = static_cast<std::uint16_t>(port);
        e.net.family = family_of_address(address);
        e.net.protocol = protocol_from_tetragon(protocol);
        return Outcome::event;
    }

    // One kprobe argument: its index, its type ("file_arg") and its value.
    struct Argument {
        std::size_t index = 0;
        std::string_view type;
        simdjson::dom::element value;
    };

    bool read_arguments(ObjectReader& ev, std::vector<Argument>& out) {
        out.clear();
        simdjson::dom::array args;
        if (!ev.array("args", Need::optional, args)) return !ev.failed();
        std::size_t index = 0;
        for (auto element : args) {
            simdjson::dom::object arg;
            if (element.get_object().get(arg) != simdjson::SUCCESS) {
                ev.error().set(
                    errc::bad_value,
                    fmt::format("{}[{}]: expected an object, found {}", ev.path_of("args"), index,
                                detail::json_type_name(element.type())));
                return false;
            }
            for (auto member : arg) {
                if (member.key == "label") continue;
                out.push_back({index, member.key, member.value});
                break;
            }
            ++index;
        }
        return true;
    }

    const Argument* find_argument(std::string_view type, std::size_t from = 0) const {
        for (const auto& arg : arguments_)
            if (arg.index >= from && arg.type == type) return &arg;
        return nullptr;
    }

    std::string argument_path(ObjectReader& ev, const Argument& arg) const {
        return fmt::format("{}[{}].{}", ev.path_of("args"), arg.index, arg.type);
    }

    Outcome map_kprobe(ObjectReader& ev, Event& e) {
        if (!read_arguments(ev, arguments_)) return Outcome::bad;
        switch (hook_) {
            case Hook::connect:
            case Hook::bind:
            case Hook::listen:
            case Hook::accept:
                return map_kprobe_network(ev, e);
            default:
                return map_kprobe_file(ev, e);
        }
    }

    Outcome map_kprobe_network(ObjectReader& ev, Event& e) {
        e.kind = EventKind::network;
        e.net.op = hook_ == Hook::connect  ? NetOp::connect
                   : hook_ == Hook::bind   ? NetOp::bind
                   : hook_ == Hook::listen ? NetOp::listen
                                           : NetOp::accept;

        // A socket is a sock_arg (struct sock) or a sockaddr_arg; accept returns its socket.
        simdjson::dom::element value;
        std::string path;
        bool sockaddr = false;
        if (const Argument* arg = find_argument("sock_arg")) {
            value = arg->value;
            path = argument_path(ev, *arg);
        } else if (const Argument* arg = find_argument("sockaddr_arg")) {
            value = arg->value;
            path = argument_path(ev, *arg);
            sockaddr = true;
        } else {
            simdjson::dom::object ret;
            if (ev.object("return", Need::optional, ret) &&
                ret.at_key("sock_arg").get(value) == simdjson::SUCCESS) {
                path = ev.path_of("return") + ".sock_arg";
            }
        }
        if (ev.failed()) return Outcome::bad;
        if (path.empty()) {
            *note_ = "process_kprobe network hook carries no sock_arg or sockaddr_arg; skipped";
            return Outcome::unmapped;
        }

        simdjson::dom::object sock;
        if (value.get_object().get(sock) != simdjson::SUCCESS) {
            ev.error().set(errc::bad_value, fmt::format("{}: expected an object", path));
            return Outcome::bad;
        }
        ObjectReader s(sock, path, ev.error(), max_string_bytes, true);
        std::string_view family, protocol, address;
        std::uint64_t port = 0;
        constexpr std::uint64_t max_port = std::numeric_limits<std::uint16_t>::max();
        s.text("family", Need::optional, family);
        if (sockaddr) {
            s.text("addr", Need::optional, address);
            s.u64("port", Need::optional, port, max_port);
        } else {
            // The peer for a connect; the local end for a listen, bind or accept, which is the
            // part a baseline can learn (peers of an accept vary with every client).
            bool remote = hook_ == Hook::connect;
            s.text("protocol", Need::optional, protocol);
            s.text(remote ? "daddr" : "saddr", Need::optional, address);
            s.u64(remote ? "dport" : "sport", Need::optional, port, max_port);
        }
        if (s.failed()) return Outcome::bad;

        e.net.family = family_from_tetragon(family);
        if (e.net.family == NetFamily::unspec) e.net.family = family_of_address(address);
        e.net.protocol = protocol_from_tetragon(protocol);
        e.net.address.assign(address);
        e.net.port = static_cast<std::uint16_t>(port);
        return Outcome::event;
    }

    Outcome map_kprobe_file(ObjectReader& ev, Event& e) {
        e.kind = EventKind::open;
        std::string_view path;
        std::string where;

        // The path: a file or path argument (d_path output, which Tetragon writes without its
        // leading slash), or for the open syscalls the string argument.
        const Argument* path_arg = find_argument("file_arg");
        if (!path_arg) path_arg = find_argument("path_arg");
        const Argument* string_arg = nullptr;
        if (!path_arg && hook_ == Hook::open_syscall) string_arg = find_argument("string_arg");

        if (path_arg) {
            where = argument_path(ev, *path_arg);
            simdjson::dom::object file;
            if (path_arg->value.get_object().get(file) != simdjson::SUCCESS) {
                ev.error().set(errc::bad_value, fmt::format("{}: expected an object", where));
                return Outcome::bad;
            }
            ObjectReader f(file, where, ev.error(), max_string_bytes, true);
            if (!f.text("path", Need::required, path)) return Outcome::bad;
            e.path =
                path.empty() || path.front() == '/' ? std::string(path) : fmt::format("/{}", path);
        } else if (string_arg) {
            where = argument_path(ev, *string_arg);
            if (string_arg->value.get_string().get(path) != simdjson::SUCCESS) {
                ev.error().set(errc::bad_value, fmt::format("{}: expected a string", where));
                return Outcome::bad;
            }
            // A relative path names a file under the cwd when no directory fd was given or
            // it was AT_FDCWD; otherwise the directory is unknown and the path stays relative.
            const Argument* dirfd = find_argument("int_arg");
            std::int64_t dirfd_value = at_fdcwd;
            if (dirfd && dirfd->index < string_arg->index &&
                dirfd->value.get_int64().get(dirfd_value) != simdjson::SUCCESS) {
                dirfd_value = 0;  // not a number: an unknown directory, not the cwd
            }
            bool from_cwd = dirfd_value == at_fdcwd;
            if (!path.empty() && path.front() != '/' && from_cwd && !cwd_.empty()) {
                e.path = cwd_ == "/" ? fmt::format("/{}", path) : fmt::format("{}/{}", cwd_, path);
            } else {
                e.path.assign(path);
            }
        } else {
            *note_ =
                "process_kprobe file hook carries no file_arg, path_arg or string_arg; skipped";
            return Outcome::unmapped;
        }

        // Joined with the cwd, or given a leading slash, a path can outgrow the string limit
        // that the replay format reads back; refuse it here so a recording stays readable.
        if (e.path.size() > max_string_bytes) {
            ev.error().set(errc::limit_exceeded,
                           fmt::format("{}: path longer than {} bytes once made absolute", where,
                                       max_string_bytes));
            return Outcome::bad;
        }

        e.flags = guess_flags(string_arg);
        return ev.failed() ? Outcome::bad : Outcome::event;
    }

    // The open(2) flags the hook implies; a guess where the event does not carry them.
    std::uint32_t guess_flags(const Argument* string_arg) const {
        std::int64_t value = 0;
        switch (hook_) {
            case Hook::open_syscall:
                // open(path, flags) and openat(dfd, path, flags): the flags follow the path.
                if (string_arg) {
                    const Argument* flags = find_argument("int_arg", string_arg->index + 1);
                    if (flags && flags->value.get_int64().get(value) == simdjson::SUCCESS &&
                        value >= 0) {
                        return static_cast<std::uint32_t>(value);
                    }
                }
                return o_rdonly;
            case Hook::write:
                return o_wronly;
            case Hook::truncate:
                return o_wronly | o_trunc;
            case Hook::permission:
                if (const Argument* mask = find_argument("int_arg")) {
                    if (mask->value.get_int64().get(value) == simdjson::SUCCESS &&
                        (value & (may_write | may_append))) {
                        return o_wronly;
                    }
                }
                return o_rdonly;
            default:
                return o_rdonly;
        }
    }

    Hook hook_ = Hook::none;
    bool has_time_ = false;
    std::uint64_t time_ns_ = 0;
    bool has_start_ = false;
    std::uint64_t start_ns_ = 0;
    std::string cwd_;
    std::vector<Argument> arguments_;
    std::string* note_ = nullptr;
};

}  // namespace

// ---- TetragonSource ----

struct TetragonSource::Impl {
    Impl(std::string path, TetragonOptions options_in)
        : options(options_in),
          reader(std::move(path), detail::RecordReader::Framing::detect, options.max_line_bytes,
                 simdjson::SIMDJSON_PADDING),
          parser(options.max_line_bytes) {}

    void skip(bool fatal_in_strict, errc code, std::uint64_t line, const std::string& message) {
        std::string where = fmt::format("line {}", line);
        if (fatal_in_strict && options.strict) throw Error(code, message, reader.name(), where);
        ++counters.skipped;
        skips.add(fmt::format("{}:{}: {}", reader.name(), where, message));
    }

    bool read_one(std::vector<Event>& out) {
        detail::RecordReader::Record record;
        if (!reader.next(record)) {
            finished = true;
            return false;
        }
        if (record.status == detail::RecordReader::Status::too_long) {
            skip(true, errc::limit_exceeded, record.line,
                 fmt::format("record longer than {} bytes", options.max_line_bytes));
            return false;
        }

        simdjson::dom::element doc;
        auto error = parser.parse(record.text.data(), record.text.size(), false).get(doc);
        if (error) {
            std::string message = detail::json_syntax_message(error);
            if (record.status == detail::RecordReader::Status::unterminated) {
                message = "truncated record at end of input: " + message;
            }
            skip(true, errc::parse_error, record.line, message);
            return false;
        }
        simdjson::dom::object root;
        if (doc.get_object().get(root) != simdjson::SUCCESS) {
            skip(true, errc::bad_value, record.line,
                 fmt::format("$: expected a JSON object, found {}",
                             detail::json_type_name(doc.type())));
            return false;
        }

        Event event;
        std::string note;
        FieldError err;
        switch (mapper.map(root, event, note, err)) {
            case Outcome::bad:
                skip(true, err.code, record.line, err.message);
                return false;
            case Outcome::unmapped:
                skip(false, errc::unsupported, record.line, note);
                return false;
            case Outcome::event:
                break;
        }
        if (event.kind == EventKind::lost) {
            auto& slot = counters.lost[static_cast<std::size_t>(event.lost_kind)];
            slot = event.lost_count > std::numeric_limits<std::uint64_t>::max() - slot
                       ? std::numeric_limits<std::uint64_t>::max()
                       : slot + event.lost_count;
        }
        ++counters.events;
        out.push_back(std::move(event));
        return true;
    }

    TetragonOptions options;
    detail::RecordReader reader;
    simdjson::dom::parser parser;
    Mapper mapper;
    SourceCounters counters;
    detail::SkipLog skips;
    bool finished = false;
};

TetragonSource::TetragonSource(std::string path, TetragonOptions options)
    : impl_(std::make_unique<Impl>(std::move(path), options)) {}

TetragonSource::~TetragonSource() = default;

std::size_t TetragonSource::next_batch(std::vector<Event>& out, std::size_t max) {
    std::size_t appended = 0;
    while (appended < max && !impl_->finished) {
        if (impl_->read_one(out)) ++appended;
    }
    return appended;
}

bool TetragonSource::at_end() const {
    return impl_->finished;
}

SourceCounters TetragonSource::counters() const {
    return impl_->counters;
}

std::vector<std::string> TetragonSource::skip_messages() const {
    return impl_->skips.messages();
}

}  // namespace rtguard

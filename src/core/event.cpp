#include "rtguard/event.hpp"

namespace rtguard {

std::string_view to_string(EventKind kind) noexcept {
    switch (kind) {
        case EventKind::exec:
            return "exec";
        case EventKind::exit:
            return "exit";
        case EventKind::open:
            return "open";
        case EventKind::network:
            return "network";
        case EventKind::syscall:
            return "syscall";
        case EventKind::io_uring:
            return "io_uring";
        case EventKind::lost:
            return "lost";
        case EventKind::fork:
            return "fork";
    }
    return "unknown";
}

std::optional<EventKind> event_kind_from_string(std::string_view name) noexcept {
    for (int k = 1; k < static_cast<int>(event_kind_count); ++k) {
        auto kind = static_cast<EventKind>(k);
        if (to_string(kind) == name) return kind;
    }
    return std::nullopt;
}

std::string_view to_string(NetOp op) noexcept {
    switch (op) {
        case NetOp::connect:
            return "connect";
        case NetOp::bind:
            return "bind";
        case NetOp::listen:
            return "listen";
        case NetOp::accept:
            return "accept";
    }
    return "unknown";
}

std::string_view to_string(NetFamily family) noexcept {
    switch (family) {
        case NetFamily::unspec:
            return "unspec";
        case NetFamily::inet:
            return "inet";
        case NetFamily::inet6:
            return "inet6";
        case NetFamily::unix_:
            return "unix";
    }
    return "unknown";
}

std::string_view to_string(NetProto proto) noexcept {
    switch (proto) {
        case NetProto::unknown:
            return "unknown";
        case NetProto::tcp:
            return "tcp";
        case NetProto::udp:
            return "udp";
    }
    return "unknown";
}

std::optional<NetOp> net_op_from_string(std::string_view s) noexcept {
    for (auto op : {NetOp::connect, NetOp::bind, NetOp::listen, NetOp::accept})
        if (to_string(op) == s) return op;
    return std::nullopt;
}

std::optional<NetFamily> net_family_from_string(std::string_view s) noexcept {
    for (auto f : {NetFamily::unspec, NetFamily::inet, NetFamily::inet6, NetFamily::unix_})
        if (to_string(f) == s) return f;
    return std::nullopt;
}

std::optional<NetProto> net_proto_from_string(std::string_view s) noexcept {
    for (auto p : {NetProto::unknown, NetProto::tcp, NetProto::udp})
        if (to_string(p) == s) return p;
    return std::nullopt;
}

}  // namespace rtguard

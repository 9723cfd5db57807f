// Alerts as JSON Lines in the shape Falco writes (time, rule, priority, output,
// output_fields, tags, source, hostname), so pipelines built for Falco read them unchanged.
// Format: docs/alerts.md.
#include <chrono>
#include <string>

#include <fmt/format.h>

#include "core/json_writer.hpp"
#include "detect/rules.hpp"
#include "rtguard/detector.hpp"

namespace rtguard {
namespace {

constexpr std::uint64_t alert_schema = 1;

std::string event_type(const Event& e) {
    switch (e.kind) {
        case EventKind::exec:
            return "execve";
        case EventKind::exit:
            return "procexit";
        case EventKind::open:
            return "openat";
        case EventKind::network:
            return std::string(to_string(e.net.op));
        case EventKind::syscall:
            if (auto name = x86_64_syscall_name(e.syscall_nr); !name.empty()) {
                return std::string(name);
            }
            return e.syscall_name.empty() ? "syscall" : e.syscall_name;
        case EventKind::io_uring:
            return e.uring_op == IoUringOp::setup ? "io_uring_setup" : "io_uring_enter";
        case EventKind::lost:
            return "drop";
        case EventKind::fork:
            return "clone";
    }
    return "unknown";
}

std::string_view after_prefix(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix ? s.substr(prefix.size()) : std::string_view();
}

void write_process_fields(detail::JsonWriter& w, const Event& e) {
    w.bytes_field("proc.exepath", e.exe);
    w.bytes_field("proc.name", e.comm);
    w.key("proc.pid").value(static_cast<std::uint64_t>(e.pid));
    w.key("proc.ppid").value(static_cast<std::uint64_t>(e.ppid));
    w.key("user.uid").value(static_cast<std::uint64_t>(e.uid));

    // Falco's proc.cmdline is the process name followed by the arguments; only exec events
    // carry the arguments.
    if (e.kind == EventKind::exec) {
        std::string args;
        for (std::size_t i = 1; i < e.exec.argv.size(); ++i) {
            if (!args.empty()) args += ' ';
            args += e.exec.argv[i];
        }
        std::string name = e.comm;
        if (name.empty()) {
            std::string_view exe = e.exe;
            name = std::string(exe.substr(exe.rfind('/') + 1));
        }
        w.bytes_field("proc.cmdline", args.empty() ? name : name + " " + args);
        w.bytes_field("proc.args", args);
    } else {
        w.key("proc.cmdline").null();
        w.key("proc.args").null();
    }
}

void write_workload_fields(detail::JsonWriter& w, const std::string& workload) {
    if (auto id = after_prefix(workload, "container:"); !id.empty()) {
        w.bytes_field("container.id", id.substr(0, 12));
        w.bytes_field("container.full_id", id);
    } else if (workload == "host") {
        w.key("container.id").value("host");
    } else {
        w.key("container.id").null();
    }
    if (auto pod = after_prefix(workload, "pod:"); !pod.empty()) {
        auto slash = pod.find('/');
        if (slash != std::string_view::npos) {
            w.bytes_field("k8s.ns.name", pod.substr(0, slash));
            w.bytes_field("k8s.pod.name", pod.substr(slash + 1));
        }
    }
}

void write_event_fields(detail::JsonWriter& w, const Event& e) {
    switch (e.kind) {
        case EventKind::open:
            w.bytes_field("fd.name", e.path);
            w.key("evt.arg.flags").value(static_cast<std::uint64_t>(e.flags));
            break;
        case EventKind::network: {
            const NetworkDetail& n = e.net;
            if (n.family == NetFamily::unix_) {
                w.bytes_field("fd.name", n.address);
                w.key("fd.typechar").value("u");
                break;
            }
            // For connect the endpoint is the server; for bind, listen and accept the local
            // side, which is the server as well.
            std::string host = n.family == NetFamily::inet6 ? "[" + n.address + "]" : n.address;
            w.bytes_field("fd.name", fmt::format("{}:{}", host, n.port));
            w.bytes_field("fd.sip", n.address);
            w.key("fd.sport").value(static_cast<std::uint64_t>(n.port));
            w.key("fd.l4proto").value(to_string(n.protocol));
            w.key("fd.typechar").value(n.family == NetFamily::inet6 ? "6" : "4");
            break;
        }
        case EventKind::exec:
            if (!e.exec.script.empty()) w.bytes_field("proc.script", e.exec.script);
            if (!e.exec.cwd.empty()) w.bytes_field("proc.cwd", e.exec.cwd);
            break;
        default:
            break;
    }
}

}  // namespace

std::string alert_to_json(const Alert& alert, std::string_view hostname) {
    const Event& e = alert.event;
    std::uint64_t time_ns = e.time_ns;
    if (time_ns == 0) {
        time_ns =
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
    }

    std::string out;
    detail::JsonWriter w(out);
    w.begin_object();
    w.key("time").value(rfc3339_ns(time_ns));
    w.key("rule").value(to_string(alert.rule));
    w.key("priority").value(falco_priority(alert.severity));
    w.key("output").value(alert.output);

    w.key("output_fields").begin_object();
    w.key("evt.time").value(time_ns);
    w.key("evt.type").value(event_type(e));
    write_process_fields(w, e);
    write_workload_fields(w, alert.workload);
    write_event_fields(w, e);
    w.end_object();

    w.key("tags").begin_array();
    for (std::string_view t : detail::rule_tags(alert.rule))
        w.value(t);
    w.end_array();
    w.key("source").value("rtguard");
    w.bytes_field("hostname", hostname);

    // rtguard's own fields, for readers that want more than Falco's shape.
    w.key("rtguard").begin_object();
    w.key("schema").value(alert_schema);
    w.key("severity").value(to_string(alert.severity));
    w.bytes_field("workload", alert.workload);
    w.bytes_field("image_digest", alert.image_digest);
    w.bytes_field("subject", alert.subject);
    w.key("suppressed").value(alert.suppressed);
    w.key("evidence").begin_object();
    for (const auto& [k, v] : alert.evidence)
        w.bytes_field(k, v);
    w.end_object();
    w.end_object();

    w.end_object();
    return out;
}

}  // namespace rtguard

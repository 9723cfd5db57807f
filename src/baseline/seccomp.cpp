// Syscall names of x86_64 and the OCI seccomp profile export.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/json_writer.hpp"
#include "rtguard/baseline.hpp"
#include "rtguard/error.hpp"
#include "rtguard/log.hpp"

namespace rtguard {
namespace {

struct SyscallName {
    std::int32_t nr;
    std::string_view name;
};

// Sorted by number: generated from the kernel header (see gen_syscall_table.py).
constexpr SyscallName syscall_table[] = {
#include "baseline/syscalls_x86_64.inc"
};

}  // namespace

std::string_view x86_64_syscall_name(std::int32_t nr) noexcept {
    auto it = std::lower_bound(std::begin(syscall_table), std::end(syscall_table), nr,
                               [](const SyscallName& s, std::int32_t n) { return s.nr < n; });
    if (it == std::end(syscall_table) || it->nr != nr) return {};
    return it->name;
}

std::optional<std::int32_t> x86_64_syscall_number(std::string_view name) noexcept {
    for (const auto& s : syscall_table) {
        if (s.name == name) return s.nr;
    }
    return std::nullopt;
}

std::vector<std::string> Profile::seccomp_syscalls(std::vector<std::int32_t>* unnamed) const {
    // The runtime loads the filter before it executes the workload's program, so execve
    // must be allowed even when the profile started watching after that exec.
    std::set<std::string> names{"execve"};
    for (const SyscallEntry& s : syscalls()) {
        std::string_view name = x86_64_syscall_name(s.nr);
        if (name.empty()) name = s.name;
        if (!name.empty())
            names.emplace(name);
        else if (unnamed)
            unnamed->push_back(s.nr);
    }
    return {names.begin(), names.end()};
}

std::string Profile::seccomp_profile() const {
    if (event_count(EventKind::syscall) == 0) {
        throw Error(errc::invalid_argument,
                    "the profile of " + workload() +
                        " has no syscall events; a seccomp profile from it would allow nothing");
    }

    std::vector<std::int32_t> unnamed;
    std::vector<std::string> names = seccomp_syscalls(&unnamed);
    for (std::int32_t nr : unnamed)
        log(LogLevel::warning,
            fmt::format("seccomp profile of {}: syscall {} has no known name; left out", workload(),
                        nr));

    std::string out;
    detail::JsonWriter w(out);
    w.set_indent(2);
    w.begin_object();
    w.key("defaultAction").value("SCMP_ACT_ERRNO");
    w.key("defaultErrnoRet").value(1);
    w.key("architectures").begin_array().value("SCMP_ARCH_X86_64").end_array();
    w.key("syscalls").begin_array();
    w.begin_object();
    w.key("names").begin_array();
    for (const auto& n : names)
        w.value(n);
    w.end_array();
    w.key("action").value("SCMP_ACT_ALLOW");
    w.end_object();
    w.end_array();
    w.end_object();
    out += '\n';
    return out;
}

}  // namespace rtguard

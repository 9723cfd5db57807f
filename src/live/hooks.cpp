#include "live/hooks.hpp"

namespace rtguard::live {
namespace {

// tp_btf programs get typed, BTF-checked arguments; raw_tp is the fallback for kernels
// that refuse BTF-typed attach (it needs nothing but raw tracepoints).
constexpr Hook tp_btf_hooks[] = {
    {"exec_btf", HookType::tp_btf, "sched_process_exec", "exec"},
    {"fork_btf", HookType::tp_btf, "sched_process_fork", "fork"},
    {"exit_btf", HookType::tp_btf, "sched_process_exit", "exit"},
    {"sys_enter_btf", HookType::tp_btf, "sys_enter", "syscall, network, io_uring"},
    {"sys_exit_btf", HookType::tp_btf, "sys_exit", "accept, open"},
};

constexpr Hook raw_tp_hooks[] = {
    {"exec_raw", HookType::raw_tp, "sched_process_exec", "exec"},
    {"fork_raw", HookType::raw_tp, "sched_process_fork", "fork"},
    {"exit_raw", HookType::raw_tp, "sched_process_exit", "exit"},
    {"sys_enter_raw", HookType::raw_tp, "sys_enter", "syscall, network, io_uring"},
    {"sys_exit_raw", HookType::raw_tp, "sys_exit", "accept, open"},
};

constexpr HookSet sets[] = {
    {"tp_btf", tp_btf_hooks},
    {"raw_tp", raw_tp_hooks},
};

}  // namespace

std::span<const HookSet> hook_sets() noexcept {
    return sets;
}

const HookSet* find_hook_set(std::string_view name) noexcept {
    for (const auto& s : sets)
        if (s.name == name) return &s;
    return nullptr;
}

std::string_view to_string(HookType type) noexcept {
    switch (type) {
        case HookType::tp_btf:
            return "tp_btf";
        case HookType::raw_tp:
            return "raw_tp";
        case HookType::lsm:
            return "lsm";
    }
    return "unknown";
}

}  // namespace rtguard::live

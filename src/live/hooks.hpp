// Internal: which BPF program attaches where. bpf/rtguard.bpf.c holds every program of every
// hook set; the loader loads the programs of one set and attaches them as the set says.
// A kernel with BPF-LSM would get a set whose exec hook is "lsm/bprm_check_security" and
// whose network hooks are socket_connect and friends, next to the tracepoint sets.
#pragma once

#include <span>
#include <string_view>

namespace rtguard::live {

enum class HookType {
    tp_btf,  ///< BTF-typed raw tracepoint (BPF_TRACE_RAW_TP)
    raw_tp,  ///< raw tracepoint: works without BTF-typed attach
    lsm,     ///< BPF-LSM hook (needs CONFIG_BPF_LSM and "bpf" in the lsm= list)
};

struct Hook {
    std::string_view program;  ///< program name in rtguard.bpf.c
    HookType type;
    std::string_view target;   ///< tracepoint or LSM hook name
    std::string_view purpose;  ///< what it produces, for messages
};

struct HookSet {
    std::string_view name;
    std::span<const Hook> hooks;
};

/// The hook sets this build has, most capable first. Every program of the BPF object is in
/// exactly one set.
std::span<const HookSet> hook_sets() noexcept;

/// The set of that name, or nullptr.
const HookSet* find_hook_set(std::string_view name) noexcept;

std::string_view to_string(HookType type) noexcept;

}  // namespace rtguard::live

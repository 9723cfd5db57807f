// Internal: explaining why libbpf could not load a program, from the messages it printed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rtguard::live {

struct LoadFailure {
    std::string program;  ///< the program libbpf named, or empty
    std::string reason;   ///< one line: libbpf's reason, then the verifier's last words
};

/// The last `lines` non-empty lines of a verifier log, joined by " | ", without the
/// statistics and the log's framing lines.
std::string verifier_tail(std::string_view log, std::size_t lines);

/// The program and reason of a failed load, from libbpf's warning lines ("libbpf: prog
/// 'exec_btf': BPF program load failed: Permission denied") and the tail of the verifier log
/// (may be empty).
LoadFailure explain_load_failure(const std::vector<std::string>& warnings,
                                 std::string_view verifier);

}  // namespace rtguard::live

// Internal: turning the kernel's ring-buffer records (bpf/rtguard_abi.h) into Events, and the
// user-space half of exec analysis. No libbpf here, so the unit suite tests it with
// hand-built records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtguard/event.hpp"

namespace rtguard::live {

/// What a record says beyond the Event fields: workload identity and raw exec facts.
struct RecordMeta {
    std::uint64_t boot_ns = 0;  ///< CLOCK_BOOTTIME of the record
    std::uint32_t tid = 0;
    std::uint32_t tree = 0;  ///< root of the watched tree, 0 when watched by cgroup
    std::uint64_t cgroup_id = 0;
    std::uint64_t exe_dev = 0;  ///< the process's executable: st_dev encoding, 0 when none
    std::uint64_t exe_ino = 0;

    // kind == exec
    std::string filename;          ///< as given to execve
    std::string interp;            ///< bprm->interp: differs from filename for #! scripts
    std::uint32_t exec_flags = 0;  ///< RTG_EXEC_*
    std::uint32_t fs_magic = 0;
    std::uint32_t nlink = 0;
    std::uint32_t argc = 0;

    // kind == open
    std::uint32_t open_flags = 0;  ///< RTG_OPEN_*
};

/// Decodes one record into `event` (kind-specific fields, pid, ppid, uid, comm; exe for exec
/// only, the others carry its identity in `meta`; not workload nor time_ns) and `meta`. Returns a
/// message for a malformed record (short, wrong size field, unknown type, a length past the end)
/// and leaves the outputs unspecified then. Never throws except std::bad_alloc.
std::optional<std::string> decode_record(const void* data, std::size_t size, Event& event,
                                         RecordMeta& meta);

/// Kernel dev_t (major << 20 | minor) as stat(2) reports st_dev (glibc's makedev encoding).
std::uint64_t user_dev(std::uint64_t kernel_dev) noexcept;

/// `path` made absolute against `base` (when relative) and lexically normalized: "." and
/// empty components dropped, ".." removed with its parent. Never returns "" for a non-empty
/// input.
std::string absolute_path(std::string_view base, std::string_view path);

/// True for the names of dynamic loaders (ld-linux-x86-64.so.2, ld-musl-x86_64.so.1,
/// ld.so, ld64.so.2).
bool is_loader_name(std::string_view basename) noexcept;

/// The program a dynamic loader run directly was given: the first argument after the
/// loader's own options (--library-path DIR, --preload LIST, ...). Empty when there is none
/// (e.g. "ld.so --help").
std::string loader_program(const std::vector<std::string>& argv);

/// A script an interpreter was asked to run on its command line ("sh /tmp/x.sh",
/// "python3 -u x.py"): the argument, or empty when `exe` is not a known interpreter or the
/// code came from an option (-c, -e, -m) or stdin.
std::string command_line_script(std::string_view exe, const std::vector<std::string>& argv);

/// True when `path` lies below /tmp, /var/tmp or /dev/shm (whole components).
bool in_temp_dir(std::string_view path) noexcept;

/// Answers whether a directory (as the workload sees it) is writable by others.
using DirProbe = std::function<bool(const std::string& dir)>;

/// Fills the user-space facts of an exec event from the kernel's raw ones: interpreter and
/// script, loader and loaded program, memory/deleted/upper-layer, writable_dir (through
/// `probe`), with paths made absolute against the exec's cwd.
void complete_exec(Event& event, const RecordMeta& meta, const DirProbe& probe);

}  // namespace rtguard::live

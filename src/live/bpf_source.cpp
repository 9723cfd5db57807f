// BpfSource: loads bpf/rtguard.bpf.c through its skeleton (the only file that includes it),
// feeds the watch maps and turns ring-buffer records into Events.
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <unordered_map>

#include <bpf/libbpf.h>
#include <fmt/core.h>

// Before the skeleton, whose global data has the ABI's types.
#include "rtguard_abi.h"

#include "live/decode.hpp"
#include "live/hooks.hpp"
#include "live/load_errors.hpp"
#include "rtguard.skel.h"
#include "rtguard/error.hpp"
#include "rtguard/live.hpp"
#include "rtguard/log.hpp"
#include "rtguard/workload.hpp"

namespace rtguard {
namespace {

constexpr const char* btf_path = "/sys/kernel/btf/vmlinux";
constexpr std::size_t max_skip_messages = 100;
constexpr std::size_t max_exe_cache = 65536;

// ---- libbpf's messages ------------------------------------------------------------------

/// libbpf prints through one global callback. Its messages go to rtguard::log; while a load
/// is in progress they are also kept, so that a refusal can be explained in the Error.
struct LibbpfMessages {
    std::mutex mutex;
    bool capturing = false;
    std::vector<std::string> warnings;  ///< libbpf's own warning lines
    std::string verifier_tail;          ///< last lines of the last verifier log
};

LibbpfMessages& libbpf_messages() {
    static LibbpfMessages m;
    return m;
}

int libbpf_print(enum libbpf_print_level level, const char* format, va_list args) {
    char small[512];
    va_list copy;
    va_copy(copy, args);
    int n = std::vsnprintf(small, sizeof(small), format, copy);
    va_end(copy);
    if (n < 0) return 0;
    std::string text;
    if (static_cast<std::size_t>(n) < sizeof(small)) {
        text = small;
    } else {
        text.resize(static_cast<std::size_t>(n) + 1);
        std::vsnprintf(text.data(), text.size(), format, args);
        text.resize(static_cast<std::size_t>(n));
    }
    while (!text.empty() && text.back() == '\n')
        text.pop_back();

    // A verifier log is long: keep its end for the Error, send the whole to debug.
    bool verifier_log = text.find("-- BEGIN PROG LOAD LOG --") != std::string::npos;
    {
        auto& m = libbpf_messages();
        std::lock_guard lock(m.mutex);
        if (m.capturing && verifier_log) m.verifier_tail = live::verifier_tail(text, 3);
        if (m.capturing && level == LIBBPF_WARN && !verifier_log) m.warnings.push_back(text);
    }
    LogLevel to = level == LIBBPF_WARN && !verifier_log ? LogLevel::warning : LogLevel::debug;
    log(to, "libbpf: " + text);
    return n;
}

void route_libbpf_output() {
    static std::once_flag once;
    std::call_once(once, [] { libbpf_set_print(libbpf_print); });
}

/// Starts keeping libbpf's warnings; the destructor stops.
class LibbpfCapture {
public:
    LibbpfCapture() {
        auto& m = libbpf_messages();
        std::lock_guard lock(m.mutex);
        m.capturing = true;
        m.warnings.clear();
        m.verifier_tail.clear();
    }
    ~LibbpfCapture() {
        auto& m = libbpf_messages();
        std::lock_guard lock(m.mutex);
        m.capturing = false;
    }
    LibbpfCapture(const LibbpfCapture&) = delete;
    LibbpfCapture& operator=(const LibbpfCapture&) = delete;

    /// The program libbpf named in its warnings, and a one-line reason.
    live::LoadFailure failure() const {
        auto& m = libbpf_messages();
        std::lock_guard lock(m.mutex);
        return live::explain_load_failure(m.warnings, m.verifier_tail);
    }
};

// ---- privileges and kernel features -----------------------------------------------------

bool has_capability(int cap) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capget, &header, data) != 0) return false;
    return (data[cap / 32].effective & (1U << (cap % 32))) != 0;
}

std::uint64_t clock_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

bool is_power_of_two(std::size_t n) {
    return n && !(n & (n - 1));
}

/// Parent pid of every process, from /proc/<pid>/stat.
std::unordered_map<pid_t, pid_t> process_parents() {
    std::unordered_map<pid_t, pid_t> parents;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "stat");
        std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        // "pid (comm) state ppid ...": comm may contain anything, so cut at the last ')'.
        auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        char state = 0;
        int ppid = 0;
        if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) == 2)
            parents[std::stoi(name)] = ppid;
    }
    return parents;
}

/// argv[0] as execvp would find it, or empty.
std::string find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    const char* env = std::getenv("PATH");
    std::string path = env ? env : "/usr/local/bin:/usr/bin:/bin";
    std::size_t i = 0;
    while (i <= path.size()) {
        std::size_t colon = path.find(':', i);
        if (colon == std::string::npos) colon = path.size();
        std::string dir = path.substr(i, colon - i);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
        i = colon + 1;
    }
    return {};
}

constexpr const char* error_names[RTG_ERR_MAX] = {
    "read_failed", "path_truncated", "tree_map_full", "syscall_map_full", "dedupe_insert_failed",
};

}  // namespace

std::string live_unavailable_reason() {
    if (access(btf_path, R_OK) != 0)
        return fmt::format("the kernel has no BTF ({} is missing): it needs CONFIG_DEBUG_INFO_BTF",
                           btf_path);
    constexpr int cap_sys_admin = 21, cap_perfmon = 38, cap_bpf = 39;
    if (geteuid() != 0 && !has_capability(cap_sys_admin) &&
        !(has_capability(cap_bpf) && has_capability(cap_perfmon)))
        return fmt::format(
            "loading eBPF programs needs root, or CAP_BPF and CAP_PERFMON (running as uid {})",
            geteuid());
    return {};
}

// ---- the source -------------------------------------------------------------------------

struct BpfSource::Impl {
    BpfSourceOptions options;
    rtguard_bpf* skel = nullptr;
    std::vector<bpf_link*> links;
    ring_buffer* ring = nullptr;
    std::string hook_set;
    int cpus = 1;

    std::deque<Event> pending;
    SourceCounters counters;
    std::array<std::uint64_t, event_kind_count> lost_seen{};
    std::array<std::uint64_t, RTG_ERR_MAX> errors_seen{};
    std::deque<std::string> skips;
    bool stopped = false;
    bool draining = false;  ///< stop(): take everything, ignore max_pending
    std::int64_t boot_to_real_ns = 0;

    std::unordered_map<std::uint32_t, std::string> tree_keys;    // tree root -> workload
    std::unordered_map<std::uint64_t, std::string> cgroup_keys;  // cgroup id -> workload
    std::unordered_map<std::uint64_t, std::uint32_t> slots;      // kernel workload key -> slot
    std::unordered_map<std::uint32_t, std::string> exe_of;       // tgid -> executable
    struct FileKey {
        std::uint64_t dev, ino;
        bool operator==(const FileKey&) const = default;
    };
    struct FileKeyHash {
        std::size_t operator()(const FileKey& k) const noexcept {
            return std::hash<std::uint64_t>()(k.ino * 0x9e3779b97f4a7c15ULL ^ k.dev);
        }
    };
    std::unordered_map<FileKey, std::string, FileKeyHash> exe_paths;  // identity -> path

    ~Impl() { close(); }

    void close() {
        ring_buffer__free(ring);
        ring = nullptr;
        detach();
        rtguard_bpf__destroy(skel);
        skel = nullptr;
    }

    void detach() {
        for (auto* link : links)
            bpf_link__destroy(link);
        links.clear();
    }

    /// Opens, configures, loads and attaches the programs of one hook set. On failure
    /// everything is released again and the Error says what the kernel refused.
    void load(const live::HookSet& set) {
        LibbpfCapture capture;
        skel = rtguard_bpf__open();
        if (!skel) throw Error::from_errno(errno, "cannot open the rtguard BPF object");

        // Configure: who we are, the dedupe switch, map sizes.
        skel->rodata->agent_tgid = static_cast<__u32>(getpid());
        skel->rodata->dedupe = options.dedupe ? 1 : 0;
        skel->rodata->lookup_tables = options.lookup_tables ? 1 : 0;
        // The dedupe hash's seed: unknown outside, so names cannot be chosen to collide.
        std::uint64_t seed = 0;
        if (getrandom(&seed, sizeof(seed), 0) == sizeof(seed)) skel->rodata->hash_seed = seed;
        bpf_map__set_max_entries(skel->maps.events, static_cast<__u32>(options.ring_buffer_bytes));
        skel->rodata->quiet_limit = options.ring_buffer_bytes / 4;
        // Sets of four: the power of two of sets nearest above dedupe_entries / 4.
        std::uint32_t sets = 1;
        while (options.dedupe && sets < 0x40000000u && sets * 4 < options.dedupe_entries)
            sets *= 2;
        bpf_map__set_max_entries(skel->maps.dedupe_sets, sets);
        skel->rodata->dedupe_set_mask = sets - 1;
        bpf_map__set_max_entries(skel->maps.watched_tgids,
                                 static_cast<__u32>(options.max_tree_processes));
        bpf_map__set_max_entries(skel->maps.watched_cgroups,
                                 static_cast<__u32>(options.max_cgroups));

        // Load only this set's programs.
        bpf_program* prog = nullptr;
        bpf_object__for_each_program(prog, skel->obj) {
            bool wanted = false;
            for (const auto& hook : set.hooks)
                wanted = wanted || hook.program == bpf_program__name(prog);
            bpf_program__set_autoload(prog, wanted);
        }
        if (int err = rtguard_bpf__load(skel); err != 0) {
            auto [program, reason] = capture.failure();
            rtguard_bpf__destroy(skel);
            skel = nullptr;
            if ((err == -EPERM || err == -EACCES) && !live_unavailable_reason().empty())
                throw Error(errc::unsupported, live_unavailable_reason());
            throw Error(errc::kernel_refused,
                        fmt::format("the kernel refused BPF program '{}' (hook set {}): {}",
                                    program.empty() ? "?" : program, set.name,
                                    reason.empty() ? std::strerror(-err) : reason));
        }

        // Attach each program where the set says.
        for (const auto& hook : set.hooks) {
            std::string name(hook.program), target(hook.target);
            prog = bpf_object__find_program_by_name(skel->obj, name.c_str());
            bpf_link* link = nullptr;
            if (prog) {
                switch (hook.type) {
                    case live::HookType::tp_btf:
                        link = bpf_program__attach_trace(prog);
                        break;
                    case live::HookType::raw_tp:
                        link = bpf_program__attach_raw_tracepoint(prog, target.c_str());
                        break;
                    case live::HookType::lsm:
                        link = bpf_program__attach_lsm(prog);
                        break;
                }
            }
            if (!link) {
                int err = errno;
                auto [ignored, reason] = capture.failure();
                close();
                throw Error(errc::kernel_refused,
                            fmt::format("the kernel refused to attach BPF program '{}' to {} {} "
                                        "({}): {}",
                                        name, live::to_string(hook.type), target, hook.purpose,
                                        reason.empty() ? std::strerror(err) : reason));
            }
            links.push_back(link);
        }
        hook_set = std::string(set.name);
    }

    // ---- records to events ----

    static int on_record(void* ctx, void* data, std::size_t size) {
        auto* self = static_cast<Impl*>(ctx);
        self->take(data, size);
        // A negative return stops libbpf after this record (which it has consumed).
        if (!self->draining && self->pending.size() >= self->options.max_pending) return -ENOSPC;
        return 0;
    }

    void take(const void* data, std::size_t size) {
        Event event;
        live::RecordMeta meta;
        if (auto problem = live::decode_record(data, size, event, meta)) {
            ++counters.skipped;
            if (skips.size() == max_skip_messages) skips.pop_front();
            skips.push_back(*problem);
            log(LogLevel::warning, "malformed BPF record skipped: " + *problem);
            return;
        }

        event.time_ns =
            static_cast<std::uint64_t>(static_cast<std::int64_t>(meta.boot_ns) + boot_to_real_ns);
        event.workload = workload_key(meta);
        switch (event.kind) {
            case EventKind::exec: {
                pid_t pid = static_cast<pid_t>(event.pid);
                live::complete_exec(event, meta, [pid](const std::string& dir) {
                    // The directory as the workload sees it, through its root.
                    struct stat st {};
                    std::string seen = fmt::format("/proc/{}/root{}", pid, dir);
                    return ::stat(seen.c_str(), &st) == 0 && (st.st_mode & S_IWOTH);
                });
                if (meta.exe_ino && exe_paths.size() < max_exe_cache)
                    exe_paths[{meta.exe_dev, meta.exe_ino}] = event.exe;
                remember_exe(event.pid, event.exe);
                break;
            }
            case EventKind::exit:
                // The memory map, and with it the executable's identity, is gone by now.
                if (auto it = exe_of.find(event.pid); it != exe_of.end()) event.exe = it->second;
                exe_of.erase(event.pid);
                break;
            default:
                // For fork the header describes the parent, whose executable the child has.
                event.exe = exe(event.kind == EventKind::fork ? event.ppid : event.pid, meta);
                remember_exe(event.pid, event.exe);
                break;
        }
        ++counters.events;
        pending.push_back(std::move(event));
    }

    std::string workload_key(const live::RecordMeta& meta) const {
        if (meta.tree) {
            auto it = tree_keys.find(meta.tree);
            return it != tree_keys.end() ? it->second : tree_workload_key(meta.tree);
        }
        auto it = cgroup_keys.find(meta.cgroup_id);
        return it != cgroup_keys.end() ? it->second : cgroup_workload_key(meta.cgroup_id);
    }

    void remember_exe(std::uint32_t pid, const std::string& path) {
        if (path.empty() || (exe_of.size() >= max_exe_cache && !exe_of.count(pid))) return;
        exe_of[pid] = path;
    }

    /// The path of the executable the kernel identified in a record's header: learned from
    /// exec records, else read from /proc (processes that were running before they were
    /// watched, or whose exec was a repeat of one sent before this source started).
    std::string exe(std::uint32_t pid, const live::RecordMeta& meta) {
        if (!meta.exe_ino) {
            auto it = exe_of.find(pid);
            return it == exe_of.end() ? std::string() : it->second;
        }
        FileKey key{meta.exe_dev, meta.exe_ino};
        if (auto it = exe_paths.find(key); it != exe_paths.end()) return it->second;

        char buf[4096];
        std::string link = fmt::format("/proc/{}/exe", pid);
        ssize_t n = readlink(link.c_str(), buf, sizeof(buf));
        struct stat st {};
        if (n <= 0 || ::stat(link.c_str(), &st) != 0 || st.st_ino != meta.exe_ino) return {};
        std::string path(buf, static_cast<std::size_t>(n));
        if (exe_paths.size() < max_exe_cache) exe_paths[key] = path;
        return path;
    }

    // ---- kernel counters ----

    std::vector<std::uint64_t> read_counters(bpf_map* map, std::uint32_t entries) {
        std::vector<std::uint64_t> totals(entries), per_cpu(static_cast<std::size_t>(cpus));
        for (std::uint32_t key = 0; key < entries; ++key) {
            if (bpf_map__lookup_elem(map, &key, sizeof(key), per_cpu.data(),
                                     per_cpu.size() * sizeof(std::uint64_t), 0) != 0)
                continue;
            for (auto v : per_cpu)
                totals[key] += v;
        }
        return totals;
    }

    /// Turns increases of the kernel's lost counters into lost events, and reports
    /// increases of its error counters.
    void poll_kernel_counters() {
        auto lost = read_counters(skel->maps.lost_counts, RTG_EV_MAX);
        for (std::size_t kind = 0; kind < event_kind_count; ++kind) {
            if (lost[kind] <= lost_seen[kind]) continue;
            Event e;
            e.kind = EventKind::lost;
            e.time_ns = clock_ns(CLOCK_REALTIME);
            e.lost_kind = static_cast<EventKind>(kind);
            e.lost_count = lost[kind] - lost_seen[kind];
            counters.lost[kind] += e.lost_count;
            ++counters.events;
            lost_seen[kind] = lost[kind];
            pending.push_back(std::move(e));
        }

        auto errors = read_counters(skel->maps.error_counts, RTG_ERR_MAX);
        for (std::size_t i = 0; i < errors.size(); ++i) {
            if (errors[i] <= errors_seen[i]) continue;
            bool serious = i == RTG_ERR_TRACK_FULL || i == RTG_ERR_BITMAP_FULL;
            log(serious ? LogLevel::warning : LogLevel::debug,
                fmt::format("BPF programs counted {} more {}", errors[i] - errors_seen[i],
                            error_names[i]));
            errors_seen[i] = errors[i];
        }
    }

    void refresh_clock() {
        boot_to_real_ns = static_cast<std::int64_t>(clock_ns(CLOCK_REALTIME)) -
                          static_cast<std::int64_t>(clock_ns(CLOCK_BOOTTIME));
    }

    /// Tasks cache whether they are watched; a change to the watched maps from here makes
    /// every cached verdict stale (the BPF side renews it on the task's next syscall).
    void new_watch_generation() {
        auto* gen = &skel->data->watch_gen;
        __atomic_store_n(gen, *gen + 1 == 0 ? 1 : *gen + 1, __ATOMIC_RELEASE);
    }

    /// The kernel-side slot of a workload (its key and the syscalls it used), made the
    /// first time the workload is watched.
    std::uint32_t slot_for(std::uint64_t key, std::uint32_t tree) {
        if (auto it = slots.find(key); it != slots.end()) return it->second;
        auto n = static_cast<std::uint32_t>(slots.size());
        if (n == RTG_WL_SLOTS)
            throw Error(errc::limit_exceeded,
                        fmt::format("cannot watch more than {} workloads at once", RTG_WL_SLOTS));
        auto& slot = skel->bss->slots[n];
        std::memset(&slot, 0, sizeof(slot));
        slot.key = key;
        slot.tree = tree;
        __atomic_thread_fence(__ATOMIC_RELEASE);  // filled before any map names it
        slots.emplace(key, n);
        return n;
    }

    void add_tgid(pid_t pid, pid_t root, std::uint32_t flags = 0) {
        auto tgid = static_cast<__u32>(pid);
        auto slot = slot_for(RTG_WL_TREE_BIT | static_cast<__u32>(root), static_cast<__u32>(root));
        rtg_tree value{static_cast<__u32>(root), flags, slot, 0};
        if (bpf_map__update_elem(skel->maps.watched_tgids, &tgid, sizeof(tgid), &value,
                                 sizeof(value), BPF_ANY) != 0)
            throw Error::from_errno(errno, fmt::format("cannot watch process {}", pid));
        __atomic_fetch_or(&skel->bss->watched_tgid_bits[(tgid >> 6) & 0xffff],
                          std::uint64_t{1} << (tgid & 63), __ATOMIC_RELEASE);

        // The tgid table's entry, unless another watched tgid holds it (the maps answer then).
        auto* entry = &skel->bss->tgid_table[tgid & (RTG_TGID_TABLE - 1)];
        __u64 want = RTG_TGID_ENTRY(tgid, slot, flags);
        __u64 have = __atomic_load_n(entry, __ATOMIC_ACQUIRE);
        while (options.lookup_tables && (have == 0 || static_cast<__u32>(have) == tgid) &&
               !__atomic_compare_exchange_n(entry, &have, want, false, __ATOMIC_RELEASE,
                                            __ATOMIC_ACQUIRE)) {
        }
        new_watch_generation();
    }
};

BpfSource::BpfSource(BpfSourceOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    auto& o = impl_->options;
    if (!is_power_of_two(o.ring_buffer_bytes) ||
        o.ring_buffer_bytes < static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) ||
        o.ring_buffer_bytes > (std::size_t{1} << 31))
        throw Error(errc::invalid_argument,
                    fmt::format("ring buffer size {} is not a power of two between one page "
                                "and 2 GiB",
                                o.ring_buffer_bytes));
    for (std::size_t n : {o.max_tree_processes, o.max_cgroups, o.dedupe_entries, o.max_pending})
        if (n == 0 || n > 0xffffffffu)
            throw Error(errc::invalid_argument,
                        fmt::format("BpfSource map size {} is not between 1 and 2^32-1", n));

    // The hook sets to try in order, or only the one asked for.
    std::vector<const live::HookSet*> sets;
    if (o.hook_set.empty()) {
        for (const auto& s : live::hook_sets())
            sets.push_back(&s);
    } else if (const auto* s = live::find_hook_set(o.hook_set)) {
        sets.push_back(s);
    } else {
        throw Error(errc::invalid_argument, fmt::format("unknown hook set '{}'", o.hook_set));
    }

    if (auto why = live_unavailable_reason(); !why.empty()) throw Error(errc::unsupported, why);
    route_libbpf_output();

    // A set the kernel refuses gives way to the next one.
    std::string refusals;
    for (const auto* set : sets) {
        try {
            impl_->load(*set);
            break;
        } catch (const Error& e) {
            if (e.code() != make_error_code(errc::kernel_refused) || set == sets.back()) {
                if (refusals.empty()) throw;
                throw Error(e.code(), refusals + "; " + e.message());
            }
            log(LogLevel::warning, e.message() + "; trying the next hook set");
            refusals += (refusals.empty() ? "" : "; ") + e.message();
        }
    }

    // Poll setup.
    impl_->cpus = libbpf_num_possible_cpus();
    if (impl_->cpus <= 0) impl_->cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_CONF));
    impl_->ring = ring_buffer__new(bpf_map__fd(impl_->skel->maps.events), &Impl::on_record,
                                   impl_.get(), nullptr);
    if (!impl_->ring) {
        int err = errno;
        impl_->close();
        throw Error::from_errno(err, "cannot set up the BPF ring buffer");
    }
    impl_->refresh_clock();
    log(LogLevel::debug, fmt::format("BPF programs attached (hook set {})", impl_->hook_set));
}

BpfSource::~BpfSource() = default;

std::string BpfSource::watch_cgroup(const std::string& path, std::string key) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw Error::from_errno(errno, "cannot open the cgroup directory", path);
    struct statfs fs {};
    struct stat st {};
    bool cgroup2 = fstatfs(fd, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
    bool stat_ok = fstat(fd, &st) == 0;

    // The cgroup id is the kernfs node id: the file handle of the directory.
    alignas(file_handle) unsigned char handle_buf[sizeof(file_handle) + sizeof(std::uint64_t)] = {};
    auto* handle = reinterpret_cast<file_handle*>(handle_buf);
    handle->handle_bytes = sizeof(std::uint64_t);
    int mount_id = 0;
    bool have_handle = name_to_handle_at(fd, "", handle, &mount_id, AT_EMPTY_PATH) == 0 &&
                       handle->handle_bytes == sizeof(std::uint64_t);
    ::close(fd);
    if (!cgroup2)
        throw Error(errc::invalid_argument,
                    "not a cgroup v2 directory (cgroup v1 hierarchies are not supported)", path);
    std::uint64_t id = 0;
    if (have_handle)
        std::memcpy(&id, handle_buf + sizeof(file_handle), sizeof(id));
    else if (stat_ok)
        id = st.st_ino;  // kernfs inode numbers are cgroup ids on 64-bit kernels
    else
        throw Error::from_errno(errno, "cannot identify the cgroup", path);

    if (key.empty()) key = cgroup_path_workload_key(path, id);
    __u32 slot = impl_->slot_for(id, 0);
    if (bpf_map__update_elem(impl_->skel->maps.watched_cgroups, &id, sizeof(id), &slot,
                             sizeof(slot), BPF_ANY) != 0)
        throw Error::from_errno(errno, "cannot watch the cgroup", path);

    // The cgroup table's entry, or, when another cgroup holds it, the mark that sends lookups
    // of this entry to the map.
    auto& entry = impl_->skel->bss->cgroup_table[id & (RTG_CGROUP_TABLE - 1)];
    if (!impl_->options.lookup_tables) {
        __atomic_store_n(&entry.collided, 1, __ATOMIC_RELEASE);
    } else if (__atomic_load_n(&entry.id, __ATOMIC_ACQUIRE) == 0) {
        entry.slot = slot;
        __atomic_store_n(&entry.id, id, __ATOMIC_RELEASE);
    } else if (entry.id != id) {
        __atomic_store_n(&entry.collided, 1, __ATOMIC_RELEASE);
    }
    impl_->cgroup_keys[id] = key;
    impl_->skel->bss->cgroups_watched = 1;
    impl_->new_watch_generation();
    return key;
}

std::string BpfSource::watch_pid(pid_t pid, std::string key) {
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH))
        throw Error(errc::invalid_argument, fmt::format("there is no process {}", pid));
    if (key.empty()) key = tree_workload_key(static_cast<std::uint32_t>(pid));
    impl_->tree_keys[static_cast<std::uint32_t>(pid)] = key;

    // The root first: whatever it forks from now on joins in the kernel. Then the
    // descendants it has already.
    impl_->add_tgid(pid, pid);
    auto parents = process_parents();
    std::vector<pid_t> frontier{pid};
    while (!frontier.empty()) {
        pid_t parent = frontier.back();
        frontier.pop_back();
        for (const auto& [child, ppid] : parents) {
            if (ppid != parent || child == pid) continue;
            impl_->add_tgid(child, pid);
            frontier.push_back(child);
        }
    }
    return key;
}

pid_t BpfSource::spawn(const std::vector<std::string>& argv, std::string key) {
    if (argv.empty()) throw Error(errc::invalid_argument, "spawn needs a command");
    std::string program = find_program(argv[0]);
    if (program.empty()) throw Error::from_errno(ENOENT, "command not found: " + argv[0]);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    // go: the parent's permission to exec; report: the child's exec error, if any.
    int go[2], report[2];
    if (pipe2(go, O_CLOEXEC) != 0) throw Error::from_errno(errno, "pipe2 failed");
    if (pipe2(report, O_CLOEXEC) != 0) {
        int err = errno;
        ::close(go[0]);
        ::close(go[1]);
        throw Error::from_errno(err, "pipe2 failed");
    }
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        for (int fd : {go[0], go[1], report[0], report[1]})
            ::close(fd);
        throw Error::from_errno(err, "fork failed");
    }

    if (pid == 0) {
        // Child: only async-signal-safe calls until exec.
        ::close(go[1]);
        ::close(report[0]);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        char c = 0;
        while (::read(go[0], &c, 1) < 0 && errno == EINTR) {
        }
        if (c != 'g') _exit(127);
        execv(program.c_str(), args.data());
        int err = errno;
        ssize_t ignored = ::write(report[1], &err, sizeof(err));
        (void)ignored;
        _exit(127);
    }

    // Parent: watch, then let the child exec.
    ::close(go[0]);
    ::close(report[1]);
    auto give_up = [&] {
        ::close(go[1]);
        ::close(report[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        impl_->tree_keys.erase(static_cast<std::uint32_t>(pid));
    };
    try {
        impl_->tree_keys[static_cast<std::uint32_t>(pid)] =
            key.empty() ? tree_workload_key(static_cast<std::uint32_t>(pid)) : key;
        impl_->add_tgid(pid, pid, RTG_TREE_PENDING_EXEC);
    } catch (...) {
        give_up();  // the child reads EOF and exits
        throw;
    }
    ssize_t w;
    do {
        w = ::write(go[1], "g", 1);
    } while (w < 0 && errno == EINTR);
    ::close(go[1]);
    go[1] = -1;

    // EOF on report means exec succeeded (the pipe was close-on-exec).
    int child_errno = 0;
    ssize_t n;
    do {
        n = ::read(report[0], &child_errno, sizeof(child_errno));
    } while (n < 0 && errno == EINTR);
    ::close(report[0]);
    if (n == sizeof(child_errno)) {
        int status = 0;
        waitpid(pid, &status, 0);
        impl_->tree_keys.erase(static_cast<std::uint32_t>(pid));
        throw Error::from_errno(child_errno, "cannot run " + argv[0]);
    }
    return pid;
}

std::string BpfSource::workload_of_pid(pid_t pid) const {
    auto it = impl_->tree_keys.find(static_cast<std::uint32_t>(pid));
    return it == impl_->tree_keys.end() ? std::string() : it->second;
}

void BpfSource::stop() {
    if (impl_->stopped) return;
    impl_->detach();
    impl_->refresh_clock();
    impl_->draining = true;
    while (ring_buffer__consume(impl_->ring) > 0) {
    }
    impl_->poll_kernel_counters();
    impl_->stopped = true;
}

std::size_t BpfSource::next_batch(std::vector<Event>& out, std::size_t max) {
    auto& s = *impl_;
    if (s.pending.empty() && !s.stopped) {
        s.refresh_clock();
        int n = ring_buffer__poll(s.ring, s.options.poll_timeout_ms);
        // Records submitted without a wakeup (fork, exit, syscall) are taken when the wait
        // ends without one.
        if (n == 0) n = ring_buffer__consume(s.ring);
        if (n < 0 && n != -EINTR && n != -ENOSPC)
            throw Error::from_errno(-n, "polling the BPF ring buffer failed");
        s.poll_kernel_counters();
    }
    std::size_t given = 0;
    while (given < max && !s.pending.empty()) {
        out.push_back(std::move(s.pending.front()));
        s.pending.pop_front();
        ++given;
    }
    return given;
}

bool BpfSource::at_end() const {
    return impl_->stopped && impl_->pending.empty();
}

SourceCounters BpfSource::counters() const {
    return impl_->counters;
}

std::vector<std::string> BpfSource::skip_messages() const {
    return {impl_->skips.begin(), impl_->skips.end()};
}

const std::string& BpfSource::hook_set() const noexcept {
    return impl_->hook_set;
}

std::vector<std::pair<std::string, std::uint64_t>> BpfSource::kernel_errors() const {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    if (!impl_->skel) return out;
    auto totals = impl_->read_counters(impl_->skel->maps.error_counts, RTG_ERR_MAX);
    for (std::size_t i = 0; i < totals.size(); ++i)
        out.emplace_back(error_names[i], totals[i]);
    return out;
}

}  // namespace rtguard

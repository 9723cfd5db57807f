// Learning: turning events into a profile, generalizing paths that would never repeat.
#include <algorithm>
#include <cmath>

#include "baseline/profile_impl.hpp"
#include "rtguard/error.hpp"

namespace rtguard {
namespace {

// Past this many distinct absorbed names per pattern in one run, absorptions are counted
// without checking for repeats, which bounds the memory of a long profiling run.
constexpr std::size_t absorbed_seen_cap = std::size_t(1) << 18;

constexpr std::uint8_t bits(Access a) noexcept {
    return static_cast<std::uint8_t>(a);
}

bool has_exec(Access a) noexcept {
    return (a & Access::exec) != Access::none;
}

std::size_t kind_index(EventKind kind) noexcept {
    return static_cast<std::size_t>(kind);
}

// Where a literal path sits in its groups: the leaf component, and the component above it
// (for per-request directories like /tmp/req-17/body).
struct Slot {
    std::size_t start;
    std::size_t end;
};

std::vector<Slot> group_slots(std::string_view path) {
    std::vector<Slot> slots;
    std::size_t last = path.rfind('/');
    if (last == std::string_view::npos) return slots;
    slots.push_back({last + 1, path.size()});
    if (last == 0) return slots;
    std::size_t prev = path.rfind('/', last - 1);
    if (prev == std::string_view::npos) return slots;
    slots.push_back({prev + 1, last});
    return slots;
}

std::string group_key(std::string_view prefix, std::string_view suffix, Access access) {
    std::string key;
    key.reserve(prefix.size() + suffix.size() + 3);
    key.append(prefix).push_back('\0');
    key.append(suffix).push_back('\0');
    key.push_back(static_cast<char>('0' + bits(access)));
    return key;
}

template <class Set>
void insert_bounded(Set& sample, const typename Set::value_type& v, std::size_t bound) {
    sample.insert(v);
    while (sample.size() > bound)
        sample.erase(std::prev(sample.end()));
}

}  // namespace

std::string to_string(Access access) {
    std::string s;
    if ((access & Access::read) != Access::none) s += 'r';
    if ((access & Access::write) != Access::none) s += 'w';
    if ((access & Access::exec) != Access::none) s += 'x';
    return s;
}

std::optional<Access> access_from_string(std::string_view letters) noexcept {
    Access a = Access::none;
    for (char c : letters) {
        Access bit = c == 'r'   ? Access::read
                     : c == 'w' ? Access::write
                     : c == 'x' ? Access::exec
                                : Access::none;
        if (bit == Access::none || (a & bit) != Access::none) return std::nullopt;
        a = a | bit;
    }
    return a;
}

Access access_from_open_flags(std::uint32_t flags) noexcept {
    constexpr std::uint32_t fmode_exec = 0x20;
    Access a = open_flags_write(flags) ? Access::write : Access::read;
    if (flags & fmode_exec) a = a | Access::exec;
    // O_RDWR reads as well as writes.
    if ((flags & 03) == 02) a = a | Access::read;
    return a;
}

Profile::Impl::Impl(const Impl& o)
    : workload(o.workload),
      image_digest(o.image_digest),
      options(o.options),
      executables(o.executables),
      files(o.files),
      patterns(o.patterns),
      network(o.network),
      syscalls(o.syscalls),
      io_uring(o.io_uring),
      counts(o.counts),
      lost(o.lost),
      first_ns(o.first_ns),
      last_ns(o.last_ns),
      last_new_ns(o.last_new_ns),
      recent_new(o.recent_new),
      groups(o.groups),
      absorbed_seen(o.absorbed_seen) {
    rebuild_index();
}

void Profile::Impl::note_time(std::uint64_t t) {
    if (t == 0) return;
    if (first_ns == 0 || t < first_ns) first_ns = t;
    if (t > last_ns) last_ns = t;
}

void Profile::Impl::note_new(std::uint64_t t) {
    if (merging) return;
    last_new_ns = std::max(last_new_ns, t);
    recent_new.push_back(t);
    while (recent_new.size() > options.recent_new_entries)
        recent_new.pop_front();
}

void Profile::Impl::learn(const Event& event) {
    std::uint64_t t = event.time_ns;
    note_time(t);
    if (kind_index(event.kind) < counts.size()) ++counts[kind_index(event.kind)];

    switch (event.kind) {
        case EventKind::exec:
            learn_exec(event);
            break;
        case EventKind::open:
            if (!event.path.empty())
                add_file(event.path, access_from_open_flags(event.flags), 1, t);
            break;
        case EventKind::network:
            learn_network(event);
            break;
        case EventKind::syscall:
            learn_syscall(event);
            break;
        case EventKind::io_uring:
            if (io_uring == 0) note_new(t);
            ++io_uring;
            break;
        case EventKind::lost:
            if (kind_index(event.lost_kind) < lost.size()) {
                lost[kind_index(event.lost_kind)] += event.lost_count;
            }
            break;
        case EventKind::exit:
        case EventKind::fork:
            break;
    }
}

void Profile::Impl::learn_exec(const Event& event) {
    std::uint64_t t = event.time_ns;
    const ExecDetail& x = event.exec;
    const std::string& path = event.exe.empty() ? event.path : event.exe;
    if (path.empty()) return;

    auto [it, inserted] = executables.try_emplace(path);
    ExecutableEntry& e = it->second;
    if (inserted) {
        e.path = path;
        note_new(t);
    }
    ++e.count;

    // File identity; past the bound the path's identity is not a stable property any more.
    FileIdentity id{x.dev, x.ino};
    if (id != FileIdentity{} && !e.identities.count(id)) {
        if (e.identities.size() < options.max_identities) {
            e.identities.insert(id);
            note_new(t);
        } else if (!e.identities_overflow) {
            e.identities_overflow = true;
            note_new(t);
        }
    }

    std::vector<std::string> argv(
        x.argv.begin(),
        x.argv.begin() + static_cast<std::ptrdiff_t>(std::min(x.argv.size(), options.max_argv)));
    if (!e.argument_sets.count(argv)) {
        if (e.argument_sets.size() < options.max_argument_sets) {
            e.argument_sets.insert(std::move(argv));
        } else {
            e.argument_sets_overflow = true;
        }
    }

    // How the program was started, and drift conditions that are normal for this workload.
    if (!x.interpreter.empty() && x.interpreter != path &&
        e.interpreters.insert(x.interpreter).second)
        note_new(t);
    if (!x.script.empty()) {
        if (e.scripts.insert(x.script).second) note_new(t);
        add_file(x.script, Access::exec, 1, t);
    }
    if (!x.loaded_program.empty()) {
        if (e.loaded_programs.insert(x.loaded_program).second) note_new(t);
        add_file(x.loaded_program, Access::exec, 1, t);
    }
    auto flag = [&](bool seen, bool& kept) {
        if (seen && !kept) {
            kept = true;
            note_new(t);
        }
    };
    flag(x.upper_layer, e.upper_layer);
    flag(x.memory, e.memory);
    flag(x.deleted, e.deleted);
    flag(x.writable_dir, e.writable_dir);

    add_file(path, Access::exec, 1, t);
}

void Profile::Impl::learn_network(const Event& event) {
    NetworkEndpoint ep{event.net.op, event.net.protocol, event.net.family, event.net.address,
                       event.net.port};
    auto [it, inserted] = network.try_emplace(std::move(ep), 0);
    if (inserted) note_new(event.time_ns);
    ++it->second;
}

void Profile::Impl::learn_syscall(const Event& event) {
    if (event.syscall_nr < 0) return;
    auto [it, inserted] = syscalls.try_emplace(event.syscall_nr);
    SyscallEntry& s = it->second;
    if (inserted) {
        s.nr = event.syscall_nr;
        note_new(event.time_ns);
    }
    if (s.name.empty()) {
        std::string_view known = x86_64_syscall_name(event.syscall_nr);
        s.name = known.empty() ? event.syscall_name : std::string(known);
    }
    ++s.count;
}

void Profile::Impl::add_file(std::string_view path, Access access, std::uint64_t count,
                             std::uint64_t t) {
    if (auto it = files.find(path); it != files.end()) {
        FileEntry& e = it->second;
        e.count += count;
        if (covers(e.access, access)) return;

        // A new access mode moves the literal to the groups of its new mode (which may
        // collapse and absorb it, so work on a copy of the path).
        Access old = e.access;
        e.access = e.access | access;
        Access now = e.access;
        std::string key = e.path;
        note_new(t);
        if (options.generalize && !has_exec(old)) group_erase(key, old);
        if (options.generalize && !has_exec(now)) group_insert(key, now, t);
        return;
    }

    // Executables and anything executed stay literal: a new binary in a known place must
    // still stand out.
    bool generalize = options.generalize && !has_exec(access);
    if (generalize) {
        if (PatternEntry* p = matching_pattern(path, access)) {
            absorb(*p, path, access, count, t);
            return;
        }
        if (std::string v = detail::volatile_pattern(path); !v.empty()) {
            absorb(add_pattern(v, access, t), path, access, count, t);
            return;
        }
    }

    std::string key(path);
    files.emplace(key, FileEntry{key, access, count});
    note_new(t);
    if (generalize) group_insert(key, access, t);
}

PatternEntry& Profile::Impl::add_pattern(const std::string& pattern, Access access,
                                         std::uint64_t t) {
    auto [it, inserted] = patterns.try_emplace(pattern);
    PatternEntry& p = it->second;
    if (inserted) {
        p.pattern = pattern;
        p.access = access;
        pattern_index.insert(pattern, static_cast<std::uint32_t>(pattern_ids.size()));
        pattern_ids.push_back(pattern);
        note_new(t);
    } else if (!covers(p.access, access)) {
        p.access = p.access | access;
        note_new(t);
    }
    return p;
}

void Profile::Impl::absorb(PatternEntry& p, std::string_view literal, Access access,
                           std::uint64_t count, std::uint64_t t) {
    if (!covers(p.access, access)) {
        p.access = p.access | access;
        note_new(t);
    }
    p.count += count;

    auto& seen = absorbed_seen[p.pattern];
    bool fresh = true;
    if (seen.size() < absorbed_seen_cap) {
        fresh = seen.insert(std::hash<std::string_view>{}(literal)).second;
    }
    if (!fresh) return;
    ++p.absorbed;
    insert_bounded(p.sample, std::string(literal), options.pattern_sample);
}

PatternEntry* Profile::Impl::matching_pattern(std::string_view path, Access access) {
    if (pattern_index.empty()) return nullptr;
    PatternEntry* first = nullptr;
    PatternEntry* covering = nullptr;
    pattern_index.for_each_match(path, [&](std::uint32_t id) {
        auto it = patterns.find(pattern_ids[id]);
        if (it == patterns.end()) return;
        if (!first) first = &it->second;
        if (!covering && covers(it->second.access, access)) covering = &it->second;
    });
    return covering ? covering : first;
}

bool Profile::Impl::group_insert(const std::string& path, Access access, std::uint64_t t,
                                 bool allow_collapse) {
    for (const Slot& s : group_slots(path)) {
        std::string_view prefix = std::string_view(path).substr(0, s.start);
        std::string_view suffix = std::string_view(path).substr(s.end);
        std::string key = group_key(prefix, suffix, access);

        auto [it, inserted] = groups.try_emplace(key);
        Group& g = it->second;
        if (inserted) {
            g.prefix = prefix;
            g.suffix = suffix;
            g.access = access;
        }
        g.members.emplace(path.substr(s.start, s.end - s.start));
        if (allow_collapse && g.members.size() > options.dir_children_threshold) {
            collapse_group(key, t);
            return true;  // `path` itself was absorbed
        }
    }
    return false;
}

void Profile::Impl::group_erase(const std::string& path, Access access) {
    for (const Slot& s : group_slots(path)) {
        std::string_view prefix = std::string_view(path).substr(0, s.start);
        std::string_view suffix = std::string_view(path).substr(s.end);
        auto it = groups.find(group_key(prefix, suffix, access));
        if (it == groups.end()) continue;
        auto& members = it->second.members;
        if (auto m = members.find(std::string_view(path).substr(s.start, s.end - s.start));
            m != members.end()) {
            members.erase(m);
        }
        if (members.empty()) groups.erase(it);
    }
}

void Profile::Impl::collapse_group(const std::string& key, std::uint64_t t) {
    Group g = std::move(groups.at(key));
    groups.erase(key);

    std::vector<std::string_view> names(g.members.begin(), g.members.end());
    std::string pattern = detail::escape_pattern(g.prefix) + detail::component_glob(names) +
                          detail::escape_pattern(g.suffix);
    PatternEntry& p = add_pattern(pattern, g.access, t);

    // Move every member literal into the pattern, keeping the count of what it replaced.
    for (const std::string& name : g.members) {
        std::string literal = g.prefix + name + g.suffix;
        auto it = files.find(literal);
        if (it == files.end()) continue;
        FileEntry e = std::move(it->second);
        files.erase(it);
        group_erase(literal, e.access);
        absorb(p, literal, e.access, e.count, t);
    }
}

void Profile::Impl::rebuild_index() {
    pattern_index.clear();
    pattern_ids.clear();
    std::vector<const std::string*> texts;
    texts.reserve(patterns.size());
    for (const auto& [text, p] : patterns)
        texts.push_back(&text);
    std::sort(texts.begin(), texts.end(), [](auto* a, auto* b) { return *a < *b; });
    for (const std::string* text : texts) {
        pattern_index.insert(*text, static_cast<std::uint32_t>(pattern_ids.size()));
        pattern_ids.push_back(*text);
    }
}

void Profile::Impl::rebuild_groups() {
    groups.clear();
    if (!options.generalize) return;
    for (const auto& [path, e] : files) {
        if (!has_exec(e.access)) group_insert(path, e.access, 0, false);
    }
}

Access Profile::Impl::file_access(std::string_view path) const {
    Access a = Access::none;
    if (auto it = files.find(path); it != files.end()) a = it->second.access;
    if (!pattern_index.empty()) {
        pattern_index.for_each_match(path, [&](std::uint32_t id) {
            if (auto it = patterns.find(pattern_ids[id]); it != patterns.end()) {
                a = a | it->second.access;
            }
        });
    }
    return a;
}

std::size_t Profile::Impl::entry_count() const noexcept {
    std::size_t n =
        files.size() + patterns.size() + network.size() + syscalls.size() + (io_uring ? 1 : 0);
    for (const auto& [path, e] : executables) {
        n += 1 + e.identities.size() + e.interpreters.size() + e.scripts.size() +
             e.loaded_programs.size() + e.upper_layer + e.memory + e.deleted + e.writable_dir;
    }
    return n;
}

void Profile::Impl::merge(const Impl& o) {
    merging = true;
    for (std::size_t k = 0; k < counts.size(); ++k) {
        counts[k] += o.counts[k];
        lost[k] += o.lost[k];
    }
    note_time(o.first_ns);
    note_time(o.last_ns);

    for (const auto& [path, oe] : o.executables) {
        auto [it, inserted] = executables.try_emplace(path, oe);
        if (inserted) continue;
        ExecutableEntry& e = it->second;
        e.count += oe.count;
        for (const auto& id : oe.identities) {
            if (e.identities.count(id)) continue;
            if (e.identities.size() < options.max_identities) {
                e.identities.insert(id);
            } else {
                e.identities_overflow = true;
            }
        }
        e.identities_overflow |= oe.identities_overflow;
        for (const auto& args : oe.argument_sets) {
            if (e.argument_sets.count(args)) continue;
            if (e.argument_sets.size() < options.max_argument_sets) {
                e.argument_sets.insert(args);
            } else {
                e.argument_sets_overflow = true;
            }
        }
        e.argument_sets_overflow |= oe.argument_sets_overflow;
        e.interpreters.insert(oe.interpreters.begin(), oe.interpreters.end());
        e.scripts.insert(oe.scripts.begin(), oe.scripts.end());
        e.loaded_programs.insert(oe.loaded_programs.begin(), oe.loaded_programs.end());
        e.upper_layer |= oe.upper_layer;
        e.memory |= oe.memory;
        e.deleted |= oe.deleted;
        e.writable_dir |= oe.writable_dir;
    }

    // Patterns first, so that literals of either side they cover are absorbed.
    std::vector<std::string> added;
    for (const auto& [text, op] : o.patterns) {
        bool is_new = !patterns.count(text);
        PatternEntry& p = add_pattern(text, op.access, 0);
        p.count += op.count;
        p.absorbed += op.absorbed;
        for (const auto& s : op.sample)
            insert_bounded(p.sample, s, options.pattern_sample);
        if (is_new) added.push_back(text);
    }
    if (options.generalize && !added.empty()) {
        std::vector<std::string> covered;
        for (const auto& [path, e] : files) {
            if (has_exec(e.access)) continue;
            for (const auto& text : added) {
                if (detail::pattern_matches(text, path)) {
                    covered.push_back(path);
                    break;
                }
            }
        }
        for (const auto& path : covered) {
            FileEntry e = std::move(files.at(path));
            files.erase(path);
            group_erase(path, e.access);
            if (PatternEntry* p = matching_pattern(path, e.access))
                absorb(*p, path, e.access, e.count, 0);
        }
    }
    for (const auto& [path, oe] : o.files)
        add_file(path, oe.access, oe.count, 0);

    for (const auto& [ep, n] : o.network)
        network[ep] += n;
    for (const auto& [nr, os] : o.syscalls) {
        auto [it, inserted] = syscalls.try_emplace(nr, os);
        if (inserted) continue;
        it->second.count += os.count;
        if (it->second.name.empty()) it->second.name = os.name;
    }
    io_uring += o.io_uring;

    // Convergence: the merged profile is as quiet as its most recent run.
    last_new_ns = std::max(last_new_ns, o.last_new_ns);
    std::vector<std::uint64_t> times(recent_new.begin(), recent_new.end());
    times.insert(times.end(), o.recent_new.begin(), o.recent_new.end());
    std::sort(times.begin(), times.end());
    if (times.size() > options.recent_new_entries) {
        times.erase(times.begin(),
                    times.end() - static_cast<std::ptrdiff_t>(options.recent_new_entries));
    }
    recent_new.assign(times.begin(), times.end());
    merging = false;
}

// Profile

Profile::Profile(std::string workload, std::string image_digest, BaselineOptions options)
    : impl_(std::make_unique<Impl>(std::move(workload), std::move(image_digest), options)) {}
Profile::~Profile() = default;
Profile::Profile(const Profile& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
Profile& Profile::operator=(const Profile& other) {
    if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
    return *this;
}
Profile::Profile(Profile&&) noexcept = default;
Profile& Profile::operator=(Profile&&) noexcept = default;

const std::string& Profile::workload() const noexcept {
    return impl_->workload;
}
const std::string& Profile::image_digest() const noexcept {
    return impl_->image_digest;
}
const BaselineOptions& Profile::options() const noexcept {
    return impl_->options;
}

void Profile::learn(const Event& event) {
    impl_->learn(event);
}

void Profile::merge(const Profile& other) {
    if (other.workload() != workload() || other.image_digest() != image_digest()) {
        throw Error(errc::invalid_argument, "cannot merge the profile of " + other.workload() +
                                                " (" + other.image_digest() + ") into that of " +
                                                workload() + " (" + image_digest() + ")");
    }
    if (&other == this) {
        Profile copy(other);
        impl_->merge(*copy.impl_);
        return;
    }
    impl_->merge(*other.impl_);
}

std::vector<const ExecutableEntry*> Profile::executables() const {
    std::vector<const ExecutableEntry*> out;
    out.reserve(impl_->executables.size());
    for (const auto& [path, e] : impl_->executables)
        out.push_back(&e);
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->path < b->path; });
    return out;
}

const ExecutableEntry* Profile::find_executable(std::string_view path) const {
    auto it = impl_->executables.find(path);
    return it == impl_->executables.end() ? nullptr : &it->second;
}

std::vector<const FileEntry*> Profile::files() const {
    std::vector<const FileEntry*> out;
    out.reserve(impl_->files.size());
    for (const auto& [path, e] : impl_->files)
        out.push_back(&e);
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->path < b->path; });
    return out;
}

std::vector<const PatternEntry*> Profile::patterns() const {
    std::vector<const PatternEntry*> out;
    out.reserve(impl_->patterns.size());
    for (const auto& [text, p] : impl_->patterns)
        out.push_back(&p);
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->pattern < b->pattern; });
    return out;
}

std::vector<NetworkEntry> Profile::network() const {
    std::vector<NetworkEntry> out;
    out.reserve(impl_->network.size());
    for (const auto& [ep, n] : impl_->network)
        out.push_back({ep, n});
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.endpoint < b.endpoint; });
    return out;
}

std::vector<SyscallEntry> Profile::syscalls() const {
    std::vector<SyscallEntry> out;
    out.reserve(impl_->syscalls.size());
    for (const auto& [nr, s] : impl_->syscalls)
        out.push_back(s);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.nr < b.nr; });
    return out;
}

std::uint64_t Profile::io_uring_count() const noexcept {
    return impl_->io_uring;
}

Access Profile::file_access(std::string_view path) const {
    return impl_->file_access(path);
}

bool Profile::allows(std::string_view path, Access wanted) const {
    if (auto it = impl_->files.find(path); it != impl_->files.end()) {
        if (covers(it->second.access, wanted)) return true;
    }
    if (impl_->pattern_index.empty()) return false;
    return covers(impl_->file_access(path), wanted);
}

bool Profile::has_endpoint(const NetworkEndpoint& endpoint) const {
    return impl_->network.count(endpoint) > 0;
}

bool Profile::has_syscall(std::int32_t nr) const {
    return impl_->syscalls.count(nr) > 0;
}

std::uint64_t Profile::event_count(EventKind kind) const noexcept {
    std::size_t k = kind_index(kind);
    return k < impl_->counts.size() ? impl_->counts[k] : 0;
}

std::uint64_t Profile::events_total() const noexcept {
    std::uint64_t n = 0;
    for (auto c : impl_->counts)
        n += c;
    return n;
}

std::uint64_t Profile::lost(EventKind kind) const noexcept {
    std::size_t k = kind_index(kind);
    return k < impl_->lost.size() ? impl_->lost[k] : 0;
}

std::uint64_t Profile::lost_total() const noexcept {
    std::uint64_t n = 0;
    for (auto c : impl_->lost)
        n += c;
    return n;
}

std::uint64_t Profile::first_ns() const noexcept {
    return impl_->first_ns;
}
std::uint64_t Profile::last_ns() const noexcept {
    return impl_->last_ns;
}
std::size_t Profile::entry_count() const noexcept {
    return impl_->entry_count();
}

ConvergenceStatus Profile::convergence(std::uint64_t now_ns, double window_seconds) const {
    ConvergenceStatus s;
    std::uint64_t now = now_ns ? now_ns : impl_->last_ns;
    s.entries = entry_count();
    s.last_new_ns = impl_->last_new_ns;
    s.quiet_seconds = now > impl_->last_new_ns ? double(now - impl_->last_new_ns) / 1e9 : 0.0;
    s.window_seconds = window_seconds;

    // New entries in (now - window, now]; a profile younger than the window is measured
    // over its own age, at least one second.
    double window_ns = window_seconds * 1e9;
    for (std::uint64_t t : impl_->recent_new) {
        if (t <= now && double(now - t) < window_ns) ++s.new_in_window;
    }
    double age = now > impl_->first_ns ? double(now - impl_->first_ns) / 1e9 : 0.0;
    double span = std::max(1.0, std::min(window_seconds, age));
    s.rate_per_minute = double(s.new_in_window) * 60.0 / span;
    return s;
}

bool Profile::converged(double quiet_seconds, double max_new_per_minute, std::uint64_t now_ns,
                        double window_seconds) const {
    if (events_total() == 0) return false;
    ConvergenceStatus s = convergence(now_ns, window_seconds);
    return s.quiet_seconds >= quiet_seconds && s.rate_per_minute <= max_new_per_minute;
}

}  // namespace rtguard

// AnomalyDetector: each event costs a few hash lookups and a walk down a path trie.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "baseline/path_pattern.hpp"
#include "rtguard/detector.hpp"
#include "rtguard/error.hpp"

namespace rtguard {
namespace {

std::string identity_text(std::uint64_t dev, std::uint64_t ino) {
    return fmt::format("{}:{}", dev, ino);
}

std::string join(const std::vector<std::string>& parts, std::size_t from = 0) {
    std::string out;
    for (std::size_t i = from; i < parts.size(); ++i) {
        if (!out.empty()) out += ' ';
        out += parts[i];
    }
    return out;
}

std::string endpoint_text(const NetworkDetail& n) {
    if (n.family == NetFamily::unix_) return fmt::format("{} unix {}", to_string(n.op), n.address);
    if (n.family == NetFamily::inet6) {
        return fmt::format("{} {} [{}]:{}", to_string(n.op), to_string(n.protocol), n.address,
                           n.port);
    }
    return fmt::format("{} {} {}:{}", to_string(n.op), to_string(n.protocol), n.address, n.port);
}

// True when `path` is `dir` or lies below it (whole components: /tmpx is not in /tmp).
bool under_dir(std::string_view path, std::string_view dir) {
    if (dir.empty() || path.size() <= dir.size() || path.substr(0, dir.size()) != dir) return false;
    return path[dir.size()] == '/' || dir.back() == '/';
}

}  // namespace

struct AnomalyDetector::Impl {
    DetectorOptions options;
    detail::StringMap<Profile> profiles;  // by workload
    detail::StringMap<std::string> aliases;
    DetectorStats stats;

    struct Limit {
        std::uint64_t last_alert_ns = 0;
        std::uint64_t suppressed = 0;
    };
    std::unordered_map<std::string, Limit> limits;  // rule, workload, subject
    std::unordered_set<std::string> unknown_seen;

    // Consecutive events mostly come from one workload: the last answer is kept.
    mutable std::string last_workload;
    mutable const Profile* last_profile = nullptr;
    mutable bool last_valid = false;

    const Profile* profile_for(std::string_view workload) const {
        if (last_valid && workload == last_workload) return last_profile;
        std::string_view key = workload;
        if (auto a = aliases.find(workload); a != aliases.end()) key = a->second;
        auto it = profiles.find(key);
        last_profile = it == profiles.end() ? nullptr : &it->second;
        last_workload.assign(workload);
        last_valid = true;
        return last_profile;
    }

    // A candidate alert passes the rate limit, or is counted as a suppressed repeat.
    bool admit(Rule rule, const std::string& workload, const std::string& subject, std::uint64_t t,
               std::uint64_t& suppressed_before) {
        std::string key;
        key.reserve(workload.size() + subject.size() + 2);
        key.push_back(static_cast<char>(rule));
        key.append(workload).push_back('\0');
        key.append(subject);

        auto [it, inserted] = limits.try_emplace(std::move(key));
        Limit& l = it->second;
        if (!inserted) {
            // Within the window, or out of order (earlier than the last alert): a repeat.
            bool repeat = t < l.last_alert_ns || t - l.last_alert_ns < options.rate_limit_ns;
            if (repeat) {
                ++l.suppressed;
                ++stats.suppressed;
                ++stats.suppressed_by_rule[static_cast<std::size_t>(rule)];
                return false;
            }
        }
        suppressed_before = l.suppressed;
        l.suppressed = 0;
        l.last_alert_ns = t;
        if (limits.size() > options.max_rate_limit_keys) prune(t);
        return true;
    }

    // Forgets keys whose window has passed; if every key is still active, forgets all (a
    // repeat may then alert once more, which errs on the side of telling).
    void prune(std::uint64_t now) {
        for (auto it = limits.begin(); it != limits.end();) {
            bool expired = now >= it->second.last_alert_ns &&
                           now - it->second.last_alert_ns >= options.rate_limit_ns;
            it = expired ? limits.erase(it) : std::next(it);
        }
        if (limits.size() > options.max_rate_limit_keys) limits.clear();
    }

    struct Context {
        const Event& event;
        const Profile* profile;
        std::vector<Alert>& out;
        std::size_t added = 0;
    };

    // Raises `rule` unless the rate limit suppresses it; `describe` fills in the sentence and
    // the evidence, and runs only for alerts that are emitted, so a flood of suppressed
    // repeats costs no formatting.
    template <class Describe>
    void raise(Context& c, Rule rule, std::string subject, Describe&& describe,
               std::optional<Severity> severity = std::nullopt) {
        std::uint64_t suppressed = 0;
        if (!admit(rule, c.event.workload, subject, c.event.time_ns, suppressed)) return;

        Alert a;
        a.rule = rule;
        a.severity = severity ? *severity : default_severity(rule);
        a.workload = c.event.workload;
        a.subject = std::move(subject);
        a.suppressed = suppressed;
        describe(a);
        if (c.profile) {
            a.image_digest = c.profile->image_digest();
            // A baseline learned with losses may lack what this event did: say so.
            if (c.profile->lost_total()) {
                a.evidence.emplace_back("baseline_lost_events",
                                        std::to_string(c.profile->lost_total()));
            }
        }
        a.event = c.event;
        c.out.push_back(std::move(a));
        ++c.added;
        ++stats.alerts;
        ++stats.alerts_by_rule[static_cast<std::size_t>(rule)];
    }

    static std::string who(const Event& e) {
        return fmt::format("workload={} pid={} ppid={} uid={} exe={}", e.workload, e.pid, e.ppid,
                           e.uid, e.exe);
    }

    void check_exec(Context& c) {
        const Event& e = c.event;
        const ExecDetail& x = e.exec;
        const std::string& path = e.exe.empty() ? e.path : e.exe;
        const ExecutableEntry* known = c.profile->find_executable(path);

        if (!known) {
            raise(c, Rule::unexpected_executable, path, [&](Alert& a) {
                std::string cmdline = join(x.argv);
                a.output = fmt::format("Executable not in the baseline started: {} ({} cmdline={})",
                                       path, who(e), cmdline);
                a.evidence = {{"cmdline", cmdline}};
                if (x.dev || x.ino)
                    a.evidence.emplace_back("identity", identity_text(x.dev, x.ino));
            });
        } else {
            check_identity(c, *known, path);
            check_arguments(c, *known, path);
        }

        // Drift: code that was not part of the image, unless the baseline saw the same.
        if (x.upper_layer && !(known && known->upper_layer)) {
            raise(c, Rule::drift_upper_layer, path, [&](Alert& a) {
                std::string cmdline = join(x.argv);
                a.output = fmt::format(
                    "Drift: executable from the container's writable layer started: {} ({} "
                    "cmdline={})",
                    path, who(e), cmdline);
                a.evidence = {{"upper_layer", "true"}, {"cmdline", cmdline}};
            });
        }
        bool memory_drift = x.memory && !(known && known->memory);
        bool deleted_drift = x.deleted && !(known && known->deleted);
        if (memory_drift || deleted_drift) {
            raise(c, Rule::drift_memory, path, [&](Alert& a) {
                std::string cmdline = join(x.argv);
                a.output = fmt::format("Drift: executable {} started: {} ({} cmdline={})",
                                       x.memory ? "from memory" : "deleted from disk", path, who(e),
                                       cmdline);
                a.evidence = {{"memory", x.memory ? "true" : "false"},
                              {"deleted", x.deleted ? "true" : "false"},
                              {"cmdline", cmdline}};
            });
        }
        check_script(c, known, path);
        check_loader(c, known, path);
    }

    void check_identity(Context& c, const ExecutableEntry& known, const std::string& path) {
        const ExecDetail& x = c.event.exec;
        FileIdentity id{x.dev, x.ino};
        if (id == FileIdentity{} || known.identities_overflow || known.identities.empty() ||
            known.identities.count(id)) {
            return;
        }
        std::string seen = identity_text(x.dev, x.ino);
        raise(c, Rule::executable_changed, path + " " + seen, [&](Alert& a) {
            std::string expected;
            for (const auto& k : known.identities) {
                if (!expected.empty()) expected += ',';
                expected += identity_text(k.dev, k.ino);
            }
            a.output = fmt::format("Executable replaced: {} is file {} instead of {} ({})", path,
                                   seen, expected, who(c.event));
            a.evidence = {{"identity", seen}, {"expected_identities", expected}};
        });
    }

    void check_arguments(Context& c, const ExecutableEntry& known, const std::string& path) {
        if (!options.check_arguments || known.argument_sets_overflow) return;
        const auto& argv = c.event.exec.argv;
        std::size_t kept = std::min(argv.size(), c.profile->options().max_argv);
        std::vector<std::string> prefix(argv.begin(),
                                        argv.begin() + static_cast<std::ptrdiff_t>(kept));
        if (known.argument_sets.count(prefix)) return;

        std::string cmdline = join(argv);
        raise(c, Rule::unexpected_arguments, path + " " + cmdline, [&](Alert& a) {
            a.output = fmt::format(
                "Executable started with arguments not in the baseline: {} ({} cmdline={})", path,
                who(c.event), cmdline);
            a.evidence = {{"cmdline", cmdline},
                          {"known_argument_sets", std::to_string(known.argument_sets.size())}};
        });
    }

    void check_script(Context& c, const ExecutableEntry* known, const std::string& path) {
        const ExecDetail& x = c.event.exec;
        // The script is what the interpreter was given; a source that reports the script as
        // the executed path names the interpreter separately.
        std::string_view script = x.script;
        if (script.empty() && !x.interpreter.empty() && x.interpreter != path) script = path;
        if (script.empty()) return;

        std::string_view dir;
        for (const auto& d : options.writable_dirs) {
            if (under_dir(script, d)) {
                dir = d;
                break;
            }
        }
        if (dir.empty() && !x.writable_dir) return;
        if (known && known->scripts.count(std::string(script))) return;

        raise(c, Rule::drift_interpreter_script, std::string(script), [&](Alert& a) {
            std::string interpreter = x.interpreter.empty() ? path : x.interpreter;
            std::string cmdline = join(x.argv);
            a.output = fmt::format(
                "Drift: interpreter {} ran a script from a writable directory: {} ({} "
                "cmdline={})",
                interpreter, script, who(c.event), cmdline);
            a.evidence = {
                {"interpreter", interpreter},
                {"script", std::string(script)},
                {"writable_dir", dir.empty() ? "flagged by the source" : std::string(dir)},
                {"cmdline", cmdline}};
        });
    }

    void check_loader(Context& c, const ExecutableEntry* known, const std::string& path) {
        const ExecDetail& x = c.event.exec;
        if (x.loader.empty() && x.loaded_program.empty()) return;
        const std::string& program = x.loaded_program.empty() ? path : x.loaded_program;
        if (known && known->loaded_programs.count(program)) return;

        raise(c, Rule::drift_loader, program, [&](Alert& a) {
            const std::string& loader = x.loader.empty() ? path : x.loader;
            std::string cmdline = join(x.argv);
            a.output = fmt::format(
                "Drift: program started through the dynamic loader: {} via {} ({} cmdline={})",
                program, loader, who(c.event), cmdline);
            a.evidence = {{"loader", loader}, {"loaded_program", program}, {"cmdline", cmdline}};
        });
    }

    void check_open(Context& c) {
        const Event& e = c.event;
        if (e.path.empty()) return;
        Access wanted = access_from_open_flags(e.flags);
        bool write = (wanted & Access::write) != Access::none;
        if (c.profile->allows(e.path, write ? Access::write : Access::read)) return;
        Access granted = c.profile->file_access(e.path);

        std::string_view sensitive;
        for (const auto& glob : options.sensitive_paths) {
            if (detail::glob_matches(glob, e.path)) {
                sensitive = glob;
                break;
            }
        }
        auto evidence = [&](Alert& a) {
            a.evidence = {{"path", e.path},
                          {"flags", fmt::format("{:#o}", e.flags)},
                          {"baseline_access", to_string(granted)}};
            if (!sensitive.empty()) a.evidence.emplace_back("sensitive", std::string(sensitive));
        };

        if (write) {
            // A write to a sensitive file is worth more than the rule's usual severity.
            std::optional<Severity> severity;
            if (!sensitive.empty()) severity = Severity::high;
            raise(
                c, Rule::unexpected_write, e.path,
                [&](Alert& a) {
                    a.output =
                        fmt::format("File written outside the baseline: {} ({})", e.path, who(e));
                    evidence(a);
                },
                severity);
        } else if (!sensitive.empty()) {
            raise(c, Rule::sensitive_read, e.path, [&](Alert& a) {
                a.output = fmt::format("Sensitive file read outside the baseline: {} ({})", e.path,
                                       who(e));
                evidence(a);
            });
        }
    }

    void check_network(Context& c) {
        const NetworkDetail& n = c.event.net;
        NetworkEndpoint ep{n.op, n.protocol, n.family, n.address, n.port};
        if (c.profile->has_endpoint(ep)) return;
        std::string text = endpoint_text(n);
        raise(c, Rule::unexpected_network, text, [&](Alert& a) {
            a.output =
                fmt::format("Network endpoint not in the baseline: {} ({})", text, who(c.event));
            a.evidence = {{"endpoint", text}};
        });
    }

    void check_syscall(Context& c) {
        const Event& e = c.event;
        // A profile learned from a source that does not report syscalls cannot judge them.
        if (c.profile->event_count(EventKind::syscall) == 0) return;
        if (e.syscall_nr < 0 || c.profile->has_syscall(e.syscall_nr)) return;
        std::string name(x86_64_syscall_name(e.syscall_nr));
        if (name.empty()) {
            name = e.syscall_name.empty() ? std::to_string(e.syscall_nr) : e.syscall_name;
        }
        raise(c, Rule::unexpected_syscall, name, [&](Alert& a) {
            a.output = fmt::format("Syscall not in the baseline: {} ({})", name, who(e));
            a.evidence = {{"syscall", name}, {"nr", std::to_string(e.syscall_nr)}};
        });
    }

    void check_io_uring(Context& c) {
        if (c.profile->io_uring_count() > 0) return;
        const Event& e = c.event;
        raise(c, Rule::io_uring_use, "io_uring", [&](Alert& a) {
            a.output = fmt::format("io_uring used by a workload whose baseline never used it ({})",
                                   who(e));
            a.evidence = {{"op", e.uring_op == IoUringOp::setup ? "setup" : "submit"},
                          {"entries", std::to_string(e.uring_count)}};
        });
    }

    void check_lost(Context& c) {
        const Event& e = c.event;
        std::string kind(to_string(e.lost_kind));
        raise(c, Rule::monitoring_degraded, kind, [&](Alert& a) {
            a.output = fmt::format("Monitoring degraded: {} {} events lost (workload={})",
                                   e.lost_count, kind, e.workload.empty() ? "any" : e.workload);
            a.evidence = {{"lost_kind", kind}, {"lost_count", std::to_string(e.lost_count)}};
        });
    }

    void check_unknown(Context& c) {
        ++stats.unknown_workload_events;
        if (options.unknown_workload != UnknownWorkload::alert_once) return;
        if (unknown_seen.count(c.event.workload)) return;
        if (unknown_seen.size() >= options.max_rate_limit_keys) unknown_seen.clear();
        unknown_seen.insert(c.event.workload);
        raise(c, Rule::unknown_workload, c.event.workload, [&](Alert& a) {
            a.output = fmt::format("Events from a workload without a baseline: {} ({})",
                                   c.event.workload, who(c.event));
            a.evidence = {{"workload", c.event.workload}};
        });
    }
};

AnomalyDetector::AnomalyDetector(DetectorOptions options) : impl_(std::make_unique<Impl>()) {
    // Directories compare by whole components; a trailing '/' would defeat that.
    for (auto& d : options.writable_dirs) {
        while (d.size() > 1 && d.back() == '/')
            d.pop_back();
    }
    impl_->options = std::move(options);
}
AnomalyDetector::~AnomalyDetector() = default;
AnomalyDetector::AnomalyDetector(AnomalyDetector&&) noexcept = default;
AnomalyDetector& AnomalyDetector::operator=(AnomalyDetector&&) noexcept = default;

void AnomalyDetector::add(const Profile& profile) {
    auto it = impl_->profiles.find(profile.workload());
    if (it != impl_->profiles.end() && it->second.image_digest() != profile.image_digest()) {
        throw Error(
            errc::invalid_argument,
            fmt::format("workload {} has profiles for image digests \"{}\" and \"{}\"; "
                        "choose one",
                        profile.workload(), it->second.image_digest(), profile.image_digest()));
    }
    impl_->profiles.insert_or_assign(profile.workload(), profile);
    impl_->last_valid = false;
}

void AnomalyDetector::add(const Baseline& baseline, std::string_view image_digest) {
    for (const Profile* p : baseline.profiles()) {
        if (image_digest.empty() || p->image_digest() == image_digest) add(*p);
    }
}

void AnomalyDetector::alias(std::string event_workload, std::string baseline_workload) {
    impl_->aliases.insert_or_assign(std::move(event_workload), std::move(baseline_workload));
    impl_->last_valid = false;
}

bool AnomalyDetector::has_workload(std::string_view workload) const {
    return impl_->profile_for(workload) != nullptr;
}

std::size_t AnomalyDetector::check(const Event& event, std::vector<Alert>& out) {
    ++impl_->stats.events;
    Impl::Context c{event, impl_->profile_for(event.workload), out};

    // Losses are reported whatever the workload: a gap is never silent.
    if (event.kind == EventKind::lost) {
        impl_->check_lost(c);
        return c.added;
    }
    if (!c.profile) {
        impl_->check_unknown(c);
        return c.added;
    }
    switch (event.kind) {
        case EventKind::exec:
            impl_->check_exec(c);
            break;
        case EventKind::open:
            impl_->check_open(c);
            break;
        case EventKind::network:
            impl_->check_network(c);
            break;
        case EventKind::syscall:
            impl_->check_syscall(c);
            break;
        case EventKind::io_uring:
            impl_->check_io_uring(c);
            break;
        case EventKind::exit:
        case EventKind::fork:
        case EventKind::lost:
            break;
    }
    return c.added;
}

const DetectorStats& AnomalyDetector::stats() const noexcept {
    return impl_->stats;
}
const DetectorOptions& AnomalyDetector::options() const noexcept {
    return impl_->options;
}

}  // namespace rtguard

// Baselines and their profiles.
#include <string>

#include "common.hpp"
#include "core/atomic_file.hpp"
#include "source.hpp"

namespace rtguard::python {
namespace {

template <class C, class T>
void def_text(C& cls, const char* name, std::string T::*member, const char* doc) {
    cls.def_property_readonly(
        name, [member](const T& self) { return decode(self.*member); }, doc);
}

py::list decode_set(const std::set<std::string>& items) {
    py::list out;
    for (const auto& s : items)
        out.append(decode(s));
    return out;
}

/// Views of a profile's entries as lists of Python copies.
template <class T>
py::list copies(const std::vector<const T*>& entries) {
    py::list out(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i)
        out[i] = py::cast(*entries[i]);
    return out;
}

template <class T>
py::list copies(const std::vector<T>& entries) {
    py::list out(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i)
        out[i] = py::cast(entries[i]);
    return out;
}

BaselineOptions options_or_default(const std::optional<BaselineOptions>& options) {
    return options ? *options : BaselineOptions{};
}

std::int32_t syscall_arg(py::handle syscall) {
    if (PyLong_Check(syscall.ptr())) return syscall.cast<std::int32_t>();
    auto name = encode(syscall, "syscall");
    if (auto nr = x86_64_syscall_number(name)) return *nr;
    throw py::value_error("unknown x86_64 syscall name '" + name + "'");
}

/// Copies `other` first when it is `self`: merging an object into itself doubles its counts
/// rather than iterating a container while inserting into it.
template <class T>
void merge_into(T& self, const T& other) {
    if (&self == &other) {
        T copy = other;
        self.merge(copy);
    } else {
        self.merge(other);
    }
}

}  // namespace

void bind_baseline(py::module_& m) {
    BaselineOptions defaults;
    py::class_<BaselineOptions>(m, "BaselineOptions", "Bounds and switches of learning.")
        .def(py::init([](bool generalize, std::size_t dir_children_threshold,
                         std::size_t pattern_sample, std::size_t max_argument_sets,
                         std::size_t max_identities, std::size_t max_argv,
                         std::size_t recent_new_entries) {
                 BaselineOptions o;
                 o.generalize = generalize;
                 o.dir_children_threshold = dir_children_threshold;
                 o.pattern_sample = pattern_sample;
                 o.max_argument_sets = max_argument_sets;
                 o.max_identities = max_identities;
                 o.max_argv = max_argv;
                 o.recent_new_entries = recent_new_entries;
                 return o;
             }),
             py::kw_only(), py::arg("generalize") = defaults.generalize,
             py::arg("dir_children_threshold") = defaults.dir_children_threshold,
             py::arg("pattern_sample") = defaults.pattern_sample,
             py::arg("max_argument_sets") = defaults.max_argument_sets,
             py::arg("max_identities") = defaults.max_identities,
             py::arg("max_argv") = defaults.max_argv,
             py::arg("recent_new_entries") = defaults.recent_new_entries)
        .def_readonly("generalize", &BaselineOptions::generalize,
                      "Generalize /proc/<pid>, numeric, hex and uuid-like components and "
                      "crowded directories into patterns.")
        .def_readonly("dir_children_threshold", &BaselineOptions::dir_children_threshold)
        .def_readonly("pattern_sample", &BaselineOptions::pattern_sample)
        .def_readonly("max_argument_sets", &BaselineOptions::max_argument_sets)
        .def_readonly("max_identities", &BaselineOptions::max_identities)
        .def_readonly("max_argv", &BaselineOptions::max_argv)
        .def_readonly("recent_new_entries", &BaselineOptions::recent_new_entries);

    // --- Entries ------------------------------------------------------------------------------
    py::class_<ExecutableEntry> exe(m, "ExecutableEntry", "An executable the workload ran.");
    def_text(exe, "path", &ExecutableEntry::path, "Path resolved by the kernel.");
    exe.def_readonly("count", &ExecutableEntry::count)
        .def_property_readonly(
            "identities",
            [](const ExecutableEntry& e) {
                py::list out;
                for (const auto& id : e.identities)
                    out.append(py::make_tuple(id.dev, id.ino));
                return out;
            },
            "(dev, ino) pairs seen for this path.")
        .def_readonly("identities_overflow", &ExecutableEntry::identities_overflow)
        .def_property_readonly(
            "argument_sets",
            [](const ExecutableEntry& e) {
                py::list out;
                for (const auto& argv : e.argument_sets)
                    out.append(decode_list(argv));
                return out;
            },
            "Distinct argument vectors (lists of str).")
        .def_readonly("argument_sets_overflow", &ExecutableEntry::argument_sets_overflow)
        .def_property_readonly("interpreters",
                               [](const ExecutableEntry& e) { return decode_set(e.interpreters); })
        .def_property_readonly("scripts",
                               [](const ExecutableEntry& e) { return decode_set(e.scripts); })
        .def_property_readonly(
            "loaded_programs",
            [](const ExecutableEntry& e) { return decode_set(e.loaded_programs); })
        .def_readonly("upper_layer", &ExecutableEntry::upper_layer)
        .def_readonly("memory", &ExecutableEntry::memory)
        .def_readonly("deleted", &ExecutableEntry::deleted)
        .def_readonly("writable_dir", &ExecutableEntry::writable_dir)
        .def("__repr__", [](const ExecutableEntry& e) {
            return "ExecutableEntry(" + py::repr(decode(e.path)).cast<std::string>() +
                   ", count=" + std::to_string(e.count) + ")";
        });

    py::class_<FileEntry> file(m, "FileEntry", "A literal file path and how it was accessed.");
    def_text(file, "path", &FileEntry::path, "The path.");
    file.def_property_readonly(
            "access", [](const FileEntry& e) { return to_string(e.access); },
            "Access letters: 'r', 'w', 'x' in that order ('rw').")
        .def_readonly("count", &FileEntry::count)
        .def("__repr__", [](const FileEntry& e) {
            return "FileEntry(" + py::repr(decode(e.path)).cast<std::string>() + ", access='" +
                   to_string(e.access) + "', count=" + std::to_string(e.count) + ")";
        });

    py::class_<PatternEntry> pattern(m, "PatternEntry",
                                     "A generalized path standing for many literal ones; "
                                     "'*' matches within one path component.");
    def_text(pattern, "pattern", &PatternEntry::pattern, "The pattern.");
    pattern
        .def_property_readonly("access", [](const PatternEntry& e) { return to_string(e.access); })
        .def_readonly("count", &PatternEntry::count)
        .def_readonly("absorbed", &PatternEntry::absorbed,
                      "Distinct literal paths the pattern replaced.")
        .def_property_readonly(
            "sample", [](const PatternEntry& e) { return decode_set(e.sample); },
            "The smallest few literal paths it absorbed.")
        .def("__repr__", [](const PatternEntry& e) {
            return "PatternEntry(" + py::repr(decode(e.pattern)).cast<std::string>() +
                   ", access='" + to_string(e.access) +
                   "', absorbed=" + std::to_string(e.absorbed) + ")";
        });

    py::class_<NetworkEntry>(m, "NetworkEntry",
                             "A network endpoint: the remote side of a connect, the local side "
                             "of bind, listen and accept.")
        .def_property_readonly("op", [](const NetworkEntry& e) { return e.endpoint.op; })
        .def_property_readonly("protocol",
                               [](const NetworkEntry& e) { return e.endpoint.protocol; })
        .def_property_readonly("family", [](const NetworkEntry& e) { return e.endpoint.family; })
        .def_property_readonly("address",
                               [](const NetworkEntry& e) { return decode(e.endpoint.address); })
        .def_property_readonly("port", [](const NetworkEntry& e) { return e.endpoint.port; })
        .def_readonly("count", &NetworkEntry::count)
        .def("__repr__", [](const NetworkEntry& e) {
            return "NetworkEntry('" + std::string(to_string(e.endpoint.op)) + " " +
                   std::string(to_string(e.endpoint.protocol)) + " " + e.endpoint.address + ":" +
                   std::to_string(e.endpoint.port) + "', count=" + std::to_string(e.count) + ")";
        });

    py::class_<SyscallEntry>(m, "SyscallEntry", "A syscall the workload made.")
        .def_readonly("nr", &SyscallEntry::nr)
        .def_readonly("name", &SyscallEntry::name, "Name, '' when the number has none.")
        .def_readonly("count", &SyscallEntry::count)
        .def("__repr__", [](const SyscallEntry& e) {
            return "SyscallEntry(" + std::to_string(e.nr) + ", '" + e.name +
                   "', count=" + std::to_string(e.count) + ")";
        });

    py::class_<ConvergenceStatus>(m, "ConvergenceStatus",
                                  "How close learning is to complete: new entries stop "
                                  "appearing once the workload's behaviour has been seen.")
        .def_readonly("entries", &ConvergenceStatus::entries)
        .def_readonly("last_new_ns", &ConvergenceStatus::last_new_ns)
        .def_readonly("quiet_seconds", &ConvergenceStatus::quiet_seconds)
        .def_readonly("new_in_window", &ConvergenceStatus::new_in_window)
        .def_readonly("window_seconds", &ConvergenceStatus::window_seconds)
        .def_readonly("rate_per_minute", &ConvergenceStatus::rate_per_minute)
        .def("__repr__", [](const ConvergenceStatus& c) {
            return "ConvergenceStatus(entries=" + std::to_string(c.entries) +
                   ", quiet_seconds=" + std::to_string(c.quiet_seconds) +
                   ", rate_per_minute=" + std::to_string(c.rate_per_minute) + ")";
        });

    // --- Profile ------------------------------------------------------------------------------
    py::class_<Profile>(m, "Profile",
                        "The learned behaviour of one workload running one image. A profile "
                        "obtained from a Baseline is a view into it and keeps it alive.")
        .def(py::init([](std::string workload, std::string image_digest,
                         std::optional<BaselineOptions> options) {
                 return Profile(std::move(workload), std::move(image_digest),
                                options_or_default(options));
             }),
             py::arg("workload"), py::arg("image_digest") = "", py::arg("options") = py::none())
        .def_property_readonly("workload", [](const Profile& p) { return decode(p.workload()); })
        .def_property_readonly("image_digest", &Profile::image_digest)
        .def_property_readonly("options", &Profile::options)
        .def(
            "learn",
            [](Profile& p, py::handle events) -> std::uint64_t {
                if (py::isinstance<Event>(events)) {
                    p.learn(events.cast<const Event&>());
                    return 1;
                }
                return for_each_event(events, [&](const Event& e) { p.learn(e); });
            },
            py::arg("events"),
            "Learns an Event, or every event of an iterable or source (whatever its "
            "workload); returns how many.")
        .def("merge", &merge_into<Profile>, py::arg("other"),
             "Adds another run of the same workload and image. Raises rtguard.Error when the "
             "workload or digest differ.")
        .def_property_readonly(
            "executables", [](const Profile& p) { return copies(p.executables()); },
            "ExecutableEntry list, sorted by path.")
        .def(
            "find_executable",
            [](const Profile& p, py::handle path) -> py::object {
                const auto* e = p.find_executable(fspath(path));
                return e ? py::cast(*e) : py::none();
            },
            py::arg("path"))
        .def_property_readonly(
            "files", [](const Profile& p) { return copies(p.files()); },
            "FileEntry list, sorted by path.")
        .def_property_readonly(
            "patterns", [](const Profile& p) { return copies(p.patterns()); },
            "PatternEntry list, sorted by pattern.")
        .def_property_readonly(
            "network", [](const Profile& p) { return copies(p.network()); },
            "NetworkEntry list, sorted by endpoint.")
        .def_property_readonly(
            "syscalls", [](const Profile& p) { return copies(p.syscalls()); },
            "SyscallEntry list, sorted by number.")
        .def_property_readonly("io_uring_count", &Profile::io_uring_count)
        .def(
            "file_access",
            [](const Profile& p, py::handle path) {
                return to_string(p.file_access(fspath(path)));
            },
            py::arg("path"),
            "Access letters recorded for path through its literal entry and every matching "
            "pattern ('' when none).")
        .def(
            "has_syscall",
            [](const Profile& p, py::handle s) { return p.has_syscall(syscall_arg(s)); },
            py::arg("syscall"), "True when the syscall (number or x86_64 name) was learned.")
        .def("event_count", &Profile::event_count, py::arg("kind"))
        .def_property_readonly("events_total", &Profile::events_total)
        .def("lost", &Profile::lost, py::arg("kind"), "Events of this kind lost while learning.")
        .def_property_readonly("lost_total", &Profile::lost_total)
        .def_property_readonly("first_ns", &Profile::first_ns)
        .def_property_readonly("last_ns", &Profile::last_ns)
        .def_property_readonly("entry_count", &Profile::entry_count)
        .def("convergence", &Profile::convergence, py::arg("now_ns") = 0,
             py::arg("window_seconds") = 300.0,
             "ConvergenceStatus as of now_ns (0: the profile's last event).")
        .def("converged", &Profile::converged, py::arg("quiet_seconds"),
             py::arg("max_new_per_minute"), py::arg("now_ns") = 0,
             py::arg("window_seconds") = 300.0)
        .def(
            "seccomp_profile",
            [](const Profile& p) {
                std::string json = p.seccomp_profile();
                deliver_log();  // syscalls left out are reported through the log
                return json;
            },
            "An OCI seccomp profile (JSON text) allowing exactly the learned syscalls on "
            "x86_64. Raises rtguard.Error when the profile has no syscall events.")
        .def("copy", [](const Profile& p) { return Profile(p); })
        .def("__repr__", [](const Profile& p) {
            return "Profile(workload=" + py::repr(decode(p.workload())).cast<std::string>() +
                   ", image_digest='" + p.image_digest() +
                   "', events=" + std::to_string(p.events_total()) +
                   ", entries=" + std::to_string(p.entry_count()) + ")";
        });

    // --- Baseline -----------------------------------------------------------------------------
    py::class_<Baseline>(m, "Baseline",
                         "A set of profiles keyed by workload and image digest: what a "
                         "baseline file holds.")
        .def(py::init([](std::optional<BaselineOptions> options) {
                 return Baseline(options_or_default(options));
             }),
             py::arg("options") = py::none())
        .def("set_image_digest", &Baseline::set_image_digest, py::arg("workload"),
             py::arg("digest"),
             "Files events of workload learned from now on under this image digest.")
        .def(
            "learn",
            [](Baseline& b, py::handle events) -> std::uint64_t {
                if (py::isinstance<Event>(events)) {
                    b.learn(events.cast<const Event&>());
                    return 1;
                }
                return for_each_event(events, [&](const Event& e) { b.learn(e); });
            },
            py::arg("events"),
            "Learns an Event, or every event of an iterable or source (read natively, in "
            "batches); returns how many.")
        .def(
            "profile",
            [](Baseline& b, const std::string& workload, const std::string& digest) -> Profile& {
                return b.profile(workload, digest);
            },
            py::arg("workload"), py::arg("image_digest") = "",
            py::return_value_policy::reference_internal,
            "The profile for (workload, image_digest), created when absent.")
        .def(
            "find",
            [](py::object self, const std::string& workload, const std::string& digest) {
                const auto* p = self.cast<const Baseline&>().find(workload, digest);
                if (p == nullptr) return py::object(py::none());
                return py::cast(p, py::return_value_policy::reference_internal, self);
            },
            py::arg("workload"), py::arg("image_digest") = "",
            "The profile for (workload, image_digest), or None.")
        .def_property_readonly(
            "profiles",
            [](py::object self) {
                py::list out;
                for (const auto* p : self.cast<const Baseline&>().profiles()) {
                    out.append(py::cast(p, py::return_value_policy::reference_internal, self));
                }
                return out;
            },
            "Every profile, sorted by workload then digest.")
        .def("__len__", &Baseline::size)
        .def("merge", &merge_into<Baseline>, py::arg("other"),
             "Merges every profile of other into the one with the same key, adding the "
             "others.")
        .def("converged", &Baseline::converged, py::arg("quiet_seconds"),
             py::arg("max_new_per_minute"), py::arg("now_ns") = 0,
             py::arg("window_seconds") = 300.0,
             "True when every profile converged; False when empty.")
        .def("to_json", &Baseline::to_json, "The baseline file's content (str).")
        .def(
            "save",
            [](const Baseline& b, py::handle path) {
                std::string file = fspath(path);
                std::string json = b.to_json();
                ReleaseGil release;
                detail::write_file_atomic(file, json);
            },
            py::arg("path"),
            "Writes the baseline file atomically (no partial file is ever visible under "
            "path). Raises OSError on I/O failure.")
        .def_static(
            "load",
            [](py::handle path, std::optional<BaselineOptions> options) {
                std::string file = fspath(path);
                ReleaseGil release;
                return Baseline::load(file, options_or_default(options));
            },
            py::arg("path"), py::arg("options") = py::none(),
            "Reads a baseline file. Raises OSError (FileNotFoundError...) when it cannot be "
            "read and rtguard.Error naming the file and place (line, JSON path) when it is "
            "not a valid baseline.")
        .def_static(
            "from_json",
            [](const std::string& text, const std::string& file_name,
               std::optional<BaselineOptions> options) {
                return Baseline::from_json(text, file_name, options_or_default(options));
            },
            py::arg("text"), py::arg("file_name") = "<string>", py::arg("options") = py::none(),
            "Parses a baseline file's content; file_name names it in errors.")
        .def("copy", [](const Baseline& b) { return Baseline(b); })
        .def("__repr__", [](const Baseline& b) {
            return "Baseline(profiles=" + std::to_string(b.size()) + ")";
        });

    m.def("syscall_name", &x86_64_syscall_name, py::arg("nr"),
          "Name of an x86_64 syscall number, '' when unknown.");
    m.def("syscall_number", &x86_64_syscall_number, py::arg("name"),
          "Number of an x86_64 syscall name, or None.");
    m.def("path_pattern_matches", &path_pattern_matches, py::arg("pattern"), py::arg("path"),
          "True when a baseline path pattern matches path.");
}

}  // namespace rtguard::python

// Events, the replay and Tetragon sources, and the recorder.
#include <functional>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "common.hpp"
#include "rtguard/error.hpp"
#include "rtguard/replay.hpp"
#include "rtguard/tetragon.hpp"
#include "source.hpp"

namespace rtguard::python {

// --- PySource ---------------------------------------------------------------------------------

py::object PySource::next() {
    while (true) {
        if (pos_ < buffer_.size()) return py::cast(std::move(buffer_[pos_++]));

        std::vector<Event> batch;
        bool end = locked(
            [&](EventSource& s) { return s.next_batch(batch, batch_size) == 0 && s.at_end(); });
        if (end) throw py::stop_iteration();

        // Another thread may have buffered events while this one read: keep theirs first.
        if (pos_ >= buffer_.size()) {
            buffer_.clear();
            pos_ = 0;
        }
        buffer_.insert(buffer_.end(), std::make_move_iterator(batch.begin()),
                       std::make_move_iterator(batch.end()));
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
}

bool PySource::pull(std::vector<Event>& batch, std::size_t max) {
    if (pos_ < buffer_.size()) {
        auto take = std::min(max, buffer_.size() - pos_);
        auto first = buffer_.begin() + static_cast<std::ptrdiff_t>(pos_);
        batch.insert(batch.end(), std::make_move_iterator(first),
                     std::make_move_iterator(first + static_cast<std::ptrdiff_t>(take)));
        pos_ += take;
        return true;
    }
    return locked([&](EventSource& s) { return s.next_batch(batch, max) != 0 || !s.at_end(); });
}

py::list PySource::read(std::size_t max) {
    std::vector<Event> batch;
    pull(batch, max);
    py::list out(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i)
        out[i] = event_object(batch[i]);
    return out;
}

bool PySource::at_end() {
    if (pos_ < buffer_.size()) return false;
    return locked([](EventSource& s) { return s.at_end(); });
}

SourceCounters PySource::counters() {
    return locked([](EventSource& s) { return s.counters(); });
}

std::vector<std::string> PySource::skip_messages() {
    return locked([](EventSource& s) { return s.skip_messages(); });
}

namespace {

// --- Construction from keyword arguments ------------------------------------------------------

template <class T>
using Setters = std::unordered_map<std::string, std::function<void(T&, py::handle)>>;

template <class T>
void apply_kwargs(T& target, const Setters<T>& setters, const py::kwargs& kwargs,
                  const char* type_name) {
    for (auto [key, value] : kwargs) {
        auto name = py::cast<std::string>(key);
        auto it = setters.find(name);
        if (it == setters.end()) {
            throw py::type_error(std::string(type_name) +
                                 "() got an unexpected keyword argument '" + name + "'");
        }
        it->second(target, value);
    }
}

/// Integers must be int and in range; flags must be bool.
template <class T, class M>
std::function<void(T&, py::handle)> set_number(M T::*member, const char* what) {
    return [member, what](T& t, py::handle v) {
        if constexpr (std::is_same_v<M, bool>) {
            if (!PyBool_Check(v.ptr())) throw py::type_error(std::string(what) + " must be a bool");
            t.*member = v.ptr() == Py_True;
        } else {
            if (!PyLong_Check(v.ptr()) || PyBool_Check(v.ptr())) {
                throw py::type_error(std::string(what) + " must be an int");
            }
            try {
                t.*member = v.cast<M>();
            } catch (const py::cast_error&) {
                throw py::value_error(std::string(what) +
                                      " is out of range: " + py::repr(v).cast<std::string>());
            }
        }
    };
}

template <class T>
std::function<void(T&, py::handle)> set_text(std::string T::*member, const char* what) {
    return [member, what](T& t, py::handle v) { t.*member = encode(v, what); };
}

template <class T, class E>
std::function<void(T&, py::handle)> set_enum(E T::*member, const char* what) {
    return [member, what](T& t, py::handle v) { t.*member = enum_arg<E>(v, what); };
}

const Setters<ExecDetail>& exec_setters() {
    static const Setters<ExecDetail> setters{
        {"argv", [](ExecDetail& d, py::handle v) { d.argv = encode_list(v, "argv"); }},
        {"dev", set_number(&ExecDetail::dev, "dev")},
        {"ino", set_number(&ExecDetail::ino, "ino")},
        {"upper_layer", set_number(&ExecDetail::upper_layer, "upper_layer")},
        {"memory", set_number(&ExecDetail::memory, "memory")},
        {"deleted", set_number(&ExecDetail::deleted, "deleted")},
        {"writable_dir", set_number(&ExecDetail::writable_dir, "writable_dir")},
        {"interpreter", set_text(&ExecDetail::interpreter, "interpreter")},
        {"script", set_text(&ExecDetail::script, "script")},
        {"loader", set_text(&ExecDetail::loader, "loader")},
        {"loaded_program", set_text(&ExecDetail::loaded_program, "loaded_program")},
        {"cwd", set_text(&ExecDetail::cwd, "cwd")},
    };
    return setters;
}

const Setters<NetworkDetail>& net_setters() {
    static const Setters<NetworkDetail> setters{
        {"op", set_enum(&NetworkDetail::op, "op")},
        {"family", set_enum(&NetworkDetail::family, "family")},
        {"protocol", set_enum(&NetworkDetail::protocol, "protocol")},
        {"address", set_text(&NetworkDetail::address, "address")},
        {"port", set_number(&NetworkDetail::port, "port")},
    };
    return setters;
}

/// An ExecDetail or NetworkDetail given as the object itself or as a dict of its fields.
template <class T>
T detail_arg(py::handle v, const Setters<T>& setters, const char* type_name) {
    if (py::isinstance<T>(v)) return v.cast<T>();
    if (!py::isinstance<py::dict>(v)) {
        throw py::type_error(std::string("expected ") + type_name + " or dict, not " +
                             Py_TYPE(v.ptr())->tp_name);
    }
    T out;
    apply_kwargs(out, setters, py::reinterpret_borrow<py::kwargs>(v), type_name);
    return out;
}

const Setters<Event>& event_setters() {
    static const Setters<Event> setters{
        {"time_ns", set_number(&Event::time_ns, "time_ns")},
        {"workload", set_text(&Event::workload, "workload")},
        {"pid", set_number(&Event::pid, "pid")},
        {"ppid", set_number(&Event::ppid, "ppid")},
        {"uid", set_number(&Event::uid, "uid")},
        {"comm", set_text(&Event::comm, "comm")},
        {"exe", set_text(&Event::exe, "exe")},
        {"exec",
         [](Event& e, py::handle v) { e.exec = detail_arg(v, exec_setters(), "ExecDetail"); }},
        {"exit_code", set_number(&Event::exit_code, "exit_code")},
        {"path", set_text(&Event::path, "path")},
        {"flags", set_number(&Event::flags, "flags")},
        {"net",
         [](Event& e, py::handle v) { e.net = detail_arg(v, net_setters(), "NetworkDetail"); }},
        {"syscall_nr", set_number(&Event::syscall_nr, "syscall_nr")},
        {"syscall_name", set_text(&Event::syscall_name, "syscall_name")},
        {"uring_op", set_enum(&Event::uring_op, "uring_op")},
        {"uring_count", set_number(&Event::uring_count, "uring_count")},
        {"lost_kind", set_enum(&Event::lost_kind, "lost_kind")},
        {"lost_count", set_number(&Event::lost_count, "lost_count")},
    };
    return setters;
}

template <class C, class T>
void def_text(C& cls, const char* name, std::string T::*member, const char* doc) {
    cls.def_property_readonly(
        name, [member](const T& self) { return decode(self.*member); }, doc);
}

py::object json_loads(const std::string& text) {
    return py::module_::import("json").attr("loads")(decode(text));
}

std::string event_repr(const Event& e) {
    std::string out = "Event(kind='" + std::string(to_string(e.kind)) + "'";
    auto field = [&](const char* name, const std::string& value) {
        if (!value.empty())
            out += std::string(", ") + name + "=" + py::repr(decode(value)).cast<std::string>();
    };
    out += ", time_ns=" + std::to_string(e.time_ns);
    field("workload", e.workload);
    out += ", pid=" + std::to_string(e.pid);
    field("exe", e.exe);
    switch (e.kind) {
        case EventKind::open:
            field("path", e.path);
            break;
        case EventKind::network:
            out += ", net=" + std::string(to_string(e.net.op)) + " " + e.net.address + ":" +
                   std::to_string(e.net.port);
            break;
        case EventKind::syscall:
            out += ", syscall_nr=" + std::to_string(e.syscall_nr);
            break;
        case EventKind::lost:
            out += ", lost_kind='" + std::string(to_string(e.lost_kind)) +
                   "', lost_count=" + std::to_string(e.lost_count);
            break;
        default:
            break;
    }
    return out + ")";
}

// --- Recorder ---------------------------------------------------------------------------------

/// A Recorder that can be closed from Python, used as a context manager, and discarded.
class PyRecorder {
public:
    explicit PyRecorder(std::string path)
        : path_(path), recorder_(std::make_unique<Recorder>(std::move(path))) {}

    void write(const Event& event) {
        std::lock_guard lock(mutex_);
        live().write(event);
        written_ = recorder_->written();
    }

    std::uint64_t write_all(py::handle events) {
        return for_each_event(events, [&](const Event& e) { write(e); });
    }

    void close() {
        ReleaseGil release;
        std::lock_guard lock(mutex_);
        if (recorder_) {
            recorder_->close();
            written_ = recorder_->written();
            recorder_.reset();
        }
    }

    /// Drops an unclosed recording: no file appears under its name.
    void discard() {
        ReleaseGil release;
        std::lock_guard lock(mutex_);
        recorder_.reset();
    }

    bool closed() const { return !recorder_; }
    std::uint64_t written() const { return written_; }
    const std::string& path() const { return path_; }

private:
    Recorder& live() {
        if (!recorder_) {
            throw Error(errc::invalid_argument, "the recording is already closed", path_);
        }
        return *recorder_;
    }

    std::string path_;
    std::unique_ptr<Recorder> recorder_;
    std::uint64_t written_ = 0;
    std::mutex mutex_;
};

// --- Sources ----------------------------------------------------------------------------------

class PyReplaySource : public PySource {
public:
    PyReplaySource(std::string path, ReplayOptions options)
        : PySource(open(std::move(path), options)) {}

    std::string path() { return static_cast<ReplaySource&>(source()).path(); }

private:
    static std::unique_ptr<EventSource> open(std::string path, ReplayOptions options) {
        // Reading the header of "-" waits for standard input.
        ReleaseGil release;
        return std::make_unique<ReplaySource>(std::move(path), options);
    }
};

class PyTetragonSource : public PySource {
public:
    PyTetragonSource(std::string path, TetragonOptions options)
        : PySource(open(path, options)), path_(std::move(path)) {}

    const std::string& path() const { return path_; }

private:
    static std::unique_ptr<EventSource> open(std::string path, TetragonOptions options) {
        ReleaseGil release;
        return std::make_unique<TetragonSource>(std::move(path), options);
    }
    std::string path_;
};

}  // namespace

py::object event_object(const Event& event) {
    return py::cast(event);
}

void bind_events(py::module_& m) {
    // --- Enums --------------------------------------------------------------------------------
    std::vector<std::pair<EventKind, std::string>> kinds;
    for (std::size_t k = 1; k < event_kind_count; ++k) {
        auto kind = static_cast<EventKind>(k);
        kinds.emplace_back(kind, std::string(to_string(kind)));
    }
    define_enum(m, "EventKind", "Kinds of event, named as in replay files.", std::move(kinds));
    define_enum<NetOp>(m, "NetOp", "Network operations.",
                       {{NetOp::connect, "connect"},
                        {NetOp::bind, "bind"},
                        {NetOp::listen, "listen"},
                        {NetOp::accept, "accept"}});
    define_enum<NetFamily>(m, "NetFamily", "Address families.",
                           {{NetFamily::unspec, "unspec"},
                            {NetFamily::inet, "inet"},
                            {NetFamily::inet6, "inet6"},
                            {NetFamily::unix_, "unix"}});
    define_enum<NetProto>(
        m, "NetProto", "Transport protocols.",
        {{NetProto::unknown, "unknown"}, {NetProto::tcp, "tcp"}, {NetProto::udp, "udp"}});
    define_enum<IoUringOp>(m, "IoUringOp", "io_uring operations.",
                           {{IoUringOp::setup, "setup"}, {IoUringOp::submit, "submit"}});

    // --- ExecDetail, NetworkDetail ------------------------------------------------------------
    py::class_<ExecDetail> exec(m, "ExecDetail",
                                "How a process image was executed (Event.exec). Read-only.");
    exec.def(py::init([](const py::kwargs& kwargs) {
                 ExecDetail d;
                 apply_kwargs(d, exec_setters(), kwargs, "ExecDetail");
                 return d;
             }),
             "ExecDetail(**fields): every attribute may be given by keyword.")
        .def_property_readonly(
            "argv", [](const ExecDetail& d) { return decode_list(d.argv); }, "Arguments (list).")
        .def_readonly("dev", &ExecDetail::dev, "Device of the executed file (st_dev encoding).")
        .def_readonly("ino", &ExecDetail::ino, "Inode of the executed file.")
        .def_readonly("upper_layer", &ExecDetail::upper_layer,
                      "The file lives in a writable overlayfs upper layer.")
        .def_readonly("memory", &ExecDetail::memory, "The file is memory-backed (memfd).")
        .def_readonly("deleted", &ExecDetail::deleted, "The file was unlinked when executed.")
        .def_readonly("writable_dir", &ExecDetail::writable_dir,
                      "The file sits in a writable directory such as /tmp.");
    def_text(exec, "interpreter", &ExecDetail::interpreter, "Script interpreter, or ''.");
    def_text(exec, "script", &ExecDetail::script, "The script an interpreter ran, or ''.");
    def_text(exec, "loader", &ExecDetail::loader, "Dynamic loader run directly, or ''.");
    def_text(exec, "loaded_program", &ExecDetail::loaded_program,
             "The program a directly-run loader was given, or ''.");
    def_text(exec, "cwd", &ExecDetail::cwd, "Working directory at exec time, or ''.");
    exec.def("__repr__", [](const ExecDetail& d) {
        return "ExecDetail(argv=" + py::repr(decode_list(d.argv)).cast<std::string>() + ")";
    });

    py::class_<NetworkDetail> net(m, "NetworkDetail",
                                  "A network operation (Event.net). Read-only.");
    net.def(py::init([](const py::kwargs& kwargs) {
                NetworkDetail d;
                apply_kwargs(d, net_setters(), kwargs, "NetworkDetail");
                return d;
            }),
            "NetworkDetail(**fields): op, family, protocol, address, port.")
        .def_readonly("op", &NetworkDetail::op)
        .def_readonly("family", &NetworkDetail::family)
        .def_readonly("protocol", &NetworkDetail::protocol)
        .def_readonly("port", &NetworkDetail::port);
    def_text(net, "address", &NetworkDetail::address,
             "Textual IPv4/IPv6 address, or the Unix socket path.");
    net.def("__repr__", [](const NetworkDetail& d) {
        return "NetworkDetail(op='" + std::string(to_string(d.op)) + "', protocol='" +
               std::string(to_string(d.protocol)) +
               "', address=" + py::repr(decode(d.address)).cast<std::string>() +
               ", port=" + std::to_string(d.port) + ")";
    });

    // --- Event --------------------------------------------------------------------------------
    py::class_<Event> event(m, "Event",
                            "One thing a workload did. Attributes that do not apply to the kind "
                            "keep their defaults. Read-only; strings that are not valid UTF-8 "
                            "hold the undecodable bytes as surrogates (os.fsencode() restores "
                            "them).");
    event
        .def(py::init([](py::handle kind, const py::kwargs& kwargs) {
                 Event e;
                 e.kind = enum_arg<EventKind>(kind, "kind");
                 apply_kwargs(e, event_setters(), kwargs, "Event");
                 return e;
             }),
             py::arg("kind"),
             "Event(kind, **fields): every attribute may be given by keyword; exec and net "
             "take an ExecDetail/NetworkDetail or a dict of their fields.")
        .def_readonly("kind", &Event::kind)
        .def_readonly("time_ns", &Event::time_ns, "Wall-clock time, ns since the Unix epoch.")
        .def_readonly("pid", &Event::pid)
        .def_readonly("ppid", &Event::ppid)
        .def_readonly("uid", &Event::uid)
        .def_readonly("exec", &Event::exec, "ExecDetail (kind 'exec').")
        .def_readonly("exit_code", &Event::exit_code, "Wait status (kind 'exit').")
        .def_readonly("flags", &Event::flags, "open(2) flags (kind 'open').")
        .def_readonly("net", &Event::net, "NetworkDetail (kind 'network').")
        .def_readonly("syscall_nr", &Event::syscall_nr, "Syscall number (kind 'syscall').")
        .def_readonly("uring_op", &Event::uring_op, "io_uring operation (kind 'io_uring').")
        .def_readonly("uring_count", &Event::uring_count, "Entries submitted (kind 'io_uring').")
        .def_readonly("lost_kind", &Event::lost_kind, "Kind that was dropped (kind 'lost').")
        .def_readonly("lost_count", &Event::lost_count, "How many were dropped (kind 'lost').");
    def_text(event, "workload", &Event::workload,
             "Workload key ('container:<id>', 'cgroup:<id>', 'tree:<pid>', 'host').");
    def_text(event, "comm", &Event::comm, "Task name.");
    def_text(event, "exe", &Event::exe, "Executable path resolved by the kernel.");
    def_text(event, "path", &Event::path, "Opened path (kind 'open').");
    def_text(event, "syscall_name", &Event::syscall_name, "Syscall name when known.");
    event
        .def_property_readonly(
            "writes", [](const Event& e) { return open_flags_write(e.flags); },
            "True when the open flags ask for write access, creation or truncation.")
        .def("to_json", &event_to_json, "The event as one replay-format JSON object (str).")
        .def(
            "to_dict", [](const Event& e) { return json_loads(event_to_json(e)); },
            "The event as the replay format's dict.")
        .def("__repr__", &event_repr)
        .def(
            "__eq__",
            [](const Event& a, py::object b) {
                if (!py::isinstance<Event>(b))
                    return py::object(py::reinterpret_borrow<py::object>(Py_NotImplemented));
                return py::object(
                    py::bool_(event_to_json(a) == event_to_json(b.cast<const Event&>())));
            },
            py::is_operator())
        .def("__copy__", [](const Event& e) { return e; })
        .def("__deepcopy__", [](const Event& e, py::handle) { return e; });

    // --- Counters and sources -----------------------------------------------------------------
    py::class_<SourceCounters>(m, "SourceCounters", "What a source has read, skipped and lost.")
        .def_readonly("events", &SourceCounters::events, "Events handed out, lost events included.")
        .def_readonly("skipped", &SourceCounters::skipped, "Input records rejected and skipped.")
        .def_property_readonly(
            "lost", [](const SourceCounters& c) { return counts_by_enum<EventKind>(c.lost); },
            "Dropped events by EventKind (only non-zero counts).")
        .def_property_readonly("lost_total", &SourceCounters::lost_total)
        .def("__repr__", [](const SourceCounters& c) {
            return "SourceCounters(events=" + std::to_string(c.events) +
                   ", skipped=" + std::to_string(c.skipped) +
                   ", lost_total=" + std::to_string(c.lost_total()) + ")";
        });

    py::class_<PySource>(m, "EventSource",
                         "An iterable of Event. Reading happens in batches with the GIL "
                         "released. Baseline.learn, AnomalyDetector.check_all and "
                         "Recorder.write_all consume a source without making Python objects "
                         "of its events.")
        .def("__iter__", [](py::object self) { return self; })
        .def("__next__", &PySource::next)
        .def("read", &PySource::read, py::arg("max") = PySource::batch_size,
             "Up to max events as a list; [] at the end, or when a live source's poll timed "
             "out.")
        .def_property_readonly("at_end", &PySource::at_end,
                               "True once a finite source has nothing more to give.")
        .def_property_readonly("counters", &PySource::counters)
        .def_property_readonly(
            "skip_messages", [](PySource& s) { return decode_list(s.skip_messages()); },
            "Messages of skipped records, most recent last (bounded).");

    ReplayOptions replay_defaults;
    py::class_<PyReplaySource, PySource>(m, "ReplaySource",
                                         "Events of a replay file (rtguard's JSON Lines "
                                         "recording), read in constant memory.")
        .def(py::init([](py::handle path, bool strict, std::size_t max_line_bytes,
                         std::size_t max_argv, std::size_t max_string_bytes) {
                 ReplayOptions options;
                 options.strict = strict;
                 options.limits.max_line_bytes = max_line_bytes;
                 options.limits.max_argv = max_argv;
                 options.limits.max_string_bytes = max_string_bytes;
                 return std::make_unique<PyReplaySource>(fspath(path), options);
             }),
             py::arg("path"), py::kw_only(), py::arg("strict") = false,
             py::arg("max_line_bytes") = replay_defaults.limits.max_line_bytes,
             py::arg("max_argv") = replay_defaults.limits.max_argv,
             py::arg("max_string_bytes") = replay_defaults.limits.max_string_bytes,
             "Opens path ('-' reads standard input) and checks its header. Raises OSError "
             "(FileNotFoundError...) when it cannot be opened and rtguard.SchemaError for a "
             "missing or unknown header. strict=True raises rtguard.Error at the first bad "
             "line; otherwise bad lines are counted in counters.skipped.")
        .def_property_readonly("path", &PyReplaySource::path);

    TetragonOptions tetragon_defaults;
    py::class_<PyTetragonSource, PySource>(m, "TetragonSource",
                                           "Events of a Tetragon JSON export (one object per "
                                           "line, or concatenated pretty-printed objects).")
        .def(py::init([](py::handle path, bool strict, std::size_t max_line_bytes) {
                 TetragonOptions options;
                 options.strict = strict;
                 options.max_line_bytes = max_line_bytes;
                 return std::make_unique<PyTetragonSource>(fspath(path), options);
             }),
             py::arg("path"), py::kw_only(), py::arg("strict") = false,
             py::arg("max_line_bytes") = tetragon_defaults.max_line_bytes,
             "Opens path ('-' reads standard input). Records with no rtguard counterpart are "
             "counted as skipped; malformed ones too, unless strict=True.")
        .def_property_readonly("path", &PyTetragonSource::path);

    // --- Recorder -----------------------------------------------------------------------------
    py::class_<PyRecorder>(m, "Recorder",
                           "Writes events to a replay file. The file appears under its name "
                           "only when close() succeeds; as a context manager it closes on a "
                           "normal exit and discards the recording when an exception leaves "
                           "the block.")
        .def(py::init([](py::handle path) { return std::make_unique<PyRecorder>(fspath(path)); }),
             py::arg("path"),
             "Creates the temporary file beside path ('-' writes standard output). Raises "
             "OSError when it cannot, e.g. the directory does not exist.")
        .def("write", &PyRecorder::write, py::arg("event"), "Writes one event.")
        .def("write_all", &PyRecorder::write_all, py::arg("events"),
             "Writes every event of an iterable or source; returns how many.")
        .def("close", &PyRecorder::close,
             "Flushes, syncs and renames into place; a second call does nothing.")
        .def("discard", &PyRecorder::discard, "Drops the recording without creating the file.")
        .def_property_readonly("closed", &PyRecorder::closed)
        .def_property_readonly("written", &PyRecorder::written, "Events written so far.")
        .def_property_readonly("path", [](const PyRecorder& r) { return decode(r.path()); })
        .def("__enter__", [](py::object self) { return self; })
        .def("__exit__", [](PyRecorder& r, py::handle type, py::handle, py::handle) {
            if (type.is_none()) {
                r.close();
            } else {
                r.discard();
            }
            return false;
        });
}

}  // namespace rtguard::python

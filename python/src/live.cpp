// The live eBPF source.
#include <string>
#include <vector>

#include "common.hpp"
#include "rtguard/live.hpp"
#include "source.hpp"

namespace rtguard::python {
namespace {

class PyBpfSource : public PySource {
public:
    explicit PyBpfSource(BpfSourceOptions options) : PySource(open(std::move(options))) {}

    /// Runs f(source) like PySource::locked, with the source as what it is.
    template <class F>
    auto with_bpf(F&& f) {
        return locked([&](EventSource& s) { return f(static_cast<BpfSource&>(s)); });
    }

    std::string watch_cgroup(const std::string& path, std::string key) {
        return with_bpf([&](BpfSource& s) { return s.watch_cgroup(path, std::move(key)); });
    }

    std::string watch_pid(pid_t pid, std::string key) {
        return with_bpf([&](BpfSource& s) { return s.watch_pid(pid, std::move(key)); });
    }

    pid_t spawn(const std::vector<std::string>& argv, std::string key) {
        return with_bpf([&](BpfSource& s) { return s.spawn(argv, std::move(key)); });
    }

    std::string workload_of_pid(pid_t pid) {
        return with_bpf([&](BpfSource& s) { return s.workload_of_pid(pid); });
    }

    void stop() {
        with_bpf([](BpfSource& s) {
            s.stop();
            return 0;
        });
    }

    std::string hook_set() {
        return with_bpf([](BpfSource& s) { return s.hook_set(); });
    }

    std::vector<std::pair<std::string, std::uint64_t>> kernel_errors() {
        return with_bpf([](BpfSource& s) { return s.kernel_errors(); });
    }

private:
    static std::unique_ptr<EventSource> open(BpfSourceOptions options) {
        // Loading and attaching the programs takes a while; libbpf's messages are queued.
        ReleaseGil release;
        return std::make_unique<BpfSource>(std::move(options));
    }
};

}  // namespace

void bind_live(py::module_& m) {
    m.def(
        "live_unavailable_reason", [] { return live_unavailable_reason(); },
        "Why BpfSource cannot run here (privileges, BTF), or '' when it can try.");

    BpfSourceOptions defaults;
    py::class_<PyBpfSource, PySource>(
        m, "BpfSource",
        "Live events of watched workloads from rtguard's eBPF programs. Iteration polls the "
        "ring buffer with the GIL released and waits for events until stop() (Ctrl-C "
        "interrupts it); read() returns [] when a poll times out. As a context manager it "
        "stops on exit. Needs root (or CAP_BPF with CAP_PERFMON) and kernel BTF.")
        .def(py::init([](std::size_t ring_buffer_bytes, int poll_timeout_ms, bool dedupe,
                         std::size_t dedupe_entries, std::size_t max_tree_processes,
                         std::size_t max_cgroups, std::string hook_set, std::size_t max_pending) {
                 BpfSourceOptions o;
                 o.ring_buffer_bytes = ring_buffer_bytes;
                 o.poll_timeout_ms = poll_timeout_ms;
                 o.dedupe = dedupe;
                 o.dedupe_entries = dedupe_entries;
                 o.max_tree_processes = max_tree_processes;
                 o.max_cgroups = max_cgroups;
                 o.hook_set = std::move(hook_set);
                 o.max_pending = max_pending;
                 return std::make_unique<PyBpfSource>(std::move(o));
             }),
             py::kw_only(), py::arg("ring_buffer_bytes") = defaults.ring_buffer_bytes,
             py::arg("poll_timeout_ms") = defaults.poll_timeout_ms,
             py::arg("dedupe") = defaults.dedupe,
             py::arg("dedupe_entries") = defaults.dedupe_entries,
             py::arg("max_tree_processes") = defaults.max_tree_processes,
             py::arg("max_cgroups") = defaults.max_cgroups, py::arg("hook_set") = "",
             py::arg("max_pending") = defaults.max_pending,
             "Loads and attaches the programs. Raises rtguard.UnsupportedError without "
             "privileges or BTF, rtguard.KernelError when the kernel refuses a program.")
        .def(
            "watch_cgroup",
            [](PyBpfSource& s, py::handle path, std::string key) {
                return s.watch_cgroup(fspath(path), std::move(key));
            },
            py::arg("path"), py::arg("key") = "",
            "Watches every process of a cgroup v2 directory; returns the workload key.")
        .def("watch_pid", &PyBpfSource::watch_pid, py::arg("pid"), py::arg("key") = "",
             "Watches a process, its descendants and every process they start; returns the "
             "workload key ('tree:<pid>' unless key is given).")
        .def(
            "spawn",
            [](PyBpfSource& s, py::handle argv, std::string key) {
                return s.spawn(encode_list(argv, "argv"), std::move(key));
            },
            py::arg("argv"), py::arg("key") = "",
            "Starts argv as a watched process tree, its first exec seen; returns its pid. The "
            "caller reaps it (os.waitpid).")
        .def("workload_of_pid", &PyBpfSource::workload_of_pid, py::arg("pid"))
        .def("stop", &PyBpfSource::stop,
             "Detaches the programs; iteration then drains what is buffered and ends.")
        .def_property_readonly("hook_set", &PyBpfSource::hook_set,
                               "The hook set loaded ('tp_btf' or 'raw_tp').")
        .def_property_readonly(
            "kernel_errors",
            [](PyBpfSource& s) {
                py::dict out;
                for (const auto& [name, count] : s.kernel_errors())
                    out[py::str(name)] = count;
                return out;
            },
            "Kernel-side problems counted so far, by name.")
        .def("__enter__", [](py::object self) { return self; })
        .def("__exit__", [](PyBpfSource& s, py::handle, py::handle, py::handle) {
            s.stop();
            return false;
        });
}

}  // namespace rtguard::python

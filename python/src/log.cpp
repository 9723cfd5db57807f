// The library's log sink, bridged to a Python callable (rtguard's package passes one that
// forwards to the `logging` module).
#include <deque>
#include <mutex>
#include <string>
#include <utility>

#include "common.hpp"
#include "rtguard/log.hpp"

namespace rtguard::python {
namespace {

constexpr std::size_t max_pending = 10000;

struct LogQueue {
    std::mutex mutex;
    std::deque<std::pair<LogLevel, std::string>> pending;
    std::size_t dropped = 0;
};

LogQueue& queue() {
    static LogQueue* q = new LogQueue;  // leaked: the sink may run during process teardown
    return *q;
}

// The Python handler; only touched with the GIL held. A strong reference, released by
// set_log_handler(None), which the package calls at interpreter exit.
PyObject* handler = nullptr;

const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::debug:
            return "debug";
        case LogLevel::info:
            return "info";
        case LogLevel::warning:
            return "warning";
        case LogLevel::error:
            return "error";
    }
    return "error";
}

void sink(LogLevel level, std::string_view message) {
    auto& q = queue();
    std::lock_guard lock(q.mutex);
    if (q.pending.size() >= max_pending) {
        ++q.dropped;
        return;
    }
    q.pending.emplace_back(level, std::string(message));
}

void set_log_handler(py::object fn) {
    if (!fn.is_none() && !PyCallable_Check(fn.ptr())) {
        throw py::type_error("the log handler must be callable or None");
    }

    // The library's sink lock may be held by a thread waiting for nothing Python-related, but
    // never wait for it with the GIL held (see deliver_log).
    {
        py::gil_scoped_release release;
        set_log_sink(fn.is_none() ? LogSink{} : LogSink(&sink));
    }

    // Messages queued for the old handler still go to it.
    deliver_log();
    Py_XDECREF(handler);
    handler = fn.is_none() ? nullptr : fn.inc_ref().ptr();
}

}  // namespace

void deliver_log() noexcept {
    if (handler == nullptr) return;

    std::deque<std::pair<LogLevel, std::string>> batch;
    std::size_t dropped = 0;
    {
        auto& q = queue();
        std::lock_guard lock(q.mutex);
        batch.swap(q.pending);
        std::swap(dropped, q.dropped);
    }
    if (dropped != 0) {
        batch.emplace_back(LogLevel::warning,
                           std::to_string(dropped) + " log messages dropped: too many queued");
    }

    // A failing handler must not turn the call that logged into a failure; its error is
    // reported the way Python reports errors in callbacks it cannot propagate.
    PyObject *type = nullptr, *value = nullptr, *trace = nullptr;
    PyErr_Fetch(&type, &value, &trace);
    for (const auto& [level, message] : batch) {
        PyObject* text = PyUnicode_DecodeUTF8(message.data(),
                                              static_cast<Py_ssize_t>(message.size()), "replace");
        PyObject* result = text == nullptr
                               ? nullptr
                               : PyObject_CallFunction(handler, "sO", level_name(level), text);
        Py_XDECREF(text);
        if (result == nullptr) {
            PyErr_WriteUnraisable(handler);
        } else {
            Py_DECREF(result);
        }
    }
    PyErr_Restore(type, value, trace);
}

void bind_log(py::module_& m) {
    m.def("set_log_handler", &set_log_handler, py::arg("handler"),
          "Sends the library's messages to handler(level, message), level being 'debug', "
          "'info', 'warning' or 'error'; None drops them. Messages logged while the GIL was "
          "released are delivered when the call that logged them returns. The rtguard package "
          "installs a handler that forwards to logging.getLogger('rtguard').");
    m.def("flush_log", &deliver_log,
          "Delivers queued library messages to the handler now (they are otherwise delivered at "
          "the end of the call that logged them).");
}

}  // namespace rtguard::python

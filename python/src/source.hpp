// The Python face of an EventSource: an iterator of events that reads in batches with the GIL
// released, and a batch interface the baseline, detector and recorder bindings consume without
// turning every event into a Python object.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "common.hpp"
#include "rtguard/event_source.hpp"

namespace rtguard::python {

class PySource {
public:
    static constexpr std::size_t batch_size = 256;

    explicit PySource(std::unique_ptr<EventSource> source) : source_(std::move(source)) {}
    virtual ~PySource() = default;
    PySource(const PySource&) = delete;
    PySource& operator=(const PySource&) = delete;

    /// The next event as a Python object; raises StopIteration at the end. A live source
    /// waits, checking for signals between polls so that Ctrl-C interrupts it.
    py::object next();

    /// Moves the next events into `batch`: first those buffered for iteration, else a fresh
    /// batch read with the GIL released. Returns false at the end of the source; a live source
    /// may return true with an empty batch when its poll timed out. Needs the GIL.
    bool pull(std::vector<Event>& batch, std::size_t max = batch_size);

    /// Up to `max` events as a list; empty at the end or when a live poll timed out.
    py::list read(std::size_t max);

    bool at_end();
    SourceCounters counters();
    std::vector<std::string> skip_messages();

protected:
    /// Runs f(source) with the GIL released and the source's lock held: calls of one source
    /// from several Python threads take turns instead of racing.
    template <class F>
    auto locked(F&& f) {
        ReleaseGil release;
        std::lock_guard lock(mutex_);
        return f(*source_);
    }

    /// For subclasses whose source has more to offer than EventSource.
    EventSource& source() noexcept { return *source_; }

private:
    std::unique_ptr<EventSource> source_;
    std::mutex mutex_;
    std::vector<Event> buffer_;  // read ahead for iteration; touched only with the GIL held
    std::size_t pos_ = 0;
};

/// Calls f(const Event&) for every event of `events`: natively, batch by batch, when it is a
/// source; otherwise by iterating it as a Python iterable of Event. Returns how many events
/// were passed. f runs with the GIL held.
template <class F>
std::uint64_t for_each_event(py::handle events, F&& f) {
    std::uint64_t n = 0;
    if (py::isinstance<PySource>(events)) {
        auto& source = events.cast<PySource&>();
        std::vector<Event> batch;
        while (true) {
            batch.clear();
            if (!source.pull(batch)) break;
            for (const auto& event : batch)
                f(event);
            n += batch.size();
            if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        }
        return n;
    }
    if (py::isinstance<Event>(events)) {
        throw py::type_error("expected an iterable of Event; pass a single event on its own");
    }
    for (auto item : py::iter(events)) {
        if (!py::isinstance<Event>(item)) {
            throw py::type_error("expected Event items, got " +
                                 std::string(Py_TYPE(item.ptr())->tp_name));
        }
        f(item.cast<const Event&>());
        ++n;
    }
    return n;
}

}  // namespace rtguard::python

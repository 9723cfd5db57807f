// rtguard/event_source.hpp: the pull interface every producer of events implements.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rtguard/event.hpp"

namespace rtguard {

/// What a source has read, skipped and lost so far.
struct SourceCounters {
    std::uint64_t events = 0;   ///< events handed out, lost-events included
    std::uint64_t skipped = 0;  ///< input records rejected and skipped (lenient mode)
    std::array<std::uint64_t, event_kind_count> lost{};  ///< dropped events, by EventKind
    std::uint64_t lost_total() const noexcept {
        std::uint64_t n = 0;
        for (auto v : lost)
            n += v;
        return n;
    }
};

/// A producer of events, read in batches. A source that drops events says so with an event
/// of kind `lost` in the stream, in addition to counting it; a gap is never silent.
class EventSource {
public:
    virtual ~EventSource() = default;

    /// Appends at most `max` events to `out` and returns how many it appended. Finite
    /// sources return 0 only at the end (then at_end() is true); live sources may return 0
    /// when nothing arrived within their poll timeout. Throws rtguard::Error on a fatal input
    /// or system error.
    virtual std::size_t next_batch(std::vector<Event>& out, std::size_t max) = 0;

    /// True once a finite source has nothing more to give. Live sources return false until
    /// stopped.
    virtual bool at_end() const = 0;

    virtual SourceCounters counters() const = 0;

    /// Messages of skipped records (lenient mode) in input order, bounded in number: the
    /// first ones and the most recent ones are kept, those between dropped.
    virtual std::vector<std::string> skip_messages() const { return {}; }
};

}  // namespace rtguard

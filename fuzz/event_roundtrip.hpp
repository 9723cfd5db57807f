// Shared by the event-source harnesses: every event a reader hands out must survive a trip
// through the replay format unchanged, since that is how recordings are stored and replayed.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "rtguard/error.hpp"
#include "rtguard/event_source.hpp"
#include "rtguard/replay.hpp"

namespace rtguard::fuzz {

/// Reads `source` to the end and returns the events. An rtguard::Error stops the reading
/// when `may_throw` (strict mode) and is a broken invariant otherwise (a lenient reader skips
/// bad records). Anything else thrown escapes and is reported as a crash.
inline std::vector<Event> drain(EventSource& source, bool may_throw) {
    std::vector<Event> events;
    try {
        while (source.next_batch(events, 64) != 0 || !source.at_end()) {
        }
    } catch (const Error& e) {
        RTGUARD_FUZZ_CHECK(may_throw, std::string("a lenient reader threw: ") + e.what());
    }

    // A finite source that was read to the end says so, and its counters add up.
    SourceCounters c = source.counters();
    RTGUARD_FUZZ_CHECK(c.events >= events.size(), "counted fewer events than handed out");
    RTGUARD_FUZZ_CHECK(source.skip_messages().size() <= 100, "skip messages are bounded");
    return events;
}

/// Writes `events` as a replay file into `file`, reads it back strictly and checks that each
/// event serializes exactly as before.
inline void check_replay_roundtrip(const std::vector<Event>& events, MemFile& file) {
    std::string text = "{\"format\":\"rtguard-events\",\"schema\":1}\n";
    std::vector<std::string> expected;
    for (const Event& e : events) {
        expected.push_back(event_to_json(e));
        text += expected.back();
        text += '\n';
    }

    // The default string limit stays: every string a reader hands out must be one a
    // recording of it can hold. Lines and argument counts grow with the number of strings.
    ReplayOptions options;
    options.strict = true;
    options.limits.max_line_bytes = std::numeric_limits<std::size_t>::max() / 2;
    options.limits.max_argv = std::numeric_limits<std::size_t>::max();

    std::vector<Event> again;
    try {
        ReplaySource source(file.fill(text), options);
        while (source.next_batch(again, 64) != 0 || !source.at_end()) {
        }
    } catch (const Error& e) {
        RTGUARD_FUZZ_CHECK(false, std::string("a written event does not read back: ") + e.what());
    }
    RTGUARD_FUZZ_CHECK(again.size() == events.size(), "event count changed in the round trip");
    for (std::size_t i = 0; i < again.size(); ++i) {
        RTGUARD_FUZZ_CHECK(event_to_json(again[i]) == expected[i],
                           "event changed in the round trip: " + expected[i]);
    }
}

}  // namespace rtguard::fuzz

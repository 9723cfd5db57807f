// The rtguard program: reading recorded events (rtguard's replay format or a Tetragon export)
// for the offline subcommands (learn, detect).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rtguard/event_source.hpp"

namespace rtguard::cli {

enum class EventFormat { automatic, replay, tetragon };

/// Parses "auto", "replay" or "tetragon"; throws UsageError otherwise.
EventFormat parse_event_format(const std::string& text);

/// The format of a file: replay when its first line is an object with
/// "format": "rtguard-events", Tetragon otherwise. Standard input ("-") must be named.
EventFormat detect_event_format(const std::string& path);

/// Opens one events file in the given format (automatic: detected). Throws rtguard::Error.
std::unique_ptr<EventSource> open_events(const std::string& path, EventFormat format, bool strict);

/// Totals over the files read, for the closing summary.
struct ReadTotals {
    std::uint64_t events = 0;
    std::uint64_t skipped = 0;
    std::uint64_t lost = 0;
};

/// Reads every file in turn, handing each batch to `on_events`; reports each file's skipped
/// records on stderr (the first few messages, then a count).
ReadTotals read_event_files(const std::vector<std::string>& paths, EventFormat format, bool strict,
                            const std::function<void(std::vector<Event>&)>& on_events);

}  // namespace rtguard::cli

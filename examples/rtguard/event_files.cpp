#include "event_files.hpp"

#include <simdjson.h>

#include <fstream>

#include <fmt/core.h>

#include "cli.hpp"
#include "rtguard/error.hpp"
#include "rtguard/replay.hpp"
#include "rtguard/tetragon.hpp"

namespace rtguard::cli {

EventFormat parse_event_format(const std::string& text) {
    if (text == "auto") return EventFormat::automatic;
    if (text == "replay") return EventFormat::replay;
    if (text == "tetragon") return EventFormat::tetragon;
    throw UsageError("unknown --format '" + text + "' (use replay, tetragon or auto)");
}

EventFormat detect_event_format(const std::string& path) {
    if (path == "-") throw UsageError("reading standard input needs --format replay or tetragon");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error::from_errno(errno, "cannot open events file", path);

    // Only the first line decides; a pretty-printed Tetragon export starts with "{" alone.
    std::string line;
    constexpr std::size_t max_header = 1 << 16;
    char c;
    while (line.size() < max_header && in.get(c) && c != '\n')
        line.push_back(c);

    simdjson::dom::parser parser;
    simdjson::dom::element header;
    if (parser.parse(line).get(header)) return EventFormat::tetragon;
    std::string_view format;
    if (header["format"].get(format) || format != "rtguard-events") return EventFormat::tetragon;
    return EventFormat::replay;
}

std::unique_ptr<EventSource> open_events(const std::string& path, EventFormat format, bool strict) {
    if (format == EventFormat::automatic) format = detect_event_format(path);
    if (format == EventFormat::replay) {
        ReplayOptions o;
        o.strict = strict;
        return std::make_unique<ReplaySource>(path, o);
    }
    TetragonOptions o;
    o.strict = strict;
    return std::make_unique<TetragonSource>(path, o);
}

ReadTotals read_event_files(const std::vector<std::string>& paths, EventFormat format, bool strict,
                            const std::function<void(std::vector<Event>&)>& on_events) {
    ReadTotals totals;
    std::vector<Event> batch;
    for (const auto& path : paths) {
        auto source = open_events(path, format, strict);
        while (true) {
            batch.clear();
            if (source->next_batch(batch, 1024) == 0 && source->at_end()) break;
            on_events(batch);
        }

        SourceCounters c = source->counters();
        totals.events += c.events;
        totals.skipped += c.skipped;
        totals.lost += c.lost_total();
        if (c.skipped == 0) continue;
        auto messages = source->skip_messages();
        constexpr std::size_t shown = 5;
        for (std::size_t i = 0; i < messages.size() && i < shown; ++i) {
            fmt::print(stderr, "rtguard: skipped: {}\n", messages[i]);
        }
        if (c.skipped > shown) {
            fmt::print(stderr, "rtguard: {}: {} records skipped in all\n", path, c.skipped);
        }
    }
    return totals;
}

}  // namespace rtguard::cli

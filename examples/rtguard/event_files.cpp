#include "event_files.hpp"

#include <simdjson.h>

#include <filesystem>
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
    if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
        throw Error::from_errno(EISDIR, "cannot read events file", path);
    }

    // Only the first line decides; a pretty-printed Tetragon export starts with "{" alone.
    std::string line;
    constexpr std::size_t max_header = 1 << 16;
    char c;
    while (line.size() < max_header && in.get(c) && c != '\n')
        line.push_back(c);

    // A pretty-printed export opens with a lone brace.
    std::string_view trimmed = line;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t'))
        trimmed.remove_prefix(1);
    while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\r'))
        trimmed.remove_suffix(1);
    if (trimmed == "{") {
        // Unless it is another of rtguard's files, whose second line names its format.
        std::string second;
        while (second.size() < max_header && in.get(c) && c != '\n')
            second.push_back(c);
        static constexpr std::string_view tag = "\"format\": \"rtguard-";
        auto at = second.find(tag);
        auto end = at == std::string::npos ? at : second.find('"', at + tag.size());
        if (end != std::string::npos && end > at + tag.size()) {
            std::string name = second.substr(at + tag.size() - 8, end - (at + tag.size() - 8));
            throw Error(errc::parse_error,
                        fmt::format("this is an {} file, not events; learn and detect read "
                                    "rtguard events files or Tetragon exports",
                                    name),
                        path, "line 2");
        }
        return EventFormat::tetragon;
    }

    // Anything else that is neither is refused: read as Tetragon, every line would be
    // skipped, and "no alert" would be said of events never read.
    auto neither = [&](const std::string& what) {
        return Error(errc::parse_error,
                     what +
                         "; it is neither an rtguard events file (a header line "
                         "{\"format\":\"rtguard-events\",...}) nor a Tetragon export (an "
                         "event such as {\"process_exec\":...}); --format says which",
                     path, "line 1");
    };
    simdjson::dom::parser parser;
    simdjson::dom::element first;
    simdjson::dom::object members;
    if (line.size() >= max_header) throw neither("the first line is too long");
    if (parser.parse(line).get(first) || first.get(members))
        throw neither(line.empty() ? "the file is empty or starts with an empty line"
                                   : "the first line is not a JSON object");
    std::string_view format;
    if (!first["format"].get(format)) {
        if (format == "rtguard-events") return EventFormat::replay;
        throw neither(fmt::format("the first line names the format \"{}\"", format));
    }
    for (auto member : members) {
        if (member.key.substr(0, 8) == "process_") return EventFormat::tetragon;
    }
    throw neither("the first line is neither a header nor a Tetragon event");
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

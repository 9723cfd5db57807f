// rtguard/replay.hpp: rtguard's own recorded-events format (JSON Lines, schema 1; see
// docs/events.md), read by ReplaySource and written by Recorder.
#pragma once

#include <cstdio>
#include <deque>
#include <memory>
#include <string>

#include "rtguard/event_source.hpp"

namespace rtguard {

/// Limits that bound what a hostile file can make a reader do.
struct ReplayLimits {
    std::size_t max_line_bytes = 1 << 20;  ///< a longer line is skipped (lenient) or fatal
    std::size_t max_argv = 4096;           ///< arguments kept per exec
    std::size_t max_string_bytes = 65536;  ///< per string field
};

struct ReplayOptions {
    /// Lenient: a bad line is counted in counters().skipped and its message kept in
    /// skip_messages(); strict: the first bad line throws rtguard::Error naming file and line.
    bool strict = false;
    ReplayLimits limits{};
};

/// Streams events from a replay file in constant memory, whatever the file's size.
class ReplaySource final : public EventSource {
public:
    /// Opens `path`; "-" reads standard input. Throws rtguard::Error when the file cannot be
    /// opened, or when its header line is missing or names an unknown schema version.
    explicit ReplaySource(std::string path, ReplayOptions options = {});
    ~ReplaySource() override;
    ReplaySource(const ReplaySource&) = delete;
    ReplaySource& operator=(const ReplaySource&) = delete;

    std::size_t next_batch(std::vector<Event>& out, std::size_t max) override;
    bool at_end() const override;
    SourceCounters counters() const override;
    std::vector<std::string> skip_messages() const override;

    const std::string& path() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Writes events in the replay format. The file appears under its final name only when
/// close() succeeds (written to a temporary beside it, then renamed), so a reader never
/// sees a half-written recording under that name; "-" writes to standard output.
class Recorder {
public:
    explicit Recorder(std::string path);
    ~Recorder();  ///< discards an unclosed recording's temporary file
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    void write(const Event& event);
    /// Flushes, syncs and renames into place. Throws rtguard::Error on I/O failure.
    void close();
    std::uint64_t written() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Serializes one event as a replay-format JSON object (no trailing newline).
std::string event_to_json(const Event& event);

}  // namespace rtguard

// rtguard/replay.hpp: rtguard's own recorded-events format (JSON Lines, schema 1; see
// docs/events.md), read by ReplaySource and written by Recorder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "rtguard/event_source.hpp"

namespace rtguard {

/// Limits that bound what a hostile file can make a reader do.
struct ReplayLimits {
    /// A longer line is skipped (lenient) or fatal (strict). It is dropped while being read,
    /// so memory stays bounded by this limit whatever the file holds.
    std::size_t max_line_bytes = 1 << 20;
    std::size_t max_argv = 4096;           ///< arguments kept per exec; later ones are dropped
    std::size_t max_string_bytes = 65536;  ///< per string member; a longer one rejects the line
};

struct ReplayOptions {
    /// Lenient: a bad line is counted in counters().skipped and its message kept in
    /// skip_messages(); strict: the first bad line throws rtguard::Error naming file and line.
    bool strict = false;
    ReplayLimits limits{};
};

/// Streams events from a replay file in constant memory, whatever the file's size. Lost
/// events are handed out like any other and also added to counters().lost.
class ReplaySource final : public EventSource {
public:
    /// Opens `path`; "-" reads standard input. Reads the header line, so it blocks until
    /// standard input delivers one. Throws rtguard::Error when the file cannot be opened
    /// (errno kept), or with errc::schema_mismatch when the header is missing, names another
    /// format or an unknown schema version. A header repeated later in the file (recordings
    /// concatenated) is checked the same way when next_batch() reaches it.
    explicit ReplaySource(std::string path, ReplayOptions options = {});
    ~ReplaySource() override;
    ReplaySource(const ReplaySource&) = delete;
    ReplaySource& operator=(const ReplaySource&) = delete;

    std::size_t next_batch(std::vector<Event>& out, std::size_t max) override;
    bool at_end() const override;
    SourceCounters counters() const override;
    /// "FILE:line N: $.member: what was expected", the last 100.
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
    /// Creates the temporary file and buffers the header line. Throws rtguard::Error (errno
    /// kept) when the temporary cannot be created, e.g. the directory does not exist.
    explicit Recorder(std::string path);
    /// Discards an unclosed recording's temporary file; on stdout, flushes what is buffered.
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    /// Buffers one event, writing the buffer out in blocks. Throws rtguard::Error on I/O
    /// failure (the recording is then discarded) or after close().
    void write(const Event& event);
    /// Flushes, syncs and renames into place; a second call does nothing. Throws
    /// rtguard::Error on I/O failure, leaving no file under the final name.
    void close();
    std::uint64_t written() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Serializes one event as a replay-format JSON object (no trailing newline).
std::string event_to_json(const Event& event);

}  // namespace rtguard

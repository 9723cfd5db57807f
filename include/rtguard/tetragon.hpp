// rtguard/tetragon.hpp: importer for Tetragon's JSON export (see docs/events.md).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "rtguard/event_source.hpp"

namespace rtguard {

struct TetragonOptions {
    /// Throw rtguard::Error on the first malformed record instead of skipping it. Records that
    /// are well-formed but have no rtguard counterpart (process_close, unmapped kprobes) are
    /// counted as skipped in both modes and never throw.
    bool strict = false;
    /// A longer record (a line, or a whole pretty-printed object) is skipped or fatal; it is
    /// dropped while being read, so memory stays bounded by this limit.
    std::size_t max_line_bytes = 1 << 20;
};

/// Reads Tetragon's export as rtguard events, in constant memory. The file may hold one JSON
/// object per line (`tetra getevents -o json`) or concatenated pretty-printed objects; the
/// framing is detected from the first record. "-" reads standard input.
///
/// Mapped: process_exec -> exec, process_exit -> exit, process_connect/process_listen ->
/// network, process_kprobe on socket hooks (tcp_connect, inet_csk_listen_start, ...) ->
/// network and on file hooks (security_file_permission, fd_install, the open/read/write
/// syscalls, ...) -> open, rate_limit_info -> lost. The workload key is
/// "container:<id>" with the pod's container id stripped of its runtime scheme
/// ("containerd://"), else the process's short "docker" id, else "host".
class TetragonSource final : public EventSource {
public:
    /// Opens `path`. Throws rtguard::Error (errno kept) when it cannot be opened.
    explicit TetragonSource(std::string path, TetragonOptions options = {});
    ~TetragonSource() override;
    TetragonSource(const TetragonSource&) = delete;
    TetragonSource& operator=(const TetragonSource&) = delete;

    std::size_t next_batch(std::vector<Event>& out, std::size_t max) override;
    bool at_end() const override;
    SourceCounters counters() const override;
    /// "FILE:line N: $.json.path: problem" for malformed records, "FILE:line N: why" for
    /// records with no rtguard counterpart; the last 100.
    std::vector<std::string> skip_messages() const override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace rtguard

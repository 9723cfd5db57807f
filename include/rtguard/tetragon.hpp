// rtguard/tetragon.hpp: importer for Tetragon's JSON export (one JSON object per line).
#pragma once

#include <memory>
#include <string>

#include "rtguard/event_source.hpp"

namespace rtguard {

struct TetragonOptions {
    bool strict = false;                   ///< throw on the first bad line instead of skipping
    std::size_t max_line_bytes = 1 << 20;  ///< longer lines are skipped or fatal
};

/// Reads Tetragon's export (process_exec, process_exit, process_kprobe with connect, listen,
/// close and file hooks) as rtguard events. The workload key is taken from the pod
/// (namespace/name) or container id when present, else from the process's cgroup/binary.
class TetragonSource final : public EventSource {
public:
    explicit TetragonSource(std::string path, TetragonOptions options = {});
    ~TetragonSource() override;
    TetragonSource(const TetragonSource&) = delete;
    TetragonSource& operator=(const TetragonSource&) = delete;

    std::size_t next_batch(std::vector<Event>& out, std::size_t max) override;
    bool at_end() const override;
    SourceCounters counters() const override;
    std::vector<std::string> skip_messages() const override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace rtguard

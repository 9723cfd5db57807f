// rtguard/log.hpp: where the library's messages go. rtguard never writes to stdout or stderr
// by itself; a host program installs a sink (the CLI installs one that writes to stderr).
#pragma once

#include <functional>
#include <string_view>

namespace rtguard {

enum class LogLevel { debug, info, warning, error };

using LogSink = std::function<void(LogLevel, std::string_view)>;

/// Installs the sink for all later messages, replacing the previous one. An empty sink
/// drops messages (the default). libbpf's own output is routed here as well.
void set_log_sink(LogSink sink);

/// Sends one message to the current sink. Safe to call from any thread.
void log(LogLevel level, std::string_view message);

}  // namespace rtguard

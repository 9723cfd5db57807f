#include "rtguard/log.hpp"

#include <mutex>

namespace rtguard {
namespace {

std::mutex& sink_mutex() {
    static std::mutex m;
    return m;
}

LogSink& sink() {
    static LogSink s;
    return s;
}

}  // namespace

void set_log_sink(LogSink new_sink) {
    std::lock_guard lock(sink_mutex());
    sink() = std::move(new_sink);
}

void log(LogLevel level, std::string_view message) {
    std::lock_guard lock(sink_mutex());
    if (sink()) sink()(level, message);
}

}  // namespace rtguard

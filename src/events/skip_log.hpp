// Internal: the bounded list of messages about skipped input records that sources keep.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

namespace rtguard::detail {

/// Keeps the most recent `capacity` messages; older ones are dropped (the count of skipped
/// records lives in SourceCounters and is never dropped).
class SkipLog {
public:
    explicit SkipLog(std::size_t capacity = 100) : capacity_(capacity) {}

    void add(std::string message) {
        if (capacity_ == 0) return;
        if (messages_.size() == capacity_) messages_.pop_front();
        messages_.push_back(std::move(message));
    }

    std::vector<std::string> messages() const { return {messages_.begin(), messages_.end()}; }

private:
    std::size_t capacity_;
    std::deque<std::string> messages_;
};

}  // namespace rtguard::detail

// Internal: the bounded list of messages about skipped input records that sources keep.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

namespace rtguard::detail {

/// Keeps the first `capacity / 2` messages and the most recent ones up to `capacity`; those
/// between are dropped (the count of skipped records lives in SourceCounters and is never
/// dropped). The first ones say where a file went wrong, the last ones what goes on now.
class SkipLog {
public:
    explicit SkipLog(std::size_t capacity = 100) : capacity_(capacity) {}

    void add(std::string message) {
        if (capacity_ == 0) return;
        if (first_.size() < capacity_ / 2) {
            first_.push_back(std::move(message));
            return;
        }
        if (recent_.size() == capacity_ - capacity_ / 2) recent_.pop_front();
        recent_.push_back(std::move(message));
    }

    std::vector<std::string> messages() const {
        std::vector<std::string> all(first_.begin(), first_.end());
        all.insert(all.end(), recent_.begin(), recent_.end());
        return all;
    }

private:
    std::size_t capacity_;
    std::vector<std::string> first_;
    std::deque<std::string> recent_;
};

}  // namespace rtguard::detail

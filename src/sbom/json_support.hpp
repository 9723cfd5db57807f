// Internal: JSON paths for error messages, and the place of a syntax error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rtguard::detail {

/// The path from the document root to the value being read, rendered as "$.a[3].b" for
/// messages. Keys are views: they must outlive their segment (string literals or text of
/// the document being read).
class JsonPath {
public:
    void push(std::string_view key) { segments_.push_back({key, 0, false}); }
    void push(std::size_t index) { segments_.push_back({{}, index, true}); }
    void pop() { segments_.pop_back(); }
    void clear() { segments_.clear(); }
    /// Replaces the index of the innermost segment (iteration over an array).
    void set_index(std::size_t index) { segments_.back().index = index; }

    std::string str() const;
    /// The path of a child key without pushing it.
    std::string str(std::string_view child) const;

private:
    struct Segment {
        std::string_view key;
        std::size_t index;
        bool is_index;
    };
    std::vector<Segment> segments_;
};

/// Pushes a path segment for the lifetime of the guard.
class PathGuard {
public:
    PathGuard(JsonPath& path, std::string_view key) : path_(path) { path_.push(key); }
    PathGuard(JsonPath& path, std::size_t index) : path_(path) { path_.push(index); }
    ~PathGuard() { path_.pop(); }
    PathGuard(const PathGuard&) = delete;
    PathGuard& operator=(const PathGuard&) = delete;

private:
    JsonPath& path_;
};

/// "line L, column C" of the first syntax error in `json`, for messages about documents a
/// fast parser rejected without a position; empty when no position can be given.
std::string syntax_error_place(std::string_view json);

}  // namespace rtguard::detail

// Internal: the path pattern language of baselines and an index that finds every pattern
// matching a path by walking path components, without looking at unrelated patterns.
//
// A pattern is a path whose components may contain '*' (any run of bytes, never '/').
// "\*" and "\\" stand for a literal '*' and '\', so any literal path can be written as a
// pattern.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rtguard::detail {

/// Hash and equality that let unordered containers keyed by std::string be searched with a
/// std::string_view, so lookups on the event path allocate nothing.
struct StringHash {
    using is_transparent = void;
    // Deliberately not noexcept: libstdc++ stores hash codes in the nodes only for hashes
    // that may throw (or are marked slow); without them, walking a bucket rehashes every key
    // in it, which made lookups in a 50,000-entry profile several times slower.
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

/// Splits at '/' keeping empty components: "/a/b" -> "", "a", "b".
std::vector<std::string_view> split_path(std::string_view path);

/// A literal path written in the pattern language (escapes '*' and '\').
std::string escape_pattern(std::string_view literal);

/// True when the component (one piece between slashes, in pattern language) holds an
/// unescaped '*'.
bool component_has_wildcard(std::string_view component) noexcept;

/// Matches one component of a pattern against one component of a path.
bool component_matches(std::string_view pattern, std::string_view text) noexcept;

/// Whole-path match of a pattern (component by component).
bool pattern_matches(std::string_view pattern, std::string_view path) noexcept;

/// Glob where '*' matches any bytes including '/' (used for the sensitive-path list).
bool glob_matches(std::string_view glob, std::string_view text) noexcept;

/// The pattern that replaces volatile components of `path`: /proc/<pid>, /proc/self and
/// /proc/thread-self, all-digit components, uuid-like components and long hex strings (16 or
/// more hex digits with at least one digit) become '*'. Returns an empty string when nothing
/// in the path is volatile.
std::string volatile_pattern(std::string_view path);

/// The component pattern covering every name in `names` (at least one): the longest common
/// prefix and suffix, each cut back to a separator so that a shared digit or letter of
/// otherwise random names is not kept ("req-1", "req-17" -> "req-*"), around a '*'.
std::string component_glob(const std::vector<std::string_view>& names);

/// Patterns indexed as a trie of components; each pattern carries a caller-chosen id.
class PatternIndex {
public:
    PatternIndex();
    ~PatternIndex();
    PatternIndex(PatternIndex&&) noexcept;
    PatternIndex& operator=(PatternIndex&&) noexcept;
    PatternIndex(const PatternIndex&) = delete;
    PatternIndex& operator=(const PatternIndex&) = delete;

    void insert(std::string_view pattern, std::uint32_t id);
    void clear();
    bool empty() const noexcept;

    /// Calls f(id) for every pattern matching `path`. Work depends on the path's depth and the
    /// wildcard components met along it, not on the number of patterns.
    void for_each_match(std::string_view path, const std::function<void(std::uint32_t)>& f) const;

private:
    struct Node;
    std::unique_ptr<Node> root_;
};

}  // namespace rtguard::detail

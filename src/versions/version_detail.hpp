// Internals of version ordering: one parser and comparator per scheme, and the small helpers
// they share. Parsed forms hold string_views into the caller's text, so they live only as
// long as that text; nothing here allocates on the common path.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <string_view>
#include <vector>

namespace rtguard::detail::versions {

inline bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
inline bool is_lower(char c) noexcept {
    return c >= 'a' && c <= 'z';
}
inline bool is_upper(char c) noexcept {
    return c >= 'A' && c <= 'Z';
}
inline bool is_alpha(char c) noexcept {
    return is_lower(c) || is_upper(c);
}
inline bool is_alnum(char c) noexcept {
    return is_alpha(c) || is_digit(c);
}
inline bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
inline char to_lower(char c) noexcept {
    return is_upper(c) ? static_cast<char>(c + 32) : c;
}

inline int sign(int v) noexcept {
    return (v > 0) - (v < 0);
}

inline bool all_digits(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_digit(c)) return false;
    return true;
}

inline std::string_view trim_space(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

/// Compares two runs of ASCII digits as unbounded non-negative integers (leading zeros do
/// not count; an empty run is zero). Versions carry dates and build numbers far beyond 64
/// bits, and every scheme here compares those exactly.
inline int compare_numeric(std::string_view a, std::string_view b) noexcept {
    while (!a.empty() && a.front() == '0')
        a.remove_prefix(1);
    while (!b.empty() && b.front() == '0')
        b.remove_prefix(1);
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return sign(a.compare(b));
}

/// Byte-wise comparison, as C's strcmp and Ruby's String#<=> do.
inline int compare_bytes(std::string_view a, std::string_view b) noexcept {
    return sign(a.compare(b));
}

/// ASCII case-insensitive comparison (NuGet's OrdinalIgnoreCase on ASCII text).
inline int compare_ignore_case(std::string_view a, std::string_view b) noexcept {
    size_t n = a.size() < b.size() ? a.size() : b.size();
    for (size_t i = 0; i < n; ++i) {
        char x = to_lower(a[i]), y = to_lower(b[i]);
        if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y) ? -1 : 1;
    }
    if (a.size() == b.size()) return 0;
    return a.size() < b.size() ? -1 : 1;
}

inline bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && compare_ignore_case(a, b) == 0;
}

/// A vector that keeps its first N elements inline, so parsing a typical version touches no
/// heap; longer versions spill into a std::vector.
template <class T, size_t N>
class InlineVec {
public:
    void push_back(const T& v) {
        if (size_ < N) {
            inline_[size_] = v;
        } else {
            if (spill_.empty()) spill_.assign(inline_.begin(), inline_.end());
            spill_.push_back(v);
        }
        ++size_;
    }
    void pop_back() noexcept {
        --size_;
        if (size_ >= N) spill_.pop_back();
    }
    size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    T& operator[](size_t i) noexcept { return size_ > N ? spill_[i] : inline_[i]; }
    const T& operator[](size_t i) const noexcept { return size_ > N ? spill_[i] : inline_[i]; }
    T& back() noexcept { return (*this)[size_ - 1]; }
    const T& back() const noexcept { return (*this)[size_ - 1]; }

private:
    std::array<T, N> inline_{};
    std::vector<T> spill_;
    size_t size_ = 0;
};

// Each scheme provides `parse(text, out)`, returning nullptr on success or a static string
// saying why the text is not a version, and `compare(a, b)` on two parsed values.

struct DebianVersion {
    std::string_view epoch, upstream, revision;
};
const char* parse_debian(std::string_view v, DebianVersion& out) noexcept;
int compare_debian(const DebianVersion& a, const DebianVersion& b) noexcept;
/// dpkg's verrevcmp on one part (upstream or revision).
int dpkg_verrevcmp(std::string_view a, std::string_view b) noexcept;

struct RpmVersion {
    std::string_view epoch, version, release;
    bool has_release = false;
};
const char* parse_rpm(std::string_view v, RpmVersion& out) noexcept;
int compare_rpm(const RpmVersion& a, const RpmVersion& b) noexcept;
/// rpm's rpmvercmp on one part.
int rpmvercmp(std::string_view a, std::string_view b) noexcept;

struct AlpineVersion {
    std::string_view text;
};
const char* parse_alpine(std::string_view v, AlpineVersion& out) noexcept;
int compare_alpine(const AlpineVersion& a, const AlpineVersion& b) noexcept;

/// SemVer-shaped versions (semver, go, nuget). `numbers` holds up to four numeric parts
/// (missing ones are zero); prerelease excludes the '-'.
struct SemverVersion {
    std::array<std::string_view, 4> numbers{};
    std::string_view prerelease;
    bool has_prerelease = false;
};
const char* parse_semver(std::string_view v, SemverVersion& out) noexcept;
const char* parse_go(std::string_view v, SemverVersion& out) noexcept;
const char* parse_nuget(std::string_view v, SemverVersion& out) noexcept;
int compare_semver(const SemverVersion& a, const SemverVersion& b) noexcept;
int compare_nuget(const SemverVersion& a, const SemverVersion& b) noexcept;

struct Pep440Version {
    std::string_view epoch;    ///< digits, empty for 0
    std::string_view release;  ///< "1.2.3"
    int pre_kind = -1;         ///< -1 none, 0 a, 1 b, 2 rc
    std::string_view pre_number;
    bool has_post = false;
    std::string_view post_number;
    bool has_dev = false;
    std::string_view dev_number;
    std::string_view local;  ///< without '+', segments separated by [-_.]
};
const char* parse_pep440(std::string_view v, Pep440Version& out) noexcept;
int compare_pep440(const Pep440Version& a, const Pep440Version& b) noexcept;

/// Maven's ComparableVersion as a tree of items kept in one array: every list links its
/// children through `next`/`prev`, so no item owns memory.
struct MavenItem {
    enum Kind : unsigned char { integer, string, list } kind = integer;
    int rank = 0;           ///< string: 0 alpha .. 5 release .. 6 sp, 7 for other qualifiers
    std::string_view text;  ///< integer: digits without leading zeros; string: when rank 7
    int first = -1;         ///< list: first child
    int last = -1;          ///< list: last child
    int next = -1;          ///< next sibling
    int prev = -1;          ///< previous sibling
};
struct MavenVersion {
    InlineVec<MavenItem, 24> items;  ///< items[0] is the root list
};
const char* parse_maven(std::string_view v, MavenVersion& out);
int compare_maven(const MavenVersion& a, const MavenVersion& b) noexcept;

struct RubySegment {
    std::string_view text;
    bool numeric = false;
};
struct RubyVersion {
    InlineVec<RubySegment, 12> segments;  ///< canonical segments (trailing zeros dropped)
};
const char* parse_rubygems(std::string_view v, RubyVersion& out);
int compare_rubygems(const RubyVersion& a, const RubyVersion& b) noexcept;

/// Composer's normalized form ("1.2.0.0-beta2", "dev-main"), kept in a fixed buffer.
struct PackagistVersion {
    std::array<char, 320> buffer{};
    size_t size = 0;
    std::string_view normalized() const noexcept { return {buffer.data(), size}; }
};
const char* parse_packagist(std::string_view v, PackagistVersion& out);
int compare_packagist(const PackagistVersion& a, const PackagistVersion& b) noexcept;
/// PHP's version_compare on two already-normalized strings.
int php_version_compare(std::string_view a, std::string_view b) noexcept;

}  // namespace rtguard::detail::versions

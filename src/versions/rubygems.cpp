// RubyGems' Gem::Version: numbers and letter runs, '-' meaning ".pre.", trailing zeros
// ignored in the release part and in the prerelease part.
#include "versions/version_detail.hpp"

namespace rtguard::detail::versions {
namespace {

bool prerelease_char(char c) noexcept {
    return is_alnum(c) || c == '-';
}

// Gem::Version's pattern: \s*[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?\s*
const char* check_pattern(std::string_view s) noexcept {
    size_t i = 0;
    while (i < s.size() && is_digit(s[i]))
        ++i;
    if (i == 0) return "does not start with a number";
    while (i < s.size() && s[i] == '.') {
        size_t start = ++i;
        while (i < s.size() && is_alnum(s[i]))
            ++i;
        if (i == start) return "empty segment after '.'";
    }
    if (i < s.size() && s[i] == '-') {
        while (true) {
            size_t start = ++i;
            while (i < s.size() && prerelease_char(s[i]))
                ++i;
            if (i == start) return "empty prerelease segment";
            if (i == s.size() || s[i] != '.') break;
        }
    }
    if (i != s.size()) return "malformed version number string";
    return nullptr;
}

// Gem::Version scans [0-9]+|[a-z]+ (ignoring case) from the text in which every '-' reads
// ".pre.".
template <class F>
void scan_segments(std::string_view s, F&& emit) {
    size_t i = 0;
    while (i < s.size()) {
        if (s[i] == '-') {
            emit(RubySegment{"pre", false});
            ++i;
        } else if (is_digit(s[i])) {
            size_t start = i;
            while (i < s.size() && is_digit(s[i]))
                ++i;
            emit(RubySegment{s.substr(start, i - start), true});
        } else if (is_alpha(s[i])) {
            size_t start = i;
            while (i < s.size() && is_alpha(s[i]))
                ++i;
            emit(RubySegment{s.substr(start, i - start), false});
        } else {
            ++i;
        }
    }
}

bool is_zero(const RubySegment& s) noexcept {
    return s.numeric && compare_numeric(s.text, "") == 0;
}

}  // namespace

const char* parse_rubygems(std::string_view v, RubyVersion& out) {
    std::string_view s = trim_space(v);
    if (s.empty()) return "version string is empty";
    if (auto why = check_pattern(s)) return why;

    InlineVec<RubySegment, 12> all;
    scan_segments(s, [&](const RubySegment& seg) { all.push_back(seg); });

    // Canonical segments: the numeric release part and the part from the first letter run
    // on, each without trailing zeros.
    size_t string_start = 0;
    while (string_start < all.size() && all[string_start].numeric)
        ++string_start;
    out = RubyVersion{};
    size_t release_end = string_start;
    while (release_end > 0 && is_zero(all[release_end - 1]))
        --release_end;
    for (size_t i = 0; i < release_end; ++i)
        out.segments.push_back(all[i]);
    size_t pre_end = all.size();
    while (pre_end > string_start && is_zero(all[pre_end - 1]))
        --pre_end;
    for (size_t i = string_start; i < pre_end; ++i)
        out.segments.push_back(all[i]);
    return nullptr;
}

int compare_rubygems(const RubyVersion& a, const RubyVersion& b) noexcept {
    static const RubySegment zero{"0", true};
    size_t n = a.segments.size() > b.segments.size() ? a.segments.size() : b.segments.size();
    for (size_t i = 0; i < n; ++i) {
        const RubySegment& x = i < a.segments.size() ? a.segments[i] : zero;
        const RubySegment& y = i < b.segments.size() ? b.segments[i] : zero;
        if (x.numeric != y.numeric) return x.numeric ? 1 : -1;
        int c = x.numeric ? compare_numeric(x.text, y.text) : compare_bytes(x.text, y.text);
        if (c) return c;
    }
    return 0;
}

}  // namespace rtguard::detail::versions

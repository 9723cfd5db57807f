// SemVer 2.0.0 and its relatives: Go module versions and NuGet versions.
#include "versions/version_detail.hpp"

namespace rtguard::detail::versions {
namespace {

bool identifier_char(char c) noexcept {
    return is_alnum(c) || c == '-';
}

// Reads a run of digits into `out`.
const char* take_number(std::string_view& s, bool allow_leading_zero, std::string_view& out) {
    size_t n = 0;
    while (n < s.size() && is_digit(s[n]))
        ++n;
    if (n == 0) return "expected a number";
    if (!allow_leading_zero && n > 1 && s[0] == '0') return "a numeric part has a leading zero";
    out = s.substr(0, n);
    s.remove_prefix(n);
    return nullptr;
}

// Checks dot-separated identifiers of [0-9A-Za-z-]; numeric ones without leading zeros
// unless allowed.
const char* check_identifiers(std::string_view s, bool numeric_leading_zero_ok,
                              const char* what_empty) noexcept {
    size_t start = 0;
    while (true) {
        size_t dot = s.find('.', start);
        std::string_view id = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
        if (id.empty()) return what_empty;
        for (char c : id)
            if (!identifier_char(c)) return "an identifier has a character outside [0-9A-Za-z-]";
        if (!numeric_leading_zero_ok && id.size() > 1 && id[0] == '0' && all_digits(id))
            return "a numeric prerelease identifier has a leading zero";
        if (dot == std::string_view::npos) return nullptr;
        start = dot + 1;
    }
}

// The tail after the numbers: [-prerelease][+build], nothing else.
const char* parse_tail(std::string_view s, SemverVersion& out, bool numeric_leading_zero_ok) {
    out.has_prerelease = false;
    out.prerelease = {};
    if (!s.empty() && s[0] == '-') {
        size_t plus = s.find('+');
        out.has_prerelease = true;
        out.prerelease = s.substr(1, plus == s.npos ? s.npos : plus - 1);
        if (auto why = check_identifiers(out.prerelease, numeric_leading_zero_ok,
                                         "empty prerelease identifier"))
            return why;
        s = plus == s.npos ? std::string_view{} : s.substr(plus);
    }
    if (!s.empty() && s[0] == '+') {
        return check_identifiers(s.substr(1), true, "empty build metadata identifier");
    }
    if (!s.empty()) return "unexpected character after the version numbers";
    return nullptr;
}

// Compares dot-separated prerelease identifiers: numeric ones numerically and before
// alphanumeric ones, which compare as text; a shorter list of equal identifiers is lower.
template <class TextCompare>
int compare_prerelease(std::string_view a, std::string_view b, TextCompare text_compare) {
    while (true) {
        size_t da = a.find('.'), db = b.find('.');
        std::string_view ia = a.substr(0, da), ib = b.substr(0, db);
        bool na = all_digits(ia), nb = all_digits(ib);
        int c;
        if (na && nb)
            c = compare_numeric(ia, ib);
        else if (na != nb)
            c = na ? -1 : 1;
        else
            c = text_compare(ia, ib);
        if (c) return c;
        if (da == a.npos || db == b.npos) {
            if (da == a.npos && db == b.npos) return 0;
            return da == a.npos ? -1 : 1;
        }
        a.remove_prefix(da + 1);
        b.remove_prefix(db + 1);
    }
}

template <class TextCompare>
int compare_semver_like(const SemverVersion& a, const SemverVersion& b, TextCompare text_compare) {
    for (size_t i = 0; i < 4; ++i)
        if (int c = compare_numeric(a.numbers[i], b.numbers[i])) return c;
    if (a.has_prerelease != b.has_prerelease) return a.has_prerelease ? -1 : 1;
    if (!a.has_prerelease) return 0;
    return compare_prerelease(a.prerelease, b.prerelease, text_compare);
}

}  // namespace

const char* parse_semver(std::string_view v, SemverVersion& out) noexcept {
    if (v.empty()) return "version string is empty";
    if (v[0] == 'v' || v[0] == 'V') return "a leading 'v' is not part of a SemVer version";
    out.numbers = {};
    for (size_t i = 0; i < 3; ++i) {
        if (i > 0) {
            if (v.empty() || v[0] != '.') return "expected MAJOR.MINOR.PATCH";
            v.remove_prefix(1);
        }
        if (auto why = take_number(v, false, out.numbers[i])) return why;
    }
    if (!v.empty() && v[0] == '.') return "more than three version numbers";
    return parse_tail(v, out, false);
}

const char* parse_go(std::string_view v, SemverVersion& out) noexcept {
    // OSV writes Go versions without the 'v' that go.mod and purls carry; both are
    // accepted.
    if (!v.empty() && v[0] == 'v') v.remove_prefix(1);
    if (v.empty()) return "version string is empty";
    out.numbers = {};
    for (size_t i = 0; i < 3; ++i) {
        if (i > 0) {
            // vMAJOR and vMAJOR.MINOR are shorthands for .0 when nothing follows.
            if (v.empty()) return nullptr;
            if (v[0] != '.') return "expected vMAJOR.MINOR.PATCH";
            v.remove_prefix(1);
        }
        if (auto why = take_number(v, false, out.numbers[i])) return why;
    }
    if (!v.empty() && v[0] == '.') return "more than three version numbers";
    return parse_tail(v, out, false);
}

const char* parse_nuget(std::string_view v, SemverVersion& out) noexcept {
    if (v.empty()) return "version string is empty";
    out.numbers = {};
    size_t parts = 0;
    while (true) {
        if (parts == 4) return "more than four version numbers";
        if (auto why = take_number(v, true, out.numbers[parts])) return why;
        if (compare_numeric(out.numbers[parts], "2147483647") > 0)
            return "a version number exceeds 2147483647";
        ++parts;
        if (v.empty() || v[0] != '.') break;
        v.remove_prefix(1);
    }
    return parse_tail(v, out, true);
}

int compare_semver(const SemverVersion& a, const SemverVersion& b) noexcept {
    return compare_semver_like(a, b, compare_bytes);
}

int compare_nuget(const SemverVersion& a, const SemverVersion& b) noexcept {
    return compare_semver_like(a, b, compare_ignore_case);
}

}  // namespace rtguard::detail::versions

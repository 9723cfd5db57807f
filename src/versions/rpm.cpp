// rpm's version ordering: rpmvercmp on epoch, version and release.
#include "versions/version_detail.hpp"

namespace rtguard::detail::versions {
namespace {

bool rpm_separator(char c) noexcept {
    return !is_alnum(c) && c != '~' && c != '^';
}

}  // namespace

int rpmvercmp(std::string_view a, std::string_view b) noexcept {
    if (a == b) return 0;
    size_t i = 0, j = 0;
    auto at = [](std::string_view s, size_t k) { return k < s.size() ? s[k] : '\0'; };

    while (i < a.size() || j < b.size()) {
        while (i < a.size() && rpm_separator(a[i]))
            ++i;
        while (j < b.size() && rpm_separator(b[j]))
            ++j;

        // '~' sorts before everything, even the end of the string.
        if (at(a, i) == '~' || at(b, j) == '~') {
            if (at(a, i) != '~') return 1;
            if (at(b, j) != '~') return -1;
            ++i, ++j;
            continue;
        }

        // '^' sorts after the end of the string but before anything else.
        if (at(a, i) == '^' || at(b, j) == '^') {
            if (i >= a.size()) return -1;
            if (j >= b.size()) return 1;
            if (at(a, i) != '^') return 1;
            if (at(b, j) != '^') return -1;
            ++i, ++j;
            continue;
        }

        if (i >= a.size() || j >= b.size()) break;

        // One segment from each: all digits or all letters, of the kind `a` starts with.
        bool numeric = is_digit(a[i]);
        size_t ai = i, bj = j;
        if (numeric) {
            while (i < a.size() && is_digit(a[i]))
                ++i;
            while (j < b.size() && is_digit(b[j]))
                ++j;
        } else {
            while (i < a.size() && is_alpha(a[i]))
                ++i;
            while (j < b.size() && is_alpha(b[j]))
                ++j;
        }

        // Segments of different kinds: the numeric one is newer.
        if (j == bj) return numeric ? 1 : -1;

        std::string_view sa = a.substr(ai, i - ai), sb = b.substr(bj, j - bj);
        int c = numeric ? compare_numeric(sa, sb) : compare_bytes(sa, sb);
        if (c) return c;
    }

    if (i >= a.size() && j >= b.size()) return 0;
    return i < a.size() ? 1 : -1;
}

const char* parse_rpm(std::string_view v, RpmVersion& out) noexcept {
    if (v.empty()) return "version string is empty";
    for (char c : v)
        if (is_space(c) || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return "version string has whitespace or control characters";

    // As rpm's own parser: an epoch only when the text starts with digits and a colon;
    // otherwise a colon belongs to the version. The release follows the last hyphen.
    size_t digits = 0;
    while (digits < v.size() && is_digit(v[digits]))
        ++digits;
    out.epoch = {};
    if (digits < v.size() && v[digits] == ':') {
        out.epoch = v.substr(0, digits);
        v.remove_prefix(digits + 1);
    }
    out.has_release = false;
    out.release = {};
    if (size_t dash = v.rfind('-'); dash != std::string_view::npos) {
        out.has_release = true;
        out.release = v.substr(dash + 1);
        v = v.substr(0, dash);
    }
    // rpm itself takes an empty version when an epoch or a release is given.
    out.version = v;
    return nullptr;
}

int compare_rpm(const RpmVersion& a, const RpmVersion& b) noexcept {
    if (int c = compare_numeric(a.epoch, b.epoch)) return c;
    if (int c = rpmvercmp(a.version, b.version)) return c;

    // A version without a release sorts before the same version with any release, as
    // rpm's labelCompare does; this keeps the order total.
    if (a.has_release != b.has_release) return a.has_release ? 1 : -1;
    return rpmvercmp(a.release, b.release);
}

}  // namespace rtguard::detail::versions

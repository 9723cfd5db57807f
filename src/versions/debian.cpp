// dpkg's version ordering (deb-version(7)): [epoch:]upstream[-revision].
#include "versions/version_detail.hpp"

namespace rtguard::detail::versions {
namespace {

// dpkg's weight of one character in the non-digit parts: '~' before the end of the part,
// the end before letters, letters before everything else.
int dpkg_order(char c) noexcept {
    if (is_digit(c)) return 0;
    if (is_alpha(c)) return static_cast<unsigned char>(c);
    if (c == '~') return -1;
    if (c) return static_cast<unsigned char>(c) + 256;
    return 0;
}

}  // namespace

int dpkg_verrevcmp(std::string_view a, std::string_view b) noexcept {
    size_t i = 0, j = 0;
    auto at = [](std::string_view s, size_t k) { return k < s.size() ? s[k] : '\0'; };

    while (i < a.size() || j < b.size()) {
        // Non-digit prefix, character by character.
        while ((i < a.size() && !is_digit(a[i])) || (j < b.size() && !is_digit(b[j]))) {
            int ac = dpkg_order(at(a, i)), bc = dpkg_order(at(b, j));
            if (ac != bc) return ac < bc ? -1 : 1;
            // Only the side still inside its string moves on: the other stays at its end, so
            // the digit run below never starts past it.
            if (i < a.size()) ++i;
            if (j < b.size()) ++j;
        }

        // Digit run, numerically.
        size_t ai = i, bj = j;
        while (i < a.size() && is_digit(a[i]))
            ++i;
        while (j < b.size() && is_digit(b[j]))
            ++j;
        int c = compare_numeric(a.substr(ai, i - ai), b.substr(bj, j - bj));
        if (c) return c;
    }
    return 0;
}

const char* parse_debian(std::string_view v, DebianVersion& out) noexcept {
    v = trim_space(v);
    if (v.empty()) return "version string is empty";
    for (char c : v)
        if (is_space(c)) return "version string has embedded spaces";

    // The epoch ends at the first colon.
    out.epoch = {};
    if (size_t colon = v.find(':'); colon != std::string_view::npos) {
        out.epoch = v.substr(0, colon);
        if (out.epoch.empty()) return "epoch in version is empty";
        if (!all_digits(out.epoch)) return "epoch in version is not number";
        if (compare_numeric(out.epoch, "2147483647") > 0) return "epoch in version is too big";
        v.remove_prefix(colon + 1);
        if (v.empty()) return "nothing after colon in version number";
    }

    // The revision starts after the last hyphen.
    out.revision = {};
    if (size_t dash = v.rfind('-'); dash != std::string_view::npos) {
        out.revision = v.substr(dash + 1);
        if (out.revision.empty()) return "revision number is empty";
        v = v.substr(0, dash);
    }
    out.upstream = v;
    if (v.empty()) return "version number is empty";

    // dpkg only warns about these on the command line, but refuses them in package
    // metadata, so no real package carries them.
    if (!is_digit(v.front())) return "version number does not start with digit";
    // string_view::find, not strchr: strchr also finds the terminator, which let NUL through.
    constexpr std::string_view upstream_marks = ".-+~:", revision_marks = ".+~";
    for (char c : v)
        if (!is_alnum(c) && upstream_marks.find(c) == std::string_view::npos)
            return "invalid character in version number";
    for (char c : out.revision)
        if (!is_alnum(c) && revision_marks.find(c) == std::string_view::npos)
            return "invalid character in revision number";
    return nullptr;
}

int compare_debian(const DebianVersion& a, const DebianVersion& b) noexcept {
    if (int c = compare_numeric(a.epoch, b.epoch)) return c;
    if (int c = dpkg_verrevcmp(a.upstream, b.upstream)) return c;
    return dpkg_verrevcmp(a.revision, b.revision);
}

}  // namespace rtguard::detail::versions

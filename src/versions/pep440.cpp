// PEP 440 versions, ordered as Python's `packaging.version` orders them.
#include "versions/version_detail.hpp"

namespace rtguard::detail::versions {
namespace {

bool pep_separator(char c) noexcept {
    return c == '-' || c == '_' || c == '.';
}

// Case-insensitive match of `word` at `pos`; advances on success.
bool take_word(std::string_view s, size_t& pos, std::string_view word) noexcept {
    if (s.size() - pos < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
        if (to_lower(s[pos + i]) != word[i]) return false;
    pos += word.size();
    return true;
}

std::string_view take_digits(std::string_view s, size_t& pos) noexcept {
    size_t start = pos;
    while (pos < s.size() && is_digit(s[pos]))
        ++pos;
    return s.substr(start, pos - start);
}

void take_separator(std::string_view s, size_t& pos) noexcept {
    if (pos < s.size() && pep_separator(s[pos])) ++pos;
}

// Walks a dot-separated run of numbers, yielding zero after its end.
struct ReleaseCursor {
    std::string_view rest;
    bool done() const noexcept { return rest.empty(); }
    std::string_view next() noexcept {
        size_t dot = rest.find('.');
        std::string_view part = rest.substr(0, dot);
        rest = dot == rest.npos ? std::string_view{} : rest.substr(dot + 1);
        return part;
    }
};

int compare_local(std::string_view a, std::string_view b) noexcept {
    auto split = [](std::string_view& s) {
        size_t n = 0;
        while (n < s.size() && !pep_separator(s[n]))
            ++n;
        std::string_view part = s.substr(0, n);
        s = n < s.size() ? s.substr(n + 1) : std::string_view{};
        return part;
    };
    while (!a.empty() && !b.empty()) {
        std::string_view pa = split(a), pb = split(b);
        bool na = all_digits(pa), nb = all_digits(pb);
        int c;
        if (na && nb)
            c = compare_numeric(pa, pb);
        else if (na != nb)
            c = na ? 1 : -1;  // numeric segments sort after alphanumeric ones
        else
            c = compare_ignore_case(pa, pb);
        if (c) return c;
    }
    if (a.empty() && b.empty()) return 0;
    return a.empty() ? -1 : 1;
}

}  // namespace

const char* parse_pep440(std::string_view v, Pep440Version& out) noexcept {
    std::string_view s = trim_space(v);
    if (s.empty()) return "version string is empty";
    out = Pep440Version{};
    size_t pos = 0;
    if (to_lower(s[0]) == 'v') ++pos;

    // [N!]N(.N)*
    std::string_view first = take_digits(s, pos);
    if (first.empty()) return "expected a release number";
    if (pos < s.size() && s[pos] == '!') {
        out.epoch = first;
        ++pos;
        first = take_digits(s, pos);
        if (first.empty()) return "expected a release number after the epoch";
    }
    size_t release_start = pos - first.size();
    while (pos + 1 < s.size() && s[pos] == '.' && is_digit(s[pos + 1])) {
        ++pos;
        take_digits(s, pos);
    }
    out.release = s.substr(release_start, pos - release_start);

    // Pre-release: [-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?N?
    {
        size_t p = pos;
        take_separator(s, p);
        int kind = -1;
        if (take_word(s, p, "alpha"))
            kind = 0;
        else if (take_word(s, p, "a"))
            kind = 0;
        else if (take_word(s, p, "beta"))
            kind = 1;
        else if (take_word(s, p, "b"))
            kind = 1;
        else if (take_word(s, p, "preview"))
            kind = 2;
        else if (take_word(s, p, "pre"))
            kind = 2;
        else if (take_word(s, p, "c"))
            kind = 2;
        else if (take_word(s, p, "rc"))
            kind = 2;
        if (kind >= 0) {
            out.pre_kind = kind;
            take_separator(s, p);
            out.pre_number = take_digits(s, p);
            pos = p;
        }
    }

    // Post-release: -N or [-_.]?(post|rev|r)[-_.]?N?
    if (pos + 1 < s.size() && s[pos] == '-' && is_digit(s[pos + 1])) {
        ++pos;
        out.has_post = true;
        out.post_number = take_digits(s, pos);
    } else {
        size_t p = pos;
        take_separator(s, p);
        if (take_word(s, p, "post") || take_word(s, p, "rev") || take_word(s, p, "r")) {
            out.has_post = true;
            take_separator(s, p);
            out.post_number = take_digits(s, p);
            pos = p;
        }
    }

    // Development release: [-_.]?dev[-_.]?N?
    {
        size_t p = pos;
        take_separator(s, p);
        if (take_word(s, p, "dev")) {
            out.has_dev = true;
            take_separator(s, p);
            out.dev_number = take_digits(s, p);
            pos = p;
        }
    }

    // Local version: +[a-z0-9]+([-_.][a-z0-9]+)*
    if (pos < s.size() && s[pos] == '+') {
        out.local = s.substr(pos + 1);
        if (out.local.empty()) return "empty local version label";
        bool after_separator = true;
        for (char c : out.local) {
            if (pep_separator(c)) {
                if (after_separator) return "empty segment in the local version label";
                after_separator = true;
            } else if (is_alnum(c)) {
                after_separator = false;
            } else {
                return "a local version label has a character outside [a-zA-Z0-9._-]";
            }
        }
        if (after_separator) return "empty segment in the local version label";
        pos = s.size();
    }

    if (pos != s.size()) return "not a PEP 440 version";
    return nullptr;
}

int compare_pep440(const Pep440Version& a, const Pep440Version& b) noexcept {
    if (int c = compare_numeric(a.epoch, b.epoch)) return c;

    // Release numbers, the shorter padded with zeros.
    ReleaseCursor ra{a.release}, rb{b.release};
    while (!ra.done() || !rb.done()) {
        std::string_view pa = ra.done() ? std::string_view{} : ra.next();
        std::string_view pb = rb.done() ? std::string_view{} : rb.next();
        if (int c = compare_numeric(pa, pb)) return c;
    }

    // Pre-release: a bare dev release sorts before every pre-release of its release, and a
    // release without a pre-release after all of them.
    auto pre_rank = [](const Pep440Version& v) {
        if (v.pre_kind < 0) return (!v.has_post && v.has_dev) ? -1 : 3;
        return v.pre_kind;
    };
    int pa = pre_rank(a), pb = pre_rank(b);
    if (pa != pb) return pa < pb ? -1 : 1;
    if (a.pre_kind >= 0)
        if (int c = compare_numeric(a.pre_number, b.pre_number)) return c;

    // Post-release: none sorts first.
    if (a.has_post != b.has_post) return a.has_post ? 1 : -1;
    if (int c = compare_numeric(a.post_number, b.post_number)) return c;

    // Development release: none sorts last.
    if (a.has_dev != b.has_dev) return a.has_dev ? -1 : 1;
    if (int c = compare_numeric(a.dev_number, b.dev_number)) return c;

    // Local version: none sorts first.
    bool la = !a.local.empty(), lb = !b.local.empty();
    if (la != lb) return la ? 1 : -1;
    return compare_local(a.local, b.local);
}

}  // namespace rtguard::detail::versions

// Composer's version normalization (composer/semver VersionParser::normalize) and the
// ordering Composer applies to normalized versions, which is PHP's version_compare.
#include <regex>

#include "versions/version_detail.hpp"

namespace rtguard::detail::versions {
namespace {

constexpr size_t max_length = 256;

class Writer {
public:
    explicit Writer(PackagistVersion& out) : out_(out) { out_.size = 0; }
    void reset() { out_.size = 0; }
    void put(std::string_view s) {
        for (char c : s)
            out_.buffer[out_.size++] = c;
    }
    void put_lower(std::string_view s) {
        for (char c : s)
            out_.buffer[out_.size++] = to_lower(c);
    }

private:
    PackagistVersion& out_;
};

bool take_word_icase(std::string_view s, size_t& pos, std::string_view word) noexcept {
    if (s.size() - pos < word.size()) return false;
    if (!equals_ignore_case(s.substr(pos, word.size()), word)) return false;
    pos += word.size();
    return true;
}

// The stability modifier after the numbers:
// [._-]?((stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*))?([.-]?dev)?$
struct Modifier {
    std::string_view stability, numbers;
    bool dev = false;
};

bool parse_modifier(std::string_view s, size_t pos, Modifier& m) noexcept {
    if (pos < s.size() && (s[pos] == '.' || s[pos] == '_' || s[pos] == '-')) ++pos;
    static constexpr std::string_view words[] = {"stable", "beta",  "b",  "rc", "alpha",
                                                 "a",      "patch", "pl", "p"};
    for (std::string_view w : words) {
        size_t p = pos;
        if (!take_word_icase(s, p, w)) continue;
        m.stability = s.substr(pos, w.size());
        size_t start = p;
        while (true) {
            size_t q = p;
            if (q < s.size() && (s[q] == '.' || s[q] == '-')) ++q;
            if (q >= s.size() || !is_digit(s[q])) break;
            while (q < s.size() && is_digit(s[q]))
                ++q;
            p = q;
        }
        m.numbers = s.substr(start, p - start);
        pos = p;
        break;
    }
    size_t p = pos;
    if (p < s.size() && (s[p] == '.' || s[p] == '-')) ++p;
    if (take_word_icase(s, p, "dev")) {
        m.dev = true;
        pos = p;
    }
    return pos == s.size();
}

void write_modifier(Writer& w, const Modifier& m) {
    if (!m.stability.empty()) {
        w.put("-");
        std::string_view st = m.stability;
        if (equals_ignore_case(st, "a"))
            w.put("alpha");
        else if (equals_ignore_case(st, "b"))
            w.put("beta");
        else if (equals_ignore_case(st, "p") || equals_ignore_case(st, "pl"))
            w.put("patch");
        else if (equals_ignore_case(st, "rc"))
            w.put("RC");
        else
            w.put_lower(st);
        std::string_view n = m.numbers;
        while (!n.empty() && (n.front() == '.' || n.front() == '-'))
            n.remove_prefix(1);
        w.put(n);
    }
    if (m.dev) w.put("-dev");
}

// v?N{1,5}(.N)?(.N)?(.N)? + modifier
bool normalize_classical(std::string_view s, Writer& w) {
    size_t pos = 0;
    if (pos < s.size() && (s[pos] == 'v' || s[pos] == 'V')) ++pos;
    size_t start = pos;
    while (pos < s.size() && is_digit(s[pos]))
        ++pos;
    if (pos == start || pos - start > 5) return false;
    std::string_view major = s.substr(start, pos - start);

    std::string_view parts[3];
    for (auto& part : parts) {
        if (pos + 1 < s.size() && s[pos] == '.' && is_digit(s[pos + 1])) {
            size_t b = pos++;
            while (pos < s.size() && is_digit(s[pos]))
                ++pos;
            part = s.substr(b, pos - b);
        }
    }
    Modifier m;
    if (!parse_modifier(s, pos, m)) return false;

    w.put(major);
    for (auto& part : parts)
        w.put(part.empty() ? std::string_view(".0") : part);
    // Composer drops everything after an explicit "stable", a trailing "dev" included.
    if (m.stability == "stable") return true;
    write_modifier(w, m);
    return true;
}

// Date-based versions: v?(YYYY([.:-]?NN){1,6}([.:-]?N{1,3}){0,2}) + modifier
bool normalize_datetime(std::string_view s, Writer& w) {
    static const std::regex pattern(R"(^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2})(.*)$)",
                                    std::regex::ECMAScript | std::regex::icase);
    std::match_results<std::string_view::const_iterator> match;
    if (!std::regex_match(s.begin(), s.end(), match, pattern)) return false;
    std::string_view date(&*match[1].first, static_cast<size_t>(match[1].length()));
    Modifier m;
    size_t mod_start = static_cast<size_t>(match[2].first - s.begin());
    if (!parse_modifier(s, mod_start, m)) return false;

    for (char c : date)
        w.put(is_digit(c) ? std::string_view(&c, 1) : std::string_view("."));
    if (m.stability == "stable") return true;
    write_modifier(w, m);
    return true;
}

// "1.x-dev", "2.3.*-dev": numeric branches, which Composer writes with 9999999 for x.
bool normalize_numeric_branch(std::string_view s, Writer& w) {
    if (s.size() < 3 || !equals_ignore_case(s.substr(s.size() - 3), "dev")) return false;
    std::string_view name = s.substr(0, s.size() - 3);
    if (!name.empty() && (name.back() == '.' || name.back() == '-')) name.remove_suffix(1);
    name = trim_space(name);

    size_t pos = 0;
    if (pos < name.size() && (name[pos] == 'v' || name[pos] == 'V')) ++pos;
    size_t start = pos;
    while (pos < name.size() && is_digit(name[pos]))
        ++pos;
    if (pos == start) return false;
    std::string_view major = name.substr(start, pos - start);
    std::string_view parts[3];
    for (auto& part : parts) {
        if (pos >= name.size()) break;
        if (name[pos] != '.' || pos + 1 >= name.size()) return false;
        size_t b = pos++;
        if (name[pos] == 'x' || name[pos] == 'X' || name[pos] == '*') {
            ++pos;
        } else {
            size_t d = pos;
            while (pos < name.size() && is_digit(name[pos]))
                ++pos;
            if (pos == d) return false;
        }
        part = name.substr(b, pos - b);
    }
    if (pos != name.size()) return false;

    auto put_part = [&](std::string_view p) {
        for (char c : p) {
            if (c == 'x' || c == 'X' || c == '*')
                w.put("9999999");
            else
                w.put(std::string_view(&c, 1));
        }
    };
    put_part(major);
    for (auto& part : parts)
        put_part(part.empty() ? std::string_view(".x") : part);
    w.put("-dev");
    return true;
}

// PHP's ordering of special forms; anything else sorts before "dev". Matching is by
// prefix, as PHP does it.
int special_form(std::string_view s) noexcept {
    static constexpr std::pair<std::string_view, int> forms[] = {
        {"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2},
        {"RC", 3},  {"rc", 3},    {"#", 4}, {"pl", 5},   {"p", 5},
    };
    for (const auto& [name, order] : forms)
        if (s.substr(0, name.size()) == name) return order;
    return -1;
}

int compare_special(std::string_view a, std::string_view b) noexcept {
    return sign(special_form(a) - special_form(b));
}

// PHP's canonical form: '-', '_', '+' and other non-alphanumerics become '.', and a '.'
// separates digits from letters. The first character is kept as it is.
size_t canonicalize(std::string_view v, char* out) noexcept {
    if (v.empty()) return 0;
    size_t q = 0;
    out[q++] = v[0];
    char lp = v[0];
    auto isdig = [](char c) { return is_digit(c); };
    auto isndig = [](char c) { return !is_digit(c) && c != '.'; };
    for (size_t i = 1; i < v.size(); ++i) {
        char c = v[i];
        if (c == '-' || c == '_' || c == '+') {
            if (out[q - 1] != '.') out[q++] = '.';
        } else if ((isndig(lp) && isdig(c)) || (isdig(lp) && isndig(c))) {
            if (out[q - 1] != '.') out[q++] = '.';
            out[q++] = c;
        } else if (!is_alnum(c)) {
            if (out[q - 1] != '.') out[q++] = '.';
        } else {
            out[q++] = c;
        }
        lp = c;
    }
    return q;
}

int compare_canonical(std::string_view a, std::string_view b) noexcept;

int version_compare_impl(std::string_view a, std::string_view b) noexcept {
    if (a.empty() || b.empty()) {
        if (a.empty() && b.empty()) return 0;
        return a.empty() ? -1 : 1;
    }
    char ba[2 * max_length + 8], bb[2 * max_length + 8];
    std::string_view ca = a, cb = b;
    if (a[0] != '#' && a.size() <= max_length + 4) ca = {ba, canonicalize(a, ba)};
    if (b[0] != '#' && b.size() <= max_length + 4) cb = {bb, canonicalize(b, bb)};
    return compare_canonical(ca, cb);
}

int compare_canonical(std::string_view a, std::string_view b) noexcept {
    size_t p1 = 0, p2 = 0;
    bool more1 = true, more2 = true;  // a '.' followed the part just compared
    int c = 0;
    auto at = [](std::string_view s, size_t k) { return k < s.size() ? s[k] : '\0'; };
    while (p1 < a.size() && p2 < b.size() && more1 && more2) {
        size_t n1 = a.find('.', p1), n2 = b.find('.', p2);
        more1 = n1 != a.npos;
        more2 = n2 != b.npos;
        std::string_view x = a.substr(p1, more1 ? n1 - p1 : a.npos);
        std::string_view y = b.substr(p2, more2 ? n2 - p2 : b.npos);
        bool dx = is_digit(at(x, 0)), dy = is_digit(at(y, 0));
        if (dx && dy) {
            size_t lx = 0, ly = 0;
            while (lx < x.size() && is_digit(x[lx]))
                ++lx;
            while (ly < y.size() && is_digit(y[ly]))
                ++ly;
            c = compare_numeric(x.substr(0, lx), y.substr(0, ly));
        } else if (!dx && !dy) {
            c = compare_special(x, y);
        } else {
            c = dx ? compare_special("#N#", y) : compare_special(x, "#N#");
        }
        if (c) return c;
        if (more1) p1 = n1 + 1;
        if (more2) p2 = n2 + 1;
    }

    // One version has parts left: a number makes it newer, anything else is compared
    // with a number.
    if (more1) {
        std::string_view rest = a.substr(p1);
        return is_digit(at(rest, 0)) ? 1 : version_compare_impl(rest, "#N#");
    }
    if (more2) {
        std::string_view rest = b.substr(p2);
        return is_digit(at(rest, 0)) ? -1 : version_compare_impl("#N#", rest);
    }
    return 0;
}

}  // namespace

int php_version_compare(std::string_view a, std::string_view b) noexcept {
    return version_compare_impl(a, b);
}

const char* parse_packagist(std::string_view v, PackagistVersion& out) {
    std::string_view s = trim_space(v);
    if (s.empty()) return "version string is empty";
    if (s.size() > max_length) return "version string is longer than 256 characters";
    for (char c : s)
        if (is_space(c) || static_cast<unsigned char>(c) < 0x20)
            return "version string has whitespace or control characters";
    Writer w(out);

    // Branches: "dev-NAME", and the names Composer treats as branches.
    if (s == "master" || s == "trunk" || s == "default") {
        w.put("dev-");
        w.put(s);
        return nullptr;
    }
    if (s.size() >= 4 && equals_ignore_case(s.substr(0, 4), "dev-")) {
        if (s.size() == 4) return "empty branch name after 'dev-'";
        w.put("dev-");
        w.put(s.substr(4));
        return nullptr;
    }

    // Build metadata is dropped.
    if (size_t plus = s.find('+'); plus != s.npos) {
        std::string_view left = s.substr(0, plus), right = s.substr(plus + 1);
        if (left.empty() || right.empty() || left.find(',') != left.npos)
            return "malformed build metadata";
        s = left;
    }

    if (normalize_classical(s, w)) return nullptr;
    w.reset();
    if (normalize_datetime(s, w)) return nullptr;
    w.reset();
    if (normalize_numeric_branch(s, w)) return nullptr;
    return "not a Composer version (expected e.g. 1.2.3, v1.2.3-beta2, 1.x-dev or dev-main)";
}

int compare_packagist(const PackagistVersion& a, const PackagistVersion& b) noexcept {
    std::string_view x = a.normalized(), y = b.normalized();
    if (x == y) return 0;
    // Composer never orders two branches (only equality holds between them); name order
    // keeps this order total. PHP's version_compare would not do: it is not antisymmetric
    // where both canonical forms still have parts after a '.' that ends one of them
    // ("dev-ma~$" canonicalizes to "dev.ma."), since it then looks at the first only.
    if (x.substr(0, 4) == "dev-" && y.substr(0, 4) == "dev-") return compare_bytes(x, y);
    return php_version_compare(x, y);
}

}  // namespace rtguard::detail::versions

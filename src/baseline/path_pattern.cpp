#include "baseline/path_pattern.hpp"

#include <algorithm>

#include "rtguard/baseline.hpp"

namespace rtguard::detail {
namespace {

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool is_hex(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_alnum(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool all_digits(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// 8-4-4-4-12 hex digits.
bool uuid_like(std::string_view s) noexcept {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    return true;
}

// Content hashes, container ids, cache keys. Sixteen digits keep words like "deadbeef" out.
bool long_hex(std::string_view s) noexcept {
    return s.size() >= 16 && std::all_of(s.begin(), s.end(), is_hex) &&
           std::any_of(s.begin(), s.end(), is_digit);
}

// Directories where mkstemp() and its kin put their files: every program may write there.
bool temp_directory(const std::vector<std::string_view>& parts, std::size_t below) noexcept {
    if (below == 2) return parts[1] == "tmp";
    if (below == 3)
        return (parts[1] == "var" && parts[2] == "tmp") || (parts[1] == "dev" && parts[2] == "shm");
    return false;
}

// Six characters of the 62 letters and digits mkstemp() draws from. A word rarely has an
// upper-case letter beside lower-case ones or digits at its end; a random tail lacks one
// about once in a hundred.
bool mkstemp_tail(std::string_view tail) noexcept {
    auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
    auto other = [](char c) { return is_digit(c) || (c >= 'a' && c <= 'z'); };
    return tail.size() == 6 && std::all_of(tail.begin(), tail.end(), is_alnum) &&
           std::any_of(tail.begin(), tail.end(), upper) &&
           std::any_of(tail.begin(), tail.end(), other);
}

// The glob of a name made by mkstemp() from a template ending in XXXXXX, before an
// extension or not ("ccgHTDqs.s" from gcc's "ccXXXXXX.s" gives "cc*.s", "sh-thd.Ab3kQz"
// gives "sh-thd.*"), or empty. A program that makes only a few such files per run would
// never reach the crowded-place threshold, and every run would bring names the baseline
// has not seen.
std::string mkstemp_glob(std::string_view name) {
    if (name.size() >= 6 && mkstemp_tail(name.substr(name.size() - 6)))
        return escape_pattern(name.substr(0, name.size() - 6)) + "*";
    std::size_t dot = name.rfind('.');
    if (dot == std::string_view::npos || dot < 6) return {};
    if (!mkstemp_tail(name.substr(dot - 6, 6))) return {};
    return escape_pattern(name.substr(0, dot - 6)) + "*" + escape_pattern(name.substr(dot));
}

// Glob matching with '*' and backslash escapes; `slash_stops` keeps '*' inside a component.
bool glob_match(std::string_view p, std::string_view t, bool slash_stops) noexcept {
    std::size_t pi = 0, ti = 0;
    std::size_t star_p = std::string_view::npos, star_t = 0;
    while (ti < t.size()) {
        if (pi < p.size() && p[pi] == '*') {
            star_p = ++pi;
            star_t = ti;
            continue;
        }
        if (pi < p.size()) {
            char pc = p[pi];
            std::size_t width = 1;
            if (pc == '\\' && pi + 1 < p.size()) {
                pc = p[pi + 1];
                width = 2;
            }
            if (pc == t[ti]) {
                pi += width;
                ++ti;
                continue;
            }
        }
        // Backtrack: let the last '*' swallow one more byte.
        if (star_p == std::string_view::npos) return false;
        if (slash_stops && t[star_t] == '/') return false;
        pi = star_p;
        ti = ++star_t;
    }
    while (pi < p.size() && p[pi] == '*')
        ++pi;
    return pi == p.size();
}

std::string unescape(std::string_view component) {
    std::string out;
    out.reserve(component.size());
    for (std::size_t i = 0; i < component.size(); ++i) {
        if (component[i] == '\\' && i + 1 < component.size()) ++i;
        out += component[i];
    }
    return out;
}

}  // namespace

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) {
            parts.push_back(path.substr(start));
            return parts;
        }
        parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
}

std::string escape_pattern(std::string_view literal) {
    std::string out;
    out.reserve(literal.size());
    for (char c : literal) {
        if (c == '*' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

bool component_has_wildcard(std::string_view component) noexcept {
    for (std::size_t i = 0; i < component.size(); ++i) {
        if (component[i] == '\\') {
            ++i;
        } else if (component[i] == '*') {
            return true;
        }
    }
    return false;
}

bool component_matches(std::string_view pattern, std::string_view text) noexcept {
    return glob_match(pattern, text, true);
}

bool pattern_matches(std::string_view pattern, std::string_view path) noexcept {
    return glob_match(pattern, path, true);
}

bool glob_matches(std::string_view glob, std::string_view text) noexcept {
    return glob_match(glob, text, false);
}

std::string volatile_pattern(std::string_view path) {
    if (path.empty() || path.front() != '/') return {};
    auto parts = split_path(path);

    bool changed = false;
    std::string out;
    out.reserve(path.size());
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string_view c = parts[i];
        bool proc_pid = i == 2 && parts[1] == "proc" && (c == "self" || c == "thread-self");
        bool volatile_part = proc_pid || all_digits(c) || uuid_like(c) || long_hex(c);
        std::string temp_glob = temp_directory(parts, i) ? mkstemp_glob(c) : std::string();
        if (i > 0) out += '/';
        if (volatile_part && i > 0) {
            out += '*';
            changed = true;
        } else if (!temp_glob.empty()) {
            out += temp_glob;
            changed = true;
        } else {
            out += escape_pattern(c);
        }
    }
    return changed ? out : std::string();
}

// Where `part` stops being made of separator-delimited numbers at its edge next to the
// varying part: for a tail (at_front), the offset after the leading numeric tokens; for a
// head, the length without its trailing numeric tokens. "-16339.tmp" gives 6 as a tail;
// "job-42-" gives 4 as a head.
namespace {
std::size_t numeric_edge_tokens(std::string_view part, bool at_front) {
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    if (at_front) {
        std::size_t cut = 0, i = 0;
        while (i < part.size()) {
            while (i < part.size() && !is_alnum(part[i]))
                ++i;
            std::size_t start = i;
            while (i < part.size() && is_alnum(part[i]))
                ++i;
            if (i == start) break;
            bool numeric = true;
            for (std::size_t k = start; k < i; ++k)
                numeric = numeric && is_digit(part[k]);
            if (!numeric) break;
            cut = i;
        }
        return cut;
    }
    std::size_t keep = part.size(), j = part.size();
    while (j > 0) {
        while (j > 0 && !is_alnum(part[j - 1]))
            --j;
        std::size_t end = j;
        while (j > 0 && is_alnum(part[j - 1]))
            --j;
        if (j == end) break;
        bool numeric = true;
        for (std::size_t k = j; k < end; ++k)
            numeric = numeric && is_digit(part[k]);
        if (!numeric) break;
        keep = j;
    }
    return keep;
}
}  // namespace

std::string component_glob(const std::vector<std::string_view>& names) {
    std::string_view first = names.front();
    std::size_t prefix = first.size(), suffix = first.size(), shortest = first.size();
    for (std::string_view n : names) {
        std::size_t p = 0;
        while (p < prefix && p < n.size() && n[p] == first[p])
            ++p;
        prefix = p;
        std::size_t s = 0;
        while (s < suffix && s < n.size() && n[n.size() - 1 - s] == first[first.size() - 1 - s]) {
            ++s;
        }
        suffix = s;
        shortest = std::min(shortest, n.size());
    }

    // Cut back to separators: "req-1" and "req-17" share "req-1", but only "req-" is
    // structure; the shared '1' is chance.
    while (prefix > 0 && is_alnum(first[prefix - 1]))
        --prefix;
    while (suffix > 0 && is_alnum(first[first.size() - suffix]))
        --suffix;
    if (prefix + suffix > shortest) suffix = shortest > prefix ? shortest - prefix : 0;

    // A number that every name shares next to the varying part is still volatile: names
    // made by one process share its pid ("req-7-16339.tmp"), and the next run will not.
    std::string_view head = first.substr(0, prefix);
    std::string_view tail = first.substr(first.size() - suffix);
    head = head.substr(0, numeric_edge_tokens(head, false));
    tail = tail.substr(numeric_edge_tokens(tail, true));

    return escape_pattern(head) + "*" + escape_pattern(tail);
}

struct PatternIndex::Node {
    StringMap<std::unique_ptr<Node>> literal;
    std::vector<std::pair<std::string, std::unique_ptr<Node>>> wildcard;
    std::vector<std::uint32_t> ids;  // patterns ending here
};

PatternIndex::PatternIndex() : root_(std::make_unique<Node>()) {}
PatternIndex::~PatternIndex() = default;
PatternIndex::PatternIndex(PatternIndex&&) noexcept = default;
PatternIndex& PatternIndex::operator=(PatternIndex&&) noexcept = default;

void PatternIndex::insert(std::string_view pattern, std::uint32_t id) {
    Node* node = root_.get();
    for (std::string_view part : split_path(pattern)) {
        if (component_has_wildcard(part)) {
            auto it = std::find_if(node->wildcard.begin(), node->wildcard.end(),
                                   [&](const auto& w) { return w.first == part; });
            if (it == node->wildcard.end()) {
                node->wildcard.emplace_back(std::string(part), std::make_unique<Node>());
                it = node->wildcard.end() - 1;
            }
            node = it->second.get();
            continue;
        }
        auto& child = node->literal[unescape(part)];
        if (!child) child = std::make_unique<Node>();
        node = child.get();
    }
    node->ids.push_back(id);
}

void PatternIndex::clear() {
    root_ = std::make_unique<Node>();
}

bool PatternIndex::empty() const noexcept {
    return root_->literal.empty() && root_->wildcard.empty() && root_->ids.empty();
}

void PatternIndex::for_each_match(std::string_view path,
                                  const std::function<void(std::uint32_t)>& f) const {
    // Depth-first over the trie; `pos` is where the next component of `path` starts.
    struct Walker {
        std::string_view path;
        const std::function<void(std::uint32_t)>& f;

        void run(const Node* node, std::size_t pos) const {
            std::size_t slash = path.find('/', pos);
            bool last = slash == std::string_view::npos;
            std::string_view part = last ? path.substr(pos) : path.substr(pos, slash - pos);
            std::size_t next = last ? path.size() : slash + 1;

            auto visit = [&](const Node* child) {
                if (last) {
                    for (auto id : child->ids)
                        f(id);
                } else {
                    run(child, next);
                }
            };
            if (auto it = node->literal.find(part); it != node->literal.end()) {
                visit(it->second.get());
            }
            for (const auto& [glob, child] : node->wildcard) {
                if (component_matches(glob, part)) visit(child.get());
            }
        }
    };
    Walker{path, f}.run(root_.get(), 0);
}

}  // namespace rtguard::detail

namespace rtguard {

bool path_pattern_matches(std::string_view pattern, std::string_view path) noexcept {
    return detail::pattern_matches(pattern, path);
}

}  // namespace rtguard

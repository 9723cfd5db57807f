// apk-tools' version ordering: digits{.digits}...{letter}{_suffix{digits}}...{~hash}{-rN}.
//
// The tokens and their order are apk-tools 3's, which also fixed apk-tools 2 ranking
// "1.0_rc1" after "1.0" (a component starting with '0' followed by a suffix). One extension
// is kept from apk-tools 2: digits may follow the letter ("1.9.5p2"), as real Alpine
// packages of sudo and openssh carried such versions; they order as a further number.
#include "versions/version_detail.hpp"

namespace rtguard::detail::versions {
namespace {

// Token kinds in apk's order: when two versions agree up to a point, the one whose next
// token is of a later kind is older (a suffix below the release aside).
enum Token : int {
    tok_initial_digit,
    tok_digit,
    tok_letter,
    tok_suffix,
    tok_suffix_no,
    tok_commit_hash,
    tok_revision_no,
    tok_end,
    tok_invalid,
};

// Suffix ranks: pre-release suffixes below `suffix_none` (no suffix), the others above.
constexpr std::string_view suffix_names[] = {"alpha", "beta", "pre", "rc", "",
                                             "cvs",   "svn",  "git", "hg", "p"};
constexpr int suffix_none = 4;

struct TokenState {
    int token = tok_initial_digit;
    int suffix = 0;
    std::string_view value;
};

std::string_view take_while(std::string_view& s, bool (*pred)(char)) {
    size_t n = 0;
    while (n < s.size() && pred(s[n]))
        ++n;
    std::string_view out = s.substr(0, n);
    s.remove_prefix(n);
    return out;
}

bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void take_digits(TokenState& t, std::string_view& s) {
    t.value = take_while(s, is_digit);
    if (t.value.empty()) t.token = tok_invalid;
}

void first_token(TokenState& t, std::string_view& s) {
    t.token = tok_initial_digit;
    take_digits(t, s);
}

// Reads the next token, checking that it may follow the previous one.
void next_token(TokenState& t, std::string_view& s) {
    if (s.empty()) {
        t.token = tok_end;
        return;
    }
    char c = s[0];
    if (is_lower(c)) {
        if (t.token > tok_digit) {
            t.token = tok_invalid;
            return;
        }
        t.value = s.substr(0, 1);
        t.token = tok_letter;
        s.remove_prefix(1);
    } else if (c == '.' || is_digit(c)) {
        if (c == '.') {
            if (t.token > tok_digit) {
                t.token = tok_invalid;
                return;
            }
            s.remove_prefix(1);
        }
        if (t.token == tok_initial_digit || t.token == tok_digit ||
            (t.token == tok_letter && c != '.'))
            t.token = tok_digit;
        else if (t.token == tok_suffix && c != '.')
            t.token = tok_suffix_no;
        else {
            t.token = tok_invalid;
            return;
        }
        take_digits(t, s);
    } else if (c == '_') {
        if (t.token > tok_suffix_no) {
            t.token = tok_invalid;
            return;
        }
        s.remove_prefix(1);
        t.value = take_while(s, is_lower);
        t.token = tok_invalid;
        for (int k = 0; k < 10; ++k)
            if (k != suffix_none && t.value == suffix_names[k]) {
                t.suffix = k;
                t.token = tok_suffix;
            }
    } else if (c == '~') {
        if (t.token >= tok_commit_hash) {
            t.token = tok_invalid;
            return;
        }
        s.remove_prefix(1);
        t.value = take_while(s, is_hex);
        t.token = t.value.empty() ? tok_invalid : tok_commit_hash;
    } else if (c == '-') {
        if (t.token >= tok_revision_no || s.substr(0, 2) != "-r") {
            t.token = tok_invalid;
            return;
        }
        s.remove_prefix(2);
        t.token = tok_revision_no;
        take_digits(t, s);
    } else {
        t.token = tok_invalid;
    }
}

// Compares two tokens of the same kind.
int compare_tokens(const TokenState& a, const TokenState& b) noexcept {
    switch (a.token) {
        case tok_digit:
            // A number with a leading zero compares as text, as in Gentoo's rules
            // ("1.02" < "1.1", "1.010" < "1.02").
            if (a.value[0] == '0' || b.value[0] == '0') return compare_bytes(a.value, b.value);
            [[fallthrough]];
        case tok_initial_digit:
        case tok_suffix_no:
        case tok_revision_no:
            return compare_numeric(a.value, b.value);
        case tok_letter:
            return compare_bytes(a.value, b.value);
        case tok_suffix:
            return a.suffix < b.suffix ? -1 : a.suffix > b.suffix;
        default:
            return compare_bytes(a.value, b.value);
    }
}

}  // namespace

const char* parse_alpine(std::string_view v, AlpineVersion& out) noexcept {
    if (v.empty()) return "version string is empty";
    if (!is_digit(v.front())) return "version does not start with a digit";
    std::string_view rest = v;
    TokenState t;
    for (first_token(t, rest); t.token < tok_end; next_token(t, rest)) {
    }
    if (t.token != tok_end)
        return "not of the form digits{.digits}{letter}{_suffix{N}}{~hash}{-rN} (suffixes: "
               "alpha, beta, pre, rc, cvs, svn, git, hg, p)";
    out.text = v;
    return nullptr;
}

int compare_alpine(const AlpineVersion& pa, const AlpineVersion& pb) noexcept {
    std::string_view a = pa.text, b = pb.text;
    TokenState ta, tb;
    first_token(ta, a);
    first_token(tb, b);
    while (ta.token == tb.token && ta.token < tok_end) {
        if (int c = compare_tokens(ta, tb)) return c;
        next_token(ta, a);
        next_token(tb, b);
    }
    if (ta.token == tb.token) return 0;

    // Equal so far: going on with a pre-release suffix makes a version older, going on
    // with anything else newer, and of two different continuations the one of a later
    // kind is older.
    if (ta.token == tok_suffix && ta.suffix < suffix_none) return -1;
    if (tb.token == tok_suffix && tb.suffix < suffix_none) return 1;
    return ta.token > tb.token ? -1 : 1;
}

}  // namespace rtguard::detail::versions

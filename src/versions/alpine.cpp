// apk-tools' version ordering, as in the apk of the Alpine 3.x releases:
// digits{.digits}...{letter}{_suffix{digits}}...{-rN}.
#include "versions/version_detail.hpp"

namespace rtguard::detail::versions {
namespace {

// Token kinds in apk's order: a version whose next token kind is larger sorts lower.
enum Token : int {
    tok_invalid = -1,
    tok_digit_or_zero = 0,  ///< a component after '.', where leading zeros count
    tok_digit = 1,
    tok_letter = 2,
    tok_suffix = 3,
    tok_suffix_no = 4,
    tok_revision_no = 5,
    tok_end = 6,
};

// A token's value: a small number (letters, suffix ranks, minus the count of leading
// zeros) or an unbounded run of digits.
struct Value {
    long long small = 0;
    std::string_view digits;
    bool is_number = false;
};

int compare_values(const Value& a, const Value& b) noexcept {
    if (a.is_number && b.is_number) return compare_numeric(a.digits, b.digits);
    if (!a.is_number && !b.is_number) return a.small < b.small ? -1 : a.small > b.small;
    // Only a leading-zero count (never positive) meets a number here.
    const Value& s = a.is_number ? b : a;
    const Value& n = a.is_number ? a : b;
    int c = s.small < 0 ? -1 : compare_numeric("", n.digits);
    return a.is_number ? -c : c;
}

constexpr std::string_view pre_suffixes[] = {"alpha", "beta", "pre", "rc"};
constexpr std::string_view post_suffixes[] = {"cvs", "svn", "git", "hg", "p"};

// Decides the kind of the token that starts `s`, consuming a separator.
void next_token(int& type, std::string_view& s) noexcept {
    int n = tok_invalid;
    if (s.empty() || s[0] == '\0') {
        n = tok_end;
    } else if ((type == tok_digit || type == tok_digit_or_zero) && is_lower(s[0])) {
        n = tok_letter;
    } else if (type == tok_letter && is_digit(s[0])) {
        n = tok_digit;
    } else if (type == tok_suffix && is_digit(s[0])) {
        n = tok_suffix_no;
    } else {
        switch (s[0]) {
            case '.': n = tok_digit_or_zero; break;
            case '_': n = tok_suffix; break;
            case '-':
                if (s.size() > 1 && s[1] == 'r') {
                    n = tok_revision_no;
                    s.remove_prefix(1);
                }
                break;
            default: break;
        }
        s.remove_prefix(1);
    }

    // Tokens only move forward, with three exceptions apk allows.
    if (n < type) {
        bool allowed = (n == tok_digit_or_zero && type == tok_digit) ||
                       (n == tok_suffix && type == tok_suffix_no) ||
                       (n == tok_digit && type == tok_letter);
        if (!allowed) n = tok_invalid;
    }
    type = n;
}

// Reads the token of kind `type` at the start of `s` and the kind of the one after it.
Value get_token(int& type, std::string_view& s) noexcept {
    Value v;
    size_t i = 0;
    int following = tok_invalid;
    if (s.empty()) {
        type = tok_end;
        return v;
    }

    switch (type) {
        case tok_digit_or_zero:
            if (s[0] == '0') {
                while (i < s.size() && s[i] == '0') ++i;
                following = tok_digit;
                v.small = -static_cast<long long>(i);
                break;
            }
            [[fallthrough]];
        case tok_digit:
        case tok_suffix_no:
        case tok_revision_no:
            while (i < s.size() && is_digit(s[i])) ++i;
            v.is_number = true;
            v.digits = s.substr(0, i);
            break;
        case tok_letter:
            v.small = static_cast<unsigned char>(s[0]);
            i = 1;
            break;
        case tok_suffix: {
            // apk matches suffix names as prefixes, pre-release names first.
            bool found = false;
            for (size_t k = 0; k < 4 && !found; ++k) {
                if (s.substr(0, pre_suffixes[k].size()) == pre_suffixes[k]) {
                    v.small = static_cast<long long>(k) - 4;
                    i = pre_suffixes[k].size();
                    found = true;
                }
            }
            for (size_t k = 0; k < 5 && !found; ++k) {
                if (s.substr(0, post_suffixes[k].size()) == post_suffixes[k]) {
                    v.small = static_cast<long long>(k);
                    i = post_suffixes[k].size();
                    found = true;
                }
            }
            if (!found) {
                type = tok_invalid;
                v.small = -1;
                return v;
            }
            break;
        }
        default:
            type = tok_invalid;
            v.small = -1;
            return v;
    }

    s.remove_prefix(i);
    if (s.empty())
        type = tok_end;
    else if (following != tok_invalid)
        type = following;
    else
        next_token(type, s);
    return v;
}

}  // namespace

const char* parse_alpine(std::string_view v, AlpineVersion& out) noexcept {
    if (v.empty()) return "version string is empty";
    if (!is_digit(v.front())) return "version does not start with a digit";
    // apk-tools 2 lets a '.' stand before a letter or another '.', which apk-tools 3 and
    // abuild reject and the two order differently; every '.' must start a number.
    for (size_t i = 0; i < v.size(); ++i)
        if (v[i] == '.' && (i + 1 == v.size() || !is_digit(v[i + 1])))
            return "a '.' is not followed by a number";
    std::string_view rest = v;
    int type = tok_digit;
    while (type != tok_end && type != tok_invalid) get_token(type, rest);
    if (type != tok_end)
        return "not of the form digits{.digits}{letter}{_suffix{N}}{-rN} (suffixes: alpha, "
               "beta, pre, rc, cvs, svn, git, hg, p)";
    out.text = v;
    return nullptr;
}

int compare_alpine(const AlpineVersion& pa, const AlpineVersion& pb) noexcept {
    std::string_view a = pa.text, b = pb.text;
    int at = tok_digit, bt = tok_digit;
    Value av, bv;

    while (at == bt && at != tok_end && at != tok_invalid && compare_values(av, bv) == 0) {
        av = get_token(at, a);
        bv = get_token(bt, b);
    }
    if (int c = compare_values(av, bv)) return c;
    if (at == bt) return 0;

    // Equal so far: the longer version is newer unless it goes on with a pre-release
    // suffix, and a version going on with a later kind of token is older.
    if (at == tok_suffix) {
        int t = at;
        if (get_token(t, a).small < 0) return -1;
    }
    if (bt == tok_suffix) {
        int t = bt;
        if (get_token(t, b).small < 0) return 1;
    }
    if (at > bt) return -1;
    if (bt > at) return 1;
    return 0;
}

}  // namespace rtguard::detail::versions

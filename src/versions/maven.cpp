// Maven's ComparableVersion (maven-artifact 3.8): items separated by '.', nested lists
// opened by '-' and by transitions between digits and letters, trailing null items trimmed.
#include "versions/version_detail.hpp"

namespace rtguard::detail::versions {
namespace {

using Kind = MavenItem::Kind;

constexpr int release_rank = 5;  // "", "ga", "final", "release"
constexpr int unknown_rank = 7;  // any other qualifier, after "sp"

int qualifier_rank(std::string_view q, bool followed_by_digit) noexcept {
    // "a1", "b1", "m1" abbreviate alpha-1, beta-1, milestone-1.
    if (followed_by_digit && q.size() == 1) {
        switch (to_lower(q[0])) {
            case 'a':
                return 0;
            case 'b':
                return 1;
            case 'm':
                return 2;
            default:
                break;
        }
    }
    static constexpr std::pair<std::string_view, int> known[] = {
        {"alpha", 0},    {"beta", 1}, {"milestone", 2}, {"rc", 3},      {"cr", 3},
        {"snapshot", 4}, {"ga", 5},   {"final", 5},     {"release", 5}, {"sp", 6},
    };
    for (const auto& [name, rank] : known)
        if (equals_ignore_case(q, name)) return rank;
    return unknown_rank;
}

class Builder {
public:
    explicit Builder(MavenVersion& v) : v_(v) {
        MavenItem root;
        root.kind = Kind::list;
        v_.items.push_back(root);
    }

    int add(int list, MavenItem item) {
        int idx = static_cast<int>(v_.items.size());
        item.prev = v_.items[list].last;
        item.next = -1;
        v_.items.push_back(item);
        if (v_.items[list].last >= 0)
            v_.items[v_.items[list].last].next = idx;
        else
            v_.items[list].first = idx;
        v_.items[list].last = idx;
        return idx;
    }

    int add_list(int list) {
        MavenItem l;
        l.kind = Kind::list;
        return add(list, l);
    }

    void add_item(int list, bool digits, std::string_view text, bool followed_by_digit = false) {
        MavenItem it;
        if (digits) {
            while (text.size() > 1 && text.front() == '0')
                text.remove_prefix(1);
            it.kind = Kind::integer;
            it.text = text;
        } else {
            it.kind = Kind::string;
            it.rank = qualifier_rank(text, followed_by_digit);
            if (it.rank == unknown_rank) it.text = text;
        }
        add(list, it);
    }

    bool empty(int list) const { return v_.items[list].first < 0; }

    bool is_null(int idx) const {
        const MavenItem& it = v_.items[idx];
        switch (it.kind) {
            case Kind::integer:
                return it.text == "0";
            case Kind::string:
                return it.rank == release_rank;
            case Kind::list:
                return it.first < 0;
        }
        return false;
    }

    // Drops null items from the end of a list, looking past nested lists.
    void normalize(int list) {
        int child = v_.items[list].last;
        while (child >= 0) {
            int prev = v_.items[child].prev;
            if (is_null(child)) {
                int next = v_.items[child].next;
                if (prev >= 0)
                    v_.items[prev].next = next;
                else
                    v_.items[list].first = next;
                if (next >= 0)
                    v_.items[next].prev = prev;
                else
                    v_.items[list].last = prev;
            } else if (v_.items[child].kind != Kind::list) {
                break;
            }
            child = prev;
        }
    }

private:
    MavenVersion& v_;
};

int compare_item(const MavenVersion& va, int a, const MavenVersion& vb, int b) noexcept;

// An item compared with a missing one (the other list ended).
int compare_with_nothing(const MavenVersion& v, int idx) noexcept {
    const MavenItem& it = v.items[idx];
    switch (it.kind) {
        case Kind::integer:
            return it.text == "0" ? 0 : 1;
        case Kind::string:
            return it.rank < release_rank ? -1 : it.rank > release_rank;
        case Kind::list:
            for (int c = it.first; c >= 0; c = v.items[c].next)
                if (int r = compare_with_nothing(v, c)) return r;
            return 0;
    }
    return 0;
}

int compare_item(const MavenVersion& va, int a, const MavenVersion& vb, int b) noexcept {
    const MavenItem& x = va.items[a];
    const MavenItem& y = vb.items[b];
    switch (x.kind) {
        case Kind::integer:
            if (y.kind != Kind::integer) return 1;
            return compare_numeric(x.text, y.text);
        case Kind::string:
            if (y.kind != Kind::string) return -1;
            if (x.rank != y.rank) return x.rank < y.rank ? -1 : 1;
            return x.rank == unknown_rank ? compare_ignore_case(x.text, y.text) : 0;
        case Kind::list: {
            if (y.kind == Kind::integer) return -1;
            if (y.kind == Kind::string) return 1;
            int l = x.first, r = y.first;
            while (l >= 0 || r >= 0) {
                int c;
                if (l < 0)
                    c = -compare_with_nothing(vb, r);
                else if (r < 0)
                    c = compare_with_nothing(va, l);
                else
                    c = compare_item(va, l, vb, r);
                if (c) return c;
                if (l >= 0) l = va.items[l].next;
                if (r >= 0) r = vb.items[r].next;
            }
            return 0;
        }
    }
    return 0;
}

}  // namespace

const char* parse_maven(std::string_view v, MavenVersion& out) {
    if (v.empty()) return "version string is empty";
    // ComparableVersion takes any text; control characters only come from broken input.
    for (char c : v)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return "version string has control characters";

    out = MavenVersion{};
    Builder b(out);
    InlineVec<int, 16> lists;  // every list opened, in order
    lists.push_back(0);
    int list = 0;
    bool digits = false;
    size_t start = 0;
    auto open_list = [&] {
        list = b.add_list(list);
        lists.push_back(list);
    };

    for (size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (c == '.' || c == '-') {
            if (i == start)
                b.add_item(list, true, "0");
            else
                b.add_item(list, digits, v.substr(start, i - start));
            start = i + 1;
            if (c == '-') open_list();
        } else if (is_digit(c)) {
            if (!digits && i > start) {
                // A qualifier after '.' is nested like one after '-' ("1.0.RC1" = "1.0-RC1").
                if (!b.empty(list)) open_list();
                b.add_item(list, false, v.substr(start, i - start), true);
                start = i;
                open_list();
            }
            digits = true;
        } else {
            if (digits && i > start) {
                b.add_item(list, true, v.substr(start, i - start));
                start = i;
                open_list();
            }
            digits = false;
        }
    }
    if (v.size() > start) {
        if (!digits && !b.empty(list)) open_list();
        b.add_item(list, digits, v.substr(start));
    }

    // Lists are trimmed innermost first, so an emptied list is itself trimmed.
    for (size_t i = lists.size(); i-- > 0;)
        b.normalize(lists[i]);
    return nullptr;
}

int compare_maven(const MavenVersion& a, const MavenVersion& b) noexcept {
    return compare_item(a, 0, b, 0);
}

}  // namespace rtguard::detail::versions

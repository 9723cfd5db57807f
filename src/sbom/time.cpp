// RFC 3339 times of advisories, inventories and watch state.
#include <chrono>
#include <cstdio>

#include "rtguard/error.hpp"
#include "rtguard/matcher.hpp"
#include "sbom/osv_feed.hpp"

namespace rtguard {
namespace detail {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

}  // namespace

std::int64_t parse_time_seconds(std::string_view s) noexcept {
    using namespace std::chrono;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) ||
        s[7] != '-' || !digits(s, 8, 2, d))
        return no_time;
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return no_time;
    std::int64_t t = sys_days(ymd).time_since_epoch().count() * std::int64_t{86400};
    if (s.size() == 10) return t;

    // Time of day, optional fraction, then Z or an offset (UTC when neither is given).
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) || s.size() < 19 ||
        s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec))
        return no_time;
    if (h > 23 || mi > 59 || sec > 60) return no_time;
    t += h * 3600 + mi * 60 + sec;
    std::size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        ++i;
        std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
        if (i == start) return no_time;
    }
    if (i == s.size()) return t;
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) return t;
    if (s[i] == '+' || s[i] == '-') {
        int oh = 0, om = 0;
        if (i + 6 != s.size() || !digits(s, i + 1, 2, oh) || s[i + 3] != ':' ||
            !digits(s, i + 4, 2, om) || oh > 23 || om > 59)
            return no_time;
        std::int64_t offset = oh * 3600 + om * 60;
        return s[i] == '+' ? t - offset : t + offset;
    }
    return no_time;
}

}  // namespace detail

std::chrono::sys_seconds parse_time(std::string_view text) {
    std::int64_t t = detail::parse_time_seconds(text);
    if (t == detail::no_time)
        throw Error(errc::bad_value,
                    "\"" + std::string(text) +
                        "\" is not an RFC 3339 time (2024-05-01T10:00:00Z) or date (2024-05-01)");
    return std::chrono::sys_seconds{std::chrono::seconds{t}};
}

std::string format_time(std::chrono::sys_seconds t) {
    using namespace std::chrono;
    auto days = floor<std::chrono::days>(t);
    year_month_day ymd{days};
    hh_mm_ss<seconds> hms{t - days};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

}  // namespace rtguard

// Regression tests for defects the fuzz harnesses (fuzz/) found, each named after the defect
// and holding the minimized input that showed it.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "rtguard/error.hpp"
#include "rtguard/tetragon.hpp"
#include "rtguard/version.hpp"
#include "test_support.hpp"
#include "versions/version_detail.hpp"

using namespace rtguard;
using namespace std::string_literals;
using namespace std::string_view_literals;
using rtguard::testing::TempDir;

namespace {

void write_text(const std::string& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    REQUIRE(out.good());
}

}  // namespace

TEST_CASE("a debian version holding a NUL byte is rejected, not accepted as a separator") {
    // fuzz_version: "01" followed by NUL bytes passed valid_version, because strchr() finds
    // the terminating NUL of its set of allowed punctuation.
    CHECK_FALSE(valid_version(VersionScheme::debian, "01\0\0\0"sv));
    CHECK_FALSE(valid_version(VersionScheme::debian, "1.0-1\0"sv));
    CHECK_THROWS_AS(compare_versions(VersionScheme::debian, "01\0\0\0"sv, "01"), Error);
    CHECK(valid_version(VersionScheme::debian, "1:2.30-1~bpo12+1"));
}

TEST_CASE("maven ordering keeps ComparableVersion's intransitive triple instead of mending it") {
    // fuzz_version: the harness asserted transitivity, which Maven itself breaks where a
    // string item ("n") meets a list item ("-alpha-2"); maven-artifact 3.8 orders these three
    // exactly so, and rtguard must agree with it rather than with a tidier order.
    CHECK(compare_versions(VersionScheme::maven, "1.N-S0APSHOT", "1.0.RELEASE") > 0);
    CHECK(compare_versions(VersionScheme::maven, "1.0.RELEASE", "1-alpha-2") > 0);
    CHECK(compare_versions(VersionScheme::maven, "1.N-S0APSHOT", "1-alpha-2") < 0);
}

TEST_CASE("two Composer branches compare by name in both directions") {
    // fuzz_version: PHP's version_compare said "dev-ma~$" < "dev-mav-ma230101ev-ma~n" and
    // also the reverse, since "dev-ma~$" canonicalizes to "dev.ma." with a part left empty.
    auto cmp = [](std::string_view a, std::string_view b) {
        return compare_versions(VersionScheme::packagist, a, b);
    };
    CHECK(cmp("dev-ma~$", "dev-mav-ma230101ev-ma~n") ==
          -cmp("dev-mav-ma230101ev-ma~n", "dev-ma~$"));
    CHECK(cmp("dev-main", "dev-feature") > 0);
    CHECK(cmp("dev-feature", "dev-main") < 0);
    CHECK(cmp("dev-main", "dev-main") == 0);
}

TEST_CASE("dpkg ordering never reads past the end of the shorter version") {
    // fuzz_version: comparing "01\0\0..." with "01" walked the index of "01" past its end
    // and threw std::out_of_range out of a noexcept function (std::terminate).
    using detail::versions::dpkg_verrevcmp;
    CHECK(dpkg_verrevcmp("01\0\0\0\0\0\0\0\0\0"sv, "01") == 0);
    CHECK(dpkg_verrevcmp("01", "01\0\0\0"sv) == 0);
    CHECK(dpkg_verrevcmp("1.0~rc1", "1.0") == -1);
    CHECK(dpkg_verrevcmp("1.0a", "1.0") == 1);
}

TEST_CASE("a backslash before a NUL inside double quotes stays in a Tetragon argument") {
    // fuzz_tetragon: strchr() matched the NUL terminator of its escape set, so "\\\0" inside
    // double quotes dropped the backslash; a shell keeps it (only \" \\ \$ \` are escapes).
    TempDir dir;
    std::string path = dir.file("exec.json");
    write_text(path, R"({"process_exec":{"process":{"pid":9,"binary":"/usr/bin/app",)"
                     R"("arguments":"\"a\\\u0000b\" \"c\\$d\""}},"time":"2024-03-01T12:00:00Z"})"
                     "\n");
    TetragonSource source(path, {.strict = true});
    std::vector<Event> events;
    while (source.next_batch(events, 8) > 0) {
    }
    REQUIRE(events.size() == 1);
    CHECK(events[0].exec.argv == std::vector<std::string>{"/usr/bin/app", "a\\\0b"s, "c$d"});
}

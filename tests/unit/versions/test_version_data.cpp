// Every comparison in the shared version tables (../shared/data/versions), per ecosystem.
// The tables come from another project's test suite, partly written by hand and partly
// generated with each ecosystem's own tool. Where rtguard deliberately differs, the line or
// version is listed below with the reason, and the test checks rtguard's behaviour there too.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <set>

#include "rtguard/error.hpp"
#include "rtguard/version.hpp"
#include "test_support.hpp"
#include "versions/version_data.hpp"

using namespace rtguard;
using rtguard::testing::read_version_table;
using rtguard::testing::VersionComparison;

namespace {

struct Deviations {
    /// Versions this scheme rejects (the line must throw errc::bad_version naming one).
    std::vector<std::string_view> rejected;
    /// Any version matching this is rejected too.
    std::function<bool(std::string_view)> rejected_if;
    /// Lines, as written, that rtguard orders differently, with rtguard's order.
    std::vector<std::pair<std::string_view, int>> reordered;
    /// Checked on each rejected line in addition (e.g. the order under a related scheme).
    std::function<void(const VersionComparison&)> also_check;
};

struct TableResult {
    size_t rows = 0, matched = 0, rejected = 0, reordered = 0;
};

TableResult check_table(const std::filesystem::path& file, VersionScheme scheme,
                        const Deviations& dev = {}) {
    std::vector<std::string> bad;
    auto rows = read_version_table(file, bad);
    for (const auto& line : bad)
        FAIL_CHECK("unreadable line: " << line);
    REQUIRE_MESSAGE(!rows.empty(), "no comparisons in " << file);

    TableResult r;
    r.rows = rows.size();
    std::set<std::string_view> used_rejected, used_reordered;
    auto is_rejected = [&](std::string_view v) {
        bool listed = std::find(dev.rejected.begin(), dev.rejected.end(), v) != dev.rejected.end();
        if (listed) used_rejected.insert(v);
        return listed || (dev.rejected_if && dev.rejected_if(v));
    };

    for (const auto& row : rows) {
        CAPTURE(file.filename().string());
        CAPTURE(row.line);
        CAPTURE(row.text);
        bool ra = is_rejected(row.a), rb = is_rejected(row.b);
        if (ra || rb) {
            // The error must name a rejected version.
            try {
                compare_versions(scheme, row.a, row.b);
                FAIL_CHECK("expected errc::bad_version");
            } catch (const Error& e) {
                CHECK(e.code() == errc::bad_version);
                const std::string& bad_one = ra ? row.a : row.b;
                CHECK(std::string(e.what()).find("'" + bad_one + "'") != std::string::npos);
            }
            CHECK(valid_version(scheme, ra ? row.a : row.b) == false);
            if (dev.also_check) dev.also_check(row);
            ++r.rejected;
            continue;
        }

        int expected = row.expected;
        auto re = std::find_if(dev.reordered.begin(), dev.reordered.end(),
                               [&](const auto& p) { return p.first == row.text; });
        if (re != dev.reordered.end()) {
            expected = re->second;
            used_reordered.insert(re->first);
            ++r.reordered;
        } else {
            ++r.matched;
        }
        CHECK(compare_versions(scheme, row.a, row.b) == expected);
        // The order is antisymmetric.
        CHECK(compare_versions(scheme, row.b, row.a) == -expected);
    }

    // Every listed deviation must still be needed, so the lists cannot rot.
    for (auto v : dev.rejected)
        CHECK_MESSAGE(used_rejected.count(v), "unused: " << v);
    // Not a structured binding: clang 14 cannot capture one in doctest's lambda.
    for (const auto& entry : dev.reordered)
        CHECK_MESSAGE(used_reordered.count(entry.first), "unused: " << entry.first);

    MESSAGE(file.filename().string()
            << ": " << r.rows << " comparisons, " << r.matched << " as written, " << r.rejected
            << " rejected, " << r.reordered << " ordered differently (listed)");
    return r;
}

}  // namespace

TEST_CASE("the Alpine tables hold under apk-tools ordering") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    Deviations dev;
    // Not Alpine versions (apk's grammar is digits{.digits}{letter}{_suffix{N}}{-rN}), and
    // apk-tools 2 and 3 order them differently, as the table's own comments say; rtguard
    // reports them instead of picking one.
    dev.rejected = {
        "1-r-0",
        "1-r-1",
        "1-r0-1",
        "1-r0-ruff2",
        "1-ruff",
        "1-ruff2",  // "-" not before rN
        "1-r",      // -r without N
        "1.2.0A",
        "1.2.0D",  // upper-case letter
        "1.0bc",   // two letters
        "1.2_blah",
        "1.2_csv2",
        "23_foo",  // unknown suffix
        ".1",
        ".2",
        "a",
        "c",  // no leading number
        // A '.' not followed by a number: apk-tools 2 reads an empty number there, which
        // apk-tools 3 rejects (as it rejects "-r" without a number).
        "0...1...0",
        "0...1...0.r1",
        "0...1...0r1",
        "0..1..0",
        "0..8",
        "0.8.21.r2",
        "0.r1",
        "10.2.24.r0",
    };
    auto r = check_table(data / "versions/alpine-versions.txt", VersionScheme::alpine, dev);
    CHECK(r.matched > 700);

    r = check_table(data / "versions/alpine-versions-generated.txt", VersionScheme::alpine);
    CHECK(r.matched == r.rows);
}

TEST_CASE("the Debian tables hold under dpkg ordering") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    auto r = check_table(data / "versions/debian-versions.txt", VersionScheme::debian);
    CHECK(r.matched == r.rows);
    r = check_table(data / "versions/debian-versions-generated.txt", VersionScheme::debian);
    CHECK(r.matched == r.rows);
}

TEST_CASE("the Red Hat table holds under rpm ordering") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    auto r = check_table(data / "versions/redhat-versions.txt", VersionScheme::rpm);
    CHECK(r.matched == r.rows);
}

TEST_CASE("the Maven tables hold under ComparableVersion of maven-artifact 3.8") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    // The tables follow a later maven-artifact. maven-artifact 3.8.7 (the Debian 12 jar that
    // the differential test runs) orders these lines the other way; `java -cp
    // maven-artifact-3.x.jar org.apache.maven.artifact.versioning.ComparableVersion A B`
    // shows it. 3.8 nests a qualifier that follows '.' like one after '-', and keeps "ga"
    // inside a list as a qualifier.
    Deviations hand;
    hand.reordered = {{"1-1 = 1-ga-1", 1}};
    auto r = check_table(data / "versions/maven-versions.txt", VersionScheme::maven, hand);
    CHECK(r.matched == r.rows - 1);

    Deviations generated;
    generated.reordered = {
        {"1.0.0-RC16 < 1.0.0.RC8-beta", 1},
        {"1.0.0-gradle-rework-beta3 < 1.0.0.RC7-3", 1},
        {"2.9.0-1 < 2.9.0.RC1", 1},
        {"6.1.12.rc5 < 6.1.12rc1", 1},
        {"1.1.31.sec10 < 1.1.31_noneautotype", 1},
        {"1.1.34.sec10 < 1.1.34_noneautotype", 1},
        {"1.1.46.sec10 < 1.1.46_noneautotype", 1},
        {"1.2.8.sec10_noneautotype < 1.2.8_noneautotype", 1},
        {"1.2.31.sec10 < 1.2.31_noneautotype", 1},
        {"1.2.48.sec10 < 1.2.48_noneautotype", 1},
        {"1.2.50.sec10 < 1.2.50_noneautotype", 1},
        {"1.2.54.sec10 < 1.2.54_noneautotype", 1},
        {"1.2.57.sec10 < 1.2.57_noneautotype", 1},
        {"1.2.60.sec10 < 1.2.60_noneautotype", 1},
        {"1.2.67.sec10 < 1.2.67_noneautotype", 1},
        {"1.0.0rc0 < 1.0.beta8", 1},
        {"1.5.9.RC1 < 1.5.9-RC0", 1},
        {"1.1.0-01-glassfish < 1.1.0.Beta1", 1},
    };
    r = check_table(data / "versions/maven-versions-generated.txt", VersionScheme::maven,
                    generated);
    CHECK(r.matched == r.rows - generated.reordered.size());
}

TEST_CASE("the NuGet table holds under NuGet ordering") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    // NuGet parses each number as a 32-bit int, so these are not NuGet versions.
    Deviations dev;
    dev.rejected = {"999999999999999999999999999991",
                    "999999999999999999999999999991.999999999999999999999999999991."
                    "999999999999999999999999999991"};
    auto r = check_table(data / "versions/nuget-versions.txt", VersionScheme::nuget, dev);
    CHECK(r.matched == r.rows - 2);
}

TEST_CASE("the Packagist tables hold under Composer's normalization") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    // The tables apply PHP's version_compare to the raw strings; Composer normalizes first
    // (VersionParser::normalize) and rejects what it cannot normalize.
    Deviations hand;
    hand.rejected = {
        // PHP's own test strings that are not Composer versions.
        "4.3-2RC1",
        "4.3-2RC2",
        "4.3-2",
        "1.2.3.#",
        "1.2.3.#.1",
        "1.2.3.#.p3",
        "1.2.3.#.beta",
        // Composer allows at most five digits in the first number of a non-date version.
        "999999999999999999999999999991",
        "999999999999999999999999999991.999999999999999999999999999991."
        "999999999999999999999999999991",
    };
    // Composer pads to four numbers: 1.0 and 1.0.0 are both 1.0.0.0.
    hand.reordered = {{"1.0.0 > 1.0", 0}};
    auto r = check_table(data / "versions/packagist-versions.txt", VersionScheme::packagist, hand);
    CHECK(r.matched == r.rows - r.rejected - 1);

    Deviations generated;
    generated.rejected = {
        // Python-style and other suffixes Composer refuses.
        "0.0.1-test1",   "3.0.0b1.post1", "3.0.0b1.post2",  "3.0.0b2.post1",
        "3.0.0b2.post2", "3.1.0.post1",   "3.2.0rc1.post1", "3.5.0.post1",
        "3.5.2.post1",   "1.5.1.dev100",  "1.5.1.dev101",
    };
    generated.reordered = {
        // Padding: v3.0 is 3.0.0.0, a release, after 3.0.0.0-beta.
        {"v3.0 < v3.0.0-beta", 1},
        {"v3.4 < v3.4.0-alpha", 1},
        {"v4-beta4 < v4.0-alpha", 1},
        {"v4.4 < v4.4.0-beta", 1},
        {"v6.5 < v6.5.0-beta-0", 1},
        {"v6.6 < v6.6.0-beta", 1},
        // Stability names are case-insensitive in Composer (alpha before beta); raw
        // version_compare knows only lower-case names and ranks ALPHA with BETA.
        {"v1.9.0-ALPHA.1 = v1.9.0-BETA.1", -1},
        {"v1.9.0-BETA.1 < v1.9.0-ALPHA.2", 1},
        {"v1.9.0-ALPHA.2 = v1.9.0-BETA.2", -1},
        // "-stable" is a release for Composer, after every beta.
        {"5.1.0-stable < 5.1.0-beta2", 1},
    };
    r = check_table(data / "versions/packagist-versions-generated.txt", VersionScheme::packagist,
                    generated);
    CHECK(r.matched == r.rows - r.rejected - generated.reordered.size());
}

TEST_CASE("the PyPI tables hold under PEP 440 ordering") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    // Not PEP 440 versions: Python's packaging (22 and later, and pip) rejects them; the
    // tables keep them from the removed LegacyVersion ordering.
    const std::vector<std::string_view> legacy = {
        "0.1-bulbasaur", "0.1-charmander", "0.9-doduo",  "0.9-eevee",
        "0.9-fearow",    "0.9-gyarados",   "0.9-horsea", "0.9-ivysaur",
    };
    Deviations hand;
    hand.rejected = legacy;
    hand.rejected_if = [](std::string_view v) { return v.substr(0, 6) == "-class"; };
    auto r = check_table(data / "versions/pypi-versions.txt", VersionScheme::pep440, hand);
    CHECK(r.matched == r.rows - r.rejected);

    Deviations generated;
    generated.rejected = legacy;
    for (auto v : {"2.0.1rc2-git",  "0.7.1.fix1", "0.7.4.svn.r2010", "0.0.1-test1", "0.7.10p1",
                   "0.7.11p1",      "0.7.11p2",   "0.7.11p3",        "0.8.1p1",     "0.8.3p1",
                   "0.8.4p1",       "0.8.4p2",    "0.8.6p1",         "0.8.7p1",     "trunk",
                   "1.3.1-STAGING", "4.11-final", "5.0-final",       "a3",          "2.0.0-final",
                   "1.0beta6.1",    "0.3.1-p1",   "0.4.0-p1"})
        generated.rejected.push_back(v);
    generated.rejected_if = [](std::string_view v) {
        return v.substr(0, 6) == "-class" || v.find('T') != v.npos ||  // timestamps
               (v.size() == 5 && v[3] == 'm');                         // "0.3m1"
    };
    r = check_table(data / "versions/pypi-versions-generated.txt", VersionScheme::pep440,
                    generated);
    CHECK(r.matched == r.rows - r.rejected);
}

TEST_CASE("the RubyGems tables hold under Gem::Version ordering") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    // Gem::Version.new raises "Malformed version number string" for these: a letter may
    // only follow a '.' or '-'.
    Deviations dev;
    dev.rejected = {"1beta", "1gamma"};
    auto r = check_table(data / "versions/rubygems-versions.txt", VersionScheme::rubygems, dev);
    CHECK(r.matched == r.rows - 2);
    r = check_table(data / "versions/rubygems-versions-generated.txt", VersionScheme::rubygems);
    CHECK(r.matched == r.rows);
}

TEST_CASE("the SemVer table holds under SemVer 2.0.0") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    Deviations dev;
    // SemVer 2.0.0 has exactly three numbers and no prefix. The 'v' lines still hold under
    // the go scheme, which takes the prefix.
    dev.rejected = {"999999999999999999999999999991", "1.1.3.4.5"};
    dev.rejected_if = [](std::string_view v) { return !v.empty() && v[0] == 'v'; };
    dev.also_check = [](const VersionComparison& row) {
        if (row.a[0] == 'v' || row.b[0] == 'v')
            CHECK(compare_versions(VersionScheme::go, row.a, row.b) == row.expected);
    };
    auto r = check_table(data / "versions/semver-versions.txt", VersionScheme::semver, dev);
    CHECK(r.matched == r.rows - r.rejected);
}

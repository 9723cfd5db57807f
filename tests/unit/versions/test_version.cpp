// Version ordering: the rules of each scheme, ecosystem names, and errors.
#include <doctest/doctest.h>

#include <ostream>
#include <string>

#include "rtguard/error.hpp"
#include "rtguard/version.hpp"

using namespace rtguard;

namespace {

int cmp(VersionScheme s, std::string_view a, std::string_view b) {
    return compare_versions(s, a, b);
}

// Checks that each version sorts strictly before the next.
void check_ascending(VersionScheme s, std::initializer_list<std::string_view> versions) {
    std::string_view prev;
    for (auto v : versions) {
        if (!prev.empty()) {
            CAPTURE(prev);
            CAPTURE(v);
            CHECK(cmp(s, prev, v) == -1);
            CHECK(cmp(s, v, prev) == 1);
        }
        CHECK(cmp(s, v, v) == 0);
        prev = v;
    }
}

}  // namespace

TEST_CASE("dpkg ordering puts '~' first and letters before other characters") {
    check_ascending(VersionScheme::debian, {"1.0~~", "1.0~~a", "1.0~", "1.0", "1.0-1", "1.0a",
                                            "1.0+", "1.0.1", "1:0.1", "2:0"});
    CHECK(cmp(VersionScheme::debian, "1.2.3-1~deb7u1", "1.2.3-1") == -1);
    CHECK(cmp(VersionScheme::debian, "0:1.0", "1.0-0") == 0);  // epoch 0 and revision 0
    CHECK(cmp(VersionScheme::debian, "1.01", "1.1") == 0);
}

TEST_CASE("apk ordering ranks suffixes around the release") {
    check_ascending(VersionScheme::alpine,
                    {"1.0_alpha", "1.0_alpha2", "1.0_beta", "1.0_pre1", "1.0_rc1", "1.0", "1.0-r1",
                     "1.0_cvs", "1.0_svn", "1.0_git", "1.0_hg", "1.0_p1", "1.0a", "1.0.1"});
    CHECK(cmp(VersionScheme::alpine, "2.1.9.200602141850", "2.1.9.200602141851") == -1);
}

TEST_CASE("rpm ordering handles epochs, '~' and '^'") {
    check_ascending(VersionScheme::rpm, {"1.0~rc1", "1.0", "1.0^git1", "1.0.1", "1:0.1"});
    // A version without a release sorts before the same version with one.
    CHECK(cmp(VersionScheme::rpm, "1.0", "1.0-1") == -1);
    CHECK(cmp(VersionScheme::rpm, "2:1.0-1.el9", "1:9.0-1.el9") == 1);
    CHECK(cmp(VersionScheme::rpm, "1.0-1.el9", "1.0-1.el9_1") == -1);
}

TEST_CASE("SemVer ordering follows 2.0.0 and ignores build metadata") {
    check_ascending(VersionScheme::semver,
                    {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                     "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0"});
    CHECK(cmp(VersionScheme::semver, "1.0.0+a", "1.0.0+b") == 0);
    CHECK(cmp(VersionScheme::semver, "18446744073709551616.0.0", "18446744073709551615.0.0") == 1);
    std::string why;
    CHECK_FALSE(valid_version(VersionScheme::semver, "v1.0.0", &why));
    CHECK(why.find("'v'") != std::string::npos);
    CHECK_FALSE(valid_version(VersionScheme::semver, "1.0"));
    CHECK_FALSE(valid_version(VersionScheme::semver, "01.0.0"));
    CHECK_FALSE(valid_version(VersionScheme::semver, "1.0.0-01"));
}

TEST_CASE("Go ordering takes the 'v', pseudo-versions and +incompatible") {
    check_ascending(VersionScheme::go, {"v0.0.0-20190101000000-abcdefabcdef", "v0.1.0",
                                        "v1.2.3-pre", "v1.2.4-0.20200101000000-abcdefabcdef",
                                        "v1.2.4", "v2.0.0+incompatible", "v2.1.0"});
    CHECK(cmp(VersionScheme::go, "v2.0.0+incompatible", "2.0.0") == 0);
    CHECK(cmp(VersionScheme::go, "v1", "v1.0.0") == 0);
    CHECK_FALSE(valid_version(VersionScheme::go, "v1.2-pre"));
}

TEST_CASE("PEP 440 ordering normalizes spellings and pads releases") {
    check_ascending(VersionScheme::pep440,
                    {"1.0.dev0", "1.0a1.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0+local",
                     "1.0.post1.dev0", "1.0.post1", "1.1", "1!0.1"});
    CHECK(cmp(VersionScheme::pep440, "1.0", "1.0.0") == 0);
    CHECK(cmp(VersionScheme::pep440, "1.0alpha1", "1.0a1") == 0);
    CHECK(cmp(VersionScheme::pep440, "1.0-1", "1.0.post1") == 0);
    CHECK(cmp(VersionScheme::pep440, "v1.0.PREVIEW2", "1.0rc2") == 0);
    CHECK(cmp(VersionScheme::pep440, "1.0+abc.5", "1.0+abc.10") == -1);
    CHECK(cmp(VersionScheme::pep440, "1.0+abc", "1.0+5") == -1);
    CHECK_FALSE(valid_version(VersionScheme::pep440, "1.0-foo"));
}

TEST_CASE("Maven ordering follows ComparableVersion's qualifiers and lists") {
    check_ascending(VersionScheme::maven, {"1-alpha", "1-beta", "1-milestone", "1-rc", "1-snapshot",
                                           "1", "1-sp", "1-abc", "1-1", "1.1"});
    CHECK(cmp(VersionScheme::maven, "1-cr", "1-rc") == 0);
    CHECK(cmp(VersionScheme::maven, "1.0.0", "1") == 0);
    CHECK(cmp(VersionScheme::maven, "1-ga", "1.final") == 0);
    CHECK(cmp(VersionScheme::maven, "1a1", "1-alpha-1") == 0);
    CHECK(cmp(VersionScheme::maven, "1.0.RELEASE", "1.0") == 0);
}

TEST_CASE("RubyGems ordering puts prereleases before releases") {
    check_ascending(VersionScheme::rubygems,
                    {"1.0.a", "1.0.a.2", "1.0.b1", "1.0.pre", "1.0.rc1", "1.0", "1.0.1"});
    CHECK(cmp(VersionScheme::rubygems, "1.0-rc1", "1.0.pre.rc1") == 0);
    CHECK(cmp(VersionScheme::rubygems, "1.0.0", "1") == 0);
}

TEST_CASE("NuGet ordering has four numbers and case-insensitive prereleases") {
    check_ascending(VersionScheme::nuget, {"1.0.0-alpha", "1.0.0-Beta", "1.0.0", "1.0.0.1"});
    CHECK(cmp(VersionScheme::nuget, "1.0", "1.0.0.0") == 0);
    CHECK(cmp(VersionScheme::nuget, "1.0.0-RC.1", "1.0.0-rc.1") == 0);
}

TEST_CASE("Packagist ordering normalizes as Composer does") {
    check_ascending(VersionScheme::packagist,
                    {"1.0.0-dev", "1.0.0-alpha1", "1.0.0-beta2", "1.0.0-RC1", "1.0.0",
                     "1.0.0-patch1", "1.0.1", "1.x-dev"});
    CHECK(cmp(VersionScheme::packagist, "v1.0", "1.0.0.0") == 0);
    CHECK(cmp(VersionScheme::packagist, "1.0.0-stable", "1.0.0") == 0);
    CHECK(cmp(VersionScheme::packagist, "1.0.0-b2", "1.0.0-beta2") == 0);
    CHECK(cmp(VersionScheme::packagist, "1.0.0pl1", "1.0.0-p1") == 0);
    CHECK(cmp(VersionScheme::packagist, "dev-main", "dev-feature") != 0);
    CHECK(cmp(VersionScheme::packagist, "2023.01.02", "2023.01.10") == -1);
}

TEST_CASE("OSV ecosystem names and purl types map to schemes") {
    CHECK(scheme_for_ecosystem("Debian:12") == VersionScheme::debian);
    CHECK(scheme_for_ecosystem("Ubuntu:22.04:LTS") == VersionScheme::debian);
    CHECK(scheme_for_ecosystem("Alpine:v3.18") == VersionScheme::alpine);
    CHECK(scheme_for_ecosystem("AlmaLinux:9") == VersionScheme::rpm);
    CHECK(scheme_for_ecosystem("Rocky Linux:9") == VersionScheme::rpm);
    CHECK(scheme_for_ecosystem("Red Hat:enterprise_linux:9::appstream") == VersionScheme::rpm);
    CHECK(scheme_for_ecosystem("SUSE:Linux Enterprise Server 15 SP5") == VersionScheme::rpm);
    CHECK(scheme_for_ecosystem("openSUSE:Leap 15.5") == VersionScheme::rpm);
    CHECK(scheme_for_ecosystem("npm") == VersionScheme::semver);
    CHECK(scheme_for_ecosystem("crates.io") == VersionScheme::semver);
    CHECK(scheme_for_ecosystem("Go") == VersionScheme::go);
    CHECK(scheme_for_ecosystem("PyPI") == VersionScheme::pep440);
    CHECK(scheme_for_ecosystem("Maven") == VersionScheme::maven);
    CHECK(scheme_for_ecosystem("RubyGems") == VersionScheme::rubygems);
    CHECK(scheme_for_ecosystem("NuGet") == VersionScheme::nuget);
    CHECK(scheme_for_ecosystem("Packagist") == VersionScheme::packagist);
    CHECK_FALSE(scheme_for_ecosystem("GIT").has_value());
    CHECK_FALSE(scheme_for_ecosystem("").has_value());

    CHECK(scheme_for_purl_type("deb") == VersionScheme::debian);
    CHECK(scheme_for_purl_type("apk") == VersionScheme::alpine);
    CHECK(scheme_for_purl_type("rpm") == VersionScheme::rpm);
    CHECK(scheme_for_purl_type("cargo") == VersionScheme::semver);
    CHECK(scheme_for_purl_type("golang") == VersionScheme::go);
    CHECK(scheme_for_purl_type("gem") == VersionScheme::rubygems);
    CHECK(scheme_for_purl_type("composer") == VersionScheme::packagist);
    CHECK_FALSE(scheme_for_purl_type("generic").has_value());

    for (int i = 0; i <= static_cast<int>(VersionScheme::packagist); ++i) {
        auto s = static_cast<VersionScheme>(i);
        CHECK(version_scheme_from_string(to_string(s)) == s);
    }
}

TEST_CASE("an unparsable version is reported naming the version and the reason") {
    try {
        compare_versions(VersionScheme::debian, "1.0", "a:1.0");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == errc::bad_version);
        std::string what = e.what();
        CHECK(what.find("'a:1.0'") != std::string::npos);
        CHECK(what.find("debian") != std::string::npos);
        CHECK(what.find("epoch") != std::string::npos);
        CHECK(e.message().find("'a:1.0'") == 0);
    }

    // Control characters are escaped and long versions cut, so a hostile version cannot
    // garble a log line.
    try {
        compare_versions(VersionScheme::alpine, std::string("1\n") + std::string(1000, 'x'), "1");
        FAIL("no error");
    } catch (const Error& e) {
        std::string what = e.what();
        CHECK(what.find('\n') == std::string::npos);
        CHECK(what.find("\\x0a") != std::string::npos);
        CHECK(what.size() < 400);
    }

    for (int i = 0; i <= static_cast<int>(VersionScheme::packagist); ++i) {
        std::string why;
        CHECK_FALSE(valid_version(static_cast<VersionScheme>(i), "", &why));
        CHECK(!why.empty());
    }
}

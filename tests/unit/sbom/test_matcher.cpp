// Tests of rtguard/matcher.hpp: OSV feeds and matching.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "rtguard/error.hpp"
#include "rtguard/matcher.hpp"
#include "test_support.hpp"

using namespace rtguard;

namespace {

// An SBOM with one component per purl (CycloneDX 1.5).
Sbom sbom_of(const std::vector<std::string>& purls, const std::string& extra_component = "") {
    std::string json = R"({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [)";
    for (std::size_t i = 0; i < purls.size(); ++i) {
        if (i) json += ",";
        json += R"({"type": "library", "name": "c)" + std::to_string(i) + R"(", "purl": ")" +
                purls[i] + "\"}";
    }
    if (!extra_component.empty()) json += (purls.empty() ? "" : ",") + extra_component;
    json += "]}";
    return Sbom::parse(json, "test.json");
}

// A record with one affected package; `affected_extra` goes inside the affected entry.
std::string record(const std::string& id, const std::string& ecosystem, const std::string& name,
                   const std::string& ranges, const std::string& extra = "",
                   const std::string& affected_extra = "") {
    return R"({"id": ")" + id + R"(", "modified": "2024-01-02T00:00:00Z", )" + extra +
           R"("affected": [{"package": {"ecosystem": ")" + ecosystem + R"(", "name": ")" + name +
           R"("}, "ranges": )" + ranges + affected_extra + "}]}";
}

std::string semver_range(const std::string& events) {
    return R"([{"type": "SEMVER", "events": )" + events + "}]";
}

std::string ecosystem_range(const std::string& events) {
    return R"([{"type": "ECOSYSTEM", "events": )" + events + "}]";
}

const Finding* find(const MatchResult& r, std::string_view advisory) {
    for (const auto& f : r.findings)
        if (std::find(f.advisories.begin(), f.advisories.end(), advisory) != f.advisories.end())
            return &f;
    return nullptr;
}

const Finding* find_for(const MatchResult& r, std::string_view advisory,
                        std::string_view component) {
    for (const auto& f : r.findings)
        if (f.component.name == component &&
            std::find(f.advisories.begin(), f.advisories.end(), advisory) != f.advisories.end())
            return &f;
    return nullptr;
}

void write(const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

}  // namespace

TEST_CASE("range events are sorted by version before they are evaluated") {
    SbomMatcher m;
    // Written out of order: fixed before introduced; introduced "0" last.
    REQUIRE(m.load_record(record("X-1", "npm", "left", semver_range(R"([{"fixed": "2.0.0"},
        {"introduced": "1.0.0"}, {"fixed": "0.5.0"}, {"introduced": "0"}])")),
                          "x1.json"));
    auto r = m.match(sbom_of({"pkg:npm/left@0.4.0", "pkg:npm/left@0.5.0", "pkg:npm/left@0.9.9",
                              "pkg:npm/left@1.0.0", "pkg:npm/left@1.9.9", "pkg:npm/left@2.0.0"}));
    std::vector<std::string> hit;
    for (const auto& f : r.findings)
        hit.push_back(f.installed_version);
    std::sort(hit.begin(), hit.end());
    CHECK(hit == std::vector<std::string>{"0.4.0", "1.0.0", "1.9.9"});

    // The fixed version reported is the first fix above the installed version.
    for (const auto& f : r.findings) {
        if (f.installed_version == "0.4.0")
            CHECK(f.fixed_versions == std::vector<std::string>{"0.5.0"});
        if (f.installed_version == "1.9.9")
            CHECK(f.fixed_versions == std::vector<std::string>{"2.0.0"});
    }
}

TEST_CASE("last_affected is inclusive and limit is exclusive") {
    SbomMatcher m;
    REQUIRE(m.load_record(record("X-2", "npm", "la", semver_range(R"([{"introduced": "1.0.0"},
        {"last_affected": "1.2.0"}])")),
                          "x2.json"));
    REQUIRE(m.load_record(record("X-3", "npm", "lim", semver_range(R"([{"introduced": "1.0.0"},
        {"limit": "1.2.0"}])")),
                          "x3.json"));
    auto r = m.match(sbom_of(
        {"pkg:npm/la@1.2.0", "pkg:npm/la@1.2.1", "pkg:npm/lim@1.1.9", "pkg:npm/lim@1.2.0"}));
    REQUIRE(r.findings.size() == 2);
    CHECK(find_for(r, "X-2", "c0") != nullptr);
    CHECK(find_for(r, "X-3", "c2") != nullptr);
    CHECK(find_for(r, "X-2", "c0")->fixed_versions.empty());
}

TEST_CASE("an exact versions list matches without any range") {
    SbomMatcher m;
    REQUIRE(m.load_record(R"({"id": "X-4", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "PyPI", "name": "Some_Pkg"}, "versions": ["0.5", "0.7"]}]})",
                          "x4.json"));
    auto r = m.match(sbom_of({"pkg:pypi/some-pkg@0.5", "pkg:pypi/some-pkg@0.6"}));
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].installed_version == "0.5");
}

TEST_CASE("every affected entry of a record is considered") {
    SbomMatcher m;
    REQUIRE(m.load_record(R"({"id": "X-5", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "npm", "name": "a"},
         "ranges": [{"type": "SEMVER",
                     "events": [{"introduced": "2.0.0"}, {"fixed": "2.1.0"}]}]},
        {"package": {"ecosystem": "npm", "name": "a"},
         "ranges": [{"type": "SEMVER",
                     "events": [{"introduced": "1.0.0"}, {"fixed": "1.4.0"}]}]}]})",
                          "x5.json"));
    auto r = m.match(sbom_of({"pkg:npm/a@1.3.0", "pkg:npm/a@2.0.5", "pkg:npm/a@1.5.0"}));
    CHECK(r.findings.size() == 2);
}

TEST_CASE("GIT ranges are skipped unless the component's commit is known") {
    SbomMatcher m;
    REQUIRE(m.load_record(record("X-6", "PyPI", "gitpkg",
                                 R"([{"type": "GIT", "repo": "https://example.org/r",
        "events": [{"introduced": "0"}, {"fixed": "abc123"}, {"introduced": "def456"}]}])"),
                          "x6.json"));
    auto r = m.match(sbom_of({"pkg:pypi/gitpkg@1.0"}));
    CHECK(r.findings.empty());

    std::string with_commit = R"({"type": "library", "name": "g", "purl": "pkg:pypi/gitpkg@1.1",
        "pedigree": {"commits": [{"uid": "def456"}]}})";
    r = m.match(sbom_of({}, with_commit));
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].component.name == "g");
}

TEST_CASE("a withdrawn advisory never matches") {
    SbomMatcher m;
    REQUIRE(m.load_record(record("X-7", "npm", "w", semver_range(R"([{"introduced": "0"}])"),
                                 R"("withdrawn": "2024-02-01T00:00:00Z", )"),
                          "x7.json"));
    CHECK(m.withdrawn("X-7"));
    CHECK(m.match(sbom_of({"pkg:npm/w@1.0.0"})).findings.empty());
}

TEST_CASE("GitHub's last known affected version bounds a range that has no fix") {
    SbomMatcher m;
    std::string ghsa =
        R"(, "database_specific": {"last_known_affected_version_range": "<= 1.2.3"})";
    REQUIRE(m.load_record(record("GHSA-aaaa-bbbb-cccc", "npm", "open",
                                 semver_range(R"([{"introduced": "1.0.0"}])"), "", ghsa),
                          "g1.json"));
    std::string lt = R"(, "database_specific": {"last_known_affected_version_range": "< 2.0.0"})";
    REQUIRE(m.load_record(record("GHSA-dddd-eeee-ffff", "npm", "open2",
                                 semver_range(R"([{"introduced": "0"}])"), "", lt),
                          "g2.json"));
    auto r = m.match(sbom_of({"pkg:npm/open@1.2.3", "pkg:npm/open@1.2.4", "pkg:npm/open2@1.9.0",
                              "pkg:npm/open2@2.0.0"}));
    REQUIRE(r.findings.size() == 2);
    CHECK(find_for(r, "GHSA-aaaa-bbbb-cccc", "c0") != nullptr);
    CHECK(find_for(r, "GHSA-dddd-eeee-ffff", "c2") != nullptr);
}

TEST_CASE("advisories that alias each other form one finding listing every id") {
    SbomMatcher m;
    std::string ev = semver_range(R"([{"introduced": "0"}, {"fixed": "1.5.0"}])");
    REQUIRE(m.load_record(record("GHSA-1111-2222-3333", "npm", "dup", ev,
                                 R"("aliases": ["CVE-2023-100"], "summary": "from GitHub", )"),
                          "a.json"));
    REQUIRE(
        m.load_record(record("OSV-2023-7", "npm", "dup", ev,
                             R"("aliases": ["GHSA-1111-2222-3333"], "related": ["CVE-2023-99"], )"),
                      "b.json"));
    REQUIRE(m.load_record(record("OSV-2023-8", "npm", "dup", ev), "c.json"));
    auto r = m.match(sbom_of({"pkg:npm/dup@1.0.0"}));
    REQUIRE(r.findings.size() == 2);
    const Finding* f = find(r, "GHSA-1111-2222-3333");
    REQUIRE(f != nullptr);
    CHECK(f->id == "CVE-2023-100");
    CHECK(f->advisories == std::vector<std::string>{"GHSA-1111-2222-3333", "OSV-2023-7"});
    CHECK(f->aliases ==
          std::vector<std::string>{"CVE-2023-100", "GHSA-1111-2222-3333", "OSV-2023-7"});
    CHECK(f->related == std::vector<std::string>{"CVE-2023-99"});
    CHECK(f->summary == "from GitHub");
    CHECK(find(r, "OSV-2023-8")->aliases == std::vector<std::string>{"OSV-2023-8"});
}

TEST_CASE("the highest CVSS score of all vectors is kept beside the ecosystem's rating") {
    SbomMatcher m;
    // v3.1 vector scores 5.3; the affected entry's v3.1 vector scores 9.8.
    std::string extra = R"("severity": [{"type": "CVSS_V3",
        "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"}],
        "database_specific": {"severity": "MODERATE"}, )";
    std::string aff = R"(, "severity": [{"type": "CVSS_V3",
        "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}])";
    REQUIRE(m.load_record(record("GHSA-9999-8888-7777", "npm", "sev",
                                 semver_range(R"([{"introduced": "0"}])"), extra, aff),
                          "s.json"));
    auto r = m.match(sbom_of({"pkg:npm/sev@1.0.0"}));
    REQUIRE(r.findings.size() == 1);
    const Finding& f = r.findings[0];
    CHECK(f.score == doctest::Approx(9.8));
    CHECK(f.severity == Severity::critical);
    CHECK(f.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    REQUIRE(f.ecosystem_severities.size() == 1);
    CHECK(f.ecosystem_severities[0].rating == "MODERATE");
}

TEST_CASE("without a CVSS vector the ecosystem's rating gives the severity") {
    SbomMatcher m;
    REQUIRE(
        m.load_record(record("ALSA-2099:1", "AlmaLinux:9", "pkg",
                             ecosystem_range(R"([{"introduced": "0"}, {"fixed": "1.0-2.el9"}])"),
                             R"("summary": "Important: pkg security update", )"),
                      "alsa.json"));
    auto r = m.match(sbom_of({"pkg:rpm/almalinux/pkg@1.0-1.el9?distro=almalinux-9.3"}));
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].severity == Severity::high);
    CHECK(r.findings[0].score == 0.0);
    REQUIRE(r.findings[0].ecosystem_severities.size() == 1);
    CHECK(r.findings[0].ecosystem_severities[0].rating == "Important");
}

TEST_CASE("since keeps advisories published after a time and counts undated ones") {
    SbomMatcher m;
    std::string ev = semver_range(R"([{"introduced": "0"}])");
    REQUIRE(m.load_record(
        record("X-old", "npm", "t", ev, R"("published": "2020-01-01T00:00:00Z", )"), "1"));
    REQUIRE(m.load_record(
        record("X-new", "npm", "t", ev, R"("published": "2024-06-01T12:00:00+02:00", )"), "2"));
    REQUIRE(m.load_record(
        record("X-zero", "npm", "t", ev, R"("published": "0001-01-01T00:00:00Z", )"), "3"));
    Sbom s = sbom_of({"pkg:npm/t@1.0.0"});

    MatchOptions o;
    o.since = parse_time("2024-01-01");
    auto r = m.match(s, o);
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].id == "X-new");
    CHECK(r.filtered == 2);
    CHECK(r.undated == 1);

    // Compared with "modified" instead, all three were modified in 2024.
    o.since_field = SinceField::modified;
    CHECK(m.match(s, o).findings.size() == 3);
}

TEST_CASE("min_severity drops lower ratings and keeps unrated findings unless asked") {
    SbomMatcher m;
    std::string ev = semver_range(R"([{"introduced": "0"}])");
    REQUIRE(m.load_record(
        record("X-low", "npm", "m", ev, R"("database_specific": {"severity": "LOW"}, )"), "1"));
    REQUIRE(m.load_record(
        record("X-high", "npm", "m", ev, R"("database_specific": {"severity": "HIGH"}, )"), "2"));
    REQUIRE(m.load_record(record("X-none", "npm", "m", ev), "3"));
    Sbom s = sbom_of({"pkg:npm/m@1.0.0"});
    MatchOptions o;
    o.min_severity = Severity::medium;
    auto r = m.match(s, o);
    REQUIRE(r.findings.size() == 2);
    CHECK(r.findings[0].id == "X-high");  // rated findings sort first
    CHECK(r.findings[1].id == "X-none");
    o.drop_unrated = true;
    CHECK(m.match(s, o).findings.size() == 1);
}

TEST_CASE("an unparsable installed version is reported and only exact lists are checked") {
    SbomMatcher m;
    REQUIRE(m.load_record(R"J({"id": "X-8", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "Go", "name": "example.com/mod"},
         "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
         "versions": ["(devel)"]}]})J",
                          "x8.json"));
    auto r = m.match(sbom_of(
        {"pkg:golang/example.com/mod@(devel)", "pkg:golang/example.com/mod@not-a-version"}));
    REQUIRE(r.version_errors.size() == 2);
    CHECK(r.version_errors[1].reason.find("not-a-version") != std::string::npos);
    CHECK(r.version_errors[1].where == "$.components[1]");
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].installed_version == "(devel)");
}

TEST_CASE("components that cannot be looked up are reported as unmatched") {
    SbomMatcher m;
    Sbom s = Sbom::parse(R"({"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [
        {"type": "library", "name": "nopurl", "version": "1"},
        {"type": "library", "name": "img", "purl": "pkg:oci/img@sha256%3Aabcd"},
        {"type": "library", "name": "nover", "purl": "pkg:npm/nover"}]})",
                         "u.json");
    auto r = m.match(s);
    REQUIRE(r.unmatched.size() == 3);
    CHECK(r.unmatched[0].reason == "no purl");
    CHECK(r.unmatched[1].reason == "purl type has no OSV ecosystem");
    CHECK(r.unmatched[2].reason == "no version");
    CHECK(r.unmatched[2].where == "$.components[2]");
}

TEST_CASE("Debian packages match by source package and release") {
    SbomMatcher m;
    std::string ev = ecosystem_range(R"([{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}])");
    REQUIRE(m.load_record(record("DSA-1-1", "Debian:12", "openssl", ev), "d12.json"));
    REQUIRE(m.load_record(
        record("DSA-1-2", "Debian:11", "openssl",
               ecosystem_range(R"([{"introduced": "0"}, {"fixed": "1.1.1w-0+deb11u1"}])")),
        "d11.json"));
    auto r = m.match(
        sbom_of({"pkg:deb/debian/libssl3@3.0.11-1~deb12u1?upstream=openssl&distro=debian-12",
                 "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?upstream=openssl&distro=debian-12"}));
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].id == "DSA-1-1");
    CHECK(r.findings[0].component.ecosystem == "Debian:12");
    CHECK(r.findings[0].fixed_versions == std::vector<std::string>{"3.0.11-1~deb12u2"});

    // Without a release the finding is flagged and lists the releases it holds for.
    r = m.match(sbom_of({"pkg:deb/debian/libssl3@1.0.0-1?upstream=openssl"}));
    REQUIRE(r.findings.size() == 2);
    CHECK(r.release_unknown == 2);
    for (const auto& f : r.findings)
        CHECK(f.release_unknown);
    CHECK(find(r, "DSA-1-1")->releases == std::vector<std::string>{"Debian:12"});
}

TEST_CASE("Alpine packages match by origin and release") {
    SbomMatcher m;
    REQUIRE(
        m.load_record(record("ALPINE-1", "Alpine:v3.15", "openssl",
                             ecosystem_range(R"([{"introduced": "0"}, {"fixed": "1.1.1s-r0"}])")),
                      "a.json"));
    auto r =
        m.match(sbom_of({"pkg:alpine/libssl1.1@1.1.1q-r0?upstream=openssl&distro=alpine-3.15.6",
                         "pkg:alpine/libssl1.1@1.1.1q-r0?upstream=openssl&distro=alpine-3.16.2"}));
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].component.ecosystem == "Alpine:v3.15");
}

TEST_CASE("a record read again from another feed keeps the newer copy") {
    SbomMatcher m;
    std::string older = R"({"id": "X-9", "modified": "2023-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "npm", "name": "r"},
         "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]}]})";
    std::string newer = R"({"id": "X-9", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "npm", "name": "r"},
         "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.0.0"}]}]}]})";
    REQUIRE(m.load_record(newer, "new.json"));
    REQUIRE(m.load_record(older, "old.json"));
    CHECK(m.advisory_count() == 1);
    auto r = m.match(sbom_of({"pkg:npm/r@1.5.0"}));
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].fixed_versions == std::vector<std::string>{"2.0.0"});
}

TEST_CASE("a malformed record is skipped naming the file, the JSON path and the problem") {
    SbomMatcher m;
    CHECK_FALSE(m.load_record(record("X-10", "npm", "b", semver_range(R"([{"introduced": "0"},
        {"fixed": 2}])")),
                              "typed.json"));
    REQUIRE(m.problems().size() == 1);
    CHECK(m.problems()[0].file == "typed.json");
    CHECK(m.problems()[0].where == "$.affected[0].ranges[0].events[1].fixed");
    CHECK(m.problems()[0].message == "expected a string, found a number");
    CHECK(m.problems()[0].record_skipped);

    CHECK_FALSE(m.load_record(record("X-11", "npm", "b", semver_range(R"([{"introduced": "0"},
        {"fixed": "not.a.version"}])")),
                              "version.json"));
    CHECK(m.problems()[1].where == "$.affected[0].ranges[0].events[1].fixed");
    CHECK(m.problems()[1].message.find("not.a.version") != std::string::npos);

    CHECK_FALSE(m.load_record(R"({"modified": "2024-01-01T00:00:00Z"})", "noid.json"));
    CHECK(m.problems()[2].message == "missing \"id\"");
    CHECK_FALSE(m.load_record(R"({"id": "X-12"})", "nomod.json"));
    CHECK(m.problems()[3].message == "missing \"modified\"");
    CHECK_FALSE(m.load_record(R"({"id": "X-13", "modified": "yesterday"})", "date.json"));
    CHECK(m.problems()[4].where == "$.modified");
    CHECK_FALSE(m.load_record(R"({"id": "X-14", "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "npm", "name": "q"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1.0.0"}]}]}]})",
                              "twokeys.json"));
    CHECK(m.problems()[5].where == "$.affected[0].ranges[0].events[0]");
    CHECK_FALSE(m.load_record(R"({"id": "X-15", "schema_version": "2.0.0",
        "modified": "2024-01-01T00:00:00Z"})",
                              "schema.json"));
    CHECK(m.problems()[6].where == "$.schema_version");
    CHECK(m.advisory_count() == 0);
}

TEST_CASE("broken record JSON is skipped naming the line and column") {
    SbomMatcher m;
    CHECK_FALSE(m.load_record("{\"id\": \"X-16\",\n \"modified\": }", "broken.json"));
    REQUIRE(m.problems().size() == 1);
    CHECK(m.problems()[0].message.rfind("malformed JSON", 0) == 0);
    CHECK(m.problems()[0].where.find("line 2, column 14") != std::string::npos);
    CHECK_FALSE(m.load_record("{\"id\": \"X-17\", \"modified\": \"2024-01-01T00:00:00Z\"} []",
                              "trailing.json"));
    CHECK_FALSE(m.load_record("[]", "array.json"));
    CHECK(m.problems().back().message == "expected an object, found an array");
    CHECK_FALSE(m.load_record("", "empty.json"));
}

TEST_CASE("a bad CVSS vector is reported but its record is kept") {
    SbomMatcher m;
    CHECK(m.load_record(record("X-18", "npm", "v", semver_range(R"([{"introduced": "0"}])"),
                               R"("severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:Q"}], )"),
                        "vec.json"));
    REQUIRE(m.problems().size() == 1);
    CHECK_FALSE(m.problems()[0].record_skipped);
    CHECK(m.problems()[0].where == "$.severity[0].score");
    CHECK(m.match(sbom_of({"pkg:npm/v@1.0.0"})).findings.size() == 1);
}

TEST_CASE("one bad record in a directory feed does not stop the others from loading") {
    testing::TempDir dir;
    write(dir.path() / "a/GOOD-1.json",
          record("GOOD-1", "npm", "d", semver_range(R"([{"introduced": "0"}])")));
    write(dir.path() / "b/nested/GOOD-2.json",
          record("GOOD-2", "npm", "d", semver_range(R"([{"introduced": "0"}])")));
    write(dir.path() / "b/BAD-1.json", R"({"id": "BAD-1", "modified": )");
    write(dir.path() / "b/README.md", "not a record");

    SbomMatcher m;
    FeedLoadStats s = m.load_feed(dir.path().string());
    CHECK(s.files == 3);
    CHECK(s.records == 2);
    CHECK(s.skipped == 1);
    REQUIRE(m.problems().size() == 1);
    CHECK(m.problems()[0].file == (dir.path() / "b/BAD-1.json").string());
    CHECK(m.match(sbom_of({"pkg:npm/d@1.0.0"})).findings.size() == 2);
}

TEST_CASE("a feed path that is missing or not a feed is an error") {
    SbomMatcher m;
    CHECK_THROWS_AS(m.load_feed("/nonexistent/feed"), Error);
    testing::TempDir dir;
    write(dir.path() / "fake.zip", "this is not a zip archive");
    try {
        m.load_feed((dir.path() / "fake.zip").string());
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.file() == (dir.path() / "fake.zip").string());
        CHECK(e.message().find("zip") != std::string::npos);
    }
}

TEST_CASE("time parsing accepts RFC 3339 times and dates and rejects the rest") {
    CHECK(parse_time("2024-05-01").time_since_epoch().count() == 1714521600);
    CHECK(parse_time("2024-05-01T10:00:00Z").time_since_epoch().count() == 1714557600);
    CHECK(parse_time("2024-05-01T12:00:00.123+02:00").time_since_epoch().count() == 1714557600);
    CHECK(format_time(parse_time("2024-02-29T23:59:60Z")) == "2024-03-01T00:00:00Z");
    CHECK_THROWS_AS(parse_time("2023-02-29"), Error);
    CHECK_THROWS_AS(parse_time("2024-05-01T25:00:00Z"), Error);
    CHECK_THROWS_AS(parse_time("May 1st"), Error);
}

// The real feeds and SBOMs. Findings pinned here were checked by hand against the records
// (unzip -p ../shared/data/osv/Go.zip GO-2021-0052.json, ...).
TEST_CASE("the four real OSV feeds load completely") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    SbomMatcher m;
    FeedLoadStats go = m.load_feed((data / "osv/Go.zip").string());
    FeedLoadStats crates = m.load_feed((data / "osv/crates.io.zip").string());
    FeedLoadStats alma = m.load_feed((data / "osv/AlmaLinux.zip").string());
    FeedLoadStats pypi = m.load_feed((data / "osv/PyPI.zip").string());
    CHECK(go.files == 4291);
    CHECK(crates.files == 1206);
    CHECK(alma.files == 5680);
    CHECK(pypi.files == 2661);
    CHECK(go.withdrawn == 17);
    CHECK(crates.withdrawn == 13);
    CHECK(pypi.withdrawn == 10);

    // Two PyPI records carry a fixed version that PEP 440 rejects: they are skipped and
    // reported; everything else loads.
    CHECK(go.skipped + crates.skipped + alma.skipped == 0);
    CHECK(pypi.skipped == 2);
    std::vector<std::string> skipped;
    for (const auto& p : m.problems())
        if (p.record_skipped) skipped.push_back(p.member + " " + p.where);
    std::sort(skipped.begin(), skipped.end());
    CHECK(skipped ==
          std::vector<std::string>{"PYSEC-2019-125.json $.affected[0].ranges[0].events[1].fixed",
                                   "PYSEC-2021-371.json $.affected[0].ranges[1].events[1].fixed"});

    // AlmaLinux publishes some errata once per release directory, byte for byte the same.
    CHECK(alma.superseded == 43);
    CHECK(m.advisory_count() == 4291 + 1206 + (5680 - 43) + (2661 - 2));
}

TEST_CASE("Go modules of a real SBOM match the Go advisories as their text says") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    SbomMatcher m;
    m.load_feed((data / "osv/Go.zip").string());
    Sbom s = Sbom::read((data / "sbom/cyclonedx-proton-bridge-1.8.0.json").string());
    MatchResult r = m.match(s);

    // GO-2021-0052: gin, introduced 0, fixed 1.7.7; installed v1.4.0.
    const Finding* gin = find(r, "GO-2021-0052");
    REQUIRE(gin != nullptr);
    CHECK(gin->id == "CVE-2020-28483");
    CHECK(gin->aliases ==
          std::vector<std::string>{"CVE-2020-28483", "GHSA-h395-qcrw-5vmq", "GO-2021-0052"});
    CHECK(gin->component.name == "github.com/gin-gonic/gin");
    CHECK(gin->component.purl == "pkg:golang/github.com/gin-gonic/gin@v1.4.0");
    CHECK(gin->installed_version == "1.4.0");
    CHECK(gin->fixed_versions == std::vector<std::string>{"1.7.7"});
    CHECK(gin->published == "2021-04-14T20:04:52Z");
    CHECK(gin->modified.empty());               // the feed writes the zero date
    CHECK(gin->severity == Severity::unknown);  // Go records carry no rating

    // GO-2020-0019: gorilla/websocket fixed in 1.4.1, which is the installed version.
    CHECK(find(r, "GO-2020-0019") == nullptr);
    // GO-2023-2163: nats-io/nkeys introduced in 0.4.0, above the installed v0.1.0.
    CHECK(find(r, "GO-2023-2163") == nullptr);
    // GO-2020-0036: gopkg.in/yaml.v2 fixed in 2.2.8, the installed version.
    CHECK(find(r, "GO-2020-0036") == nullptr);

    // GO-2022-0236 (also stdlib): x/net fixed at pseudo-version 0.0.0-20210428140749-...;
    // the installed pseudo-version is from 2021-04-05, so it is affected.
    const Finding* xnet = find(r, "GO-2022-0236");
    REQUIRE(xnet != nullptr);
    CHECK(xnet->installed_version == "0.0.0-20210405180319-a5a99cb37ef4");
    CHECK(xnet->fixed_versions == std::vector<std::string>{"0.0.0-20210428140749-89ef3d95e781"});
    // GO-2023-1495 was introduced at pseudo-version 0.0.0-20220524220425-..., later.
    CHECK(find(r, "GO-2023-1495") == nullptr);

    // GO-2020-0017: jwt-go, introduced at an old pseudo-version and never fixed.
    const Finding* jwt = find(r, "GO-2020-0017");
    REQUIRE(jwt != nullptr);
    CHECK(jwt->fixed_versions.empty());

    // GO-2022-0386 aliases one CVE and three GHSAs: one finding.
    const Finding* nats = find(r, "GO-2022-0386");
    REQUIRE(nats != nullptr);
    CHECK(nats->id == "CVE-2021-3127");
    CHECK(nats->aliases.size() == 5);

    // 58 (component, record) pairs, as an independent evaluation of the same ranges found.
    std::size_t pairs = 0;
    for (const auto& f : r.findings)
        pairs += f.advisories.size();
    CHECK(pairs == 58);
    CHECK(r.unmatched.empty());
}

TEST_CASE("+incompatible Go versions compare by their SemVer part") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    SbomMatcher m;
    m.load_feed((data / "osv/Go.zip").string());
    Sbom s =
        Sbom::read((data / "sbom/"
                           "spdx-syft-rancher_mirrored-library-traefik-sha256_"
                           "235dcc83f19f2eb7c31e4ffffc5f17789413876587f233fc0c3c809fbe52d279.json")
                       .string());
    MatchResult r = m.match(s);

    // GO-2024-2659: docker introduced at 25.0.0+incompatible; installed 20.10.7+incompatible.
    CHECK(find(r, "GO-2024-2659") == nullptr);
    // GO-2022-0390: docker fixed in 20.10.14+incompatible: 20.10.7 is affected.
    const Finding* docker = find(r, "GO-2022-0390");
    REQUIRE(docker != nullptr);
    CHECK(docker->installed_version == "20.10.7+incompatible");
    CHECK(docker->fixed_versions == std::vector<std::string>{"20.10.14+incompatible"});
    // GO-2024-3005: introduced 20.10.0+incompatible, fixed 25.0.6+incompatible.
    const Finding* authz = find(r, "GO-2024-3005");
    REQUIRE(authz != nullptr);
    CHECK(authz->fixed_versions == std::vector<std::string>{"25.0.6+incompatible"});

    // 160 (component, record) pairs, as an independent evaluation of the same ranges found.
    std::size_t pairs = 0;
    for (const auto& f : r.findings)
        pairs += f.advisories.size();
    CHECK(pairs == 160);

    // The vault SBOM's "(devel)" modules are reported, not guessed.
    Sbom vault =
        Sbom::read((data / "sbom/"
                           "spdx-syft-hashicorp_vault-sha256_"
                           "7fb0065690177cbc1607d5222ef7f44ac20daa75dd146ed0549cd973dc62b264.json")
                       .string());
    MatchResult rv = m.match(vault);
    CHECK_FALSE(rv.version_errors.empty());
    for (const auto& e : rv.version_errors)
        CHECK(e.version == "(devel)");
}

TEST_CASE("AlmaLinux packages match by release, and the RPM epoch decides") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    SbomMatcher m;
    m.load_feed((data / "osv/AlmaLinux.zip").string());

    // openssl-libs 1:3.0.7-27.el9 on AlmaLinux 9: ALSA-2024:2447 fixed exactly this version;
    // ALSA-2024:6783 fixed 1:3.0.7-28.el9_4 (Moderate); ALSA-2024:0310 fixed the older
    // 1:3.0.7-25.el9_3.
    Sbom s = Sbom::parse(R"({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        {"type": "operating-system", "name": "almalinux", "version": "9.2"},
        {"type": "library", "name": "openssl-libs", "version": "1:3.0.7-27.el9",
         "purl": "pkg:rpm/almalinux/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1"},
        {"type": "library", "name": "openssl-noepoch", "version": "3.0.7-27.el9",
         "purl": "pkg:rpm/almalinux/openssl-libs@3.0.7-27.el9?arch=x86_64"},
        {"type": "library", "name": "openssl-el8", "version": "1:1.1.1k-7.el8_6",
         "purl": "pkg:rpm/almalinux/openssl-libs@1.1.1k-7.el8_6?epoch=1&distro=almalinux-8.6"}]})",
                         "alma.json");
    MatchResult r = m.match(s);

    CHECK(find_for(r, "ALSA-2024:2447", "openssl-libs") == nullptr);
    CHECK(find_for(r, "ALSA-2024:0310", "openssl-libs") == nullptr);
    const Finding* f = find_for(r, "ALSA-2024:6783", "openssl-libs");
    REQUIRE(f != nullptr);
    CHECK(f->installed_version == "1:3.0.7-27.el9");
    CHECK(f->component.ecosystem == "AlmaLinux:9");
    CHECK(f->fixed_versions == std::vector<std::string>{"1:3.0.7-28.el9_4"});
    CHECK(f->severity == Severity::medium);
    CHECK(f->ecosystem_severities[0].rating == "Moderate");
    CHECK(f->related == std::vector<std::string>{"CVE-2024-6119"});
    CHECK(f->published == "2024-09-18T00:00:00Z");

    // Without its epoch the same version is epoch 0, older than every fix: all match.
    CHECK(find_for(r, "ALSA-2024:2447", "openssl-noepoch") != nullptr);
    CHECK(find_for(r, "ALSA-2024:0310", "openssl-noepoch") != nullptr);

    // The AlmaLinux 8 package only sees AlmaLinux 8 errata: ALSA-2022:5818 fixed
    // 1:1.1.1k-7.el8_6 exactly, ALSA-2023:1405 fixed 1:1.1.1k-9.el8_7 later.
    CHECK(find_for(r, "ALSA-2022:5818", "openssl-el8") == nullptr);
    const Finding* el8 = find_for(r, "ALSA-2023:1405", "openssl-el8");
    REQUIRE(el8 != nullptr);
    CHECK(el8->component.ecosystem == "AlmaLinux:8");
    CHECK(el8->severity == Severity::high);  // "Important"
    for (const auto& x : r.findings)
        if (x.component.name == "openssl-el8") CHECK(x.component.ecosystem == "AlmaLinux:8");
}

TEST_CASE("PyPI records match through ranges, last_affected and aliases") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    SbomMatcher m;
    m.load_feed((data / "osv/PyPI.zip").string());
    Sbom s = sbom_of({"pkg:pypi/requests@2.19.1", "pkg:pypi/requests@2.20.0", "pkg:pypi/py@1.11.0",
                      "pkg:pypi/Requests@2.31.0"});
    MatchResult r = m.match(s);

    // PYSEC-2018-28: introduced 0, fixed 2.20.0 (CVE-2018-18074).
    const Finding* f = find_for(r, "PYSEC-2018-28", "c0");
    REQUIRE(f != nullptr);
    CHECK(f->id == "CVE-2018-18074");
    CHECK(f->fixed_versions == std::vector<std::string>{"2.20.0"});
    CHECK(find_for(r, "PYSEC-2018-28", "c1") == nullptr);
    // PYSEC-2023-74: introduced 2.3.0, fixed 2.31.0.
    CHECK(find_for(r, "PYSEC-2023-74", "c0") != nullptr);
    CHECK(find_for(r, "PYSEC-2023-74", "c1") != nullptr);
    CHECK(find_for(r, "PYSEC-2023-74", "c3") == nullptr);
    // PYSEC-2022-42969: py, last_affected 1.11.0 (inclusive).
    CHECK(find_for(r, "PYSEC-2022-42969", "c2") != nullptr);
}

TEST_CASE("crates.io records are scored from their CVSS vectors and withdrawn ones are ignored") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    SbomMatcher m;
    m.load_feed((data / "osv/crates.io.zip").string());
    MatchResult r = m.match(sbom_of(
        {"pkg:cargo/wasmtime@5.0.0", "pkg:cargo/wasmtime@5.0.1", "pkg:cargo/ring@0.16.20"}));

    // RUSTSEC-2023-0090: CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H (9.9), fixed 5.0.1.
    const Finding* f = find_for(r, "RUSTSEC-2023-0090", "c0");
    REQUIRE(f != nullptr);
    CHECK(f->score == doctest::Approx(9.9));
    CHECK(f->severity == Severity::critical);
    CHECK(f->fixed_versions == std::vector<std::string>{"5.0.1"});
    CHECK(find_for(r, "RUSTSEC-2023-0090", "c1") == nullptr);
    // RUSTSEC-2025-0007 (ring, every version) is withdrawn.
    CHECK(m.withdrawn("RUSTSEC-2025-0007"));
    CHECK(find(r, "RUSTSEC-2025-0007") == nullptr);
}

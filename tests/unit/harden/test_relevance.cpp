// CVE relevancy: findings marked with whether their package ran, used ones first.
#include <simdjson.h>

#include <string>

#include <doctest/doctest.h>

#include "rtguard/error.hpp"
#include "rtguard/inventory.hpp"
#include "rtguard/matcher.hpp"

using rtguard::Finding;
using rtguard::FindingUse;
using rtguard::MatchResult;
using rtguard::PackageUsage;
using rtguard::PackageUse;
using rtguard::UsageReport;

namespace {

Finding finding(const std::string& id, const std::string& name, const std::string& purl) {
    Finding f;
    f.id = id;
    f.advisories = {id};
    f.aliases = {id};
    f.component.name = name;
    f.component.purl = purl;
    f.component.ecosystem = "Debian:12";
    f.installed_version = "1";
    return f;
}

PackageUsage usage(const std::string& name, const std::string& version, const std::string& purl,
                   PackageUse use, std::vector<std::string> opened = {},
                   const std::string& source = {}) {
    PackageUsage u;
    u.name = name;
    u.version = version;
    u.source_name = source.empty() ? name : source;
    u.source_version = version;
    u.purl = purl;
    u.use = use;
    u.opened = std::move(opened);
    return u;
}

// Findings in the matcher's order (by severity): unused first, so reordering shows.
MatchResult sample_result() {
    MatchResult r;
    r.sbom_file = "sbom.json";
    r.findings = {
        finding("CVE-2024-0001", "sed", "pkg:deb/debian/sed@4.9-1?arch=amd64"),
        finding("CVE-2024-0002", "libc6", "pkg:deb/debian/libc6@2.36-9?arch=amd64"),
        finding("CVE-2024-0003", "tzdata", "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all"),
        finding("CVE-2024-0004", "zlib1g", "pkg:deb/debian/zlib1g@1:1.2.13?arch=amd64&x=1"),
        finding("CVE-2024-0005", "notinstalled", "pkg:deb/debian/notinstalled@1"),
        // The matcher files a glibc advisory under one binary package of glibc.
        finding("CVE-2024-0006", "libc-bin", "pkg:deb/debian/libc-bin@2.36-9?arch=amd64"),
    };
    return r;
}

UsageReport sample_usage() {
    UsageReport u;
    u.workloads = {"container:web"};
    u.packages = {
        usage("libc6", "2.36-9", "pkg:deb/debian/libc6@2.36-9?arch=amd64", PackageUse::used,
              {"/usr/lib/x86_64-linux-gnu/libc.so.6"}, "glibc"),
        usage("libc-bin", "2.36-9", "pkg:deb/debian/libc-bin@2.36-9?arch=amd64", PackageUse::unused,
              {}, "glibc"),
        usage("sed", "4.9-1", "pkg:deb/debian/sed@4.9-1?arch=amd64", PackageUse::unused),
        usage("tzdata", "2024a-0+deb12u1", "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all",
              PackageUse::pattern),
        // Another spelling of the purl: found by name and the purl's version.
        usage("zlib1g", "1:1.2.13", "pkg:deb/debian/zlib1g@1:1.2.13?arch=amd64&distro=debian-12",
              PackageUse::used, {"/usr/lib/x86_64-linux-gnu/libz.so.1"}),
        usage("zlib1g", "1:1.2.11", "pkg:deb/debian/zlib1g@1:1.2.11?arch=i386", PackageUse::unused),
    };
    return u;
}

std::vector<std::string> ids(const MatchResult& r) {
    std::vector<std::string> out;
    for (const auto& f : r.findings)
        out.push_back(f.id);
    return out;
}

}  // namespace

TEST_CASE("findings of used packages come first, then pattern-only, keeping the matcher's order") {
    MatchResult r = sample_result();
    auto marks = rtguard::order_findings_by_use(r, sample_usage());

    CHECK(ids(r) == std::vector<std::string>{"CVE-2024-0002", "CVE-2024-0004", "CVE-2024-0006",
                                             "CVE-2024-0003", "CVE-2024-0001", "CVE-2024-0005"});
    REQUIRE(marks.size() == 6);
    CHECK(marks[0].use == PackageUse::used);
    CHECK(marks[0].package == "libc6");
    CHECK(marks[0].paths == std::vector<std::string>{"/usr/lib/x86_64-linux-gnu/libc.so.6"});
    CHECK(marks[1].use == PackageUse::used);  // zlib1g 1:1.2.13, not the unused i386 1.2.11
    CHECK(marks[1].paths == std::vector<std::string>{"/usr/lib/x86_64-linux-gnu/libz.so.1"});
    CHECK(marks[2].use == PackageUse::used);  // libc-bin did not run, libc6 of glibc did
    CHECK(marks[2].package == "libc6");
    CHECK(marks[3].use == PackageUse::pattern);
    CHECK(marks[4].use == PackageUse::unused);
    CHECK(marks[4].known);
    CHECK_FALSE(marks[5].known);
}

TEST_CASE("the findings JSON with use marks keeps every finding field and adds the marks") {
    MatchResult r = sample_result();
    UsageReport u = sample_usage();
    auto marks = rtguard::order_findings_by_use(r, u);
    std::string json = rtguard::findings_with_use_to_json(r, {}, marks, u);
    std::string plain = rtguard::findings_to_json(r, {});

    simdjson::dom::parser p1, p2;
    simdjson::padded_string a(json), b(plain);
    auto with = p1.parse(a);
    auto without = p2.parse(b);
    REQUIRE(with.error() == simdjson::SUCCESS);
    REQUIRE(without.error() == simdjson::SUCCESS);

    CHECK(std::string_view(with["format"]) == "rtguard-findings");
    CHECK(uint64_t(with["usage"]["findings_in_use"]) == 3);
    CHECK(uint64_t(with["usage"]["findings_pattern"]) == 1);
    CHECK(uint64_t(with["usage"]["findings_not_in_use"]) == 2);

    simdjson::dom::array fw = with["findings"], fo = without["findings"];
    REQUIRE(fw.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
        CAPTURE(i);
        // Every original member is there with the same value.
        simdjson::dom::object original = fo.at(i);
        for (auto [key, value] : original)
            CHECK(simdjson::to_string(fw.at(i)[key].value()) == simdjson::to_string(value));
    }
    CHECK(bool(fw.at(0)["in_use"]) == true);
    CHECK(std::string_view(fw.at(0)["use"]) == "used");
    CHECK(std::string_view(fw.at(2)["used_package"]) == "libc6");
    CHECK(std::string_view(fw.at(3)["use"]) == "pattern");
    CHECK(bool(fw.at(3)["in_use"]) == false);
    CHECK(std::string_view(fw.at(5)["use"]) == "unknown");
}

TEST_CASE("SARIF results carry the use mark in their property bag") {
    MatchResult r = sample_result();
    auto marks = rtguard::order_findings_by_use(r, sample_usage());
    std::string sarif = rtguard::findings_with_use_to_sarif(r, marks);

    simdjson::dom::parser parser;
    simdjson::padded_string padded(sarif);
    auto doc = parser.parse(padded);
    REQUIRE(doc.error() == simdjson::SUCCESS);
    simdjson::dom::array results = doc["runs"].at(0)["results"];
    REQUIRE(results.size() == 6);
    CHECK(std::string_view(results.at(0)["ruleId"]) == "CVE-2024-0002");
    CHECK(bool(results.at(0)["properties"]["rtguard/in_use"]) == true);
    CHECK(std::string_view(results.at(4)["properties"]["rtguard/use"]) == "unused");
}

TEST_CASE("use marks that do not match the findings are refused") {
    MatchResult r = sample_result();
    std::vector<FindingUse> marks(2);
    CHECK_THROWS_AS(rtguard::findings_with_use_to_sarif(r, marks), rtguard::Error);
    CHECK_THROWS_AS(rtguard::findings_with_use_to_json(r, {}, marks, sample_usage()),
                    rtguard::Error);
}

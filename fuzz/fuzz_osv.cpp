// libFuzzer harness: OSV records (SbomMatcher::load_record) and matching them.
//
// Input: up to four OSV JSON records separated by form feeds (never valid inside JSON). The
// records are loaded into a matcher, matched against a fixed SBOM with one package of every
// ecosystem the matcher orders, and the findings are written as JSON and SARIF, which must
// be well-formed JSON whatever the records held.
#include <simdjson.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "rtguard/error.hpp"
#include "rtguard/matcher.hpp"
#include "rtguard/sbom.hpp"

namespace {

// Package names the seed records use, so mutations of them keep matching something.
constexpr std::string_view sbom_text = R"({
  "bomFormat": "CycloneDX", "specVersion": "1.5",
  "metadata": {"component": {"type": "container", "name": "fuzz-image"}},
  "components": [
    {"type": "operating-system", "name": "debian", "version": "12"},
    {"type": "library", "name": "m", "version": "v1.2.3", "purl": "pkg:golang/example.com/m@v1.2.3"},
    {"type": "library", "name": "demo", "version": "1.2.3", "purl": "pkg:pypi/demo@1.2.3"},
    {"type": "library", "name": "demo", "version": "1.2.3", "purl": "pkg:cargo/demo@1.2.3"},
    {"type": "library", "name": "demo", "version": "1.2.3", "purl": "pkg:npm/demo@1.2.3"},
    {"type": "library", "name": "demo", "version": "1.2.3", "purl": "pkg:maven/org.demo/demo@1.2.3"},
    {"type": "library", "name": "demo", "version": "1.2.3", "purl": "pkg:gem/demo@1.2.3"},
    {"type": "library", "name": "Demo", "version": "1.2.3", "purl": "pkg:nuget/Demo@1.2.3"},
    {"type": "library", "name": "demo", "version": "1.2.3", "purl": "pkg:composer/demo/demo@1.2.3"},
    {"type": "library", "name": "demo", "version": "1.2-3", "purl": "pkg:deb/debian/demo@1.2-3?distro=debian-12"},
    {"type": "library", "name": "demo", "version": "1.2.3-r0", "purl": "pkg:apk/alpine/demo@1.2.3-r0?distro=3.18.4"},
    {"type": "library", "name": "demo", "version": "1.2.3-1.el9", "purl": "pkg:rpm/almalinux/demo@1.2.3-1.el9?distro=almalinux-9"}
  ]
})";

const rtguard::Sbom& fixed_sbom() {
    static const rtguard::Sbom sbom = rtguard::Sbom::parse(sbom_text, "fuzz-image.cdx.json");
    return sbom;
}

void check_json(const std::string& text, const char* what) {
    static simdjson::dom::parser parser;
    simdjson::dom::element root;
    auto error = parser.parse(text).get(root);
    RTGUARD_FUZZ_CHECK(!error,
                       std::string(what) + " is not valid JSON: " + simdjson::error_message(error));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtguard;
    std::string_view rest = fuzz::as_text(data, size);

    SbomMatcher matcher;
    std::size_t loaded = 0;
    for (int i = 0; i < 4 && !rest.empty(); ++i) {
        auto ff = rest.find('\f');
        std::string_view record = rest.substr(0, ff);
        rest = ff == std::string_view::npos ? std::string_view{} : rest.substr(ff + 1);

        std::size_t problems_before = matcher.problems().size();
        bool ok = matcher.load_record(record, "record-" + std::to_string(i) + ".json");
        if (ok) ++loaded;
        RTGUARD_FUZZ_CHECK(ok || matcher.problems().size() > problems_before,
                           "a skipped record is listed in problems()");
    }
    for (const FeedProblem& p : matcher.problems()) {
        RTGUARD_FUZZ_CHECK(!p.file.empty() && !p.message.empty(), "problems say where and why");
    }
    RTGUARD_FUZZ_CHECK(matcher.advisory_count() <= loaded, "no more advisories than records");

    MatchResult all = matcher.match(fixed_sbom());
    check_json(findings_to_json(all), "findings");
    check_json(findings_to_sarif(all), "SARIF");

    MatchOptions narrow;
    narrow.since = std::chrono::sys_seconds{std::chrono::seconds{1'600'000'000}};
    narrow.min_severity = Severity::medium;
    MatchResult some = matcher.match(fixed_sbom(), narrow);
    RTGUARD_FUZZ_CHECK(some.findings.size() <= all.findings.size(), "filters only remove");
    check_json(findings_to_json(some, narrow), "filtered findings");
    return 0;
}

// Package URLs: the purl specification's test suite (../shared/data/purl/tests) and
// rtguard's own cases.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <simdjson.h>

#include "rtguard/error.hpp"
#include "rtguard/purl.hpp"
#include "test_support.hpp"

using namespace rtguard;

namespace {

using Qualifiers = std::vector<std::pair<std::string, std::string>>;

std::string field(simdjson::dom::element obj, const char* key) {
    simdjson::dom::element v;
    if (obj[key].get(v) || v.is_null()) return {};
    return std::string(std::string_view(v));
}

Qualifiers qualifiers_of(simdjson::dom::element obj) {
    Qualifiers out;
    simdjson::dom::object q;
    if (obj["qualifiers"].get(q)) return out;  // null or absent
    for (auto [k, v] : q)
        out.emplace_back(std::string(k), std::string(std::string_view(v)));
    std::sort(out.begin(), out.end());
    return out;
}

Purl build_from(simdjson::dom::element in) {
    return Purl::build(field(in, "type"), field(in, "namespace"), field(in, "name"),
                       field(in, "version"), qualifiers_of(in), field(in, "subpath"));
}

void check_components(const Purl& p, simdjson::dom::element expected) {
    CHECK(p.type == field(expected, "type"));
    CHECK(p.namespace_ == field(expected, "namespace"));
    CHECK(p.name == field(expected, "name"));
    CHECK(p.version == field(expected, "version"));
    CHECK(p.subpath == field(expected, "subpath"));
    Qualifiers want = qualifiers_of(expected);
    want.erase(std::remove_if(want.begin(), want.end(), [](auto& q) { return q.second.empty(); }),
               want.end());
    CHECK(p.qualifiers == want);
}

bool throws_bad_purl(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code() == errc::bad_purl;
    }
    return false;
}

}  // namespace

TEST_CASE("the purl specification's test suite passes") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    std::vector<std::filesystem::path> files = {data / "purl/tests/spec/specification-test.json"};
    for (const auto& entry : std::filesystem::directory_iterator(data / "purl/tests/types"))
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() > 10);

    std::map<std::string, int> ran;  // per test type
    int failures_expected = 0, contradicted = 0, roundtrips = 0;
    simdjson::dom::parser parser;
    for (const auto& file : files) {
        simdjson::dom::element doc;
        REQUIRE_MESSAGE(!parser.load(file.string()).get(doc), "cannot parse " << file);
        simdjson::dom::array tests;
        REQUIRE_MESSAGE(!doc["tests"].get(tests), file << ": no \"tests\" array");

        // Inputs whose canonical form a "validate" case gives; used to spot parse cases
        // that the suite contradicts itself on.
        std::map<std::string, std::string> validated;
        for (auto t : tests) {
            if (field(t, "test_type") == "validate" && !bool(t["expected_failure"]))
                validated[field(t, "input")] = field(t, "expected_output");
        }

        for (auto t : tests) {
            std::string type = field(t, "test_type"), description = field(t, "description");
            bool failure = bool(t["expected_failure"]);
            CAPTURE(file.filename().string());
            CAPTURE(description);
            ++ran[type];

            if (type == "parse" || type == "validate") {
                std::string input = field(t, "input");
                CAPTURE(input);
                if (failure && validated.count(input)) {
                    // The suite says this input must fail to parse (an upper-case qualifier
                    // key) and, in a "validate" case, that it normalizes to a canonical form.
                    // The specification's text makes keys case-insensitive, so rtguard
                    // follows the validate case.
                    ++contradicted;
                    CHECK(Purl::parse(input).to_string() == validated[input]);
                    continue;
                }
                if (failure) {
                    ++failures_expected;
                    CHECK(throws_bad_purl([&] { Purl::parse(input); }));
                    continue;
                }
                Purl p = Purl::parse(input);
                if (type == "parse")
                    check_components(p, t["expected_output"]);
                else
                    CHECK(p.to_string() == field(t, "expected_output"));

                // Every canonical form parses back to itself.
                CHECK(Purl::parse(p.to_string()).to_string() == p.to_string());
                ++roundtrips;
            } else if (type == "build") {
                if (failure) {
                    ++failures_expected;
                    CHECK(throws_bad_purl([&] { build_from(t["input"]); }));
                    continue;
                }
                Purl p = build_from(t["input"]);
                CHECK(p.to_string() == field(t, "expected_output"));
                CHECK(Purl::parse(p.to_string()).to_string() == p.to_string());
                ++roundtrips;
            } else {
                FAIL_CHECK("unknown test_type '" << type << "'");
            }
        }
    }

    int total = 0;
    for (auto& [type, n] : ran)
        total += n;
    MESSAGE("purl suite: " << total << " cases from " << files.size() << " files: " << ran["parse"]
                           << " parse, " << ran["validate"] << " validate, " << ran["build"]
                           << " build; " << failures_expected << " expected failures; "
                           << roundtrips << " round trips; " << contradicted
                           << " parse cases contradicted by validate cases");
    CHECK(total > 500);
}

TEST_CASE("a purl is parsed into decoded components") {
    Purl p = Purl::parse("pkg:deb/debian/curl@7.50.3-1%2Bdeb9u1?distro=stretch&arch=i386#a/b");
    CHECK(p.type == "deb");
    CHECK(p.namespace_ == "debian");
    CHECK(p.name == "curl");
    CHECK(p.version == "7.50.3-1+deb9u1");
    CHECK(p.qualifier("arch") == "i386");
    CHECK(p.qualifier("distro") == "stretch");
    CHECK(p.qualifier("missing").empty());
    CHECK(p.subpath == "a/b");
    CHECK(p.to_string() == "pkg:deb/debian/curl@7.50.3-1%2Bdeb9u1?arch=i386&distro=stretch#a/b");
}

TEST_CASE("an npm scope keeps its '@' and is not taken for a version") {
    Purl p = Purl::parse("pkg:npm/@babel/core");
    CHECK(p.namespace_ == "@babel");
    CHECK(p.name == "core");
    CHECK(p.version.empty());
    CHECK(p.to_string() == "pkg:npm/%40babel/core");
}

TEST_CASE("malformed purls are rejected saying what is wrong") {
    auto message = [](const char* text) {
        try {
            Purl::parse(text);
        } catch (const Error& e) {
            CHECK(e.code() == errc::bad_purl);
            return std::string(e.what());
        }
        FAIL("no error for " << text);
        return std::string();
    };
    CHECK(message("npm/foo@1").find("pkg:") != std::string::npos);
    CHECK(message("pkg:npm").find("missing") != std::string::npos);
    CHECK(message("pkg:npm/foo@1?a=1&a=2").find("twice") != std::string::npos);
    CHECK(message("pkg:npm/foo%2").find("percent") != std::string::npos);
    CHECK(message("pkg:npm/foo?1a=b").find("qualifier key") != std::string::npos);
    CHECK(message("pkg:9npm/foo").find("type") != std::string::npos);
    CHECK(message("pkg:npm/fo\no").find("control") != std::string::npos);
    // An encoded '/' would not survive the canonical form.
    CHECK(message("pkg:npm/a%2Fb/c").find("'/'") != std::string::npos);
    CHECK(message("pkg:npm/c#a%2Fb").find("'/'") != std::string::npos);
    CHECK_THROWS_AS(Purl::build("npm", "", "a/b"), Error);
}

// Tests of rtguard/sbom.hpp: CycloneDX and SPDX readers.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "rtguard/error.hpp"
#include "rtguard/sbom.hpp"
#include "test_support.hpp"

using namespace rtguard;

namespace {

const Component* find_component(const Sbom& s, std::string_view name, std::string_view version) {
    for (const auto& c : s.components())
        if (c.name == name && (version.empty() || c.version == version)) return &c;
    return nullptr;
}

// Parses `json` and returns the error it raises; fails the test when it does not raise.
Error parse_error(const std::string& json) {
    try {
        (void)Sbom::parse(json, "bad.json");
    } catch (const Error& e) {
        return e;
    }
    FAIL("no error for " << json);
    return Error(errc::parse_error, "unreachable");
}

}  // namespace

TEST_CASE("a CycloneDX SBOM from cyclonedx-gomod lists every Go module with its purl") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    Sbom s = Sbom::read((data / "sbom/cyclonedx-proton-bridge-1.8.0.json").string());
    CHECK(s.format() == SbomFormat::cyclonedx);
    CHECK(s.spec_version() == "1.2");
    CHECK(s.name() == "github.com/ProtonMail/proton-bridge");

    // 201 components plus the subject, which has a purl of its own.
    CHECK(s.components().size() == 202);
    const Component* gin = find_component(s, "github.com/gin-gonic/gin", "v1.4.0");
    REQUIRE(gin != nullptr);
    CHECK(gin->purl == "pkg:golang/github.com/gin-gonic/gin@v1.4.0");
    CHECK(gin->ecosystem == "Go");
    CHECK(gin->match_name == "github.com/gin-gonic/gin");
    CHECK(gin->match_version == "1.4.0");  // OSV's Go ranges have no 'v'
    CHECK(gin->where == "$.components[64]");
    CHECK_FALSE(gin->release_unknown);
}

TEST_CASE("a CycloneDX npm SBOM maps scoped packages to OSV's @scope/name") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    Sbom s = Sbom::read((data / "sbom/cyclonedx-juice-shop-11.1.2.json").string());
    CHECK(s.components().size() == 841);
    const Component* is = find_component(s, "is", "0.7.0");
    REQUIRE(is != nullptr);
    CHECK(is->ecosystem == "npm");
    CHECK(is->match_name == "@sindresorhus/is");
    CHECK(is->match_version == "0.7.0");
}

TEST_CASE("a Syft SPDX SBOM gives Alpine packages their origin and release") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    Sbom s =
        Sbom::read((data / "sbom/"
                           "spdx-syft-grafana_grafana-sha256_"
                           "2a73ae33c9f0c51af6eced2ef185d5d3682b4c378c4fdd6941a14e8ea4a3e95b.json")
                       .string());
    CHECK(s.format() == SbomFormat::spdx);
    CHECK(s.spec_version() == "SPDX-2.3");
    CHECK(s.components().size() == 568);

    const Component* ssl = find_component(s, "libssl1.1", "");
    REQUIRE(ssl != nullptr);
    CHECK(ssl->ecosystem == "Alpine");
    CHECK(ssl->match_name == "openssl");  // the upstream (origin) qualifier
    CHECK(ssl->release == "v3.15");       // distro=alpine-3.15.6
    CHECK_FALSE(ssl->release_unknown);

    // A binary found by its file has no purl; it is kept, not dropped.
    const Component* busybox = find_component(s, "busybox", "1.34.1");
    REQUIRE(busybox != nullptr);
    CHECK(busybox->purl.empty());
    CHECK(busybox->ecosystem.empty());
}

TEST_CASE("a Trivy SPDX SBOM names its operating system and source packages") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    Sbom s =
        Sbom::read((data / "sbom/"
                           "spdx-trivy-grafana_grafana-sha256_"
                           "2a73ae33c9f0c51af6eced2ef185d5d3682b4c378c4fdd6941a14e8ea4a3e95b.json")
                       .string());
    CHECK(s.os().id == "alpine");
    CHECK(s.os().version == "3.15.6");
    const Component* bash = find_component(s, "bash", "5.1.16-r0");
    REQUIRE(bash != nullptr);
    CHECK(bash->purl == "pkg:apk/alpine/bash@5.1.16-r0?distro=3.15.6");
    CHECK(bash->ecosystem == "Alpine");
    CHECK(bash->source_name == "bash");
    CHECK(bash->release == "v3.15");

    // The OS itself is not a package, and application entries without purls stay listed.
    CHECK(find_component(s, "alpine", "3.15.6") == nullptr);
    CHECK(std::count_if(s.components().begin(), s.components().end(),
                        [](const Component& c) { return c.purl.empty(); }) == 2);
}

TEST_CASE("nested CycloneDX components are flattened and the OS component scopes packages") {
    Sbom s = Sbom::parse(R"({
      "bomFormat": "CycloneDX", "specVersion": "1.5",
      "metadata": {"component": {"type": "container", "name": "registry/app:1"}},
      "components": [
        {"type": "operating-system", "name": "debian", "version": "12.4"},
        {"type": "application", "name": "app", "components": [
          {"type": "library", "name": "libssl3", "version": "3.0.11-1~deb12u2",
           "purl": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl"},
          {"type": "library", "name": "zlib1g", "version": "1:1.2.13.dfsg-1",
           "purl": "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64",
           "properties": [{"name": "aquasecurity:trivy:SrcName", "value": "zlib"},
                          {"name": "aquasecurity:trivy:SrcVersion", "value": "1.2.13.dfsg"},
                          {"name": "aquasecurity:trivy:SrcRelease", "value": "1"},
                          {"name": "aquasecurity:trivy:SrcEpoch", "value": "1"}]}
        ]}
      ]})",
                         "nested.json");
    CHECK(s.name() == "registry/app:1");
    CHECK(s.os().id == "debian");
    REQUIRE(s.components().size() == 3);  // app, libssl3, zlib1g; the subject has no purl
    const Component& ssl = s.components()[1];
    CHECK(ssl.where == "$.components[1].components[0]");
    CHECK(ssl.ecosystem == "Debian");
    CHECK(ssl.match_name == "openssl");
    CHECK(ssl.release == "12");
    const Component& zlib = s.components()[2];
    CHECK(zlib.match_name == "zlib");
    CHECK(zlib.match_version == "1:1.2.13.dfsg-1");
    CHECK(s.components()[0].purl.empty());
}

TEST_CASE("purl qualifiers give RPM epochs, distribution releases and code names") {
    Sbom s = Sbom::parse(R"({
      "spdxVersion": "SPDX-2.2", "SPDXID": "SPDXRef-DOCUMENT", "name": "doc",
      "packages": [
        {"SPDXID": "SPDXRef-a", "name": "openssl-libs", "versionInfo": "3.0.7-27.el9",
         "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
           "referenceLocator":
             "pkg:rpm/almalinux/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1&distro=almalinux-9.2"
        }]},
        {"SPDXID": "SPDXRef-b", "name": "curl", "versionInfo": "7.88.1-10+deb12u5",
         "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
           "referenceLocator": "pkg:deb/debian/curl@7.88.1-10+deb12u5?distro=bookworm"}]},
        {"SPDXID": "SPDXRef-c", "name": "stdlib", "versionInfo": "go1.21rc2",
         "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
           "referenceLocator": "pkg:golang/stdlib@go1.21rc2"}]},
        {"SPDXID": "SPDXRef-d", "name": "musl", "versionInfo": "1.2.4-r2",
         "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
           "referenceLocator": "pkg:apk/alpine/musl@1.2.4-r2"}]},
        {"SPDXID": "SPDXRef-e", "name": "Django_Rest-framework", "versionInfo": "3.14.0",
         "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
           "referenceLocator": "pkg:pypi/Django_Rest-framework@3.14.0"}]}
      ]})",
                         "quals.json");
    REQUIRE(s.components().size() == 5);
    const auto& c = s.components();
    CHECK(c[0].ecosystem == "AlmaLinux");
    CHECK(c[0].match_version == "1:3.0.7-27.el9");
    CHECK(c[0].release == "9");
    CHECK(c[1].release == "12");
    CHECK(c[1].match_name == "curl");  // no source named: the binary name
    CHECK(c[2].match_name == "stdlib");
    CHECK(c[2].match_version == "1.21.0-rc.2");
    CHECK(c[3].ecosystem == "Alpine");
    CHECK(c[3].release_unknown);  // no distro qualifier and no OS component
    CHECK(c[4].ecosystem == "PyPI");
    CHECK(c[4].match_name == "django-rest-framework");
}

TEST_CASE("a malformed purl keeps its component and says why") {
    Sbom s = Sbom::parse(R"({"bomFormat": "CycloneDX", "specVersion": "1.4",
      "components": [{"type": "library", "name": "x", "purl": "npm/left-pad@1.0.0"}]})",
                         "p.json");
    REQUIRE(s.components().size() == 1);
    CHECK_FALSE(s.components()[0].purl_error.empty());
    CHECK(s.components()[0].ecosystem.empty());
}

TEST_CASE("broken SBOM JSON is rejected naming the file, line and column") {
    Error e = parse_error("{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.4\",,\n}");
    CHECK(e.code() == errc::parse_error);
    CHECK(e.file() == "bad.json");
    CHECK(e.where() == "line 3, column 24");  // the second comma

    // A truncated file and bytes that are not UTF-8 are syntax errors too.
    CHECK(parse_error(R"({"bomFormat": "CycloneDX", "components": [)").code() == errc::parse_error);
    CHECK(parse_error("{\"bomFormat\": \"Cyclone\xff\"}").code() == errc::parse_error);
}

TEST_CASE("SBOM fields of the wrong type are rejected naming the JSON path") {
    Error e = parse_error(R"({"bomFormat": "CycloneDX", "specVersion": "1.4",
      "components": [{"name": "a"}, {"name": 7}]})");
    CHECK(e.code() == errc::bad_value);
    CHECK(e.where() == "$.components[1].name");
    CHECK(e.message() == "expected a string, found a number");

    e = parse_error(R"({"bomFormat": "CycloneDX", "specVersion": "1.4", "components": {}})");
    CHECK(e.where() == "$.components");

    e = parse_error(R"({"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "SPDXRef-a",
      "name": "x", "externalRefs": [{"referenceType": "purl", "referenceLocator": ["a"]}]}]})");
    CHECK(e.where() == "$.packages[0].externalRefs[0].referenceLocator");
}

TEST_CASE("SBOMs missing required fields are rejected naming the JSON path") {
    Error e = parse_error(R"({"bomFormat": "CycloneDX", "specVersion": "1.4",
      "components": [{"type": "library", "version": "1"}]})");
    CHECK(e.code() == errc::missing_field);
    CHECK(e.where() == "$.components[0]");
    CHECK(e.message() == "missing \"name\"");

    e = parse_error(R"({"spdxVersion": "SPDX-2.3", "packages": [{"name": "x"}]})");
    CHECK(e.code() == errc::missing_field);
    CHECK(e.where() == "$.packages[0]");

    e = parse_error(R"({"bomFormat": "CycloneDX"})");
    CHECK(e.code() == errc::missing_field);
}

TEST_CASE("unknown SBOM formats and versions are rejected") {
    CHECK(parse_error(R"({"bomFormat": "CycloneDX", "specVersion": "1.1"})").where() ==
          "$.specVersion");
    CHECK(parse_error(R"({"bomFormat": "CycloneDX", "specVersion": "1.1"})").code() ==
          errc::schema_mismatch);
    CHECK(parse_error(R"({"spdxVersion": "SPDX-2.1", "packages": []})").code() ==
          errc::schema_mismatch);
    CHECK(parse_error(R"({"bomFormat": "SWID"})").code() == errc::schema_mismatch);
    CHECK(parse_error(R"({"packages": []})").code() == errc::schema_mismatch);
    CHECK(parse_error(R"([{"bomFormat": "CycloneDX"}])").where() == "$");
}

TEST_CASE("reading a missing SBOM file keeps the errno") {
    try {
        (void)Sbom::read("/nonexistent/sbom.json");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code().value() == ENOENT);
        CHECK(e.file() == "/nonexistent/sbom.json");
    }
}

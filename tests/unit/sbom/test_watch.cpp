// Tests of the Watcher in rtguard/matcher.hpp: inventories and the watch state.
#include <doctest/doctest.h>

#include <fstream>

#include "core/atomic_file.hpp"
#include "rtguard/error.hpp"
#include "rtguard/matcher.hpp"
#include "test_support.hpp"

using namespace rtguard;

namespace {

void write(const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

std::string npm_record(const std::string& id, const std::string& name, const std::string& fixed,
                       const std::string& extra = "") {
    return R"({"id": ")" + id +
           R"(", "modified": "2024-01-02T00:00:00Z", "published": "2024-01-01T00:00:00Z", )" +
           extra + R"("affected": [{"package": {"ecosystem": "npm", "name": ")" + name +
           R"("}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": ")" +
           fixed + R"("}]}]}]})";
}

std::string npm_sbom(const std::vector<std::string>& purls) {
    std::string json = R"({"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [)";
    for (std::size_t i = 0; i < purls.size(); ++i) {
        if (i) json += ",";
        json += R"({"type": "library", "name": "n)" + std::to_string(i) + R"(", "purl": ")" +
                purls[i] + "\"}";
    }
    return json + "]}";
}

// A feed directory, two images and their SBOMs, laid out like a deployment would be.
struct Fleet {
    testing::TempDir dir;
    std::string feed = (dir.path() / "feed").string();
    std::string inventory = (dir.path() / "deploy/inventory.json").string();
    std::string state = (dir.path() / "state.json").string();

    Fleet() {
        write(dir.path() / "feed/A-1.json", npm_record("A-1", "alpha", "2.0.0"));
        write(dir.path() / "feed/A-2.json",
              npm_record("A-2", "beta", "1.5.0", R"("severity": [{"type": "CVSS_V3",
                  "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}], )"));
        write(dir.path() / "feed/A-3.json", npm_record("A-3", "alpha", "1.1.0"));
        write(dir.path() / "deploy/sboms/web.json",
              npm_sbom({"pkg:npm/alpha@1.0.0", "pkg:npm/beta@1.0.0"}));
        write(dir.path() / "deploy/sboms/api.json", npm_sbom({"pkg:npm/alpha@1.2.0"}));
        write(dir.path() / "deploy/inventory.json", R"([
          {"image": "registry/web:1", "sbom": "sboms/web.json",
           "deployed_at": "2023-12-01T00:00:00Z"},
          {"image": "registry/api:3", "sbom": "sboms/api.json",
           "deployed_at": "2024-02-01T00:00:00Z"}])");
    }

    WatchReport run() {
        SbomMatcher m;
        m.load_feed(feed);
        Watcher w(m, state);
        return w.run(read_inventory(inventory));
    }
};

}  // namespace

TEST_CASE("an inventory resolves SBOM paths against its own directory") {
    Fleet f;
    auto inv = read_inventory(f.inventory);
    REQUIRE(inv.size() == 2);
    CHECK(inv[0].image == "registry/web:1");
    CHECK(inv[0].sbom == (f.dir.path() / "deploy/sboms/web.json").string());
    CHECK(inv[1].deployed == parse_time("2024-02-01T00:00:00Z"));
}

TEST_CASE("a malformed inventory is rejected naming the JSON path") {
    testing::TempDir dir;
    auto bad = [&](const std::string& text) {
        write(dir.path() / "inv.json", text);
        try {
            (void)read_inventory((dir.path() / "inv.json").string());
        } catch (const Error& e) {
            CHECK(e.file() == (dir.path() / "inv.json").string());
            return e.where();
        }
        FAIL("no error for " << text);
        return std::string();
    };
    CHECK(bad(R"({"image": "x"})") == "$");
    CHECK(bad(R"([{"image": "x", "sbom": "s.json"}])") == "$[0]");
    CHECK(bad(R"([{"image": "x", "sbom": 3, "deployed_at": "2024-01-01"}])") == "$[0].sbom");
    CHECK(bad(R"([{"image": "x", "sbom": "s", "deployed_at": "soon"}])") == "$[0].deployed_at");
    CHECK(bad(R"([{"image": "x", "sbom": "s", "deployed_at": "2024-01-01"},
                  {"image": "x", "sbom": "t", "deployed_at": "2024-01-01"}])") == "$[1].image");
    CHECK(bad("[{\"image\": \"x\",\n \"sbom\": }]") == "line 2, column 10");
}

TEST_CASE("a watch reports findings once, then nothing new") {
    Fleet f;
    WatchReport first = f.run();
    // web: alpha 1.0.0 (A-1, A-3), beta 1.0.0 (A-2, critical); api: alpha 1.2.0 (A-1).
    CHECK(first.images == 2);
    REQUIRE(first.new_findings.size() == 4);
    CHECK(first.known == 0);
    CHECK(first.exit_status() == 3);
    for (const auto& n : first.new_findings) {
        // Published 2024-01-01: after web was deployed, before api was.
        CHECK(n.disclosed_after_deploy == (n.image == "registry/web:1"));
    }

    // The state is a versioned, self-describing file.
    std::string state = detail::read_file(f.state);
    CHECK(state.find("\"format\": \"rtguard-watch-state\"") != std::string::npos);
    CHECK(state.find("\"schema\": 1") != std::string::npos);

    WatchReport second = f.run();
    CHECK(second.new_findings.empty());
    CHECK(second.retractions.empty());
    CHECK(second.known == 4);
    CHECK(second.exit_status() == 0);
}

TEST_CASE("a withdrawn advisory is retracted on the next watch") {
    Fleet f;
    REQUIRE(f.run().new_findings.size() == 4);
    write(f.dir.path() / "feed/A-3.json",
          npm_record("A-3", "alpha", "1.1.0", R"("withdrawn": "2024-03-01T00:00:00Z", )"));
    WatchReport r = f.run();
    CHECK(r.new_findings.empty());
    REQUIRE(r.retractions.size() == 1);
    CHECK(r.retractions[0].image == "registry/web:1");
    CHECK(r.retractions[0].component == "pkg:npm/alpha@1.0.0");
    CHECK(r.retractions[0].vulnerability == "A-3");
    CHECK(r.retractions[0].reason == "withdrawn");
    CHECK(r.exit_status() == 0);

    // Retracted once, then forgotten.
    CHECK(f.run().retractions.empty());
}

TEST_CASE("a corrected range and a removed image are retracted with their reason") {
    Fleet f;
    REQUIRE(f.run().new_findings.size() == 4);
    write(f.dir.path() / "feed/A-1.json", npm_record("A-1", "alpha", "1.1.0"));
    write(f.inventory, R"([{"image": "registry/web:1", "sbom": "sboms/web.json",
                            "deployed_at": "2023-12-01T00:00:00Z"}])");
    WatchReport r = f.run();
    REQUIRE(r.retractions.size() == 1);
    CHECK(r.retractions[0].image == "registry/api:3");
    CHECK(r.retractions[0].reason == "image removed from inventory");

    write(f.inventory, R"([{"image": "registry/web:1", "sbom": "sboms/web.json",
                            "deployed_at": "2023-12-01T00:00:00Z"},
                           {"image": "registry/api:3", "sbom": "sboms/api.json",
                            "deployed_at": "2024-02-01T00:00:00Z"}])");
    write(f.dir.path() / "feed/A-1.json", npm_record("A-1", "alpha", "1.0.0"));
    r = f.run();
    REQUIRE(r.retractions.size() == 1);
    CHECK(r.retractions[0].image == "registry/web:1");
    CHECK(r.retractions[0].vulnerability == "A-1");
    CHECK(r.retractions[0].reason == "no longer matches");
}

TEST_CASE("a new alias of a reported vulnerability is not reported again") {
    Fleet f;
    REQUIRE(f.run().new_findings.size() == 4);
    // A GHSA record aliasing A-2 arrives: the finding's representative id changes.
    write(f.dir.path() / "feed/GHSA-2.json", npm_record("GHSA-xxxx-yyyy-zzzz", "beta", "1.5.0",
                                                        R"("aliases": ["A-2", "CVE-2024-2"], )"));
    WatchReport r = f.run();
    CHECK(r.new_findings.empty());
    CHECK(r.retractions.empty());
    CHECK(r.known == 4);
    CHECK(detail::read_file(f.state).find("CVE-2024-2") != std::string::npos);
}

TEST_CASE("an unreadable SBOM is an error that keeps the image's reported pairs") {
    Fleet f;
    REQUIRE(f.run().new_findings.size() == 4);
    write(f.dir.path() / "deploy/sboms/web.json", "{ broken");
    WatchReport r = f.run();
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].image == "registry/web:1");
    CHECK(r.retractions.empty());
    CHECK(r.exit_status() == 2);

    write(f.dir.path() / "deploy/sboms/web.json",
          npm_sbom({"pkg:npm/alpha@1.0.0", "pkg:npm/beta@1.0.0"}));
    WatchReport back = f.run();
    CHECK(back.new_findings.empty());
    CHECK(back.known == 4);
}

TEST_CASE("a state file of another format or schema is refused") {
    Fleet f;
    write(f.state, R"({"format": "rtguard-baseline", "schema": 1, "pairs": []})");
    try {
        f.run();
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == errc::schema_mismatch);
        CHECK(e.where() == "$.format");
    }
    write(f.state, R"({"format": "rtguard-watch-state", "schema": 2, "pairs": []})");
    CHECK_THROWS_AS(f.run(), Error);
    write(f.state, R"({"format": "rtguard-watch-state", "schema": 1, "pairs": [{"image": 1}]})");
    try {
        f.run();
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.where() == "$.pairs[0].image");
    }
}

TEST_CASE("watching the real images reports every finding once") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    testing::TempDir dir;
    std::string bridge = (data / "sbom/cyclonedx-proton-bridge-1.8.0.json").string();
    std::string grafana = (data /
                           "sbom/spdx-trivy-grafana_grafana-sha256_"
                           "2a73ae33c9f0c51af6eced2ef185d5d3682b4c378c4fdd6941a14e8ea4a3e95b.json")
                              .string();
    write(dir.path() / "inventory.json", R"([{"image": "proton-bridge", "sbom": ")" + bridge +
                                             R"(", "deployed_at": "2021-05-16T17:10:53+02:00"},
              {"image": "grafana", "sbom": ")" +
                                             grafana +
                                             R"(", "deployed_at": "2022-12-26T00:59:48Z"}])");
    SbomMatcher m;
    m.load_feed((data / "osv/Go.zip").string());
    auto inventory = read_inventory((dir.path() / "inventory.json").string());
    std::size_t expected = 0;
    for (const auto& e : inventory)
        expected += m.match(Sbom::read(e.sbom)).findings.size();

    Watcher w(m, (dir.path() / "state.json").string());
    WatchReport first = w.run(inventory);
    CHECK(first.new_findings.size() == expected);
    CHECK(expected > 100);
    CHECK(first.exit_status() == 1);  // Go advisories carry no rating: none is critical
    WatchReport second = w.run(inventory);
    CHECK(second.new_findings.empty());
    CHECK(second.known == expected);
}

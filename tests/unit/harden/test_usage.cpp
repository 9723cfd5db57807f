// Package usage: a baseline's paths crossed with an inventory's file lists.
#include <simdjson.h>

#include <algorithm>
#include <string>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "harden/rootfs_tree.hpp"
#include "rtguard/baseline.hpp"
#include "rtguard/error.hpp"
#include "rtguard/inventory.hpp"

using rtguard::Event;
using rtguard::EventKind;
using rtguard::PackageUsage;
using rtguard::PackageUse;
using rtguard::Profile;
using rtguard::RootfsInventory;
using rtguard::UsageReport;
using rtguard::testing::RootfsTree;

namespace {

constexpr std::uint64_t t0 = 1'700'000'000'000'000'000ULL;

Event exec_of(const std::string& path) {
    Event e;
    e.kind = EventKind::exec;
    e.time_ns = t0;
    e.pid = 10;
    e.exe = path;
    e.comm = path.substr(path.rfind('/') + 1).substr(0, 15);
    e.exec.argv = {path};
    return e;
}

Event open_of(const std::string& path) {
    Event e;
    e.kind = EventKind::open;
    e.time_ns = t0 + 1;
    e.pid = 10;
    e.exe = "/usr/bin/ls";
    e.path = path;
    return e;
}

// Debian-like tree: merged /usr; coreutils lists /bin paths, libc6 /lib paths, libfoo1 a
// soname link, tzdata twenty zone files and tzextra one more, attr and sed unused.
void usage_tree(const RootfsTree& t) {
    t.usr_merge();
    t.os_release("debian", "12");
    std::string status;
    auto stanza = [&](const std::string& name) {
        status += fmt::format(
            "Package: {}\nStatus: install ok installed\nArchitecture: amd64\n"
            "Version: 1.0-1\n\n",
            name);
    };
    for (auto n : {"attr", "coreutils", "libc6", "libfoo1", "sed", "tzdata", "tzextra"})
        stanza(n);
    t.file("var/lib/dpkg/status", status);

    t.file("var/lib/dpkg/info/coreutils.list", "/bin\n/bin/ls\n/bin/cat\n");
    t.file("var/lib/dpkg/info/libc6.list", "/lib/x86_64-linux-gnu/libc.so.6\n");
    t.file("var/lib/dpkg/info/libfoo1.list",
           "/usr/lib/x86_64-linux-gnu/libfoo.so.1\n/usr/lib/x86_64-linux-gnu/libfoo.so.1.2\n");
    t.file("var/lib/dpkg/info/attr.list", "/usr/bin/getfattr\n");
    t.file("var/lib/dpkg/info/sed.list", "/bin/sed\n");
    std::string tz;
    for (int i = 0; i < 20; ++i)
        tz += fmt::format("/usr/share/zoneinfo/zone-{:02}\n", i);
    t.file("var/lib/dpkg/info/tzdata.list", tz);
    t.file("var/lib/dpkg/info/tzextra.list", "/usr/share/zoneinfo/zone-zz\n");

    for (auto f : {"usr/bin/ls", "usr/bin/cat", "usr/bin/sed", "usr/bin/getfattr",
                   "usr/lib/x86_64-linux-gnu/libc.so.6", "usr/lib/x86_64-linux-gnu/libfoo.so.1.2"})
        t.file(f, "ELF");
    t.symlink("usr/lib/x86_64-linux-gnu/libfoo.so.1", "libfoo.so.1.2");
}

// What a workload that lists a directory and reads the time zones does.
Profile usage_profile(const std::string& rootfs) {
    Profile p("container:test", "");
    p.learn(exec_of("/usr/bin/ls"));
    p.learn(open_of("/lib/x86_64-linux-gnu/libc.so.6"));
    p.learn(open_of("/lib/x86_64-linux-gnu/libfoo.so.1"));
    p.learn(open_of("/etc/hostname"));
    for (int i = 0; i < 20; ++i)
        p.learn(open_of(fmt::format("/usr/share/zoneinfo/zone-{:02}", i)));
    // A process outside the root saw the host's path to it.
    p.learn(exec_of(rootfs + "/usr/bin/getfattr"));
    return p;
}

const PackageUsage& usage_of(const UsageReport& r, const std::string& name) {
    for (const auto& u : r.packages)
        if (u.name == name) return u;
    FAIL("no package " << name);
    throw;
}

}  // namespace

TEST_CASE("package usage follows the root's links: /usr-merge aliases and soname links meet") {
    RootfsTree t;
    usage_tree(t);
    auto inv = RootfsInventory::read(t.root());
    Profile profile = usage_profile(t.root());
    REQUIRE(profile.patterns().size() == 1);

    UsageReport r = rtguard::analyze_usage(inv, {&profile});
    CHECK(r.workloads == std::vector<std::string>{"container:test"});
    CHECK(r.packages.size() == 7);

    const auto& coreutils = usage_of(r, "coreutils");
    CHECK(coreutils.use == PackageUse::used);
    CHECK(coreutils.executed == std::vector<std::string>{"/usr/bin/ls"});
    CHECK(usage_of(r, "libc6").use == PackageUse::used);
    CHECK(usage_of(r, "libc6").opened ==
          std::vector<std::string>{"/lib/x86_64-linux-gnu/libc.so.6"});
    CHECK(usage_of(r, "libfoo1").use == PackageUse::used);
    CHECK(usage_of(r, "attr").use == PackageUse::used);
    CHECK(usage_of(r, "attr").executed == std::vector<std::string>{"/usr/bin/getfattr"});

    // The pattern's samples count as opened; a file only the pattern covers is "pattern".
    CHECK(usage_of(r, "tzdata").use == PackageUse::used);
    CHECK(usage_of(r, "tzdata").patterns.size() == 1);
    CHECK(usage_of(r, "tzextra").use == PackageUse::pattern);
    CHECK(usage_of(r, "sed").use == PackageUse::unused);

    CHECK(r.used == 5);
    CHECK(r.pattern_only == 1);
    CHECK(r.unused == 1);
    CHECK(std::find(r.unowned.begin(), r.unowned.end(), "/etc/hostname") != r.unowned.end());
    CHECK_FALSE(r.lossy);
}

TEST_CASE("a directory a workload opened credits no package") {
    RootfsTree t;
    usage_tree(t);
    auto inv = RootfsInventory::read(t.root());
    Profile p("container:test", "");
    p.learn(open_of("/bin"));
    p.learn(open_of("/usr/bin"));
    UsageReport r = rtguard::analyze_usage(inv, {&p});
    CHECK(r.used == 0);
    CHECK(r.unowned.size() == 2);
}

TEST_CASE("without a root filesystem the /usr-merge aliases are folded into /usr") {
    RootfsTree t;
    usage_tree(t);
    auto inv = RootfsInventory::read(t.root());
    rtguard::CycloneDxOptions options;
    options.include_files = true;
    t.file("sbom.json", inv.to_cyclonedx(options));
    auto from_sbom = RootfsInventory::read_cyclonedx_files(t.at("sbom.json").string());

    Profile profile = usage_profile(t.root());
    UsageReport r = rtguard::analyze_usage(from_sbom, {&profile});
    CHECK(usage_of(r, "coreutils").use == PackageUse::used);  // /bin/ls as /usr/bin/ls
    CHECK(usage_of(r, "libc6").use == PackageUse::used);
    CHECK(usage_of(r, "libfoo1").use == PackageUse::used);  // the link itself is listed
    CHECK(usage_of(r, "sed").use == PackageUse::unused);
    // No root to strip: the host path matches nothing.
    CHECK(usage_of(r, "attr").use == PackageUse::unused);
}

TEST_CASE("profiles of several workloads are united and lost events are reported") {
    RootfsTree t;
    usage_tree(t);
    auto inv = RootfsInventory::read(t.root());
    Profile a("container:a", "sha256:1");
    a.learn(exec_of("/usr/bin/ls"));
    Profile b("container:b", "");
    b.learn(exec_of("/usr/bin/sed"));
    Event lost;
    lost.kind = EventKind::lost;
    lost.lost_kind = EventKind::open;
    lost.lost_count = 3;
    b.learn(lost);

    UsageReport r = rtguard::analyze_usage(inv, {&a, &b});
    CHECK(r.workloads == std::vector<std::string>{"container:a@sha256:1", "container:b"});
    CHECK(usage_of(r, "coreutils").use == PackageUse::used);
    CHECK(usage_of(r, "sed").use == PackageUse::used);
    CHECK(r.lossy);
    CHECK(rtguard::usage_to_table(r).find("lost events") != std::string::npos);
}

TEST_CASE("the usage JSON lists counts, per-package evidence and removal candidates") {
    RootfsTree t;
    usage_tree(t);
    auto inv = RootfsInventory::read(t.root());
    Profile profile = usage_profile(t.root());
    UsageReport r = rtguard::analyze_usage(inv, {&profile});
    std::string json = rtguard::usage_to_json(r);

    simdjson::dom::parser parser;
    simdjson::padded_string padded(json);
    auto doc = parser.parse(padded);
    REQUIRE(doc.error() == simdjson::SUCCESS);
    auto root = doc.value();
    CHECK(std::string_view(root["format"]) == "rtguard-usage");
    CHECK(int64_t(root["schema"]) == 1);
    CHECK(uint64_t(root["counts"]["used"]) == 5);
    CHECK(uint64_t(root["counts"]["pattern"]) == 1);
    CHECK(uint64_t(root["counts"]["unused"]) == 1);
    simdjson::dom::array removal = root["removal_candidates"];
    REQUIRE(removal.size() == 1);
    CHECK(std::string_view(removal.at(0)) == "sed");

    std::string table = rtguard::usage_to_table(r);
    CHECK(table.find("7 packages: 5 used, 1 only through patterns, 1 never touched") !=
          std::string::npos);
    // Used packages come first.
    CHECK(table.find("used     attr") < table.find("unused   sed"));
}

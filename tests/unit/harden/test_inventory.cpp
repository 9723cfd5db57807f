// Root filesystem inventories: dpkg and apk databases, release files, hostile trees, SBOM.
#include <simdjson.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>

#include <doctest/doctest.h>

#include "harden/rootfs_tree.hpp"
#include "rtguard/error.hpp"
#include "rtguard/inventory.hpp"
#include "rtguard/purl.hpp"

using rtguard::errc;
using rtguard::Error;
using rtguard::InstalledPackage;
using rtguard::RootfsInventory;
using rtguard::testing::RootfsTree;

namespace {

const char* const debian_status = R"(Package: coreutils
Essential: yes
Status: install ok installed
Priority: required
Installed-Size: 18062
Maintainer: Michael Stone <mstone@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 9.1-1
Pre-Depends: libacl1 (>= 2.2.23), libattr1 (>= 1:2.4.44), libc6 (>= 2.34)
Description: GNU core utilities
 This package contains the basic file, shell and text manipulation
 utilities which are expected to exist on every operating system.

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries

Package: libfoo1
Status: hold ok installed
Architecture: amd64
Source: foo (1.2-3)
Version: 1.2-3+b1

Package: attr
Status: install ok unpacked
Architecture: amd64
Version: 1:2.4.47-2

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 0.1-1

Package: libstdc++6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: gcc-12
Version: 12.2.0-14
)";

// A small Debian 12 tree with a merged /usr, file lists and one diversion.
void debian_tree(const RootfsTree& t) {
    t.usr_merge();
    t.os_release("debian", "12");
    t.file("etc/debian_version", "12.10\n");
    t.file("var/lib/dpkg/status", debian_status);
    t.file("var/lib/dpkg/diversions", "/bin/cat\n/bin/cat.coreutils\nfancycat\n");
    t.file("var/lib/dpkg/info/coreutils.list",
           "/.\n/bin\n/bin/ls\n/bin/cat\n/usr\n/usr/share\n/usr/share/doc\n"
           "/usr/share/doc/coreutils\n/usr/share/doc/coreutils/copyright\n");
    t.file("var/lib/dpkg/info/libc6:amd64.list",
           "/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libc.so.6\n");
    t.file("var/lib/dpkg/info/libfoo1.list",
           "/usr/lib/x86_64-linux-gnu/libfoo.so.1\n/usr/lib/x86_64-linux-gnu/libfoo.so.1.2\n");
    t.file("var/lib/dpkg/info/attr.list", "/usr/bin/getfattr\n");
    t.file("usr/bin/ls", "ELF");
    t.file("usr/bin/cat.coreutils", "ELF");
    t.file("usr/bin/getfattr", "ELF");
    t.file("usr/share/doc/coreutils/copyright", "GPL");
    t.file("usr/lib/x86_64-linux-gnu/libc.so.6", "ELF");
    t.file("usr/lib/x86_64-linux-gnu/libfoo.so.1.2", "ELF");
    t.symlink("usr/lib/x86_64-linux-gnu/libfoo.so.1", "libfoo.so.1.2");
}

const InstalledPackage& package(const RootfsInventory& inv, const std::string& name) {
    for (const auto& p : inv.packages())
        if (p.name == name) return p;
    FAIL("no package " << name);
    throw;
}

// The error `f` throws, for checks on its code and text.
template <typename F>
Error error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    FAIL("no rtguard::Error was thrown");
    throw;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string status_with(const std::string& stanza) {
    return "Package: ok\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n\n" + stanza;
}

}  // namespace

TEST_CASE("a dpkg database yields installed packages with versions, sources and purls") {
    RootfsTree t;
    debian_tree(t);
    auto inv = RootfsInventory::read(t.root());

    CHECK(inv.database() == rtguard::PackageDb::dpkg);
    CHECK(inv.os().id == "debian");
    CHECK(inv.os().version_id == "12");
    CHECK(inv.os().release_file == "12.10");
    CHECK(inv.os().pretty_name == "Test debian 12");
    CHECK(inv.not_installed() == 1);

    std::vector<std::string> names;
    for (const auto& p : inv.packages())
        names.push_back(p.name);
    CHECK(names == std::vector<std::string>{"attr", "coreutils", "libc6", "libfoo1", "libstdc++6"});

    CHECK(package(inv, "attr").purl ==
          "pkg:deb/debian/attr@1:2.4.47-2?arch=amd64&distro=debian-12");
    CHECK(package(inv, "attr").state == "unpacked");
    CHECK(package(inv, "coreutils").purl ==
          "pkg:deb/debian/coreutils@9.1-1?arch=amd64&distro=debian-12");
    CHECK(package(inv, "coreutils").multi_arch == "foreign");
    CHECK(package(inv, "libc6").purl ==
          "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc");
    CHECK(package(inv, "libc6").source_name == "glibc");
    CHECK(package(inv, "libc6").source_version == "2.36-9+deb12u4");
    CHECK(package(inv, "libfoo1").purl ==
          "pkg:deb/debian/libfoo1@1.2-3%2Bb1?arch=amd64&distro=debian-12&upstream=foo%401.2-3");
    CHECK(package(inv, "libfoo1").source_version == "1.2-3");
    CHECK(package(inv, "libstdc++6").purl ==
          "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12");
    CHECK(package(inv, "coreutils").where == "var/lib/dpkg/status:line 1");
}

TEST_CASE("distribution purls read back through rtguard::Purl unchanged") {
    RootfsTree t;
    debian_tree(t);
    auto inv = RootfsInventory::read(t.root());
    for (const auto& p : inv.packages()) {
        CAPTURE(p.purl);
        auto purl = rtguard::Purl::parse(p.purl);
        CHECK(purl.to_string() == p.purl);
        CHECK(purl.type == "deb");
        CHECK(purl.namespace_ == "debian");
        CHECK(purl.name == p.name);
        CHECK(purl.version == p.version);
        CHECK(purl.qualifier("arch") == p.architecture);
    }
    auto foo = rtguard::Purl::parse(package(inv, "libfoo1").purl);
    CHECK(foo.qualifier("upstream") == "foo@1.2-3");
}

TEST_CASE(
    "dpkg file lists drop directories, follow diversions and use name:arch for Multi-Arch same") {
    RootfsTree t;
    debian_tree(t);
    auto inv = RootfsInventory::read(t.root());

    CHECK(package(inv, "coreutils").files ==
          std::vector<std::string>{"/bin/cat.coreutils", "/bin/ls",
                                   "/usr/share/doc/coreutils/copyright"});
    CHECK(package(inv, "libc6").files ==
          std::vector<std::string>{"/lib/x86_64-linux-gnu/libc.so.6"});
    CHECK(package(inv, "libfoo1").files.size() == 2);

    // libstdc++6 has no list: a counted problem, not a failure.
    CHECK(package(inv, "libstdc++6").files.empty());
    REQUIRE(inv.problems().size() == 1);
    CHECK(contains(inv.problems()[0].file, "libstdc++6:amd64.list"));
}

TEST_CASE("a status file symlinked to a host path is read inside the root, never outside") {
    RootfsTree outside;
    outside.file("status", "Package: secret\nStatus: install ok installed\nVersion: 1\n");
    std::string host_status = (outside.at("status")).string();

    RootfsTree t;
    t.os_release("debian", "12");
    t.symlink("var/lib/dpkg/status", host_status);

    SUBCASE("absent inside the root: ENOENT naming the status file") {
        auto e = error_of([&] { RootfsInventory::read(t.root()); });
        CHECK(e.code() == std::error_code(ENOENT, std::system_category()));
        CHECK(contains(e.what(), "var/lib/dpkg/status"));
    }
    SUBCASE("the same path inside the root is what is read") {
        t.file(host_status.substr(1),
               "Package: inside\nStatus: install ok installed\nVersion: 2\n");
        auto inv = RootfsInventory::read(t.root());
        REQUIRE(inv.packages().size() == 1);
        CHECK(inv.packages()[0].name == "inside");
    }
    SUBCASE("dot-dot cannot climb above the root either") {
        std::filesystem::remove(t.at("var/lib/dpkg/status"));
        t.symlink("var/lib/dpkg/status", "../../../../../../../../.." + host_status);
        auto e = error_of([&] { RootfsInventory::read(t.root()); });
        CHECK(e.code() == std::error_code(ENOENT, std::system_category()));
    }
}

TEST_CASE("a file list symlinked outside the root lists nothing from outside") {
    RootfsTree outside;
    outside.file("x.list", "/outside/file\n");

    RootfsTree t;
    t.file("var/lib/dpkg/status", "Package: x\nStatus: install ok installed\nVersion: 1\n");
    t.symlink("var/lib/dpkg/info/x.list", outside.at("x.list").string());
    auto inv = RootfsInventory::read(t.root());
    REQUIRE(inv.packages().size() == 1);
    CHECK(inv.packages()[0].files.empty());
    REQUIRE(inv.problems().size() == 1);
    CHECK(contains(inv.problems()[0].message, "file list missing"));
}

TEST_CASE("a status file that is a FIFO or a directory is refused without blocking") {
    RootfsTree t;
    t.dir("var/lib/dpkg");
    SUBCASE("fifo") {
        REQUIRE(::mkfifo(t.at("var/lib/dpkg/status").c_str(), 0600) == 0);
    }
    SUBCASE("directory") {
        t.dir("var/lib/dpkg/status");
    }
    auto e = error_of([&] { RootfsInventory::read(t.root()); });
    CHECK(e.code() == make_error_code(errc::bad_value));
    CHECK(contains(e.what(), "not a regular file"));
}

TEST_CASE("a symlink loop in the root is an ELOOP error") {
    RootfsTree t;
    t.symlink("var/lib/dpkg/status", "status2");
    t.symlink("var/lib/dpkg/status2", "/var/lib/dpkg/status");
    auto e = error_of([&] { RootfsInventory::read(t.root()); });
    CHECK(e.code() == std::error_code(ELOOP, std::system_category()));
}

TEST_CASE("malformed dpkg stanzas are rejected naming the file and line") {
    RootfsTree t;
    std::string status;
    errc code{};
    std::string place;

    SUBCASE("a line without a colon") {
        status = status_with("Package: bad\nStatus install ok installed\n");
        code = errc::parse_error;
        place = "status:line 7";
    }
    SUBCASE("a continuation line before any field") {
        status = " orphan continuation\n";
        code = errc::parse_error;
        place = "status:line 1";
    }
    SUBCASE("a package name that would be a path") {
        status = status_with(
            "Package: ../../../etc/shadow\nStatus: install ok installed\n"
            "Version: 1\n");
        code = errc::bad_value;
        place = "status:line 6";
    }
    SUBCASE("an installed package without a version") {
        status = status_with("Package: noversion\nStatus: install ok installed\n");
        code = errc::missing_field;
        place = "status:line 6";
    }
    SUBCASE("an unknown package state") {
        status = status_with("Package: odd\nStatus: install ok exploded\nVersion: 1\n");
        code = errc::bad_value;
        place = "status:line 7";
    }
    SUBCASE("a package listed twice") {
        status = status_with(
            "Package: ok\nStatus: install ok installed\nVersion: 2\n"
            "Architecture: all\n");
        code = errc::bad_value;
        place = "status:line 6";
    }
    SUBCASE("a repeated field") {
        status = status_with("Package: twice\nVersion: 1\nVersion: 2\n");
        code = errc::parse_error;
        place = "status:line 8";
    }
    SUBCASE("a malformed Source field") {
        status = status_with(
            "Package: src\nStatus: install ok installed\nVersion: 1\n"
            "Source: a b c\n");
        code = errc::bad_value;
        place = "status:line 9";
    }
    SUBCASE("a version with a space") {
        status = status_with("Package: sp\nStatus: install ok installed\nVersion: 1 2\n");
        code = errc::bad_value;
        place = "status:line 8";
    }
    t.file("var/lib/dpkg/status", status);
    auto e = error_of([&] { RootfsInventory::read(t.root()); });
    CHECK(e.code() == make_error_code(code));
    CHECK_MESSAGE(contains(e.what(), "var/lib/dpkg/" + place), e.what());
}

TEST_CASE("inputs past the limits are refused with limit_exceeded") {
    RootfsTree t;
    rtguard::InventoryLimits limits;
    SUBCASE("a huge line") {
        t.file("var/lib/dpkg/status", status_with("Description: " + std::string(5000, 'x')));
        limits.max_line_bytes = 4096;
    }
    SUBCASE("a huge database") {
        t.file("var/lib/dpkg/status", status_with(""));
        limits.max_database_bytes = 16;
    }
    SUBCASE("too many packages") {
        t.file("var/lib/dpkg/status",
               status_with("Package: two\nStatus: install ok installed\nVersion: 1\n"));
        limits.max_packages = 1;
    }
    auto e = error_of([&] { RootfsInventory::read(t.root(), limits); });
    CHECK(e.code() == make_error_code(errc::limit_exceeded));
}

TEST_CASE("a root without a package database is an error naming both databases") {
    RootfsTree t;
    t.os_release("debian", "12");
    auto e = error_of([&] { RootfsInventory::read(t.root()); });
    CHECK(e.code() == make_error_code(errc::invalid_argument));
    CHECK(contains(e.what(), "var/lib/dpkg/status"));
    CHECK(contains(e.what(), "lib/apk/db/installed"));
}

namespace {

const char* const apk_installed = R"(C:Q1abc=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:383152
T:the musl c library (libc) implementation
o:musl
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1xyz=
R:libc.musl-x86_64.so.1
a:0:0:777

C:Q1def=
P:ssl_client
V:1.36.1-r15
A:x86_64
o:busybox
F:usr/bin
R:ssl_client

P:weird
V:1.0-r0
A:x86_64
R:top
F:../../etc
R:shadow
F:usr/share/weird/
R:ok
R:../escape
)";

}  // namespace

TEST_CASE("an apk database yields packages with origins, files and apk purls") {
    RootfsTree t;
    t.file("etc/alpine-release", "3.19.1\n");
    t.file("etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n");
    t.file("lib/apk/db/installed", apk_installed);
    auto inv = RootfsInventory::read(t.root());

    CHECK(inv.database() == rtguard::PackageDb::apk);
    REQUIRE(inv.packages().size() == 3);
    const auto& musl = package(inv, "musl");
    CHECK(musl.purl == "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1");
    CHECK(musl.files ==
          std::vector<std::string>{"/lib/ld-musl-x86_64.so.1", "/lib/libc.musl-x86_64.so.1"});
    const auto& ssl = package(inv, "ssl_client");
    CHECK(ssl.source_name == "busybox");
    CHECK(ssl.purl ==
          "pkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1&upstream=busybox");
    CHECK(ssl.files == std::vector<std::string>{"/usr/bin/ssl_client"});
    CHECK(ssl.where == "lib/apk/db/installed:line 16");

    // A file before any F: is in the root; a directory with ".." and a file name with '/'
    // are skipped and counted.
    const auto& weird = package(inv, "weird");
    CHECK(weird.files == std::vector<std::string>{"/top", "/usr/share/weird/ok"});
    CHECK(inv.problems().size() == 2);
}

TEST_CASE("malformed apk stanzas are rejected naming the line") {
    RootfsTree t;
    std::string text;
    errc code{};
    std::string place;
    SUBCASE("no version") {
        text = "P:musl\nA:x86_64\n\nP:b\nV:1\n";
        code = errc::missing_field;
        place = "installed:line 1";
    }
    SUBCASE("not a key:value line") {
        text = "P:musl\nV:1\nmusl\n";
        code = errc::parse_error;
        place = "installed:line 3";
    }
    SUBCASE("a package name with a slash") {
        text = "P:a/b\nV:1\n";
        code = errc::bad_value;
        place = "installed:line 1";
    }
    SUBCASE("a package listed twice") {
        text = "P:a\nV:1\n\nP:a\nV:2\n";
        code = errc::bad_value;
        place = "installed:line 4";
    }
    t.file("lib/apk/db/installed", text);
    auto e = error_of([&] { RootfsInventory::read(t.root()); });
    CHECK(e.code() == make_error_code(code));
    CHECK_MESSAGE(contains(e.what(), "lib/apk/db/" + place), e.what());
}

TEST_CASE("os-release values are unquoted as the shell would, with release file fallbacks") {
    RootfsTree t;
    t.file("var/lib/dpkg/status", "");
    SUBCASE("quotes and escapes") {
        t.file("etc/os-release",
               "# comment\nID='debian'\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Deb \\\"x\\\" \\$1\"\n"
               "broken line\nVERSION_CODENAME=bookworm\n");
        auto inv = RootfsInventory::read(t.root());
        CHECK(inv.os().id == "debian");
        CHECK(inv.os().version_id == "12");
        CHECK(inv.os().codename == "bookworm");
        CHECK(inv.os().pretty_name == "Deb \"x\" $1");
        REQUIRE(inv.problems().size() == 1);
        CHECK(inv.problems()[0].where == "line 5");
    }
    SUBCASE("no os-release: debian_version names the release") {
        t.file("etc/debian_version", "12.10\n");
        auto inv = RootfsInventory::read(t.root());
        CHECK(inv.os().id == "debian");
        CHECK(inv.os().version_id == "12.10");
    }
    SUBCASE("only usr/lib/os-release") {
        t.file("usr/lib/os-release", "ID=ubuntu\nVERSION_ID=\"22.04\"\n");
        auto inv = RootfsInventory::read(t.root());
        CHECK(inv.os().id == "ubuntu");
        CHECK(inv.os().version_id == "22.04");
    }
}

TEST_CASE("the CycloneDX SBOM has the operating system, each package's purl and its source") {
    RootfsTree t;
    debian_tree(t);
    auto inv = RootfsInventory::read(t.root());
    rtguard::CycloneDxOptions options;
    options.timestamp = "2024-05-01T00:00:00Z";
    options.subject_name = "bookworm-test";
    std::string json = inv.to_cyclonedx(options);

    simdjson::dom::parser parser;
    simdjson::padded_string padded(json);
    auto doc = parser.parse(padded);
    REQUIRE(doc.error() == simdjson::SUCCESS);
    auto root = doc.value();
    CHECK(std::string_view(root["bomFormat"]) == "CycloneDX");
    CHECK(std::string_view(root["specVersion"]) == "1.5");
    CHECK(std::string_view(root["metadata"]["timestamp"]) == "2024-05-01T00:00:00Z");
    CHECK(std::string_view(root["metadata"]["component"]["name"]) == "bookworm-test");

    simdjson::dom::array components = root["components"];
    REQUIRE(components.size() == 1 + inv.packages().size());
    auto os = components.at(0);
    CHECK(std::string_view(os["type"]) == "operating-system");
    CHECK(std::string_view(os["name"]) == "debian");
    CHECK(std::string_view(os["version"]) == "12");

    // libc6 is built from glibc: the purl qualifier and the properties say so.
    bool found = false;
    for (auto c : components) {
        if (std::string_view(c["name"]) != "libc6") continue;
        found = true;
        CHECK(std::string_view(c["purl"]) == package(inv, "libc6").purl);
        CHECK(std::string_view(c["bom-ref"]) == package(inv, "libc6").purl);
        std::map<std::string, std::string> props;
        for (auto p : c["properties"].get_array())
            props[std::string(std::string_view(p["name"]))] = std::string_view(p["value"]);
        CHECK(props["rtguard:package:source-name"] == "glibc");
        CHECK(props["rtguard:package:source-version"] == "2.36-9+deb12u4");
        CHECK(c["evidence"].error() == simdjson::NO_SUCH_FIELD);
    }
    CHECK(found);
}

TEST_CASE("file lists written into the SBOM read back exactly, non-UTF-8 names included") {
    RootfsTree t;
    debian_tree(t);
    t.file("var/lib/dpkg/info/attr.list", "/usr/bin/getfattr\n/usr/share/caf\xe9\n");
    auto inv = RootfsInventory::read(t.root());
    rtguard::CycloneDxOptions options;
    options.include_files = true;
    t.file("sbom.json", inv.to_cyclonedx(options));

    auto back = RootfsInventory::read_cyclonedx_files(t.at("sbom.json").string());
    CHECK(back.database() == rtguard::PackageDb::sbom);
    CHECK(back.rootfs().empty());
    CHECK(back.os().id == "debian");
    REQUIRE(back.packages().size() == inv.packages().size());
    for (std::size_t i = 0; i < inv.packages().size(); ++i) {
        CAPTURE(inv.packages()[i].name);
        CHECK(back.packages()[i].name == inv.packages()[i].name);
        CHECK(back.packages()[i].purl == inv.packages()[i].purl);
        CHECK(back.packages()[i].files == inv.packages()[i].files);
        CHECK(back.packages()[i].source_name == inv.packages()[i].source_name);
        CHECK(back.packages()[i].source_version == inv.packages()[i].source_version);
    }
    CHECK(package(back, "attr").files.back() == "/usr/share/caf\xe9");
}

TEST_CASE("an SBOM that is not CycloneDX is refused naming the JSON path") {
    RootfsTree t;
    t.file("spdx.json", R"({"spdxVersion": "SPDX-2.3"})");
    t.file("broken.json", R"({"bomFormat": "CycloneDX", "components": [1]})");
    auto e = error_of([&] { RootfsInventory::read_cyclonedx_files(t.at("spdx.json").string()); });
    CHECK(e.code() == make_error_code(errc::schema_mismatch));
    e = error_of([&] { RootfsInventory::read_cyclonedx_files(t.at("broken.json").string()); });
    CHECK(e.code() == make_error_code(errc::bad_value));
    CHECK(e.where() == "$.components[0]");
}

// Tests of rtguard/baseline.hpp: learning, generalization, convergence, merge, the file format
// and the seccomp export.
#include <simdjson.h>

#include <fstream>
#include <map>
#include <regex>

#include "baseline/make_events.hpp"
#include "core/atomic_file.hpp"
#include "rtguard/baseline.hpp"
#include "rtguard/error.hpp"
#include "test_support.hpp"

using namespace rtguard;
using namespace rtguard::testing;

namespace {

// A profile with a bit of everything, including a path that is not UTF-8.
Baseline varied_baseline() {
    Baseline b;
    b.set_image_digest("container:abc", "sha256:1111");
    std::uint64_t t = t0;
    b.learn(exec_event("/usr/bin/app", {"app", "--serve", "8080"}, t));
    b.learn(exec_event("/bin/sh", {"sh", "-c", "echo \"hi\""}, t += second, "container:abc", 0x801,
                       77));
    b.learn(open_event("/etc/passwd", o_rdonly, t += second));
    b.learn(open_event("/var/log/app.log", o_wronly | o_creat, t += second));
    b.learn(open_event(std::string("/data/caf\xe9.txt"), o_rdonly, t += second));
    b.learn(open_event("/proc/77/status", o_rdonly, t += second));
    for (int i = 0; i < 20; ++i) {
        b.learn(open_event("/tmp/upload-" + std::to_string(i) + ".part", o_wronly | o_creat,
                           t += second));
    }
    b.learn(network_event(NetOp::connect, "10.0.0.5", 5432, t += second));
    b.learn(network_event(NetOp::listen, "0.0.0.0", 8080, t += second));
    b.learn(syscall_event(0, t += second));
    b.learn(syscall_event(257, t += second));
    b.learn(io_uring_event(t += second));
    b.learn(lost_event(EventKind::open, 3, t += second));
    b.learn(exec_event("/usr/bin/app", {"app", "--serve", "8080"}, t += second, "container:other"));
    return b;
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    REQUIRE_MESSAGE(pos != std::string::npos, "the test file lacks " << from);
    return text.replace(pos, from.size(), to);
}

// The Error thrown by loading `text` (as file `name`); fails the test when none is thrown.
Error load_error(const std::string& text, const std::string& name = "damaged.json") {
    try {
        Baseline::from_json(text, name);
    } catch (const Error& e) {
        return e;
    }
    FAIL("the damaged baseline was accepted");
    return Error(errc::parse_error, "unreachable");
}

}  // namespace

TEST_CASE("learning records executables, files, endpoints, syscalls, io_uring and losses") {
    Baseline b = varied_baseline();
    REQUIRE(b.size() == 2);
    const Profile* p = b.find("container:abc", "sha256:1111");
    REQUIRE(p != nullptr);

    auto exes = p->executables();
    REQUIRE(exes.size() == 2);
    CHECK(exes[0]->path == "/bin/sh");
    CHECK(exes[1]->path == "/usr/bin/app");
    CHECK(exes[0]->identities == std::set<FileIdentity>{{0x801, 77}});
    CHECK(exes[1]->argument_sets == std::set<std::vector<std::string>>{{"app", "--serve", "8080"}});

    CHECK(p->file_access("/etc/passwd") == Access::read);
    CHECK(p->file_access("/var/log/app.log") == Access::write);
    CHECK(p->file_access("/usr/bin/app") == Access::exec);
    CHECK(p->file_access("/etc/shadow") == Access::none);

    CHECK(p->has_endpoint({NetOp::connect, NetProto::tcp, NetFamily::inet, "10.0.0.5", 5432}));
    CHECK_FALSE(p->has_endpoint({NetOp::connect, NetProto::tcp, NetFamily::inet, "10.0.0.5", 22}));
    auto calls = p->syscalls();
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].name == "read");
    CHECK(calls[1].name == "openat");
    CHECK(p->io_uring_count() == 1);

    CHECK(p->event_count(EventKind::exec) == 2);
    CHECK(p->event_count(EventKind::open) == 24);
    CHECK(p->lost(EventKind::open) == 3);
    CHECK(p->lost_total() == 3);
    CHECK(p->first_ns() == t0);
    CHECK(p->last_ns() == t0 + 31 * second);
}

TEST_CASE("losses without a workload count against every profile, even ones created later") {
    Baseline b;
    b.learn(exec_event("/a", {"a"}, t0, "w1"));
    b.learn(lost_event(EventKind::exec, 5, t0 + second, ""));
    b.learn(exec_event("/b", {"b"}, t0 + 2 * second, "w2"));
    CHECK(b.find("w1", "")->lost(EventKind::exec) == 5);
    CHECK(b.find("w2", "")->lost(EventKind::exec) == 5);
}

TEST_CASE("200 distinct per-request temp files become one pattern that keeps what it absorbed") {
    Profile p("w", "");
    for (int i = 0; i < 200; ++i) {
        p.learn(open_event("/tmp/req-" + std::to_string(i), o_wronly | o_creat | o_trunc,
                           t0 + std::uint64_t(i) * second));
    }

    auto patterns = p.patterns();
    REQUIRE(patterns.size() == 1);
    CHECK(patterns[0]->pattern == "/tmp/req-*");
    CHECK(patterns[0]->access == Access::write);
    CHECK(patterns[0]->absorbed == 200);
    CHECK(patterns[0]->count == 200);
    // The sample is the smallest few literals, in byte order.
    CHECK(patterns[0]->sample ==
          std::set<std::string>{"/tmp/req-0", "/tmp/req-1", "/tmp/req-10", "/tmp/req-100",
                                "/tmp/req-101", "/tmp/req-102", "/tmp/req-103", "/tmp/req-104"});
    CHECK(p.files().empty());

    // A repeat is not a new literal; a new name is covered.
    p.learn(open_event("/tmp/req-5", o_wronly, t0 + 500 * second));
    CHECK(p.patterns()[0]->absorbed == 200);
    CHECK(p.file_access("/tmp/req-99999") == Access::write);
    CHECK(p.file_access("/tmp/other") == Access::none);
    CHECK(p.file_access("/tmp/req-1/nested") == Access::none);
}

TEST_CASE("temp files named with one process's pid generalize past that pid") {
    // One run of a service writes req-<n>-<pid>.tmp; the next run has another pid.
    Profile p("w", "");
    for (int i = 0; i < 24; ++i) {
        p.learn(open_event("/var/cache/app/req-" + std::to_string(i) + "-16339.tmp",
                           o_wronly | o_creat, t0 + std::uint64_t(i) * second));
    }

    auto patterns = p.patterns();
    REQUIRE(patterns.size() == 1);
    CHECK(patterns[0]->pattern == "/var/cache/app/req-*.tmp");
    CHECK(patterns[0]->absorbed == 24);
    CHECK(p.file_access("/var/cache/app/req-1-17719.tmp") == Access::write);
    CHECK(p.file_access("/var/cache/app/req-1-17719.log") == Access::none);
}

TEST_CASE("a directory at the threshold stays literal and the next child turns it into a pattern") {
    Profile p("w", "");
    for (int i = 0; i < 16; ++i) {
        p.learn(open_event("/var/cache/app/" + std::string(1, char('a' + i)) + "x.bin", o_rdonly));
    }
    CHECK(p.files().size() == 16);
    CHECK(p.patterns().empty());

    p.learn(open_event("/var/cache/app/zz.bin", o_rdonly));
    REQUIRE(p.patterns().size() == 1);
    CHECK(p.patterns()[0]->pattern == "/var/cache/app/*.bin");
    CHECK(p.patterns()[0]->absorbed == 17);
    CHECK(p.files().empty());
}

TEST_CASE("children of one directory with different access modes are grouped separately") {
    Profile p("w", "");
    for (int i = 0; i < 10; ++i) {
        p.learn(open_event("/srv/r" + std::to_string(i), o_rdonly));
        p.learn(open_event("/srv/w" + std::to_string(i), o_wronly));
    }
    CHECK(p.patterns().empty());
    CHECK(p.files().size() == 20);
}

TEST_CASE("per-request directories become a pattern in the middle of the path") {
    Profile p("w", "");
    for (int i = 0; i < 30; ++i) {
        p.learn(open_event("/var/spool/job_" + std::to_string(i * 7) + "x/body", o_wronly));
    }
    REQUIRE(p.patterns().size() == 1);
    CHECK(p.patterns()[0]->pattern == "/var/spool/job_*/body");
    CHECK(p.patterns()[0]->absorbed == 30);
    CHECK(p.file_access("/var/spool/job_abc/body") == Access::write);
    CHECK(p.file_access("/var/spool/job_abc/head") == Access::none);
}

TEST_CASE("/proc/<pid> paths, numbers, uuids and long hex components are generalized at once") {
    Profile p("w", "");
    p.learn(open_event("/proc/1234/status", o_rdonly));
    p.learn(open_event("/proc/self/fd/3", o_rdonly));
    p.learn(open_event("/run/app/0b2f9a3c-1d2e-4f5a-8b9c-0123456789ab/lock", o_wronly));
    p.learn(open_event("/var/lib/app/blobs/a3f9c2d81b7e4f60a3f9c2d81b7e4f60", o_rdonly));

    std::map<std::string, const PatternEntry*> by_text;
    for (const auto* pe : p.patterns())
        by_text[pe->pattern] = pe;
    REQUIRE(by_text.size() == 4);
    REQUIRE(by_text.count("/proc/*/status"));
    CHECK(by_text["/proc/*/status"]->absorbed == 1);
    CHECK(by_text["/proc/*/status"]->sample == std::set<std::string>{"/proc/1234/status"});
    CHECK(by_text.count("/proc/*/fd/*"));
    CHECK(by_text.count("/run/app/*/lock"));
    CHECK(by_text.count("/var/lib/app/blobs/*"));
    CHECK(p.files().empty());
    CHECK(p.file_access("/proc/99/status") == Access::read);

    // Ordinary names with digits stay literal.
    p.learn(open_event("/usr/lib/x86_64-linux-gnu/libc.so.6", o_rdonly));
    p.learn(open_event("/etc/deadbeef", o_rdonly));
    CHECK(p.files().size() == 2);
}

TEST_CASE("mkstemp names in temporary directories are generalized at once, others stay") {
    // gcc writes one /tmp/ccXXXXXX.s per run: three runs never crowd /tmp, and the fourth
    // would bring a name the baseline had not seen.
    Profile p("w", "");
    p.learn(open_event("/tmp/cc1mH5hd.s", o_rdwr | o_creat));
    p.learn(open_event("/tmp/ccDSB1CI.s", o_rdwr | o_creat));
    p.learn(open_event("/var/tmp/sh-thd.Ab3kQz", o_rdwr | o_creat));
    p.learn(open_event("/dev/shm/sem.pgAB12", o_rdwr | o_creat));

    std::map<std::string, const PatternEntry*> by_text;
    for (const auto* pe : p.patterns())
        by_text[pe->pattern] = pe;
    REQUIRE(by_text.size() == 3);
    REQUIRE(by_text.count("/tmp/cc*.s"));
    CHECK(by_text["/tmp/cc*.s"]->absorbed == 2);
    CHECK(by_text.count("/var/tmp/sh-thd.*"));
    CHECK(by_text.count("/dev/shm/sem.*"));
    CHECK(p.file_access("/tmp/ccgHTDqs.s") == (Access::read | Access::write));
    CHECK(p.file_access("/tmp/ccgHTDqs.o") == Access::none);

    // Words, lower-case or all-capital tails, names outside the temporary directories and
    // files that were executed stay literal.
    p.learn(open_event("/tmp/report.txt", o_wronly | o_creat));
    p.learn(open_event("/tmp/abcdef12", o_wronly | o_creat));
    p.learn(open_event("/tmp/BACKUP.tar", o_wronly | o_creat));
    p.learn(open_event("/srv/data/ccAbC123.s", o_wronly | o_creat));
    p.learn(open_event("/tmp/sub/ccAbC123.s", o_wronly | o_creat));
    p.learn(exec_event("/tmp/runXyZ12q", {"run"}, t0));
    CHECK(p.files().size() == 6);
    CHECK(p.patterns().size() == 3);
    CHECK(p.find_executable("/tmp/runXyZ12q") != nullptr);
}

TEST_CASE("executables are never generalized, however many share a directory") {
    Profile p("w", "");
    for (int i = 0; i < 40; ++i) {
        p.learn(exec_event("/usr/local/bin/tool-" + std::to_string(i), {"tool"}, t0, "w", 1,
                           std::uint64_t(100 + i)));
    }
    CHECK(p.executables().size() == 40);
    CHECK(p.patterns().empty());
    CHECK(p.find_executable("/usr/local/bin/tool-41") == nullptr);
    CHECK(p.file_access("/usr/local/bin/tool-41") == Access::none);
    CHECK(p.file_access("/usr/local/bin/tool-7") == Access::exec);
}

TEST_CASE("argument sets and identities are bounded and say when they overflowed") {
    BaselineOptions o;
    o.max_argument_sets = 3;
    o.max_identities = 2;
    Profile p("w", "", o);
    for (int i = 0; i < 5; ++i) {
        p.learn(exec_event("/bin/x", {"x", std::to_string(i)}, t0, "w", 1, std::uint64_t(i + 1)));
    }
    const ExecutableEntry* e = p.find_executable("/bin/x");
    REQUIRE(e != nullptr);
    CHECK(e->argument_sets.size() == 3);
    CHECK(e->argument_sets_overflow);
    CHECK(e->identities.size() == 2);
    CHECK(e->identities_overflow);
}

TEST_CASE("interpreters, scripts, loaders and drift conditions seen while learning are kept") {
    Profile p("w", "");
    Event script = exec_event("/usr/bin/python3", {"python3", "/app/run.py"});
    script.exec.interpreter = "/usr/bin/python3";
    script.exec.script = "/app/run.py";
    p.learn(script);
    Event loader = exec_event("/lib64/ld-linux-x86-64.so.2", {"ld.so", "/opt/prog"});
    loader.exec.loader = "/lib64/ld-linux-x86-64.so.2";
    loader.exec.loaded_program = "/opt/prog";
    loader.exec.upper_layer = true;
    p.learn(loader);

    const ExecutableEntry* py = p.find_executable("/usr/bin/python3");
    REQUIRE(py != nullptr);
    CHECK(py->scripts == std::set<std::string>{"/app/run.py"});
    CHECK(py->interpreters.empty());  // the interpreter is the executable itself
    const ExecutableEntry* ld = p.find_executable("/lib64/ld-linux-x86-64.so.2");
    REQUIRE(ld != nullptr);
    CHECK(ld->loaded_programs == std::set<std::string>{"/opt/prog"});
    CHECK(ld->upper_layer);
    CHECK_FALSE(ld->memory);
    CHECK(p.file_access("/app/run.py") == Access::exec);
    CHECK(p.file_access("/opt/prog") == Access::exec);
}

TEST_CASE("a profile converges once new entries stop and not while they keep coming") {
    Profile p("w", "");
    CHECK_FALSE(p.converged(60, 1.0));  // nothing learned yet

    // Ten minutes of a new file every ten seconds.
    std::uint64_t t = t0;
    for (int i = 0; i < 60; ++i, t += 10 * second) {
        p.learn(open_event("/data/f" + std::to_string(i) + "/x" + std::to_string(i), o_rdonly, t));
    }
    CHECK_FALSE(p.converged(60, 1.0));
    ConvergenceStatus busy = p.convergence(0, 300);
    CHECK(busy.rate_per_minute == doctest::Approx(6.0));
    CHECK(busy.quiet_seconds == doctest::Approx(0.0));

    // Then ten minutes of repeats only.
    std::uint64_t last_new = t - 10 * second;
    for (int i = 0; i < 60; ++i, t += 10 * second)
        p.learn(open_event("/data/f0/x0", o_rdonly, t));
    ConvergenceStatus quiet = p.convergence(0, 300);
    CHECK(quiet.last_new_ns == last_new);
    CHECK(quiet.quiet_seconds == doctest::Approx(600.0));
    CHECK(quiet.new_in_window == 0);
    CHECK(p.converged(60, 1.0));
    CHECK_FALSE(p.converged(900, 1.0));  // not quiet for that long

    // A new entry resets it.
    p.learn(open_event("/data/new", o_rdonly, t));
    CHECK_FALSE(p.converged(60, 1.0));
    CHECK(p.converged(60, 1.0, t + 120 * second));
}

TEST_CASE("merging runs of one image adds counts, widens the window and unites sets") {
    Profile a("w", "sha256:1");
    a.learn(exec_event("/bin/a", {"a"}, t0, "w", 1, 10));
    a.learn(open_event("/etc/a.conf", o_rdonly, t0 + second));
    a.learn(network_event(NetOp::connect, "10.1.1.1", 80, t0 + 2 * second, "w"));

    Profile b("w", "sha256:1");
    b.learn(exec_event("/bin/a", {"a", "-v"}, t0 + 100 * second, "w", 1, 11));
    b.learn(exec_event("/bin/b", {"b"}, t0 + 101 * second, "w", 1, 12));
    b.learn(open_event("/etc/a.conf", o_wronly, t0 + 102 * second));
    b.learn(network_event(NetOp::connect, "10.1.1.1", 80, t0 + 103 * second, "w"));
    b.learn(lost_event(EventKind::open, 2, t0 + 104 * second, "w"));

    a.merge(b);
    CHECK(a.first_ns() == t0);
    CHECK(a.last_ns() == t0 + 104 * second);
    CHECK(a.event_count(EventKind::exec) == 3);
    CHECK(a.lost(EventKind::open) == 2);
    const ExecutableEntry* e = a.find_executable("/bin/a");
    REQUIRE(e != nullptr);
    CHECK(e->count == 2);
    CHECK(e->identities == std::set<FileIdentity>{{1, 10}, {1, 11}});
    CHECK(e->argument_sets.size() == 2);
    CHECK(a.find_executable("/bin/b") != nullptr);
    CHECK(a.file_access("/etc/a.conf") == (Access::read | Access::write));
    auto net = a.network();
    REQUIRE(net.size() == 1);
    CHECK(net[0].count == 2);

    Profile other("w", "sha256:2");
    CHECK_THROWS_AS(a.merge(other), Error);
}

TEST_CASE("merging absorbs literals of one run into the patterns of the other") {
    Profile a("w", "");
    for (int i = 0; i < 20; ++i)
        a.learn(open_event("/tmp/req-" + std::to_string(i), o_wronly));
    Profile b("w", "");
    b.learn(open_event("/tmp/req-500", o_wronly));
    b.learn(open_event("/tmp/req-501", o_wronly));
    REQUIRE(b.patterns().empty());

    b.merge(a);
    REQUIRE(b.patterns().size() == 1);
    CHECK(b.patterns()[0]->pattern == "/tmp/req-*");
    CHECK(b.patterns()[0]->absorbed == 22);
    CHECK(b.files().empty());
}

TEST_CASE("merging baselines joins profiles with the same key and keeps the others") {
    Baseline x;
    x.learn(exec_event("/bin/a", {"a"}, t0, "w1"));
    Baseline y;
    y.learn(exec_event("/bin/b", {"b"}, t0, "w1"));
    y.learn(exec_event("/bin/c", {"c"}, t0, "w2"));
    x.merge(y);
    REQUIRE(x.size() == 2);
    CHECK(x.find("w1", "")->executables().size() == 2);
    CHECK(x.find("w2", "")->executables().size() == 1);
}

TEST_CASE("a saved baseline loads back equal and re-saves byte for byte") {
    TempDir dir;
    Baseline b = varied_baseline();
    std::string first = dir.file("b.json");
    b.save(first);

    Baseline loaded = Baseline::load(first);
    std::string resaved = dir.file("b2.json");
    loaded.save(resaved);
    CHECK(detail::read_file(first) == detail::read_file(resaved));
    CHECK(loaded.to_json() == b.to_json());

    // The content survived, including the bytes of a path that is not UTF-8.
    const Profile* p = loaded.find("container:abc", "sha256:1111");
    REQUIRE(p != nullptr);
    CHECK(p->file_access(std::string("/data/caf\xe9.txt")) == Access::read);
    CHECK(p->file_access("/tmp/upload-77.part") == Access::write);
    CHECK(p->lost(EventKind::open) == 3);
    CHECK(p->find_executable("/bin/sh")->argument_sets.count({"sh", "-c", "echo \"hi\""}) == 1);

    // Learning continues in a loaded baseline as in the original.
    Baseline cont = loaded;
    cont.set_image_digest("container:abc", "sha256:1111");
    cont.learn(open_event("/tmp/upload-900.part", o_wronly, t0 + 1000 * second));
    Profile& q = cont.profile("container:abc", "sha256:1111");
    CHECK(q.files().size() == p->files().size());
    CHECK(q.patterns().size() == p->patterns().size());
}

TEST_CASE("the baseline file names its format, schema, workload, digest, window and hash") {
    Baseline b = varied_baseline();
    std::string text = b.to_json();
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(text);
    CHECK(std::string_view(doc["format"]) == "rtguard-baseline");
    CHECK(std::uint64_t(doc["schema"]) == 1);
    std::string_view hash = doc["content_hash"];
    CHECK(std::regex_match(std::string(hash), std::regex("sha256:[0-9a-f]{64}")));
    simdjson::dom::element p0 = doc["profiles"].at(0);
    CHECK(std::string_view(p0["workload"]) == "container:abc");
    CHECK(std::string_view(p0["image_digest"]) == "sha256:1111");
    CHECK(std::string_view(p0["window"]["first"]) == "2023-11-14T22:13:20.000000000Z");
    CHECK(std::uint64_t(p0["event_counts"]["open"]) == 24);
    CHECK(std::uint64_t(p0["lost"]["open"]) == 3);
    // The non-UTF-8 path travels as exact hex next to a readable form.
    bool found_hex = false;
    for (simdjson::dom::element f : p0["files"].get_array()) {
        std::string_view hex;
        if (!f["path_hex"].get(hex)) found_hex = hex == "2f646174612f636166e92e747874";
    }
    CHECK(found_hex);
}

TEST_CASE("a truncated baseline file is rejected naming the file and the line") {
    std::string text = varied_baseline().to_json();
    Error e = load_error(text.substr(0, text.size() / 2), "cut.json");
    CHECK(e.code() == make_error_code(errc::parse_error));
    CHECK(e.file() == "cut.json");
    CHECK(std::string(e.what()).find("cut.json:line ") == 0);
    CHECK(e.message().find("truncated") != std::string::npos);
}

TEST_CASE("a flipped byte in a baseline is caught by the content hash") {
    std::string text = varied_baseline().to_json();
    Error e = load_error(replace_once(text, "\"/etc/passwd\"", "\"/etc/passwe\""));
    CHECK(e.code() == make_error_code(errc::integrity));
    CHECK(e.file() == "damaged.json");
    CHECK(e.where() == "line 4, $.content_hash");

    // A count changed by hand as well.
    Error counts = load_error(replace_once(text, "\"exec\": 2", "\"exec\": 3"));
    CHECK(counts.code() == make_error_code(errc::integrity));
}

TEST_CASE("a baseline with an unknown schema or another format is rejected at that member") {
    std::string text = varied_baseline().to_json();
    Error schema = load_error(replace_once(text, "\"schema\": 1", "\"schema\": 2"));
    CHECK(schema.code() == make_error_code(errc::schema_mismatch));
    CHECK(schema.file() == "damaged.json");
    CHECK(schema.where() == "line 3, $.schema");
    CHECK(std::string(schema.what()).find("damaged.json:line 3, $.schema: ") == 0);

    Error format = load_error(replace_once(text, "rtguard-baseline", "rtguard-events"));
    CHECK(format.code() == make_error_code(errc::bad_value));
    CHECK(format.where() == "line 2, $.format");

    Error not_object = load_error("[1, 2]");
    CHECK(not_object.code() == make_error_code(errc::bad_value));
}

TEST_CASE("a wrong type deep in a baseline is reported with its JSON path and line") {
    std::string text = varied_baseline().to_json();
    // The first file entry's count, written as a string.
    auto files = text.find("\"files\"");
    auto count = text.find("\"count\": ", files);
    auto end = text.find_first_of(",\n", count + 9);
    std::string damaged = text.substr(0, count) + "\"count\": \"many\"" + text.substr(end);
    std::size_t line = 1 + std::count(text.begin(), text.begin() + long(count), '\n');

    Error e = load_error(damaged, "typed.json");
    CHECK(e.code() == make_error_code(errc::bad_value));
    CHECK(e.file() == "typed.json");
    CHECK(e.where() == "line " + std::to_string(line) + ", $.profiles[0].files[0].count");
    CHECK(e.message() == "expected a non-negative integer");

    Error access = load_error(replace_once(text, "\"access\": \"r\"", "\"access\": \"rq\""));
    CHECK(access.code() == make_error_code(errc::bad_value));
    CHECK(access.where().find("$.profiles[0].files[") != std::string::npos);
    CHECK(access.where().find("].access") != std::string::npos);
}

TEST_CASE("a baseline missing a member, with an unknown one or with trailing bytes is rejected") {
    std::string text = varied_baseline().to_json();
    Error missing =
        load_error(replace_once(text, "\"image_digest\": \"sha256:1111\",\n      ", ""));
    CHECK(missing.code() == make_error_code(errc::missing_field));
    CHECK(missing.message() == "missing member \"image_digest\"");
    CHECK(missing.where() == "line 6, $.profiles[0]");

    // io_uring may be left out, but that changes the content, so the hash fails.
    Error no_uring = load_error(replace_once(text, ",\n      \"io_uring\": 1\n", "\n"));
    CHECK(no_uring.code() == make_error_code(errc::integrity));

    Error no_files = load_error(replace_once(text, "\"files\": [", "\"filez\": ["));
    CHECK(no_files.code() == make_error_code(errc::bad_value));
    CHECK(no_files.message() == "unknown member \"filez\"");
    CHECK(no_files.where().find("$.profiles[0].filez") != std::string::npos);

    Error trailing = load_error(text + "}\n");
    CHECK(trailing.code() == make_error_code(errc::parse_error));
    std::size_t last_line = 1 + std::count(text.begin(), text.end(), '\n');
    CHECK(trailing.where() == "line " + std::to_string(last_line) + ", $");

    Error empty = load_error("");
    CHECK(empty.code() == make_error_code(errc::parse_error));

    Error bad_utf8 = load_error(replace_once(text, "/etc/passwd", "/etc/pass\xffwd"));
    CHECK(bad_utf8.code() == make_error_code(errc::parse_error));
}

TEST_CASE("loading a missing baseline file keeps errno and names the file") {
    TempDir dir;
    try {
        Baseline::load(dir.file("absent.json"));
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == std::error_code(ENOENT, std::system_category()));
        CHECK(e.file() == dir.file("absent.json"));
    }
}

TEST_CASE("the seccomp export allows exactly the learned syscalls on x86_64") {
    Profile p("w", "");
    CHECK_THROWS_AS(p.seccomp_profile(), Error);

    p.learn(syscall_event(0));     // read
    p.learn(syscall_event(1));     // write
    p.learn(syscall_event(231));   // exit_group
    p.learn(syscall_event(9999));  // unknown number: left out
    std::string json = p.seccomp_profile();

    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(json);
    CHECK(std::string_view(doc["defaultAction"]) == "SCMP_ACT_ERRNO");
    CHECK(std::uint64_t(doc["defaultErrnoRet"]) == 1);
    CHECK(doc["architectures"].get_array().size() == 1);
    CHECK(std::string_view(doc["architectures"].at(0)) == "SCMP_ARCH_X86_64");
    simdjson::dom::element rule = doc["syscalls"].at(0);
    CHECK(std::string_view(rule["action"]) == "SCMP_ACT_ALLOW");
    std::vector<std::string> names;
    for (std::string_view n : rule["names"].get_array())
        names.emplace_back(n);
    CHECK(names == std::vector<std::string>{"execve", "exit_group", "read", "write"});

    // The same list, from the one place both take it from, with what was left out.
    std::vector<std::int32_t> unnamed;
    CHECK(p.seccomp_syscalls(&unnamed) == names);
    CHECK(unnamed == std::vector<std::int32_t>{9999});
}

TEST_CASE("the syscall table matches the kernel header it was generated from") {
    const char* header = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
    std::ifstream in(header);
    if (!in) {
        MESSAGE("SKIP: " << header << " is absent");
        return;
    }
    std::regex define(R"(#define __NR_(\w+)\s+(\d+)\s*)");
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        std::smatch m;
        if (!std::regex_match(line, m, define)) continue;
        int nr = std::stoi(m[2]);
        CHECK(x86_64_syscall_name(nr) == m[1].str());
        CHECK(x86_64_syscall_number(m[1].str()) == nr);
        ++n;
    }
    CHECK(n > 300);
    CHECK(x86_64_syscall_name(-1).empty());
    CHECK_FALSE(x86_64_syscall_number("no_such_call").has_value());
}

TEST_CASE("open flags map to read, write and exec access") {
    CHECK(access_from_open_flags(o_rdonly) == Access::read);
    CHECK(access_from_open_flags(o_wronly) == Access::write);
    CHECK(access_from_open_flags(o_rdwr) == (Access::read | Access::write));
    CHECK(access_from_open_flags(o_rdonly | o_creat) == Access::write);
    CHECK(access_from_open_flags(o_rdonly | 0x20) == (Access::read | Access::exec));
    CHECK(to_string(Access::read | Access::exec) == "rx");
    CHECK(access_from_string("rw") == (Access::read | Access::write));
    CHECK_FALSE(access_from_string("rr").has_value());
    CHECK_FALSE(access_from_string("q").has_value());
}

TEST_CASE("path patterns match within one component and honour escapes") {
    CHECK(path_pattern_matches("/tmp/req-*", "/tmp/req-17"));
    CHECK(path_pattern_matches("/tmp/req-*", "/tmp/req-"));
    CHECK_FALSE(path_pattern_matches("/tmp/req-*", "/tmp/req-1/x"));
    CHECK(path_pattern_matches("/proc/*/status", "/proc/1/status"));
    CHECK_FALSE(path_pattern_matches("/proc/*/status", "/proc/1/task/2/status"));
    CHECK(path_pattern_matches("/a/*.log.*", "/a/x.log.1"));
    CHECK(path_pattern_matches("/a/\\*", "/a/*"));
    CHECK_FALSE(path_pattern_matches("/a/\\*", "/a/b"));
    CHECK(path_pattern_matches("/a/\\\\b", "/a/\\b"));
}

TEST_CASE("a literal file name with a star is not read as a pattern") {
    Profile p("w", "");
    p.learn(open_event("/srv/*", o_rdonly));
    CHECK(p.file_access("/srv/*") == Access::read);
    CHECK(p.file_access("/srv/anything") == Access::none);

    // Grouped and generalized, the literal parts of the pattern stay escaped.
    for (int i = 0; i < 20; ++i)
        p.learn(open_event("/x*y/f" + std::to_string(i) + "-z", o_rdonly));
    REQUIRE(p.patterns().size() == 1);
    CHECK(p.patterns()[0]->pattern == "/x\\*y/*-z");
    CHECK(p.file_access("/x*y/q-z") == Access::read);
    CHECK(p.file_access("/xay/q-z") == Access::none);
}

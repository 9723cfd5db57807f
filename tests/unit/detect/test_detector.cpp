// Tests of rtguard/detector.hpp: every rule on a deviating event and on a conforming one, the
// rate limit, the alert format, and learning then detecting on recorded Tetragon events.
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "baseline/make_events.hpp"
#include "rtguard/detector.hpp"
#include "rtguard/error.hpp"
#include "rtguard/tetragon.hpp"
#include "test_support.hpp"

using namespace rtguard;
using namespace rtguard::testing;

namespace {

const std::string workload = "container:abc";

// What the workload did while it was watched.
std::vector<Event> normal_behaviour() {
    std::vector<Event> v;
    std::uint64_t t = t0;
    v.push_back(exec_event("/usr/bin/app", {"app", "--serve"}, t, workload, 0x801, 1000));
    Event script = exec_event("/usr/bin/python3", {"python3", "/app/job.py"}, t += second, workload,
                              0x801, 2000);
    script.exec.interpreter = "/usr/bin/python3";
    script.exec.script = "/app/job.py";
    v.push_back(script);
    v.push_back(open_event("/etc/app.conf", o_rdonly, t += second));
    v.push_back(open_event("/var/log/app.log", o_wronly | o_creat, t += second));
    v.push_back(open_event("/run/secrets/db-password", o_rdonly, t += second));
    for (int i = 0; i < 30; ++i) {
        v.push_back(open_event("/tmp/req-" + std::to_string(i), o_wronly | o_creat, t += second));
    }
    v.push_back(network_event(NetOp::connect, "10.0.0.5", 5432, t += second));
    v.push_back(network_event(NetOp::listen, "0.0.0.0", 8080, t += second));
    v.push_back(syscall_event(0, t += second));
    v.push_back(syscall_event(1, t += second));
    return v;
}

Profile normal_profile() {
    Profile p(workload, "sha256:feed");
    for (const auto& e : normal_behaviour())
        p.learn(e);
    return p;
}

AnomalyDetector detector_for(const Profile& p, DetectorOptions o = {}) {
    AnomalyDetector d(std::move(o));
    d.add(p);
    return d;
}

std::vector<Alert> check(AnomalyDetector& d, const Event& e) {
    std::vector<Alert> out;
    d.check(e, out);
    return out;
}

std::vector<Rule> rules_of(const std::vector<Alert>& alerts) {
    std::vector<Rule> r;
    for (const auto& a : alerts)
        r.push_back(a.rule);
    return r;
}

std::string evidence(const Alert& a, const std::string& key) {
    for (const auto& [k, v] : a.evidence) {
        if (k == key) return v;
    }
    return "<absent>";
}

std::uint64_t t_late = t0 + 10'000 * second;

}  // namespace

TEST_CASE("the behaviour a baseline was learned from raises no alert") {
    AnomalyDetector d = detector_for(normal_profile());
    std::vector<Alert> out;
    for (const auto& e : normal_behaviour())
        d.check(e, out);
    CHECK(out.empty());
    // Nor do new names in a generalized place, repeats or process exits.
    CHECK(check(d, open_event("/tmp/req-9999", o_wronly | o_creat, t_late)).empty());
    CHECK(check(d, open_event("/etc/app.conf", o_rdonly, t_late)).empty());
    CHECK(check(d, base_event(EventKind::exit, t_late, workload)).empty());
    CHECK(d.stats().alerts == 0);
    CHECK(d.stats().events == normal_behaviour().size() + 3);
}

TEST_CASE("an executable the baseline never ran raises unexpected_executable") {
    AnomalyDetector d = detector_for(normal_profile());
    auto alerts = check(
        d, exec_event("/usr/bin/nc", {"nc", "evil.example", "443"}, t_late, workload, 0x801, 3000));
    REQUIRE(rules_of(alerts) == std::vector<Rule>{Rule::unexpected_executable});
    const Alert& a = alerts[0];
    CHECK(a.subject == "/usr/bin/nc");
    CHECK(a.severity == Severity::high);
    CHECK(a.workload == workload);
    CHECK(a.image_digest == "sha256:feed");
    CHECK(evidence(a, "cmdline") == "nc evil.example 443");
    CHECK(evidence(a, "identity") == "2049:3000");
    CHECK(a.output.find("/usr/bin/nc") != std::string::npos);
}

TEST_CASE("a known path with another file identity raises executable_changed") {
    AnomalyDetector d = detector_for(normal_profile());
    auto alerts =
        check(d, exec_event("/usr/bin/app", {"app", "--serve"}, t_late, workload, 0x801, 999));
    REQUIRE(rules_of(alerts) == std::vector<Rule>{Rule::executable_changed});
    CHECK(evidence(alerts[0], "expected_identities") == "2049:1000");
    CHECK(evidence(alerts[0], "identity") == "2049:999");

    // Same identity, or an identity the source could not tell: nothing.
    CHECK(check(d, exec_event("/usr/bin/app", {"app", "--serve"}, t_late, workload, 0x801, 1000))
              .empty());
    CHECK(check(d, exec_event("/usr/bin/app", {"app", "--serve"}, t_late, workload, 0, 0)).empty());
}

TEST_CASE("execution from the writable layer raises drift_upper_layer") {
    AnomalyDetector d = detector_for(normal_profile());
    Event e = exec_event("/usr/bin/app", {"app", "--serve"}, t_late);
    e.exec.upper_layer = true;
    CHECK(rules_of(check(d, e)) == std::vector<Rule>{Rule::drift_upper_layer});

    // A workload that did so while learning is not flagged for it.
    Profile p = normal_profile();
    p.learn(e);
    AnomalyDetector d2 = detector_for(p);
    CHECK(check(d2, e).empty());
}

TEST_CASE("execution from memory or of a deleted file raises drift_memory") {
    AnomalyDetector d = detector_for(normal_profile());
    Event memfd = exec_event("/memfd:payload (deleted)", {"x"}, t_late, workload, 1, 5);
    memfd.exec.memory = true;
    memfd.exec.deleted = true;
    auto alerts = check(d, memfd);
    CHECK(rules_of(alerts) == std::vector<Rule>{Rule::unexpected_executable, Rule::drift_memory});
    CHECK(alerts[1].severity == Severity::critical);
    CHECK(evidence(alerts[1], "memory") == "true");

    Event deleted = exec_event("/usr/bin/app", {"app", "--serve"}, t_late);
    deleted.exec.deleted = true;
    CHECK(rules_of(check(d, deleted)) == std::vector<Rule>{Rule::drift_memory});
}

TEST_CASE(
    "an interpreter running a script from a writable directory raises drift_interpreter_script") {
    AnomalyDetector d = detector_for(normal_profile());
    Event e =
        exec_event("/usr/bin/python3", {"python3", "/tmp/x.py"}, t_late, workload, 0x801, 2000);
    e.exec.interpreter = "/usr/bin/python3";
    e.exec.script = "/tmp/x.py";
    auto alerts = check(d, e);
    REQUIRE(rules_of(alerts) == std::vector<Rule>{Rule::drift_interpreter_script});
    CHECK(alerts[0].subject == "/tmp/x.py");
    CHECK(evidence(alerts[0], "writable_dir") == "/tmp");
    CHECK(evidence(alerts[0], "interpreter") == "/usr/bin/python3");

    // The script it ran while learning, and a script outside writable places: nothing.
    Event known = e;
    known.exec.script = "/app/job.py";
    CHECK(check(d, known).empty());
    Event elsewhere = e;
    elsewhere.exec.script = "/opt/tool.py";
    CHECK(check(d, elsewhere).empty());
    // /tmpfoo is not under /tmp; but a source may flag the directory as writable itself.
    elsewhere.exec.script = "/tmpfoo/x.py";
    CHECK(check(d, elsewhere).empty());
    elsewhere.exec.writable_dir = true;
    CHECK(rules_of(check(d, elsewhere)) == std::vector<Rule>{Rule::drift_interpreter_script});

    // A workload that ran that very script from /tmp while learning is not flagged for it.
    Profile p = normal_profile();
    p.learn(e);
    AnomalyDetector d2 = detector_for(p);
    CHECK(check(d2, e).empty());
}

TEST_CASE("a program started through the dynamic loader raises drift_loader") {
    AnomalyDetector d = detector_for(normal_profile());
    Event e = exec_event("/lib64/ld-linux-x86-64.so.2", {"ld.so", "/usr/bin/app"}, t_late);
    e.exec.loader = "/lib64/ld-linux-x86-64.so.2";
    e.exec.loaded_program = "/usr/bin/app";
    auto alerts = check(d, e);
    CHECK(rules_of(alerts) == std::vector<Rule>{Rule::unexpected_executable, Rule::drift_loader});
    CHECK(alerts[1].subject == "/usr/bin/app");

    Profile p = normal_profile();
    p.learn(e);
    AnomalyDetector d2 = detector_for(p);
    CHECK(check(d2, e).empty());
}

TEST_CASE("unexpected_arguments is off by default and fires when enabled") {
    Event e = exec_event("/usr/bin/app", {"app", "--debug-shell"}, t_late, workload, 0x801, 1000);
    AnomalyDetector off = detector_for(normal_profile());
    CHECK(check(off, e).empty());

    DetectorOptions o;
    o.check_arguments = true;
    AnomalyDetector on = detector_for(normal_profile(), o);
    auto alerts = check(on, e);
    REQUIRE(rules_of(alerts) == std::vector<Rule>{Rule::unexpected_arguments});
    CHECK(evidence(alerts[0], "cmdline") == "app --debug-shell");
    CHECK(check(on, exec_event("/usr/bin/app", {"app", "--serve"}, t_late, workload, 0x801, 1000))
              .empty());
}

TEST_CASE("writing outside the baseline raises unexpected_write") {
    AnomalyDetector d = detector_for(normal_profile());
    auto alerts = check(d, open_event("/etc/cron.d/evil", o_wronly | o_creat, t_late));
    REQUIRE(rules_of(alerts) == std::vector<Rule>{Rule::unexpected_write});
    CHECK(alerts[0].severity == Severity::medium);
    CHECK(evidence(alerts[0], "baseline_access") == "");

    // A file only read while learning is not writable; truncation counts as writing.
    CHECK(rules_of(check(d, open_event("/etc/app.conf", o_rdonly | o_trunc, t_late))) ==
          std::vector<Rule>{Rule::unexpected_write});
    CHECK(check(d, open_event("/var/log/app.log", o_wronly, t_late)).empty());

    // Writing a sensitive file is raised with a higher severity.
    auto shadow = check(d, open_event("/etc/shadow", o_rdwr, t_late));
    REQUIRE(rules_of(shadow) == std::vector<Rule>{Rule::unexpected_write});
    CHECK(shadow[0].severity == Severity::high);
    CHECK(evidence(shadow[0], "sensitive") == "/etc/shadow");
}

TEST_CASE("reading a sensitive path outside the baseline raises sensitive_read") {
    AnomalyDetector d = detector_for(normal_profile());
    for (std::string path : {"/etc/shadow", "/etc/sudoers.d/admins", "/root/.ssh/authorized_keys",
                             "/var/run/secrets/kubernetes.io/serviceaccount/token",
                             "/home/bob/.ssh/id_ed25519", "/srv/tls/server.key"}) {
        CAPTURE(path);
        auto alerts = check(d, open_event(path, o_rdonly, t_late));
        REQUIRE(rules_of(alerts) == std::vector<Rule>{Rule::sensitive_read});
        CHECK(alerts[0].subject == path);
    }
    // A secret the workload read while learning, and ordinary files: nothing.
    CHECK(check(d, open_event("/run/secrets/db-password", o_rdonly, t_late)).empty());
    CHECK(check(d, open_event("/etc/hostname", o_rdonly, t_late)).empty());
    CHECK(check(d, open_event("/etc/ssl/certs/ca-certificates.crt", o_rdonly, t_late)).empty());
}

TEST_CASE("an endpoint the baseline never used raises unexpected_network") {
    AnomalyDetector d = detector_for(normal_profile());
    auto alerts = check(d, network_event(NetOp::connect, "203.0.113.9", 4444, t_late));
    REQUIRE(rules_of(alerts) == std::vector<Rule>{Rule::unexpected_network});
    CHECK(alerts[0].subject == "connect tcp 203.0.113.9:4444");

    // Same address, other port or protocol or operation: each is new.
    CHECK(rules_of(check(d, network_event(NetOp::connect, "10.0.0.5", 5433, t_late))).size() == 1);
    CHECK(rules_of(check(d, network_event(NetOp::connect, "10.0.0.5", 5432, t_late, workload,
                                          NetProto::udp)))
              .size() == 1);
    CHECK(rules_of(check(d, network_event(NetOp::listen, "0.0.0.0", 2222, t_late))).size() == 1);
    CHECK(check(d, network_event(NetOp::connect, "10.0.0.5", 5432, t_late)).empty());
    CHECK(check(d, network_event(NetOp::listen, "0.0.0.0", 8080, t_late)).empty());
}

TEST_CASE("a syscall the baseline never made raises unexpected_syscall") {
    AnomalyDetector d = detector_for(normal_profile());
    auto alerts = check(d, syscall_event(101, t_late));  // ptrace
    REQUIRE(rules_of(alerts) == std::vector<Rule>{Rule::unexpected_syscall});
    CHECK(alerts[0].subject == "ptrace");
    CHECK(check(d, syscall_event(0, t_late)).empty());

    // A profile from a source that reports no syscalls does not judge them.
    Profile blind(workload, "");
    blind.learn(exec_event("/usr/bin/app", {"app"}));
    AnomalyDetector d2 = detector_for(blind);
    CHECK(check(d2, syscall_event(101, t_late)).empty());
}

TEST_CASE("io_uring in a workload that never used it raises io_uring_use") {
    AnomalyDetector d = detector_for(normal_profile());
    CHECK(rules_of(check(d, io_uring_event(t_late))) == std::vector<Rule>{Rule::io_uring_use});

    Profile p = normal_profile();
    p.learn(io_uring_event());
    AnomalyDetector d2 = detector_for(p);
    CHECK(check(d2, io_uring_event(t_late)).empty());
}

TEST_CASE("lost events raise monitoring_degraded, with or without a workload") {
    AnomalyDetector d = detector_for(normal_profile());
    auto alerts = check(d, lost_event(EventKind::open, 12, t_late, ""));
    REQUIRE(rules_of(alerts) == std::vector<Rule>{Rule::monitoring_degraded});
    CHECK(evidence(alerts[0], "lost_count") == "12");
    CHECK(evidence(alerts[0], "lost_kind") == "open");
    CHECK(rules_of(check(d, lost_event(EventKind::exec, 1, t_late, "container:zzz"))).size() == 1);
}

TEST_CASE("an alert from a baseline learned with losses says so") {
    Profile p = normal_profile();
    p.learn(lost_event(EventKind::exec, 4));
    AnomalyDetector d = detector_for(p);
    auto alerts = check(d, exec_event("/usr/bin/nc", {"nc"}, t_late));
    REQUIRE(alerts.size() == 1);
    CHECK(evidence(alerts[0], "baseline_lost_events") == "4");
}

TEST_CASE("events of a workload without a baseline are ignored or alerted once") {
    Event e = exec_event("/usr/bin/nc", {"nc"}, t_late, "container:stranger");
    AnomalyDetector quiet = detector_for(normal_profile());
    CHECK(check(quiet, e).empty());
    CHECK(quiet.stats().unknown_workload_events == 1);

    DetectorOptions o;
    o.unknown_workload = UnknownWorkload::alert_once;
    AnomalyDetector loud = detector_for(normal_profile(), o);
    CHECK(rules_of(check(loud, e)) == std::vector<Rule>{Rule::unknown_workload});
    e.time_ns += 3600 * second;
    CHECK(check(loud, e).empty());
    CHECK(rules_of(check(loud, exec_event("/bin/x", {"x"}, t_late, "container:other"))).size() ==
          1);
}

TEST_CASE("an alias checks another workload's events against a baseline") {
    AnomalyDetector d = detector_for(normal_profile());
    Event e = exec_event("/usr/bin/nc", {"nc"}, t_late, "container:replica-2");
    CHECK(check(d, e).empty());
    d.alias("container:replica-2", workload);
    CHECK(d.has_workload("container:replica-2"));
    auto alerts = check(d, e);
    REQUIRE(rules_of(alerts) == std::vector<Rule>{Rule::unexpected_executable});
    CHECK(alerts[0].workload == "container:replica-2");
    CHECK(alerts[0].image_digest == "sha256:feed");
}

TEST_CASE("two image digests for one workload must be told apart") {
    Baseline b;
    b.profile(workload, "sha256:1").learn(exec_event("/a", {"a"}));
    b.profile(workload, "sha256:2").learn(exec_event("/b", {"b"}));
    AnomalyDetector d;
    CHECK_THROWS_AS(d.add(b), Error);

    AnomalyDetector chosen;
    chosen.add(b, "sha256:2");
    CHECK(check(chosen, exec_event("/b", {"b"}, t0, workload)).empty());
    CHECK(check(chosen, exec_event("/a", {"a"}, t0, workload)).size() == 1);
}

TEST_CASE("repeats are suppressed and counted, but a different file never is") {
    DetectorOptions o;
    o.rate_limit_ns = 60 * second;
    AnomalyDetector d = detector_for(normal_profile(), o);

    CHECK(check(d, open_event("/etc/evil", o_wronly, t_late)).size() == 1);
    CHECK(check(d, open_event("/etc/evil", o_wronly, t_late + 1 * second)).empty());
    CHECK(check(d, open_event("/etc/evil", o_wronly, t_late + 2 * second)).empty());
    // Another file within the window still alerts.
    CHECK(check(d, open_event("/etc/evil2", o_wronly, t_late + 3 * second)).size() == 1);
    // Another binary too, even with the same rule and workload.
    CHECK(check(d, exec_event("/bin/a1", {"a1"}, t_late + 4 * second)).size() == 1);
    CHECK(check(d, exec_event("/bin/a2", {"a2"}, t_late + 4 * second)).size() == 1);
    CHECK(d.stats().suppressed == 2);
    CHECK(d.stats().suppressed_by_rule[static_cast<std::size_t>(Rule::unexpected_write)] == 2);

    // After the window the repeat alerts again and carries the count it stood for.
    auto again = check(d, open_event("/etc/evil", o_wronly, t_late + 61 * second));
    REQUIRE(again.size() == 1);
    CHECK(again[0].suppressed == 2);
    CHECK(d.stats().alerts == 5);
    CHECK(d.stats().alerts_by_rule[static_cast<std::size_t>(Rule::unexpected_write)] == 3);
}

TEST_CASE("the rate limiter keeps suppressing while it prunes expired keys at its bound") {
    DetectorOptions o;
    o.rate_limit_ns = 10 * second;
    o.max_rate_limit_keys = 8;
    AnomalyDetector d = detector_for(normal_profile(), o);
    for (int i = 0; i < 100; ++i) {
        std::string path = "/etc/f" + std::to_string(i);
        std::uint64_t t = t_late + std::uint64_t(i) * 20 * second;
        CHECK(check(d, open_event(path, o_wronly, t)).size() == 1);
        CHECK(check(d, open_event(path, o_wronly, t + second)).empty());
    }
    CHECK(d.stats().alerts == 100);
    CHECK(d.stats().suppressed == 100);
}

TEST_CASE("an alert as JSON has Falco's fields and reads back") {
    AnomalyDetector d = detector_for(normal_profile());
    Event e = exec_event("/usr/bin/nc", {"nc", "evil.example", "443"}, t0 + 123'456'789ULL,
                         workload + "0123456789abcdef", 0x801, 3000);
    d.alias(e.workload, workload);
    e.pid = 77;
    e.ppid = 7;
    e.uid = 0;
    auto alerts = check(d, e);
    REQUIRE(alerts.size() == 1);
    std::string json = alert_to_json(alerts[0], "node-1");
    CHECK(json.find('\n') == std::string::npos);

    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(json);
    CHECK(std::string_view(doc["time"]) == "2023-11-14T22:13:20.123456789Z");
    CHECK(std::string_view(doc["rule"]) == "unexpected_executable");
    CHECK(std::string_view(doc["priority"]) == "Error");
    CHECK(std::string_view(doc["source"]) == "rtguard");
    CHECK(std::string_view(doc["hostname"]) == "node-1");
    CHECK(std::string_view(doc["output"]).find("/usr/bin/nc") != std::string_view::npos);

    simdjson::dom::element f = doc["output_fields"];
    CHECK(std::string_view(f["evt.type"]) == "execve");
    CHECK(std::uint64_t(f["evt.time"]) == t0 + 123'456'789ULL);
    CHECK(std::string_view(f["proc.exepath"]) == "/usr/bin/nc");
    CHECK(std::string_view(f["proc.name"]) == "nc");
    CHECK(std::string_view(f["proc.cmdline"]) == "nc evil.example 443");
    CHECK(std::uint64_t(f["proc.pid"]) == 77);
    CHECK(std::uint64_t(f["proc.ppid"]) == 7);
    CHECK(std::uint64_t(f["user.uid"]) == 0);
    CHECK(std::string_view(f["container.id"]) == "abc012345678");
    CHECK(std::string_view(f["container.full_id"]) == "abc0123456789abcdef");

    std::vector<std::string_view> tags;
    for (std::string_view t : doc["tags"].get_array())
        tags.push_back(t);
    CHECK(std::find(tags.begin(), tags.end(), "process") != tags.end());

    simdjson::dom::element own = doc["rtguard"];
    CHECK(std::uint64_t(own["schema"]) == 1);
    CHECK(std::string_view(own["severity"]) == "high");
    CHECK(std::string_view(own["image_digest"]) == "sha256:feed");
    CHECK(std::string_view(own["evidence"]["identity"]) == "2049:3000");
}

TEST_CASE("network and file alerts carry fd fields; bytes that are not UTF-8 keep their hex") {
    AnomalyDetector d = detector_for(normal_profile());
    auto net = check(d, network_event(NetOp::connect, "2001:db8::1", 443, t_late, workload,
                                      NetProto::tcp, NetFamily::inet6));
    REQUIRE(net.size() == 1);
    simdjson::dom::parser parser;
    simdjson::dom::element f = parser.parse(alert_to_json(net[0], "h"))["output_fields"];
    CHECK(std::string_view(f["evt.type"]) == "connect");
    CHECK(std::string_view(f["fd.name"]) == "[2001:db8::1]:443");
    CHECK(std::string_view(f["fd.sip"]) == "2001:db8::1");
    CHECK(std::uint64_t(f["fd.sport"]) == 443);
    CHECK(std::string_view(f["fd.l4proto"]) == "tcp");

    auto file = check(d, open_event(std::string("/etc/x\xff"), o_wronly, t_late));
    REQUIRE(file.size() == 1);
    simdjson::dom::parser parser2;
    simdjson::dom::element g = parser2.parse(alert_to_json(file[0], "h"))["output_fields"];
    CHECK(std::string_view(g["fd.name"]) == "/etc/x\xEF\xBF\xBD");
    CHECK(std::string_view(g["fd.name_hex"]) == "2f6574632f78ff");
    CHECK(std::string_view(g["evt.type"]) == "openat");
}

TEST_CASE("rule ids and Falco priorities are stable") {
    CHECK(to_string(Rule::drift_interpreter_script) == "drift_interpreter_script");
    CHECK(rule_from_string("sensitive_read") == Rule::sensitive_read);
    CHECK_FALSE(rule_from_string("nope").has_value());
    for (std::size_t r = 1; r < rule_count; ++r) {
        auto rule = static_cast<Rule>(r);
        CHECK(rule_from_string(to_string(rule)) == rule);
    }
    CHECK(falco_priority(Severity::critical) == "Critical");
    CHECK(falco_priority(Severity::high) == "Error");
    CHECK(falco_priority(Severity::medium) == "Warning");
    CHECK(falco_priority(Severity::low) == "Notice");
    CHECK(falco_priority(Severity::info) == "Informational");
}

namespace {

std::vector<Event> read_tetragon(const std::filesystem::path& dir,
                                 const std::vector<std::string>& names) {
    std::vector<Event> events;
    for (const auto& n : names) {
        TetragonSource source((dir / n).string());
        while (source.next_batch(events, 256) > 0) {
        }
    }
    return events;
}

}  // namespace

TEST_CASE("learning part of a Tetragon trace and detecting on the rest gives specific alerts") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    std::filesystem::path book = data / "traces" / "tetragon" / "book";
    const std::string pod =
        "container:e6af4dff4ea3b8d50313c59fbaa442e377da35671e79f43b8dc53c5efcc9b659";
    const std::string replica =
        "container:bae66fa9f18079f78500ad37e88eb8a88b3181b2d0767f26dc532f75e4024d27";

    // An elasticsearch pod runs its lifecycle script, which cats its keystore.
    Baseline baseline;
    for (const auto& e : read_tetragon(
             book, {"03_chapter__00_process_lifecycle__lifecycle_sh_process_exec.json",
                    "03_chapter__00_process_lifecycle__cat_process_exec.json",
                    "03_chapter__00_process_lifecycle__cat_process_kprobe.json",
                    "03_chapter__00_process_lifecycle__cat_process_exit.json",
                    "03_chapter__00_process_lifecycle__lifecycle_sh_process_exit.json"})) {
        baseline.learn(e);
    }
    REQUIRE(baseline.find(pod, "") != nullptr);

    // Then it starts netcat to a remote host; another pod of the image edits /etc/passwd.
    AnomalyDetector d;
    d.add(baseline);
    d.alias(replica, pod);
    std::vector<Alert> alerts;
    for (const auto& e :
         read_tetragon(book, {"03_chapter__00_process_lifecycle__nc_process_exec.json",
                              "03_chapter__00_process_lifecycle__nc_process_connect.json",
                              "03_chapter__00_process_lifecycle__nc_process_close.json",
                              "03_chapter__00_process_lifecycle__nc_process_exit.json",
                              "03_chapter__00_four_golden_signals__process_kprobe.json"})) {
        d.check(e, alerts);
    }

    std::map<Rule, std::string> fired;
    for (const auto& a : alerts)
        fired[a.rule] = a.subject;
    CHECK(fired.size() == 3);
    CHECK(alerts.size() == 3);
    CHECK(fired[Rule::unexpected_executable] == "/usr/bin/nc");
    CHECK(fired[Rule::unexpected_network].find("connect") == 0);
    CHECK(fired[Rule::unexpected_network].find("64.225.45.153:443") != std::string::npos);
    CHECK(fired[Rule::unexpected_write] == "/etc/passwd");
}

TEST_CASE("learning and detecting on the same Tetragon events gives no alert") {
    RTGUARD_REQUIRE_SHARED_DATA(data);
    std::filesystem::path dir = data / "traces" / "tetragon";
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "book")) {
        names.push_back("book/" + entry.path().filename().string());
    }
    names.push_back("events.json");
    std::sort(names.begin(), names.end());
    std::vector<Event> events = read_tetragon(dir, names);
    REQUIRE(events.size() > 10);

    Baseline baseline;
    for (const auto& e : events)
        baseline.learn(e);
    AnomalyDetector d;
    d.add(baseline);
    std::vector<Alert> alerts;
    for (const auto& e : events)
        d.check(e, alerts);
    CHECK(alerts.empty());
    CHECK(d.stats().events == events.size());
}

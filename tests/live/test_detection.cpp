// Live profile-then-monitor scenarios: a workload profiled with BpfSource raises no alert when
// it runs again, and each kind of drift or deviation raises its rule.
#include <sys/wait.h>

#include <algorithm>
#include <memory>
#include <random>

#include "live_support.hpp"
#include "rtguard/baseline.hpp"
#include "rtguard/detector.hpp"
#include "rtguard/live.hpp"

using namespace rtguard;
using namespace rtguard::live_testing;

namespace {

constexpr const char* workload_key = "live-scenario";

/// The profiled workload: a script that runs a few commands, reads a file and connects to a
/// local port, then evaluates its first argument (the deviation under test), if any.
struct Scenario {
    // The script lives in a directory nobody else can write to (the current one, the build
    // directory), so that running it is not drift by itself.
    ScratchDir script_dir{std::filesystem::current_path()};
    ScratchDir tmp;  // under /tmp: where deviations put their files
    Listener known_port;
    Listener new_port;
    std::string script;
    Baseline baseline;

    Scenario() {
        std::string data = script_dir.write("input.txt", "some input\n");
        script = script_dir.write("workload.sh",
                                  "#!/bin/bash\n"
                                  "cat /etc/hostname > /dev/null\n"
                                  "ls / > /dev/null\n"
                                  "head -c 4 " +
                                      data +
                                      " > /dev/null\n"
                                      "exec 3<>/dev/tcp/127.0.0.1/" +
                                      std::to_string(known_port.port()) +
                                      "\n"
                                      "exec 3>&-\n"
                                      "if [ -n \"$1\" ]; then eval \"$1\"; fi\n",
                                  0755);

        // Profile two runs, as a real profile would see more than one.
        for (int i = 0; i < 2; ++i) {
            BpfSource source;
            Run run = run_watched(source, {script}, workload_key);
            REQUIRE(WIFEXITED(run.status));
            REQUIRE(WEXITSTATUS(run.status) == 0);
            for (const auto& e : run.events)
                baseline.learn(e);
        }
    }
};

/// One profile for the whole suite: profiling is the slow part.
Scenario& scenario() {
    static std::unique_ptr<Scenario> s;
    if (!s) s = std::make_unique<Scenario>();
    return *s;
}

/// Runs the workload with `deviation` under a monitor; returns its alerts.
std::vector<Alert> monitor(const std::string& deviation) {
    Scenario& s = scenario();
    AnomalyDetector detector;
    detector.add(s.baseline);
    BpfSource source;
    std::vector<std::string> argv{s.script};
    if (!deviation.empty()) argv.push_back(deviation);
    Run run = run_watched(source, argv, workload_key);

    std::vector<Alert> alerts;
    for (const auto& e : run.events)
        detector.check(e, alerts);
    return alerts;
}

std::string describe(const std::vector<Alert>& alerts) {
    std::string out;
    for (const auto& a : alerts)
        out += std::string(to_string(a.rule)) + " " + a.subject + "\n";
    return out;
}

/// The alerts of `rule` about `subject`.
std::size_t count_alerts(const std::vector<Alert>& alerts, Rule rule, const std::string& subject) {
    return static_cast<std::size_t>(
        std::count_if(alerts.begin(), alerts.end(),
                      [&](const Alert& a) { return a.rule == rule && a.subject == subject; }));
}

}  // namespace

TEST_CASE("a profiled workload raises no alert when it runs again under the monitor") {
    RTGUARD_REQUIRE_LIVE();
    Scenario& s = scenario();
    const Profile* p = s.baseline.find(workload_key, "");
    REQUIRE(p != nullptr);
    CHECK(p->find_executable("/usr/bin/cat") != nullptr);
    CHECK(p->has_endpoint(NetworkEndpoint{NetOp::connect, NetProto::tcp, NetFamily::inet,
                                          "127.0.0.1", s.known_port.port()}));
    CHECK(p->lost_total() == 0);

    auto alerts = monitor("");
    INFO(describe(alerts));
    CHECK(alerts.empty());
}

TEST_CASE("a binary copied to /tmp under a new name raises unexpected_executable") {
    RTGUARD_REQUIRE_LIVE();
    std::string copy = scenario().tmp.file("renamed-true");
    auto alerts = monitor("cp /bin/true " + copy + " && " + copy);
    INFO(describe(alerts));
    CHECK(count_alerts(alerts, Rule::unexpected_executable, copy) == 1);
}

TEST_CASE("a program run from memory raises drift_memory") {
    RTGUARD_REQUIRE_LIVE();
    if (access("/usr/bin/python3", X_OK) != 0) {
        MESSAGE("SKIP: /usr/bin/python3 is needed for memfd_create and execve");
        return;
    }
    auto alerts = monitor(
        "/usr/bin/python3 -c \"import os; fd = os.memfd_create('payload'); "
        "os.write(fd, open('/bin/true', 'rb').read()); "
        "os.execve('/proc/self/fd/%d' % fd, ['payload'], {})\"");
    INFO(describe(alerts));
    CHECK(count_alerts(alerts, Rule::drift_memory, "/memfd:payload (deleted)") == 1);
}

TEST_CASE("a script run by an interpreter from /tmp raises drift_interpreter_script") {
    RTGUARD_REQUIRE_LIVE();
    Scenario& s = scenario();
    std::string direct = s.tmp.write("evil.sh", "#!/bin/sh\ntrue\n", 0755);
    std::string given = s.tmp.write("given.sh", "true\n", 0644);

    // Through #! and named on the interpreter's command line.
    auto alerts = monitor(direct + "; sh " + given);
    INFO(describe(alerts));
    CHECK(count_alerts(alerts, Rule::drift_interpreter_script, direct) == 1);
    CHECK(count_alerts(alerts, Rule::drift_interpreter_script, given) == 1);
}

TEST_CASE("a program started through the dynamic loader raises drift_loader") {
    RTGUARD_REQUIRE_LIVE();
    auto alerts = monitor("/lib64/ld-linux-x86-64.so.2 /bin/true");
    INFO(describe(alerts));
    auto it = std::find_if(alerts.begin(), alerts.end(),
                           [](const Alert& a) { return a.rule == Rule::drift_loader; });
    REQUIRE(it != alerts.end());
    CHECK(it->event.exec.loaded_program == "/bin/true");
    CHECK(it->subject.find("/bin/true") != std::string::npos);
}

TEST_CASE("a connection to a new port raises unexpected_network") {
    RTGUARD_REQUIRE_LIVE();
    std::uint16_t port = scenario().new_port.port();
    auto alerts = monitor("exec 4<>/dev/tcp/127.0.0.1/" + std::to_string(port));
    INFO(describe(alerts));
    auto it = std::find_if(alerts.begin(), alerts.end(),
                           [](const Alert& a) { return a.rule == Rule::unexpected_network; });
    REQUIRE(it != alerts.end());
    CHECK(it->event.net.port == port);
    CHECK(it->event.net.address == "127.0.0.1");
    CHECK(it->event.net.op == NetOp::connect);
}

TEST_CASE("a write to a new file under /etc raises unexpected_write") {
    RTGUARD_REQUIRE_LIVE();
    std::random_device rd;
    std::string path =
        "/etc/rtguard-live-" + std::to_string(getpid()) + "-" + std::to_string(rd() % 1000000);
    auto alerts = monitor("echo x > " + path);
    std::filesystem::remove(path);
    INFO(describe(alerts));
    CHECK(count_alerts(alerts, Rule::unexpected_write, path) == 1);
}

TEST_CASE("a sensitive file read through a symbolic link raises sensitive_read on the file") {
    RTGUARD_REQUIRE_LIVE();
    std::string link = scenario().tmp.file("innocent.txt");
    std::filesystem::remove(link);
    std::filesystem::create_symlink("/etc/shadow", link);
    auto alerts = monitor("cat " + link + " > /dev/null");
    INFO(describe(alerts));
    CHECK(count_alerts(alerts, Rule::sensitive_read, "/etc/shadow") == 1);
}

TEST_CASE("a write through a symbolic link into /etc raises unexpected_write on the target") {
    RTGUARD_REQUIRE_LIVE();
    std::random_device rd;
    std::string target =
        "/etc/rtguard-live-" + std::to_string(getpid()) + "-" + std::to_string(rd() % 1000000);
    std::string link = scenario().tmp.file("harmless.log");
    std::filesystem::remove(link);
    std::filesystem::create_symlink(target, link);
    auto alerts = monitor("echo x > " + link);
    std::filesystem::remove(target);
    INFO(describe(alerts));
    CHECK(count_alerts(alerts, Rule::unexpected_write, target) == 1);
}

TEST_CASE("events lost in an exec storm raise monitoring_degraded") {
    RTGUARD_REQUIRE_LIVE();
    AnomalyDetector detector;
    detector.add(scenario().baseline);

    BpfSourceOptions o;
    o.ring_buffer_bytes = 4096;
    o.dedupe = false;
    BpfSource source(o);
    pid_t pid =
        source.spawn({scenario().script, "for i in $(seq 1000); do /bin/true; done"}, workload_key);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    std::vector<Event> events;
    source.stop();
    while (!source.at_end())
        source.next_batch(events, 4096);

    std::vector<Alert> alerts;
    for (const auto& e : events)
        detector.check(e, alerts);
    INFO(describe(alerts));
    auto degraded = std::find_if(alerts.begin(), alerts.end(), [](const Alert& a) {
        return a.rule == Rule::monitoring_degraded && a.subject == "exec";
    });
    REQUIRE(degraded != alerts.end());
    CHECK(degraded->event.lost_count > 0);
}

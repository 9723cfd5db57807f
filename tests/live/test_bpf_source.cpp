// Tests of rtguard/live.hpp on the running kernel: what BpfSource reports for real processes.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <spawn.h>
#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "live_support.hpp"
#include "rtguard/error.hpp"
#include "rtguard/live.hpp"
#include "rtguard/workload.hpp"

using namespace rtguard;
using namespace rtguard::live_testing;

extern char** environ;

TEST_CASE("an unknown hook set and a bad ring buffer size are refused as invalid arguments") {
    BpfSourceOptions o;
    o.hook_set = "kprobe";
    CHECK_THROWS_WITH_AS(BpfSource{o}, doctest::Contains("unknown hook set 'kprobe'"), Error);

    BpfSourceOptions r;
    r.ring_buffer_bytes = 12345;
    try {
        BpfSource s(r);
        FAIL("a ring buffer of 12345 bytes was accepted");
    } catch (const Error& e) {
        CHECK(e.code() == make_error_code(errc::invalid_argument));
        CHECK(std::string(e.what()).find("power of two") != std::string::npos);
    }
}

TEST_CASE("without root the source refuses with errc::unsupported and says why") {
    RTGUARD_REQUIRE_LIVE();
    if (geteuid() != 0) {
        MESSAGE("SKIP: needs root to drop privileges in a child");
        return;
    }

    // The child drops to nobody (losing every capability) and reports what it got.
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(pipe_fds[0]);
        std::string result = "no error";
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
        try {
            BpfSource s;
        } catch (const Error& e) {
            result =
                (e.code() == make_error_code(errc::unsupported) ? "unsupported: " : "other: ") +
                std::string(e.what());
        }
        ssize_t n = write(pipe_fds[1], result.data(), result.size());
        _exit(n > 0 ? 0 : 4);
    }
    close(pipe_fds[1]);
    char buf[512] = {};
    ssize_t n = read(pipe_fds[0], buf, sizeof(buf) - 1);
    close(pipe_fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(n > 0);
    std::string result(buf, static_cast<std::size_t>(n));
    CHECK(result.starts_with("unsupported: "));
    CHECK(result.find("needs root") != std::string::npos);
}

TEST_CASE("both hook sets load and report the same exec, fork and exit, with or without tables") {
    RTGUARD_REQUIRE_LIVE();
    for (int variant = 0; variant < 4; ++variant) {
        const char* hooks = variant % 2 ? "raw_tp" : "tp_btf";
        bool tables = variant < 2;
        CAPTURE(hooks);
        CAPTURE(tables);
        BpfSourceOptions o;
        o.hook_set = hooks;
        o.lookup_tables = tables;
        BpfSource source(o);
        CHECK(source.hook_set() == hooks);
        Run run = run_watched(source, {"/bin/sh", "-c", "/bin/true; exit 3"});

        REQUIRE(WIFEXITED(run.status));
        CHECK(WEXITSTATUS(run.status) == 3);
        CHECK(run.workload == tree_workload_key(static_cast<std::uint32_t>(run.pid)));

        // Between fork and exec the child ran this program's code: none of it is reported.
        for (const auto& e : run.events) {
            if (e.kind == EventKind::exec) break;
            CHECK(e.kind == EventKind::syscall);
            CHECK(e.syscall_name == "execve");
        }

        // sh itself, then its child running true.
        auto sh = execs_of(run.events, "/usr/bin/dash");
        REQUIRE(sh.size() == 1);
        CHECK(sh[0]->pid == static_cast<std::uint32_t>(run.pid));
        CHECK(sh[0]->exec.argv == std::vector<std::string>{"/bin/sh", "-c", "/bin/true; exit 3"});
        CHECK(sh[0]->workload == run.workload);
        struct stat st {};
        REQUIRE(stat("/usr/bin/dash", &st) == 0);
        CHECK(sh[0]->exec.dev == st.st_dev);
        CHECK(sh[0]->exec.ino == st.st_ino);

        auto t = execs_of(run.events, "/usr/bin/true");
        REQUIRE(t.size() == 1);
        CHECK(t[0]->ppid == static_cast<std::uint32_t>(run.pid));
        auto forks = of_kind(run.events, EventKind::fork);
        REQUIRE(forks.size() == 1);
        CHECK(forks[0]->pid == t[0]->pid);
        CHECK(forks[0]->ppid == static_cast<std::uint32_t>(run.pid));
        CHECK(forks[0]->exe == "/usr/bin/dash");

        // Exit of the root carries the wait status and the executable it ran.
        bool root_exit = false;
        for (const auto* e : of_kind(run.events, EventKind::exit)) {
            if (e->pid != static_cast<std::uint32_t>(run.pid)) continue;
            root_exit = true;
            CHECK(e->exit_code == 3 << 8);
            CHECK(e->exe == "/usr/bin/dash");
        }
        CHECK(root_exit);
        CHECK(source.counters().lost_total() == 0);
    }
}

TEST_CASE("event times are wall-clock nanoseconds of when things happened") {
    RTGUARD_REQUIRE_LIVE();
    BpfSource source;
    auto now = [] {
        timespec ts{};
        clock_gettime(CLOCK_REALTIME, &ts);
        return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
               static_cast<std::uint64_t>(ts.tv_nsec);
    };
    std::uint64_t before = now();
    Run run = run_watched(source, {"/bin/true"});
    std::uint64_t after = now();
    auto execs = of_kind(run.events, EventKind::exec);
    REQUIRE(execs.size() == 1);
    CHECK(execs[0]->time_ns >= before);
    CHECK(execs[0]->time_ns <= after);
}

TEST_CASE("opens report the opened file's path and flags, each file once in dedupe mode") {
    RTGUARD_REQUIRE_LIVE();
    ScratchDir dir;
    std::string data = dir.write("data.txt", "hello\n");
    std::filesystem::create_directory(dir.path() / "sub");
    std::filesystem::create_symlink("data.txt", dir.path() / "link.txt");
    // The same file by five names: twice the same relative path, a path through "..", the
    // absolute path and a symbolic link. Then an open that fails, a renamed file and a write.
    std::string script = "cd " + dir.path().string() +
                         " && cat data.txt data.txt ./sub/../data.txt " + data +
                         " link.txt >/dev/null; cat missing.txt 2>/dev/null; "
                         "mv data.txt moved.txt && cat moved.txt >/dev/null; echo x > out.txt; "
                         "mv moved.txt data.txt";

    auto opens = [&](bool dedupe, const char* hooks) {
        BpfSourceOptions o;
        o.dedupe = dedupe;
        o.hook_set = hooks;
        BpfSource source(o);
        Run run = run_watched(source, {"/bin/sh", "-c", script});
        std::map<std::string, int> by_path;
        std::uint32_t out_flags = 0;
        for (const auto* e : of_kind(run.events, EventKind::open)) {
            if (e->exe != "/usr/bin/cat" && e->exe != "/usr/bin/sh" && e->exe != "/usr/bin/dash")
                continue;
            if (e->path.starts_with(dir.path().string())) ++by_path[e->path];
            if (e->path == dir.file("out.txt")) out_flags = e->flags;
        }
        CHECK(out_flags == (01 | 0100 | 01000));  // O_WRONLY | O_CREAT | O_TRUNC from sh
        return by_path;
    };

    // The raw_tp programs read the same fields through helper calls instead of plain loads.
    for (const char* hooks : {"tp_btf", "raw_tp"}) {
        CAPTURE(hooks);
        auto all = opens(false, hooks);
        CHECK(all[data] == 5);  // every name resolves to the file itself, the link too
        CHECK(all[dir.file("link.txt")] == 0);
        CHECK(all[dir.file("missing.txt")] == 1);  // a failed open keeps the path it was given
        CHECK(all[dir.file("moved.txt")] == 1);
        CHECK(all[dir.file("out.txt")] == 1);

        auto once = opens(true, hooks);
        CHECK(once[data] == 1);
        CHECK(once[dir.file("missing.txt")] == 1);
        CHECK(once[dir.file("moved.txt")] == 1);  // a new name is a new file to report
        CHECK(once[dir.file("out.txt")] == 1);
    }
}

TEST_CASE("connect, bind, listen and accept report addresses, ports and protocols") {
    RTGUARD_REQUIRE_LIVE();
    if (access("/usr/bin/python3", X_OK) != 0) {
        MESSAGE("SKIP: /usr/bin/python3 is needed to make the sockets");
        return;
    }
    const char* code =
        "import socket\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
        "c = socket.socket(); c.connect(s.getsockname()); a, _ = s.accept()\n"
        "s6 = socket.socket(socket.AF_INET6); s6.bind(('::1', 0)); s6.listen()\n"
        "c6 = socket.socket(socket.AF_INET6); c6.connect(s6.getsockname()); s6.accept()\n"
        "u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.connect(('::1', 9))\n"
        "x = socket.socket(socket.AF_UNIX); x.bind('\\0rtguard-live-abstract')\n";

    // The raw_tp programs read the sockets through helper calls instead of plain loads.
    for (const char* hooks : {"tp_btf", "raw_tp"}) {
        CAPTURE(hooks);
        BpfSourceOptions o;
        o.hook_set = hooks;
        BpfSource source(o);
        Run run = run_watched(source, {"/usr/bin/python3", "-c", code});
        REQUIRE(WIFEXITED(run.status));
        REQUIRE(WEXITSTATUS(run.status) == 0);

        std::map<std::pair<NetOp, NetFamily>, std::vector<NetworkDetail>> by_op;
        for (const auto* e : of_kind(run.events, EventKind::network))
            by_op[{e->net.op, e->net.family}].push_back(e->net);

        // Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.
        for (const auto& side :
             {std::pair{NetFamily::inet, "127.0.0.1"}, std::pair{NetFamily::inet6, "::1"}}) {
            NetFamily family = side.first;
            std::string address = side.second;
            CAPTURE(address);
            REQUIRE(by_op[{NetOp::listen, family}].size() == 1);
            const auto& l = by_op[{NetOp::listen, family}][0];
            CHECK(l.protocol == NetProto::tcp);
            CHECK(l.address == address);
            CHECK(l.port != 0);

            REQUIRE(by_op[{NetOp::accept, family}].size() == 1);
            CHECK(by_op[{NetOp::accept, family}][0].address == address);
            CHECK(by_op[{NetOp::accept, family}][0].protocol == NetProto::tcp);
            CHECK(by_op[{NetOp::accept, family}][0].port == l.port);  // the local side

            bool tcp_connect = false;
            for (const auto& c : by_op[{NetOp::connect, family}])
                tcp_connect |=
                    c.protocol == NetProto::tcp && c.address == address && c.port == l.port;
            CHECK(tcp_connect);
        }

        bool udp6_connect = false;
        for (const auto& c : by_op[{NetOp::connect, NetFamily::inet6}])
            udp6_connect |= c.protocol == NetProto::udp && c.address == "::1" && c.port == 9;
        CHECK(udp6_connect);

        bool inet_bind = false, unix_bind = false;
        for (const auto& b : by_op[{NetOp::bind, NetFamily::inet}])
            inet_bind |= b.address == "127.0.0.1" && b.port == 0;
        for (const auto& b : by_op[{NetOp::bind, NetFamily::unix_}])
            unix_bind |= b.address == "@rtguard-live-abstract";
        CHECK(inet_bind);
        CHECK(unix_bind);
    }
}

TEST_CASE("syscalls are reported once per workload at first use, io_uring setup too") {
    RTGUARD_REQUIRE_LIVE();
    if (access("/usr/bin/python3", X_OK) != 0) {
        MESSAGE("SKIP: /usr/bin/python3 is needed");
        return;
    }
    // io_uring_setup(8, params) may fail (disabled by sysctl); the attempt is what counts.
    const char* code =
        "import ctypes\n"
        "params = ctypes.create_string_buffer(120)\n"
        "ctypes.CDLL(None, use_errno=True).syscall(425, 8, params)\n";
    // Through the lookup tables and through the maps alone.
    for (bool tables : {true, false}) {
        CAPTURE(tables);
        BpfSourceOptions o;
        o.lookup_tables = tables;
        BpfSource source(o);
        Run run = run_watched(source, {"/usr/bin/python3", "-c", code});

        std::map<std::int32_t, int> seen;
        for (const auto* e : of_kind(run.events, EventKind::syscall)) {
            ++seen[e->syscall_nr];
            CHECK(e->workload == run.workload);
        }
        // Not a structured binding: clang 14 cannot capture one in doctest's lambda.
        for (const auto& entry : seen) {
            CAPTURE(entry.first);
            CHECK(entry.second == 1);
        }
        CHECK(seen.count(59));   // execve
        CHECK(seen.count(257));  // openat
        CHECK(seen.count(425));  // io_uring_setup

        auto uring = of_kind(run.events, EventKind::io_uring);
        REQUIRE(uring.size() == 1);
        CHECK(uring[0]->uring_op == IoUringOp::setup);
        CHECK(uring[0]->uring_count == 8);
    }
}

TEST_CASE("events of other processes on the machine are never reported") {
    RTGUARD_REQUIRE_LIVE();
    ScratchDir dir;
    std::string outsider = dir.file("rtg-outsider");
    std::filesystem::copy_file("/bin/cat", outsider);
    std::string loop = "for i in $(seq 200); do " + outsider + " /etc/hostname >/dev/null; done";

    for (bool tables : {true, false}) {
        CAPTURE(tables);
        BpfSourceOptions o;
        o.lookup_tables = tables;
        BpfSource source(o);
        // An unwatched process tree busy the whole time, started before and after the workload.
        pid_t other = 0;
        std::vector<std::string> other_argv{"/bin/sh", "-c", loop};
        std::vector<char*> args;
        for (auto& a : other_argv)
            args.push_back(a.data());
        args.push_back(nullptr);
        REQUIRE(posix_spawn(&other, "/bin/sh", nullptr, nullptr, args.data(), environ) == 0);

        Run run = run_watched(
            source, {"/bin/sh", "-c", "for i in 1 2 3 4 5; do cat /etc/hostname; done >/dev/null"});
        int status = 0;
        waitpid(other, &status, 0);

        // Every event comes from the watched root or a process it forked.
        std::set<std::uint32_t> tree{static_cast<std::uint32_t>(run.pid)};
        for (const auto& e : run.events) {
            if (e.kind == EventKind::lost) continue;
            if (e.kind == EventKind::fork && tree.count(e.ppid)) tree.insert(e.pid);
            CAPTURE(e.pid);
            CAPTURE(e.comm);
            CHECK(tree.count(e.pid) == 1);
            CHECK(e.workload == run.workload);
            CHECK(e.comm != "rtg-outsider");
            CHECK(e.exe.find("rtg-outsider") == std::string::npos);
            CHECK(e.pid != static_cast<std::uint32_t>(other));
        }
        CHECK(tree.size() == 6);  // sh and five cats
    }
}

TEST_CASE("an exec storm beyond the ring buffer is delivered or counted lost, never silent") {
    RTGUARD_REQUIRE_LIVE();
    constexpr int runs = 2000;
    BpfSourceOptions o;
    o.ring_buffer_bytes = 4096;
    o.dedupe = false;
    BpfSource source(o);

    // Nothing reads the ring buffer while the storm runs: it fills up after a few records.
    pid_t pid = source.spawn(
        {"/bin/sh", "-c",
         "i=0; while [ $i -lt " + std::to_string(runs) + " ]; do /bin/true; i=$((i+1)); done"});
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    Run run;
    source.stop();
    while (!source.at_end())
        source.next_batch(run.events, 4096);

    std::map<EventKind, std::uint64_t> delivered, lost;
    for (const auto& e : run.events) {
        if (e.kind == EventKind::lost)
            lost[e.lost_kind] += e.lost_count;
        else
            ++delivered[e.kind];
    }
    CHECK(lost[EventKind::exec] > 0);
    CHECK(delivered[EventKind::exec] + lost[EventKind::exec] == runs + 1);
    CHECK(delivered[EventKind::fork] + lost[EventKind::fork] == runs);
    CHECK(delivered[EventKind::exit] + lost[EventKind::exit] == runs + 1);
    CHECK(source.counters().lost[static_cast<std::size_t>(EventKind::exec)] ==
          lost[EventKind::exec]);
}

TEST_CASE("a process in a watched cgroup is reported under the cgroup's key") {
    RTGUARD_REQUIRE_LIVE();
    std::string mount = cgroup2_mount();
    if (mount.empty()) {
        MESSAGE("SKIP: cgroup v2 is not mounted");
        return;
    }

    // A cgroup named like a Docker container, and a plain one.
    const std::string id = "5e1f0c4b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f";
    // The second cgroup also through the map alone.
    for (const std::string& name :
         {"docker-" + id + ".scope", "rtguard-live-" + std::to_string(getpid())}) {
        bool container = name.starts_with("docker-");
        std::string dir = mount + "/" + name;
        rmdir(dir.c_str());  // left behind by a run that was interrupted
        if (mkdir(dir.c_str(), 0755) != 0) {
            MESSAGE("SKIP: cannot create cgroup " << dir << ": "
                                                  << std::string(std::strerror(errno)));
            return;
        }
        struct RemoveCgroup {
            std::string dir;
            ~RemoveCgroup() { rmdir(dir.c_str()); }
        } remove{dir};
        struct stat st {};
        REQUIRE(stat(dir.c_str(), &st) == 0);

        BpfSourceOptions o;
        o.lookup_tables = container;
        BpfSource source(o);
        std::string key = source.watch_cgroup(dir);
        CHECK(key == (container ? container_workload_key(id) : cgroup_workload_key(st.st_ino)));

        Run run;
        run.pid = spawn_in_cgroup(dir, {"/bin/sh", "-c", "cat /etc/hostname >/dev/null"});
        drain_until_exit(source, run.pid, run);

        auto sh = execs_of(run.events, "/usr/bin/dash");
        auto cat = execs_of(run.events, "/usr/bin/cat");
        REQUIRE(sh.size() == 1);
        REQUIRE(cat.size() == 1);
        CHECK(sh[0]->pid == static_cast<std::uint32_t>(run.pid));
        for (const auto& e : run.events) {
            if (e.kind != EventKind::lost) CHECK(e.workload == key);
        }
    }
}

TEST_CASE("watch_pid adopts a running process tree and its future children") {
    RTGUARD_REQUIRE_LIVE();
    // The process waits for a line on stdin before it runs anything watched.
    int in[2];
    REQUIRE(pipe(in) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(in[0], 0);
        close(in[0]);
        close(in[1]);
        execl("/bin/sh", "sh", "-c", "read x; /bin/true", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(in[0]);
    usleep(100000);  // let sh start and block in read

    BpfSource source;
    CHECK(source.watch_pid(pid, "adopted") == "adopted");
    CHECK_THROWS_AS(source.watch_pid(999999999), Error);
    REQUIRE(write(in[1], "go\n", 3) == 3);
    close(in[1]);

    Run run;
    drain_until_exit(source, pid, run);
    auto t = execs_of(run.events, "/usr/bin/true");
    REQUIRE(t.size() == 1);
    CHECK(t[0]->workload == "adopted");
    CHECK(t[0]->ppid == static_cast<std::uint32_t>(pid));
}

TEST_CASE("a process stays watched when a thread other than the leader execs") {
    RTGUARD_REQUIRE_LIVE();
    if (access("/usr/bin/python3", X_OK) != 0) {
        MESSAGE("SKIP: /usr/bin/python3 is needed");
        return;
    }
    // The exec ends the leader thread; the execing thread takes over the pid and runs sh,
    // whose child must still be reported as the workload's.
    const char* code =
        "import os, threading, time\n"
        "t = threading.Thread(target=lambda: os.execv('/bin/sh', "
        "['sh', '-c', '/bin/cat /etc/hostname >/dev/null; exit 4']))\n"
        "t.start()\n"
        "time.sleep(30)\n";
    BpfSource source;
    Run run = run_watched(source, {"/usr/bin/python3", "-c", code});
    REQUIRE(WIFEXITED(run.status));
    CHECK(WEXITSTATUS(run.status) == 4);

    auto sh = execs_of(run.events, "/usr/bin/dash");
    REQUIRE(sh.size() == 1);
    CHECK(sh[0]->pid == static_cast<std::uint32_t>(run.pid));
    auto cat = execs_of(run.events, "/usr/bin/cat");
    REQUIRE(cat.size() == 1);
    CHECK(cat[0]->workload == run.workload);
    CHECK(cat[0]->ppid == static_cast<std::uint32_t>(run.pid));

    // One exit for the process, when its last thread ended, with sh's status.
    int root_exits = 0;
    for (const auto* e : of_kind(run.events, EventKind::exit)) {
        if (e->pid != static_cast<std::uint32_t>(run.pid)) continue;
        ++root_exits;
        CHECK(e->exit_code == 4 << 8);
    }
    CHECK(root_exits == 1);
}

TEST_CASE("spawn reports a command that cannot be run with its errno") {
    RTGUARD_REQUIRE_LIVE();
    BpfSource source;
    try {
        source.spawn({"/nonexistent/rtguard-no-such-program"});
        FAIL("spawning a missing program succeeded");
    } catch (const Error& e) {
        CHECK(e.code() == std::error_code(ENOENT, std::system_category()));
    }
    ScratchDir dir;
    std::string not_exec = dir.write("plain.txt", "data", 0644);
    try {
        source.spawn({not_exec});
        FAIL("spawning a non-executable file succeeded");
    } catch (const Error& e) {
        CHECK(e.code() == std::error_code(EACCES, std::system_category()));
    }
}

TEST_CASE("files executed from an overlayfs upper layer are flagged, lower-layer ones are not") {
    RTGUARD_REQUIRE_LIVE();
    ScratchDir dir;
    for (const char* d : {"lower", "upper", "work", "merged"})
        std::filesystem::create_directory(dir.path() / d);
    std::filesystem::copy_file("/bin/true", dir.path() / "lower" / "lowertrue");
    std::string merged = dir.file("merged");
    std::string opts = "lowerdir=" + dir.file("lower") + ",upperdir=" + dir.file("upper") +
                       ",workdir=" + dir.file("work");
    if (mount("overlay", merged.c_str(), "overlay", 0, opts.c_str()) != 0) {
        MESSAGE("SKIP: cannot mount overlayfs: " << std::string(std::strerror(errno)));
        return;
    }
    std::filesystem::copy_file("/bin/true", merged + "/uppertrue");
    chmod((merged + "/uppertrue").c_str(), 0755);

    BpfSource source;
    Run run =
        run_watched(source, {"/bin/sh", "-c", merged + "/lowertrue; " + merged + "/uppertrue"});
    umount2(merged.c_str(), MNT_DETACH);

    auto lower = execs_of(run.events, "/lowertrue");
    auto upper = execs_of(run.events, "/uppertrue");
    REQUIRE(lower.size() == 1);
    REQUIRE(upper.size() == 1);
    CHECK(lower[0]->exe == merged + "/lowertrue");
    CHECK_FALSE(lower[0]->exec.upper_layer);
    CHECK(upper[0]->exe == merged + "/uppertrue");
    CHECK(upper[0]->exec.upper_layer);
    CHECK(upper[0]->exec.writable_dir);  // below /tmp
}

TEST_CASE("paths too long or too deep keep their last components and are counted") {
    RTGUARD_REQUIRE_LIVE();
    ScratchDir dir;
    std::filesystem::path long_dir = dir.path(), deep_dir = dir.path();
    for (int i = 0; i < 6; ++i)
        long_dir /= std::string(200, static_cast<char>('a' + i));
    for (int i = 0; i < 45; ++i)
        deep_dir /= "d" + std::to_string(i);
    std::filesystem::create_directories(long_dir);
    std::filesystem::create_directories(deep_dir);
    std::string long_tool = (long_dir / "tool").string(), deep_tool = (deep_dir / "tool").string();
    std::filesystem::copy_file("/bin/true", long_tool);
    std::filesystem::copy_file("/bin/true", deep_tool);

    BpfSource source;
    Run run = run_watched(source, {"/bin/sh", "-c", long_tool + "; " + deep_tool});
    for (const std::string& tool : {long_tool, deep_tool}) {
        CAPTURE(tool);
        const Event* exec = nullptr;
        for (const auto* e : of_kind(run.events, EventKind::exec))
            if (e->exec.argv.size() == 1 && e->exec.argv[0] == tool) exec = e;
        REQUIRE(exec != nullptr);
        CHECK(exec->exe.size() <= 1024);
        CHECK(exec->exe.size() > 100);
        CHECK(exec->exe.front() == '/');
        CHECK(tool.ends_with(exec->exe));  // the leading components are the missing ones
    }
    std::uint64_t truncated = 0;
    for (const auto& [name, n] : source.kernel_errors())
        if (name == "path_truncated") truncated = n;
    CHECK(truncated >= 2);
}

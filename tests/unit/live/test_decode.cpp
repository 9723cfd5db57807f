// Tests of src/live/decode.hpp: kernel records (bpf/rtguard_abi.h) built by hand, decoded into
// events, and the user-space half of exec analysis. No kernel needed.
#include "live/decode.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "rtguard_abi.h"
#include "test_support.hpp"

using namespace rtguard;
using namespace rtguard::live;

namespace {

constexpr std::uint64_t kernel_dev(unsigned major, unsigned minor) {
    return (std::uint64_t{major} << 20) | minor;
}

rtg_hdr header(std::uint16_t type, std::uint32_t pid) {
    rtg_hdr h{};
    h.type = type;
    h.tgid = pid;
    h.tid = pid;
    h.ppid = 1;
    h.uid = 1000;
    h.time_ns = 123456789;
    h.tree = pid;
    h.cgroup_id = 4242;
    h.exe_ino = 77;
    h.exe_dev = static_cast<std::uint32_t>(kernel_dev(8, 1));
    std::strncpy(h.comm, "worker", sizeof(h.comm));
    return h;
}

/// Fixed part followed by the variable parts, with the size field set.
template <typename T>
std::vector<unsigned char> record(T fixed, const std::vector<std::string>& parts) {
    std::vector<unsigned char> out(sizeof(T));
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    fixed.hdr.size = static_cast<std::uint16_t>(out.size());
    std::memcpy(out.data(), &fixed, sizeof(T));
    return out;
}

struct ExecSpec {
    std::string filename, interp, argv, path, cwd;
    std::uint32_t flags = 0;
    std::uint32_t nlink = 1;
};

std::vector<unsigned char> exec_record(const ExecSpec& s) {
    rtg_exec e{};
    e.hdr = header(RTG_EV_EXEC, 300);
    e.dev = kernel_dev(259, 3);
    e.ino = 4711;
    e.flags = s.flags;
    e.nlink = s.nlink;
    e.filename_len = static_cast<std::uint16_t>(s.filename.size());
    e.interp_len = static_cast<std::uint16_t>(s.interp.size());
    e.argv_len = static_cast<std::uint16_t>(s.argv.size());
    e.path_len = static_cast<std::uint16_t>(s.path.size());
    e.cwd_len = static_cast<std::uint16_t>(s.cwd.size());
    return record(e, {s.filename, s.interp, s.argv, s.path, s.cwd});
}

std::string nul_joined(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& a : args)
        out += a + std::string(1, '\0');
    return out;
}

Event decode_ok(const std::vector<unsigned char>& rec, RecordMeta& meta) {
    Event e;
    auto problem = decode_record(rec.data(), rec.size(), e, meta);
    INFO((problem ? *problem : std::string()));
    REQUIRE_FALSE(problem.has_value());
    return e;
}

const DirProbe no_probe = [](const std::string&) { return false; };

}  // namespace

TEST_CASE("an exec record decodes its header, file identity, argv, path and cwd") {
    ExecSpec s{"/usr/bin/ls", "/usr/bin/ls", nul_joined({"ls", "-l", ""}), "/usr/bin/ls", "/srv"};
    RecordMeta meta;
    Event e = decode_ok(exec_record(s), meta);

    CHECK(e.kind == EventKind::exec);
    CHECK(e.pid == 300);
    CHECK(e.ppid == 1);
    CHECK(e.uid == 1000);
    CHECK(e.comm == "worker");
    CHECK(e.exe == "/usr/bin/ls");
    CHECK(e.exec.argv == std::vector<std::string>{"ls", "-l", ""});
    CHECK(e.exec.cwd == "/srv");
    CHECK(e.exec.dev == makedev(259, 3));
    CHECK(e.exec.ino == 4711);
    CHECK(meta.tree == 300);
    CHECK(meta.cgroup_id == 4242);
    CHECK(meta.boot_ns == 123456789);
    CHECK(meta.exe_ino == 77);
    CHECK(meta.exe_dev == makedev(8, 1));
    CHECK(meta.filename == "/usr/bin/ls");
}

TEST_CASE("kernel device numbers convert to the st_dev encoding of glibc") {
    for (unsigned major : {0u, 1u, 8u, 253u, 259u, 4095u}) {
        for (unsigned minor : {0u, 1u, 255u, 256u, 65535u, 1048575u}) {
            CAPTURE(major);
            CAPTURE(minor);
            CHECK(user_dev(kernel_dev(major, minor)) == makedev(major, minor));
        }
    }
}

TEST_CASE("an argv cut by the kernel's limit keeps its last partial argument") {
    ExecSpec s{"/bin/echo", "/bin/echo", std::string("echo\0aaaa\0bb", 12), "/usr/bin/echo", "/"};
    RecordMeta meta;
    Event e = decode_ok(exec_record(s), meta);
    CHECK(e.exec.argv == std::vector<std::string>{"echo", "aaaa", "bb"});
}

TEST_CASE("a #! script exec names the interpreter and the script made absolute") {
    ExecSpec s{"./run.sh", "/bin/sh", nul_joined({"/bin/sh", "./run.sh", "x"}), "/usr/bin/dash",
               "/opt/app"};
    RecordMeta meta;
    Event e = decode_ok(exec_record(s), meta);
    complete_exec(e, meta, no_probe);

    CHECK(e.exe == "/usr/bin/dash");
    CHECK(e.exec.interpreter == "/bin/sh");
    CHECK(e.exec.script == "/opt/app/run.sh");
    CHECK_FALSE(e.exec.writable_dir);
    CHECK(e.exec.loader.empty());
}

TEST_CASE("a script from /tmp is flagged as living in a writable directory") {
    ExecSpec s{"/tmp/x/evil.sh", "/bin/sh", nul_joined({"/bin/sh", "/tmp/x/evil.sh"}),
               "/usr/bin/dash", "/"};
    RecordMeta meta;
    Event e = decode_ok(exec_record(s), meta);
    complete_exec(e, meta, no_probe);
    CHECK(e.exec.script == "/tmp/x/evil.sh");
    CHECK(e.exec.writable_dir);
}

TEST_CASE("an interpreter given a script on its command line names the script") {
    ExecSpec s{"/usr/bin/python3", "/usr/bin/python3",
               nul_joined({"python3", "-u", "-W", "ignore", "job.py", "--flag"}),
               "/usr/bin/python3.11", "/home/app"};
    RecordMeta meta;
    Event e = decode_ok(exec_record(s), meta);
    complete_exec(e, meta, no_probe);
    CHECK(e.exec.interpreter == "/usr/bin/python3.11");
    CHECK(e.exec.script == "/home/app/job.py");
}

TEST_CASE("interpreters running code from options or stdin name no script") {
    CHECK(command_line_script("/usr/bin/dash", {"sh", "-c", "echo hi"}).empty());
    CHECK(command_line_script("/usr/bin/bash", {"bash", "-ec", "true"}).empty());
    CHECK(command_line_script("/usr/bin/bash", {"bash"}).empty());
    CHECK(command_line_script("/usr/bin/python3.11", {"python3", "-m", "http.server"}).empty());
    CHECK(command_line_script("/usr/bin/python3.11", {"python3", "-"}).empty());
    CHECK(command_line_script("/usr/bin/perl", {"perl", "-e", "print 1"}).empty());
    CHECK(command_line_script("/usr/bin/node", {"node", "--eval", "1"}).empty());
    CHECK(command_line_script("/usr/bin/ls", {"ls", "/tmp/x.sh"}).empty());

    CHECK(command_line_script("/usr/bin/bash", {"bash", "-o", "pipefail", "s.sh"}) == "s.sh");
    CHECK(command_line_script("/usr/bin/dash", {"sh", "-x", "--", "-weird.sh"}) == "-weird.sh");
    CHECK(command_line_script("/usr/bin/node", {"node", "-r", "dotenv/config", "app.js"}) ==
          "app.js");
}

TEST_CASE("a memfd exec is memory-backed and deleted, shown as /proc shows it") {
    ExecSpec s{"/dev/fd/3", "/dev/fd/3", nul_joined({"payload"}), "/memfd:payload", "/"};
    s.flags = RTG_EXEC_MEMFD | RTG_EXEC_DELETED | RTG_EXEC_TMPFS;
    s.nlink = 0;
    RecordMeta meta;
    Event e = decode_ok(exec_record(s), meta);
    complete_exec(e, meta, no_probe);
    CHECK(e.exe == "/memfd:payload (deleted)");
    CHECK(e.exec.memory);
    CHECK(e.exec.deleted);
    CHECK_FALSE(e.exec.writable_dir);
    CHECK(e.exec.script.empty());
}

TEST_CASE("a deleted file on disk is deleted but not memory-backed") {
    ExecSpec s{"/opt/bin/tool", "/opt/bin/tool", nul_joined({"tool"}), "/opt/bin/tool", "/"};
    s.flags = RTG_EXEC_DELETED;
    s.nlink = 0;
    RecordMeta meta;
    Event e = decode_ok(exec_record(s), meta);
    complete_exec(e, meta, no_probe);
    CHECK(e.exec.deleted);
    CHECK_FALSE(e.exec.memory);
    CHECK(e.exe == "/opt/bin/tool (deleted)");
}

TEST_CASE("overlayfs upper-layer files are flagged") {
    ExecSpec s{"/app/new", "/app/new", nul_joined({"new"}), "/app/new", "/"};
    s.flags = RTG_EXEC_OVERLAY | RTG_EXEC_UPPER;
    RecordMeta meta;
    Event e = decode_ok(exec_record(s), meta);
    complete_exec(e, meta, no_probe);
    CHECK(e.exec.upper_layer);

    s.flags = RTG_EXEC_OVERLAY;
    Event lower = decode_ok(exec_record(s), meta);
    complete_exec(lower, meta, no_probe);
    CHECK_FALSE(lower.exec.upper_layer);
}

TEST_CASE("a dynamic loader run directly reports the program it loads") {
    ExecSpec s{"/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2",
               nul_joined({"/lib64/ld-linux-x86-64.so.2", "--library-path", "/tmp/lib",
                           "--inhibit-cache", "./payload", "arg"}),
               "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/tmp/w"};
    s.flags = RTG_EXEC_LOADER;
    RecordMeta meta;
    Event e = decode_ok(exec_record(s), meta);
    complete_exec(e, meta, no_probe);
    CHECK(e.exec.loader == "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
    CHECK(e.exec.loaded_program == "/tmp/w/payload");
    CHECK(e.exec.writable_dir);
}

TEST_CASE("loader names and loader options are recognized") {
    CHECK(is_loader_name("ld-linux-x86-64.so.2"));
    CHECK(is_loader_name("ld-linux-aarch64.so.1"));
    CHECK(is_loader_name("ld-musl-x86_64.so.1"));
    CHECK(is_loader_name("ld.so"));
    CHECK(is_loader_name("ld64.so.2"));
    CHECK_FALSE(is_loader_name("ld"));
    CHECK_FALSE(is_loader_name("ldconfig"));
    CHECK_FALSE(is_loader_name("gold-linux"));

    CHECK(loader_program({"ld.so"}).empty());
    CHECK(loader_program({"ld.so", "--help"}).empty());
    CHECK(loader_program({"ld.so", "--argv0", "x", "/bin/true"}) == "/bin/true");
    CHECK(loader_program({"ld.so", "--", "--odd-name"}) == "--odd-name");
    CHECK(loader_program({"ld.so", "--list", "/bin/ls"}) == "/bin/ls");
}

TEST_CASE("a probe answers for directories outside the temporary ones") {
    ExecSpec s{"/srv/drop/tool", "/srv/drop/tool", nul_joined({"tool"}), "/srv/drop/tool", "/"};
    RecordMeta meta;
    Event e = decode_ok(exec_record(s), meta);
    std::vector<std::string> asked;
    complete_exec(e, meta, [&](const std::string& dir) {
        asked.push_back(dir);
        return dir == "/srv/drop";
    });
    CHECK(e.exec.writable_dir);
    CHECK(asked == std::vector<std::string>{"/srv/drop"});
}

TEST_CASE("temporary directories match whole path components only") {
    CHECK(in_temp_dir("/tmp"));
    CHECK(in_temp_dir("/tmp/a/b"));
    CHECK(in_temp_dir("/dev/shm/x"));
    CHECK(in_temp_dir("/var/tmp/y"));
    CHECK_FALSE(in_temp_dir("/tmpfoo/x"));
    CHECK_FALSE(in_temp_dir("/var/tmpx"));
    CHECK_FALSE(in_temp_dir("/home/tmp/x"));
}

TEST_CASE("paths are made absolute and lexically normalized") {
    CHECK(absolute_path("/srv/app", "conf/x.yml") == "/srv/app/conf/x.yml");
    CHECK(absolute_path("/srv/app", "../etc/./passwd") == "/srv/etc/passwd");
    CHECK(absolute_path("/srv", "/etc//../etc/./shadow") == "/etc/shadow");
    CHECK(absolute_path("/", "../../..") == "/");
    CHECK(absolute_path("/a/", "b/") == "/a/b");
    CHECK(absolute_path("", "x") == "/x");
}

TEST_CASE("an open record joins a relative path to its base directory") {
    rtg_open o{};
    o.hdr = header(RTG_EV_OPEN, 41);
    o.open_flags = 01 | 0100;  // O_WRONLY | O_CREAT
    o.nr = 257;
    o.dirfd = -100;
    std::string base = "/var/lib/app", path = "../app/./state.db";
    o.base_len = static_cast<std::uint16_t>(base.size());
    o.path_len = static_cast<std::uint16_t>(path.size());
    RecordMeta meta;
    Event e = decode_ok(record(o, {base, path}), meta);
    CHECK(e.kind == EventKind::open);
    CHECK(e.path == "/var/lib/app/state.db");
    CHECK(e.flags == (01u | 0100u));

    // An absolute path ignores the base; a relative one without a base stays as given.
    o.base_len = 0;
    path = "/etc/./hosts";
    o.path_len = static_cast<std::uint16_t>(path.size());
    CHECK(decode_ok(record(o, {path}), meta).path == "/etc/hosts");
    path = "rel/file";
    o.path_len = static_cast<std::uint16_t>(path.size());
    CHECK(decode_ok(record(o, {path}), meta).path == "rel/file");
}

TEST_CASE("network records decode IPv4, IPv6 and Unix addresses") {
    rtg_net n{};
    n.hdr = header(RTG_EV_NET, 7);
    n.op = RTG_NET_CONNECT;
    n.family = AF_INET;
    n.protocol = 6;
    n.port = 5432;
    inet_pton(AF_INET, "10.1.2.3", n.addr);
    RecordMeta meta;
    Event e = decode_ok(record(n, {}), meta);
    CHECK(e.kind == EventKind::network);
    CHECK(e.net.op == NetOp::connect);
    CHECK(e.net.family == NetFamily::inet);
    CHECK(e.net.protocol == NetProto::tcp);
    CHECK(e.net.address == "10.1.2.3");
    CHECK(e.net.port == 5432);

    n.op = RTG_NET_BIND;
    n.family = AF_INET6;
    n.protocol = 17;
    n.port = 53;
    inet_pton(AF_INET6, "fe80::1", n.addr);
    e = decode_ok(record(n, {}), meta);
    CHECK(e.net.op == NetOp::bind);
    CHECK(e.net.family == NetFamily::inet6);
    CHECK(e.net.protocol == NetProto::udp);
    CHECK(e.net.address == "fe80::1");

    n.op = RTG_NET_LISTEN;
    n.family = AF_UNIX;
    n.protocol = 0;
    n.port = 0;
    std::string path("/run/app.sock\0\0\0", 16);
    n.path_len = static_cast<std::uint32_t>(path.size());
    e = decode_ok(record(n, {path}), meta);
    CHECK(e.net.family == NetFamily::unix_);
    CHECK(e.net.address == "/run/app.sock");
    CHECK(e.net.protocol == NetProto::unknown);

    std::string abstract("\0bus\0", 5);
    n.path_len = static_cast<std::uint32_t>(abstract.size());
    CHECK(decode_ok(record(n, {abstract}), meta).net.address == "@bus");
}

TEST_CASE("syscall, io_uring, fork and exit records decode their fields") {
    RecordMeta meta;
    rtg_syscall s{};
    s.hdr = header(RTG_EV_SYSCALL, 9);
    s.nr = 257;
    Event e = decode_ok(record(s, {}), meta);
    CHECK(e.kind == EventKind::syscall);
    CHECK(e.syscall_nr == 257);
    CHECK(e.syscall_name == "openat");

    rtg_io_uring u{};
    u.hdr = header(RTG_EV_IO_URING, 9);
    u.op = RTG_URING_ENTER;
    u.count = 8;
    e = decode_ok(record(u, {}), meta);
    CHECK(e.kind == EventKind::io_uring);
    CHECK(e.uring_op == IoUringOp::submit);
    CHECK(e.uring_count == 8);

    rtg_fork f{};
    f.hdr = header(RTG_EV_FORK, 10);
    f.hdr.ppid = 9;
    e = decode_ok(record(f, {}), meta);
    CHECK(e.kind == EventKind::fork);
    CHECK(e.pid == 10);
    CHECK(e.ppid == 9);

    rtg_exit x{};
    x.hdr = header(RTG_EV_EXIT, 10);
    x.exit_code = 256;
    e = decode_ok(record(x, {}), meta);
    CHECK(e.kind == EventKind::exit);
    CHECK(e.exit_code == 256);
}

TEST_CASE("malformed records are refused with a message") {
    RecordMeta meta;
    Event e;
    auto why = [&](const std::vector<unsigned char>& r) {
        auto p = decode_record(r.data(), r.size(), e, meta);
        return p ? *p : std::string();
    };

    std::vector<unsigned char> tiny(10, 0);
    CHECK(why(tiny).find("no header") != std::string::npos);

    rtg_syscall s{};
    s.hdr = header(RTG_EV_SYSCALL, 1);
    auto rec = record(s, {});
    rtg_hdr h;
    std::memcpy(&h, rec.data(), sizeof(h));
    h.size = static_cast<std::uint16_t>(rec.size() + 8);
    std::memcpy(rec.data(), &h, sizeof(h));
    CHECK(why(rec).find("says it has") != std::string::npos);

    s.hdr.type = 99;
    CHECK(why(record(s, {})).find("unknown type 99") != std::string::npos);

    ExecSpec x{"/a", "/a", "a", "/a", "/"};
    auto exec = exec_record(x);
    rtg_exec fixed;
    std::memcpy(&fixed, exec.data(), sizeof(fixed));
    fixed.argv_len = 500;
    std::memcpy(exec.data(), &fixed, sizeof(fixed));
    CHECK(why(exec).find("pass its end") != std::string::npos);

    rtg_net n{};
    n.hdr = header(RTG_EV_NET, 1);
    n.op = RTG_NET_CONNECT;
    n.family = 77;
    CHECK(why(record(n, {})).find("unknown family 77") != std::string::npos);
}

TEST_CASE("an open record of an opened file keeps the path the kernel resolved") {
    rtg_open o{};
    o.hdr = header(RTG_EV_OPEN, 42);
    o.open_flags = 0;
    o.flags = RTG_OPEN_RESOLVED;
    o.nr = 257;
    o.dirfd = 3;
    o.result = 4;
    std::string path = "/srv/data/.../x";  // "..." is a name like any other
    o.path_len = static_cast<std::uint16_t>(path.size());
    RecordMeta meta;
    Event e = decode_ok(record(o, {path}), meta);
    CHECK(e.kind == EventKind::open);
    CHECK(e.path == path);

    // A record of a failed open with the same bytes is joined and normalized.
    o.flags = 0;
    o.result = -2;
    std::string base = "/srv", rel = "data/../x";
    o.base_len = static_cast<std::uint16_t>(base.size());
    o.path_len = static_cast<std::uint16_t>(rel.size());
    CHECK(decode_ok(record(o, {base, rel}), meta).path == "/srv/x");
}

TEST_CASE("every truncation or corruption of valid records is refused or decoded, never a crash") {
    ExecSpec s{"./run.sh", "/bin/sh", nul_joined({"/bin/sh", "./run.sh"}), "/usr/bin/dash", "/w"};
    std::vector<std::vector<unsigned char>> valid{exec_record(s)};
    rtg_open o{};
    o.hdr = header(RTG_EV_OPEN, 2);
    o.path_len = 3;
    valid.push_back(record(o, {"a/b"}));

    std::mt19937 rng(7);
    for (const auto& rec : valid) {
        for (std::size_t cut = 0; cut < rec.size(); ++cut) {
            RecordMeta meta;
            Event e;
            CHECK(decode_record(rec.data(), cut, e, meta).has_value());
        }
        for (int round = 0; round < 2000; ++round) {
            auto bad = rec;
            bad[rng() % bad.size()] = static_cast<unsigned char>(rng());
            RecordMeta meta;
            Event e;
            if (!decode_record(bad.data(), bad.size(), e, meta)) complete_exec(e, meta, no_probe);
        }
    }
}

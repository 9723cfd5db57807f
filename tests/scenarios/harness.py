"""The attack and evasion scenarios: real servers watched by the rtguard program.

For each workload (nginx with a Python upstream, redis-server, the notes application in
app.py) the harness
  1. profiles it under normal traffic with `rtguard profile` (start, traffic rounds, stop),
  2. monitors fresh runs of normal traffic with `rtguard monitor`: every alert is a false
     positive,
  3. runs each attack of attacks.py INSIDE the running workload (through the application's
     debug hook, or from a process moved into the server's cgroup) while one
     `rtguard monitor` session watches, and checks that the expected rule fired on the
     attack's own artifact (the dropped file, the secret, the endpoint), not merely on
     some side effect.

Servers run in cgroup v2 groups of their own (<cgroup2 mount>/rtguard-scen-<name>) or, for
the application, as a process tree that rtguard starts. Every process the harness starts is
stopped by it; files it creates outside its scratch directory are removed.

scripts/scenarios runs it from the command line and tests/scenarios/test_*.py as pytest
tests; docs/scenarios.md describes the scenarios and their results.
"""
from __future__ import annotations

import http.client
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
import attacks  # noqa: E402  (the same file the application's debug hook runs)

ATTACKER_HOST = "127.0.0.2"  # loopback, but an address no workload talks to
SA_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token"
LOADER = "/lib64/ld-linux-x86-64.so.2"
FLOOD_COUNT = 100_000


# --- what an attack must raise ------------------------------------------------------------


@dataclass
class Expect:
    """An alert of `rule` whose subject satisfies `subject` (exact text, or a predicate)."""

    rule: str
    subject: str | Callable[[str], bool] | None = None
    describe: str = ""

    def matches(self, alert: Alert) -> bool:
        if alert.rule != self.rule:
            return False
        if self.subject is None:
            return True
        if callable(self.subject):
            return bool(self.subject(alert.subject))
        return alert.subject == self.subject

    def __str__(self) -> str:
        return self.rule + (f" ({self.describe})" if self.describe else "")


@dataclass
class Alert:
    rule: str
    subject: str
    pid: int
    exe: str
    output: str

    @staticmethod
    def parse_lines(text: str) -> list[Alert]:
        alerts = []
        for line in text.splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)
            fields = obj.get("output_fields", {})
            alerts.append(Alert(obj["rule"], obj["rtguard"]["subject"], fields.get("proc.pid", 0),
                                fields.get("proc.exepath", ""), obj.get("output", "")))
        return alerts


# The attacks in the order they run, with what each must raise. A list of several Expects
# means any one of them counts (the flood: either the secret read is still seen, or the
# monitor says it lost events).
ATTACK_ORDER = [
    "download_exec", "copy_renamed", "symlink_alias", "replaced_in_place", "dynamic_loader",
    "writable_dir_script", "memfd_exec", "reverse_shell", "server_shell", "read_shadow",
    "read_sa_token", "write_bin_dir", "write_etc", "io_uring_open", "flood",
]


def expectations(ctx: dict) -> dict[str, list[Expect]]:
    shell = os.path.realpath(attacks.SHELL)
    return {
        "download_exec": [Expect("unexpected_executable",
                                 os.path.join(ctx["drop_dir"], "update-agent"), "dropped file")],
        "copy_renamed": [Expect("unexpected_executable",
                                os.path.join(ctx["drop_dir"], "kworker"), "the copy")],
        "symlink_alias": [Expect("unexpected_executable", shell, "the link's target")],
        "replaced_in_place": [Expect("executable_changed",
                                     lambda s: s.startswith(ctx["replace_target"] + " "),
                                     "the replaced path")],
        "dynamic_loader": [Expect("drift_loader", ctx["allowed"], "the loaded program")],
        "writable_dir_script": [Expect("drift_interpreter_script",
                                       os.path.join(ctx["drop_dir"], "stage.py"), "the script")],
        "memfd_exec": [Expect("drift_memory", lambda s: s.startswith("/memfd:rtg-payload"),
                              "the memfd")],
        "reverse_shell": [Expect("unexpected_network",
                                 f"connect tcp {ATTACKER_HOST}:{ctx['attacker_shell_port']}",
                                 "the attacker's endpoint")],
        "server_shell": [Expect("unexpected_executable", shell, "the shell")],
        "read_shadow": [Expect("sensitive_read", "/etc/shadow")],
        # Read by its usual name, reported by the file's own path (/var/run is a link to /run).
        "read_sa_token": [Expect("sensitive_read", os.path.realpath(ctx["token_path"]))],
        "write_bin_dir": [Expect("unexpected_write", ctx["bin_write_path"])],
        "write_etc": [Expect("unexpected_write", ctx["etc_write_path"])],
        "io_uring_open": [Expect("io_uring_use", "io_uring")],
        "flood": [Expect("sensitive_read", "/etc/shadow", "the read after the flood"),
                  Expect("monitoring_degraded", None, "events lost")],
    }


# --- results ------------------------------------------------------------------------------


@dataclass
class AttackResult:
    workload: str
    attack: str
    expected: list[Expect]
    alerts: list[Alert] = field(default_factory=list)
    matched: Expect | None = None
    note: str = ""  # what the attack reported, or why it failed
    error: str = ""  # the attack itself did not run as meant

    @property
    def detected(self) -> bool:
        return self.matched is not None

    def rules(self) -> list[str]:
        return sorted({a.rule for a in self.alerts})


@dataclass
class NormalRun:
    alerts: list[Alert]
    events_note: str = ""


@dataclass
class WorkloadResult:
    workload: str
    description: str
    skipped: str = ""
    profile_note: str = ""
    normal_runs: list[NormalRun] = field(default_factory=list)
    attacks: list[AttackResult] = field(default_factory=list)


# --- environment --------------------------------------------------------------------------


def rtguard_binary() -> Path:
    if os.environ.get("RTGUARD_BIN"):
        return Path(os.environ["RTGUARD_BIN"])
    build = Path(os.environ.get("RTGUARD_BUILD", ROOT / "build"))
    return build / "examples" / "rtguard" / "rtguard"


def cgroup2_mount() -> str:
    with open("/proc/self/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) > 2 and parts[2] == "cgroup2":
                return parts[1]
    return ""


_live_reason: str | None = None


def live_unavailable_reason(rtguard: Path) -> str:
    """Why the scenarios cannot run here at all, or "" when they can."""
    global _live_reason
    if _live_reason is not None:
        return _live_reason
    reason = ""
    if os.geteuid() != 0:
        reason = "the scenarios need root (eBPF programs, cgroups, servers)"
    elif not rtguard.exists():
        reason = f"the rtguard program was not built: {rtguard} (set RTGUARD_BUILD)"
    elif not cgroup2_mount():
        reason = "cgroup v2 is not mounted"
    elif not os.access(cgroup2_mount(), os.W_OK):
        reason = f"cannot create cgroups under {cgroup2_mount()} (read-only)"
    elif not shutil.which("cc"):
        reason = "no C compiler (cc) for the scenarios' helpers"
    else:
        # Loading the eBPF programs once says whether the kernel allows them.
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([str(rtguard), "record", "-o", f"{tmp}/probe.jsonl", "--", "true"],
                               capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                reason = "eBPF is unavailable: " + (r.stderr.strip().splitlines() or ["?"])[-1]
    _live_reason = reason
    return reason


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_port(port: int, host: str = "127.0.0.1", timeout: float = 20,
              proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} before listening "
                               f"on {host}:{port}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout}s")


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
    """Signals `proc` and waits; SIGKILL when it does not end in time."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


class Cgroup:
    """A cgroup v2 group of the harness's own, emptied and removed at the end."""

    def __init__(self, name: str) -> None:
        # The pid keeps two runs of the scenarios apart.
        self.path = Path(cgroup2_mount()) / f"rtguard-scen-{name}-{os.getpid()}"
        self.path.mkdir()

    def enter(self, pid: int = 0) -> None:
        (self.path / "cgroup.procs").write_text(str(pid or os.getpid()))

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except FileNotFoundError:
            return []

    def remove(self) -> None:
        for _ in range(100):
            pids = self.pids()
            if not pids:
                break
            for pid in pids:  # only processes this harness put here
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        try:
            self.path.rmdir()
        except FileNotFoundError:
            pass

    def popen(self, argv: list[str], **kw) -> subprocess.Popen:
        """Starts `argv` inside the group: the child joins it before exec."""
        procs = str(self.path / "cgroup.procs")

        def join() -> None:
            with open(procs, "w") as f:
                f.write(str(os.getpid()))

        return subprocess.Popen(argv, preexec_fn=join, **kw)

    def call(self, fn: Callable[[], str], timeout: float = 60) -> tuple[int, str]:
        """Runs fn() in a forked child that joined the group first; returns its exit status
        and what fn returned (or the traceback)."""
        sys.stdout.flush()
        sys.stderr.flush()
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                os.close(rfd)
                self.enter(os.getpid())
                note = fn()
                status = 0
            except BaseException:
                note = traceback.format_exc()
            try:
                os.write(wfd, str(note).encode()[:65536])
            finally:
                os._exit(status)
        os.close(wfd)
        chunks = []
        deadline = time.monotonic() + timeout
        with os.fdopen(rfd, "rb") as r:
            while True:
                ready, _, _ = select.select([r], [], [], max(0.0, deadline - time.monotonic()))
                chunk = r.read1(65536) if ready else b""
                if not chunk:
                    break
                chunks.append(chunk)
        if time.monotonic() >= deadline:
            os.kill(pid, signal.SIGKILL)
            chunks.append(b"\n(killed after %ds)" % timeout)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), b"".join(chunks).decode(errors="replace")


# --- rtguard runs -------------------------------------------------------------------------


class RtguardRun:
    """One `rtguard profile` or `rtguard monitor` process; output goes to files."""

    def __init__(self, rtguard: Path, args: list[str], workdir: Path, tag: str,
                 env: dict | None = None) -> None:
        self.out_path = workdir / f"{tag}.out"
        self.err_path = workdir / f"{tag}.err"
        self.args = args
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen([str(rtguard), *args], stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, env=env)

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def wait_watching(self, timeout: float = 60) -> None:
        """Returns once the eBPF programs are attached and the target is watched."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "rtguard: info: watching " in self.stderr():
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"rtguard {self.args[0]} exited with status "
                                   f"{self.proc.returncode}: {self.stderr().strip()}")
            time.sleep(0.05)
        raise RuntimeError(f"rtguard {self.args[0]} did not start watching in {timeout}s")

    def finish(self, timeout: float = 60) -> int:
        """Ends watching (SIGINT: what is buffered is still processed) and waits."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"rtguard {self.args[0]} did not end within {timeout}s")

    def alerts(self) -> list[Alert]:
        return Alert.parse_lines(self.out_path.read_text(errors="replace"))


# --- workloads ----------------------------------------------------------------------------


class Workload:
    """A server under test. Subclasses say how it is installed, started, driven and stopped,
    and how an attack is run inside it."""

    name = ""
    description = ""
    needs: list[str] = []  # programs that must be installed
    packages = ""  # the Debian packages providing them, for the skip message
    profile_rounds = 3

    def __init__(self, rtguard: Path, scratch: Path) -> None:
        self.rtguard = rtguard
        self.scratch = scratch / self.name
        self.scratch.mkdir(parents=True)
        self.scratch.chmod(0o755)
        self.key = f"scen-{self.name}"
        self.baseline = self.scratch / "baseline.json"
        self.port = free_port()
        self.runs = 0

    @classmethod
    def missing(cls) -> str:
        absent = [p for p in cls.needs if not shutil.which(p) and not os.path.exists(p)]
        if absent:
            return f"{', '.join(absent)} not installed (Debian: apt-get install {cls.packages})"
        return ""

    # Lifecycle hooks.
    def setup(self) -> None: ...
    def teardown(self) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def traffic(self, round_no: int) -> None: ...
    def target(self, phase: str) -> list[str]: ...
    def attack_context(self) -> dict:
        return {}

    def run_attack(self, name: str, ctx: dict) -> tuple[bool, str]:
        """Runs attack `name` inside the workload; (ran as meant, note)."""
        raise NotImplementedError

    def after_replace(self) -> None:
        """Called once a replaced binary was put back. A server running that binary shows it
        as deleted from then on (its directory entry was replaced), so it is restarted."""

    def rtguard_run(self, command: str, extra: list[str], phase: str) -> RtguardRun:
        self.runs += 1
        return RtguardRun(self.rtguard, [command, *extra, *self.target(phase)], self.scratch,
                          f"{self.runs:02d}-{command}-{phase}", self.env())

    def env(self) -> dict:
        return dict(os.environ)


class CgroupWorkload(Workload):
    """A server started inside a cgroup of its own and watched through it."""

    daemon = False  # the started process forks the server and exits

    def setup(self) -> None:
        self.cgroup = Cgroup(self.name)
        self.server: subprocess.Popen | None = None

    def teardown(self) -> None:
        if self.server is not None:
            self.stop()
        self.cgroup.remove()

    def target(self, phase: str) -> list[str]:
        return ["--workload", self.key, "--cgroup", str(self.cgroup.path)]

    def server_argv(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        log = open(self.scratch / "server.log", "ab")
        self.server = self.cgroup.popen(self.server_argv(), stdout=log, stderr=log,
                                        stdin=subprocess.DEVNULL)
        log.close()
        wait_port(self.port, proc=None if self.daemon else self.server)

    def after_replace(self) -> None:
        self.stop()
        self.start()

    def in_cgroup(self, fn: Callable[[], str]) -> tuple[bool, str]:
        status, note = self.cgroup.call(fn)
        return status == 0, note.strip()

    def run_attack(self, name: str, ctx: dict) -> tuple[bool, str]:
        return self.in_cgroup(lambda: attacks.run(name, ctx))


def _copy_executable(src: str, dst: Path) -> str:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(os.path.realpath(src), dst)
    dst.chmod(0o755)
    return str(dst)


class NginxWorkload(CgroupWorkload):
    name = "nginx"
    description = ("nginx (from a scratch copy of its binary) serving static files and "
                   "proxying /api/ to a python3 http.server upstream")
    needs = ["/usr/sbin/nginx", "wrk"]
    packages = "nginx-light wrk"
    daemon = True

    def setup(self) -> None:
        super().setup()
        s = self.scratch
        self.binary = _copy_executable("/usr/sbin/nginx", s / "sbin" / "nginx")
        rnd = secrets.SystemRandom(7)

        # Static site and the upstream's files.
        html, up = s / "html", s / "upstream"
        for d in (html / "static", html / "img", up / "api" / "items", s / "logs", s / "temp"):
            d.mkdir(parents=True, exist_ok=True)
        (html / "index.html").write_text("<html><body>scenario site</body></html>\n")
        (html / "static" / "app.css").write_text("body { color: #333; }\n" * 40)
        (html / "static" / "app.js").write_text("console.log('ok');\n" * 200)
        (html / "static" / "big.bin").write_bytes(os.urandom(512 * 1024))
        for i in range(20):
            (html / "img" / f"{i}.png").write_bytes(os.urandom(rnd.randint(500, 20000)))
        (up / "api" / "data.json").write_text(json.dumps({"items": list(range(100))}))
        (up / "api" / "big.bin").write_bytes(os.urandom(1024 * 1024))
        for i in range(20):
            (up / "api" / "items" / f"{i}.json").write_text(json.dumps({"id": i}))
        for p in [s, *s.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        Path(self.binary).chmod(0o755)

        self.upstream_port = free_port()
        (s / "conf").mkdir()
        temp = s / "temp"
        (s / "conf" / "nginx.conf").write_text(f"""
worker_processes 2;
pid {s}/nginx.pid;
error_log {s}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    types {{ text/html html; text/css css; application/javascript js; image/png png;
             application/json json; application/octet-stream bin; }}
    access_log {s}/logs/access.log;
    client_body_temp_path {temp}/client_body 1 2;
    proxy_temp_path {temp}/proxy 1 2;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    server {{
        listen 127.0.0.1:{self.port};
        root {html};
        location /api/ {{ proxy_pass http://127.0.0.1:{self.upstream_port}; }}
    }}
}}
""")
        # The upstream application server runs outside the watched cgroup.
        self.upstream = subprocess.Popen(
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
             str(self.upstream_port), "--directory", str(up)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.upstream_port, proc=self.upstream)

        # wrk cycles through a fixed mix of requests; each round starts elsewhere in it.
        paths = (["/", "/index.html", "/static/app.css", "/static/app.js", "/static/big.bin",
                  "/missing.html", "/api/data.json", "/api/big.bin"] +
                 [f"/img/{i}.png" for i in range(20)] + [f"/api/items/{i}.json" for i in range(20)])
        lua_paths = ", ".join(f'"{p}"' for p in paths)
        (s / "traffic.lua").write_text(f"""
local paths = {{ {lua_paths} }}
local n = 0
local body = string.rep("x", 40000)
function init(args) n = tonumber(args[1]) or 0 end
function request()
    n = n + 1
    if n % 9 == 0 then
        return wrk.format("POST", "/api/upload", {{["Content-Type"] = "text/plain"}}, body)
    end
    return wrk.format("GET", paths[n % #paths + 1])
end
""")

    def teardown(self) -> None:
        super().teardown()
        stop_process(self.upstream)

    def server_argv(self) -> list[str]:
        s = self.scratch
        return [self.binary, "-p", str(s), "-c", str(s / "conf" / "nginx.conf"),
                "-e", str(s / "logs" / "error.log")]

    def start(self) -> None:
        # nginx runs as a daemon, as it usually does: only a daemonized master re-executes
        # its binary on SIGUSR2 (a foreground master whose parent is still there ignores it).
        super().start()
        if self.server.wait(30) != 0:
            raise RuntimeError(f"nginx exited with status {self.server.returncode}")
        self.master = int((self.scratch / "nginx.pid").read_text())

    def stop(self) -> None:
        # Graceful: the master finishes the requests in progress, then everything exits.
        os.kill(self.master, signal.SIGQUIT)
        deadline = time.monotonic() + 15
        while self.cgroup.pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.server = None

    def traffic(self, round_no: int) -> None:
        subprocess.run(["wrk", "-t2", "-c8", "-d1s", "-s", str(self.scratch / "traffic.lua"),
                        f"http://127.0.0.1:{self.port}/", "--", str(round_no * 7)],
                       check=True, capture_output=True, timeout=60)

    def attack_context(self) -> dict:
        return {"allowed": self.binary, "allowed_args": ["-v"],
                "replace_target": self.binary, "replace_trigger": str(self.master)}


class RedisWorkload(CgroupWorkload):
    name = "redis"
    description = "redis-server (from a scratch copy of its binary) driven by redis-benchmark"
    needs = ["redis-server", "redis-benchmark", "redis-cli"]
    packages = "redis-server redis-tools"

    def setup(self) -> None:
        super().setup()
        s = self.scratch
        self.binary = _copy_executable(shutil.which("redis-server"), s / "bin" / "redis-server")
        (s / "data").mkdir()
        (s / "redis.conf").write_text(f"""
bind 127.0.0.1
port {self.port}
dir {s}/data
logfile {s}/redis.log
save ""
appendonly no
enable-module-command yes
""")
        # The hostile module for the "shell spawned by the server" attack.
        self.module = s / "evil.so"
        subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", str(self.module),
                        str(HERE / "redis_module.c")], check=True, capture_output=True)

    def server_argv(self) -> list[str]:
        return [self.binary, str(self.scratch / "redis.conf")]

    def stop(self) -> None:
        stop_process(self.server, signal.SIGTERM)
        self.server = None

    def traffic(self, round_no: int) -> None:
        subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(self.port), "-q",
                        "-c", "8", "-n", "1000", "-r", "10000",
                        "-t", "ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,"
                        "lrange_100,mset"],
                       check=True, capture_output=True, timeout=120)
        subprocess.run(["redis-cli", "-p", str(self.port), "INFO"], check=True,
                       capture_output=True, timeout=30)

    def attack_context(self) -> dict:
        return {"allowed": self.binary, "allowed_args": ["--version"],
                "replace_target": self.binary}

    def run_attack(self, name: str, ctx: dict) -> tuple[bool, str]:
        if name == "server_shell":
            # redis-server itself starts the shell: a client loads a hostile module.
            r = subprocess.run(["redis-cli", "-p", str(self.port), "MODULE", "LOAD",
                                str(self.module)], capture_output=True, text=True, timeout=30)
            return True, f"MODULE LOAD: {r.stdout.strip()}"
        return super().run_attack(name, ctx)


class AppWorkload(Workload):
    name = "app"
    description = ("the notes web application (tests/scenarios/app.py, python3 stdlib "
                   "http.server): file reads and writes and a subprocess per request")
    needs = ["/usr/bin/python3", "sha256sum"]
    packages = "python3 coreutils"

    def setup(self) -> None:
        self.helper = _copy_executable(shutil.which("sha256sum"),
                                       self.scratch / "bin" / "sha256sum")
        self.data = self.scratch / "data"
        self.app: subprocess.Popen | None = None
        self.tree: RtguardRun | None = None

    def argv(self) -> list[str]:
        return ["/usr/bin/python3", str(HERE / "app.py"), "--port", str(self.port),
                "--data", str(self.data), "--helper", self.helper, "--debug-hook"]

    def target(self, phase: str) -> list[str]:
        if phase == "attack":
            return ["--workload", self.key, "--pid", str(self.app.pid)]
        return ["--workload", self.key, "--", *self.argv()]

    def env(self) -> dict:
        return dict(os.environ, PYTHONDONTWRITEBYTECODE="1")

    def start_unwatched(self) -> None:
        log = open(self.scratch / "server.log", "ab")
        self.app = subprocess.Popen(self.argv(), stdout=log, stderr=log, env=self.env(),
                                    stdin=subprocess.DEVNULL)
        log.close()
        wait_port(self.port, proc=self.app)

    def stop(self) -> None:
        if self.app is not None:
            stop_process(self.app, signal.SIGTERM)
            self.app = None

    def teardown(self) -> None:
        self.stop()

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def traffic(self, round_no: int) -> None:
        rnd = secrets.SystemRandom()
        names = [f"note-{secrets.token_hex(4)}" for _ in range(12)]
        for name in names:
            body = secrets.token_bytes(rnd.randint(10, 5000))
            status, _ = self.request("PUT", f"/notes/{name}", body)
            assert status == 201, f"PUT /notes/{name}: {status}"
        for name in names:
            assert self.request("GET", f"/notes/{name}")[0] == 200
            assert self.request("GET", f"/digest/{name}")[0] == 200
        assert self.request("GET", "/notes/absent")[0] == 404
        assert self.request("GET", "/health")[0] == 200

    def attack_context(self) -> dict:
        return {"allowed": self.helper, "allowed_args": ["--version"],
                "replace_target": self.helper}

    def run_attack(self, name: str, ctx: dict) -> tuple[bool, str]:
        query = urllib.parse.urlencode([("script", str(HERE / "attacks.py")), ("arg", name),
                                        ("arg", json.dumps(ctx))])
        status, body = self.request("POST", f"/debug/run?{query}")
        return status == 200, body.decode(errors="replace").strip()


WORKLOADS: dict[str, type[Workload]] = {
    w.name: w for w in (NginxWorkload, RedisWorkload, AppWorkload)}


# --- the scenario run ---------------------------------------------------------------------


class Attacker:
    """attacker.py on ATTACKER_HOST: the payload server and the reverse-shell listener."""

    def __init__(self, workdir: Path) -> None:
        self.http_port = free_port(ATTACKER_HOST)
        self.shell_port = free_port(ATTACKER_HOST)
        self.log = workdir / "attacker.log"
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "attacker.py"), "--host", ATTACKER_HOST,
             "--http-port", str(self.http_port), "--shell-port", str(self.shell_port),
             "--payload", "/usr/bin/id", "--log", str(self.log), "--lifetime", "900"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            stop_process(self.proc)
            raise RuntimeError("the attacker's servers did not start")

    def close(self) -> None:
        stop_process(self.proc)


class Scratch:
    """Files an attack context names outside the scratch directory, removed afterwards."""

    def __init__(self) -> None:
        self.files: list[str] = []
        self.dirs: list[str] = []  # created by us, removed when empty, deepest first

    def make_token(self) -> str:
        if os.path.exists(SA_TOKEN):
            return SA_TOKEN  # a real one: read, never replaced
        d = os.path.dirname(SA_TOKEN)
        missing = []
        while not os.path.exists(d):
            missing.append(d)
            d = os.path.dirname(d)
        for d in reversed(missing):
            os.mkdir(d)
            self.dirs.insert(0, d)
        with open(SA_TOKEN, "w") as f:
            f.write("eyJhbGciOiJSUzI1NiJ9.scenario-token.signature\n")
        self.files.append(SA_TOKEN)
        return SA_TOKEN

    def clean(self) -> None:
        for f in self.files:
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass
        for d in self.dirs:
            try:
                os.rmdir(d)
            except OSError:
                pass


def build_tool(workdir: Path) -> str:
    tool = workdir / "bin" / "scen_tool"
    tool.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cc", "-O2", "-o", str(tool), str(HERE / "scen_tool.c")], check=True,
                   capture_output=True)
    tool.parent.chmod(0o755)
    return str(tool)


def attack_context(w: Workload, name: str, common: dict) -> dict:
    token = secrets.token_hex(4)
    ctx = dict(common)
    ctx.update({
        "drop_dir": f"/tmp/rtguard-scen-{w.name}-{name}-{token}",
        "bin_write_path": f"/usr/local/bin/rtguard-scen-{token}",
        "etc_write_path": f"/etc/rtguard-scen-{token}.conf",
        "interpreter": "/usr/bin/python3",
        "payload": "/usr/bin/id",
        "replace_payload": "/usr/bin/true",
        "loader": LOADER,
        "flood_count": FLOOD_COUNT,
    })
    ctx.update(w.attack_context())
    return ctx


def cleanup_attack(ctx: dict, kept: str | None) -> None:
    shutil.rmtree(ctx["drop_dir"], ignore_errors=True)
    for key in ("bin_write_path", "etc_write_path"):
        try:
            os.unlink(ctx[key])
        except FileNotFoundError:
            pass
    if kept:  # the original file, under its original identity
        os.replace(kept, ctx["replace_target"])


def run_attack(w: Workload, name: str, common: dict, log: Callable[[str], None]) -> AttackResult:
    ctx = attack_context(w, name, common)
    result = AttackResult(w.name, name, expectations(ctx)[name])

    # A hard link keeps the original binary's identity for the restore.
    kept = None
    if name == "replaced_in_place":
        kept = ctx["replace_target"] + ".orig"
        os.link(ctx["replace_target"], kept)

    run = w.rtguard_run("monitor", ["--baseline", str(w.baseline)], "attack")
    try:
        run.wait_watching()
        ok, result.note = w.run_attack(name, ctx)
        if not ok:
            result.error = result.note.splitlines()[-1] if result.note else "failed"
    finally:
        run.finish()
        cleanup_attack(ctx, kept)
        if kept:
            w.after_replace()
    result.alerts = run.alerts()
    result.matched = next((e for e in result.expected for a in result.alerts if e.matches(a)),
                          None)
    log(f"  {name}: {'detected' if result.detected else 'MISSED'} "
        f"({', '.join(result.rules()) or 'no alert'}){' ERROR ' + result.error if result.error else ''}")
    return result


def profile_workload(w: Workload, log: Callable[[str], None]) -> str:
    """Profiles `w` through start, traffic rounds and stop; returns rtguard's summary."""
    run = w.rtguard_run("profile", ["-o", str(w.baseline)], "profile")
    try:
        run.wait_watching()
        if isinstance(w, AppWorkload):
            wait_port(w.port, proc=run.proc)
        else:
            w.start()
        for r in range(w.profile_rounds):
            w.traffic(r)
        if not isinstance(w, AppWorkload):
            w.stop()
    finally:
        run.finish()
    if not w.baseline.exists():
        raise RuntimeError(f"rtguard profile wrote no baseline: {run.stderr().strip()}")
    summary = [line for line in run.stderr().splitlines() if "baseline of" in line]
    log(f"  profile: {summary[-1] if summary else 'written'}")
    return summary[-1] if summary else ""


def normal_run(w: Workload, round_base: int, log: Callable[[str], None]) -> NormalRun:
    """Fresh normal traffic under `rtguard monitor`, from start to stop."""
    run = w.rtguard_run("monitor", ["--baseline", str(w.baseline)], "normal")
    try:
        run.wait_watching()
        if isinstance(w, AppWorkload):
            wait_port(w.port, proc=run.proc)
        else:
            w.start()
        for r in range(2):
            w.traffic(round_base + r)
        if not isinstance(w, AppWorkload):
            w.stop()
    finally:
        run.finish()
    alerts = run.alerts()
    summary = [line for line in run.stderr().splitlines() if "events of" in line]
    log(f"  normal run: {len(alerts)} alerts"
        + "".join(f"\n    {a.rule} {a.subject}" for a in alerts))
    return NormalRun(alerts, summary[-1] if summary else "")


def run_workload(name: str, rtguard: Path, scratch: Path, attacks_to_run: list[str],
                 normal_runs: int = 2, log: Callable[[str], None] = print) -> WorkloadResult:
    cls = WORKLOADS[name]
    result = WorkloadResult(name, cls.description)
    reason = live_unavailable_reason(rtguard) or cls.missing()
    if reason:
        result.skipped = reason
        log(f"{name}: skipped: {reason}")
        return result

    log(f"{name}: {cls.description}")
    started = time.monotonic()
    w = cls(rtguard, scratch)
    secrets_made = Scratch()
    attacker = None
    try:
        w.setup()
        result.profile_note = profile_workload(w, log)
        for i in range(normal_runs):
            result.normal_runs.append(normal_run(w, 100 + 10 * i, log))
        if not attacks_to_run:
            return result

        attacker = Attacker(w.scratch)
        common = {"attacker_host": ATTACKER_HOST, "attacker_http_port": attacker.http_port,
                  "attacker_shell_port": attacker.shell_port, "tool": build_tool(w.scratch),
                  "token_path": secrets_made.make_token()}
        if isinstance(w, AppWorkload):
            w.start_unwatched()
        else:
            w.start()
        for a in attacks_to_run:
            result.attacks.append(run_attack(w, a, common, log))
        w.stop()
    finally:
        if attacker is not None:
            attacker.close()
        w.teardown()
        secrets_made.clean()
        log(f"  ({time.monotonic() - started:.0f}s)")
    return result


def run_all(workloads: list[str], attacks_to_run: list[str] | None = None,
            normal_runs: int = 2, rtguard: Path | None = None, keep: bool = False,
            log: Callable[[str], None] = print) -> list[WorkloadResult]:
    rtguard = rtguard or rtguard_binary()
    attacks_to_run = ATTACK_ORDER if attacks_to_run is None else attacks_to_run
    scratch = Path(tempfile.mkdtemp(prefix="rtguard-scen-", dir="/var/lib"))
    scratch.chmod(0o755)
    try:
        return [run_workload(n, rtguard, scratch, attacks_to_run, normal_runs, log)
                for n in workloads]
    finally:
        if keep:
            log(f"scratch directory kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


# --- the table ----------------------------------------------------------------------------


def table(results: list[WorkloadResult]) -> str:
    """The results as a Markdown table: one row per workload and attack, and one per workload
    for its normal runs."""
    rows = [("workload", "scenario", "expected rule", "result", "alerts raised")]
    for r in results:
        if r.skipped:
            rows.append((r.workload, "(all)", "", f"skipped: {r.skipped}", ""))
            continue
        fps = [len(n.alerts) for n in r.normal_runs]
        fp_rules = sorted({f"{a.rule} {a.subject}" for n in r.normal_runs for a in n.alerts})
        rows.append((r.workload, f"normal traffic ({len(fps)} runs)", "none",
                     "false positives per run: " + ", ".join(map(str, fps)),
                     "; ".join(fp_rules) or "none"))
        for a in r.attacks:
            expected = " or ".join(e.rule for e in a.expected)
            if a.detected:
                verdict = f"detected ({a.matched.rule})"
            else:
                verdict = "NOT DETECTED"
            if a.error:
                verdict += f"; attack failed: {a.error}"
            rows.append((r.workload, a.attack, expected, verdict, ", ".join(a.rules()) or "none"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(row)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def all_passed(results: list[WorkloadResult]) -> bool:
    return all(not r.skipped and all(not n.alerts for n in r.normal_runs)
               and all(a.detected and not a.error for a in r.attacks) for r in results)

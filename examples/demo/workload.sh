#!/bin/sh
# A small stand-in for a containerized service, used by the demo and the live tests.
#
#   workload.sh normal PORT   serve a few "requests": read config, write per-request temp
#                             files, run helpers, call a backend on 127.0.0.1:PORT
#   workload.sh attack PORT   the same service after compromise: each step is one attack
set -u
# A service's fixed search path, whatever the caller's shell has (a python3 shim, say).
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
mode=${1:-normal}
port=${2:-8765}
state=${RTGUARD_DEMO_STATE:-/tmp/rtguard-demo}
mkdir -p "$state/cache"

serve_request() {
    n=$1
    cat /etc/hostname /etc/os-release >/dev/null
    date +%s >"$state/cache/req-$n-$$.tmp"
    sha256sum "$state/cache/req-$n-$$.tmp" | cut -c1-16 >/dev/null
    ls "$state/cache" | sort | head -n 3 >/dev/null
    rm -f "$state/cache/req-$n-$$.tmp"
    # The backend call; bash is not guaranteed, so use python3 for the socket.
    python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2); s.sendall(b"GET / HTTP/1.0\r\n\r\n"); s.recv(64); s.close()' "$port" 2>/dev/null || true
}

case "$mode" in
normal)
    for n in $(seq 1 24); do serve_request "$n"; done
    ;;
attack)
    serve_request 1
    echo "== download and execute: a copied binary under a new name in a writable directory"
    cp /bin/ls "$state/.cache-update" && "$state/.cache-update" / >/dev/null
    echo "== script run by an interpreter from /tmp"
    printf 'id >/dev/null\n' >/tmp/rtguard-demo-stage2.sh && sh /tmp/rtguard-demo-stage2.sh
    rm -f /tmp/rtguard-demo-stage2.sh
    echo "== program started through the dynamic loader"
    for ld in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
        [ -x "$ld" ] && "$ld" /bin/true && break
    done
    echo "== fileless execution from memfd_create"
    python3 -c 'import os; fd=os.memfd_create("x"); os.write(fd, open("/bin/true","rb").read()); os.execv("/proc/self/fd/%d" % fd, ["kworker"])'
    echo "== reading a secret"
    cat /etc/shadow >/dev/null 2>&1 || true
    echo "== reverse shell to an unusual port"
    python3 -c 'import socket; s=socket.socket(); s.settimeout(1); s.connect_ex(("127.0.0.1", 4444)); s.close()'
    ;;
*)
    echo "usage: workload.sh normal|attack [PORT]" >&2
    exit 2
    ;;
esac
exit 0

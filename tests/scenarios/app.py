#!/usr/bin/python3
"""A small notes service: the Python web workload of the attack scenarios.

It behaves like a typical internal web application: each request reads or writes files
under its data directory (uploads go through a per-request temporary file that is renamed
into place) and runs a helper program as a subprocess (a content digest), and every request
is appended to an access log.

  GET  /health            200 "ok"
  GET  /notes/NAME        the note, and its digest from the helper
  PUT  /notes/NAME        stores the body (temporary file, then rename) and returns its digest
  GET  /digest/NAME       the helper's digest of the note
  POST /debug/run         only with --debug-hook: runs the Python file named by the "script"
                          query parameter inside this process, with the "arg" parameters as
                          ARGS. This is the remote-code-execution stand-in of the scenarios:
                          what the script does, the server process does.

The helper is given with --helper (a program that takes a file and prints a digest, such as
sha256sum). Stops cleanly on SIGTERM and SIGINT.
"""
import argparse
import json
import os
import runpy
import signal
import subprocess
import sys
import threading
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
MAX_BODY = 1 << 20


class NotesApp:
    def __init__(self, data, helper, debug_hook):
        self.notes = os.path.join(data, "notes")
        self.tmp = os.path.join(data, "tmp")
        self.helper = helper
        self.debug_hook = debug_hook
        self.log_path = os.path.join(data, "log", "access.log")
        self.log_lock = threading.Lock()
        for d in (self.notes, self.tmp, os.path.dirname(self.log_path)):
            os.makedirs(d, exist_ok=True)

    def note_path(self, name):
        # Names are one plain component: no traversal out of the notes directory.
        if not name or name.startswith(".") or not set(name) <= NAME_CHARS:
            return None
        return os.path.join(self.notes, name)

    def digest(self, path):
        r = subprocess.run([self.helper, path], capture_output=True, timeout=10)
        if r.returncode != 0:
            return None
        return r.stdout.split(b" ", 1)[0].decode("ascii", "replace")

    def store(self, path, body):
        tmp = os.path.join(self.tmp, f"upload-{uuid.uuid4().hex}.part")
        with open(tmp, "wb") as f:
            f.write(body)
        os.replace(tmp, path)

    def log(self, line):
        with self.log_lock, open(self.log_path, "a") as f:
            f.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    server_version = "notes/1"
    protocol_version = "HTTP/1.1"

    @property
    def app(self):
        return self.server.app

    def log_message(self, fmt, *args):
        self.app.log(f"{self.address_string()} {fmt % args}")

    def reply(self, code, body, ctype="text/plain"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route(self):
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        return url, parts

    def do_GET(self):
        url, parts = self.route()
        if parts == ["health"]:
            return self.reply(200, "ok\n")
        if len(parts) == 2 and parts[0] in ("notes", "digest"):
            path = self.app.note_path(parts[1])
            if path is None:
                return self.reply(400, "bad name\n")
            try:
                with open(path, "rb") as f:
                    content = f.read()
            except FileNotFoundError:
                return self.reply(404, "no such note\n")
            digest = self.app.digest(path)
            if digest is None:
                return self.reply(500, "digest failed\n")
            if parts[0] == "digest":
                return self.reply(200, digest + "\n")
            return self.reply(200, json.dumps({"digest": digest, "size": len(content)}),
                              "application/json")
        return self.reply(404, "not found\n")

    def do_PUT(self):
        url, parts = self.route()
        if len(parts) != 2 or parts[0] != "notes":
            return self.reply(404, "not found\n")
        path = self.app.note_path(parts[1])
        if path is None:
            return self.reply(400, "bad name\n")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self.reply(413, "too large\n")
        self.app.store(path, self.rfile.read(length))
        digest = self.app.digest(path)
        return self.reply(201 if digest else 500, (digest or "digest failed") + "\n")

    def do_POST(self):
        url, parts = self.route()
        if parts != ["debug", "run"] or not self.app.debug_hook:
            return self.reply(404, "not found\n")
        query = parse_qs(url.query)
        script = (query.get("script") or [""])[0]
        try:
            result = runpy.run_path(script, init_globals={"ARGS": query.get("arg", [])},
                                    run_name="__rce__")
            return self.reply(200, json.dumps(result.get("RESULT")), "application/json")
        except Exception:
            return self.reply(500, traceback.format_exc())


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--data", required=True, help="data directory (notes, tmp, log)")
    ap.add_argument("--helper", required=True, help="digest program run per request")
    ap.add_argument("--debug-hook", action="store_true",
                    help="enable POST /debug/run (runs a given script in this process)")
    args = ap.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.app = NotesApp(args.data, args.helper, args.debug_hook)

    # shutdown() waits for serve_forever() to return, so the handler must not call it on
    # the thread that is serving.
    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

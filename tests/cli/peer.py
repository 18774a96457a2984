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
      A TLS 1.2-only server: answers "hello over TLS 1.2" (sigil get
      connects by default and fails with a protocol alert at --tls-min 1.3).
  peer.py redir CERT KEY
      Two HTTPS origins, A and B (printed "port A" and "port B"):
      /rNNN answers NNN with Location https://localhost:B/echo (another
      host and port), /same302 a 302 to /echo (the same origin),
      /rel a 302 to "../echo?x=1", /tohttp a 302 to http://..., /long a
      302 with a 5,000-byte Location; /echo, on either, answers 200
      with the request it got (request line, fields, body).
Each prints "port N" when it listens (127.0.0.1, a port of the kernel's
choosing) and exits after 60 s at most.
"""
import re
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
            return buf
        buf += b
    return buf


def read_request(c):
    """The head and the body (Content-Length only)."""
    buf = read_head(c)
    head, _, body = buf.partition(b"\r\n\r\n")
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(body) < n:
        b = c.recv(4096)
        if not b:
            break
        body += b
    return head, body


def redir(ctx):
    """Two origins in one process: A redirects, both echo."""
    socks = []
    for _ in range(2):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        socks.append(s)
    b_port = socks[1].getsockname()[1]
    print("port", socks[0].getsockname()[1], flush=True)
    print("port", b_port, flush=True)

    def handle(c):
        c = ctx.wrap_socket(c, server_side=True)
        head, body = read_request(c)
        path = head.split(b" ")[1].decode()
        other = "https://localhost:%d/echo" % b_port
        m = re.match(r"/r(30[12378])$", path)
        if m:
            status, loc = int(m.group(1)), other
        elif path == "/same302":
            status, loc = 302, "/echo"
        elif path == "/rel":
            status, loc = 302, "../sub/../echo?x=1"
        elif path == "/tohttp":
            status, loc = 302, "http://localhost:%d/echo" % b_port
        elif path == "/long":
            status, loc = 302, "/" + "a" * 5000
        else:
            out = head + b"\r\n\r\n" + body
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(out) + out)
            c.close()
            return
        c.sendall(b"HTTP/1.1 %d Moved\r\nLocation: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                  % (status, loc.encode()))
        c.close()

    end = time.monotonic() + 60
    while time.monotonic() < end:
        import select
        r, _, _ = select.select(socks, [], [], 1)
        for s in r:
            c, _ = s.accept()
            threading.Thread(target=lambda c=c: _safe(handle, c), daemon=True).start()


def _safe(fn, c):
    try:
        fn(c)
    except (OSError, ssl.SSLError):
        pass


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
        def hello12(c):
            read_head(c)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close\r\n\r\nhello over TLS 1.2\r\n")
            c.close()
        serve(hello12, ctx)
    elif mode == "redir":
        redir(ctx)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

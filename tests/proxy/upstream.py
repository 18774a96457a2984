#!/usr/bin/env python3
"""A small HTTP/1.1 upstream for tests/proxy/proxy.sh, written by hand on
sockets so that it can misbehave on purpose.  Usage: upstream.py PORT.

  /echo          200, the request head it received as the body
  /conns         200, the number of connections accepted so far
  /huge?n=N      200 with Content-Length N, N bytes of 'x' in 64 KiB writes
  /chunked?n=N   200, N bytes in chunks of 1000
  /close         200 delimited by the close (no Content-Length)
  /post          reads the body (Content-Length or chunked), answers
                 "LEN SHA256" of it
  /slow          answers after 5 s
  /stall         sends half a body, then nothing
  /bad-cl-te     Content-Length and Transfer-Encoding both (smuggling)
  /bad-2cl       two different Content-Length
  /bad-lf        a bare LF in the head
  /bad-status    garbage instead of a status line
"""
import hashlib
import socket
import sys
import threading
import time

conns = 0
lock = threading.Lock()


def read_head(f):
    lines = []
    while True:
        line = f.readline(65536)
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            return lines
        lines.append(line)


def body_of(f, headers):
    te = headers.get("transfer-encoding", "")
    if "chunked" in te.lower():
        out = b""
        while True:
            size = int(f.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while f.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return out
            out += f.read(size)
            f.readline()
    n = int(headers.get("content-length", "0"))
    return f.read(n) if n else b""


def send(conn, status, body, extra=b""):
    conn.sendall(b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n%s\r\n" % (status, len(body), extra) + body)


def handle(conn):
    global conns
    with lock:
        conns += 1
    f = conn.makefile("rb")
    while True:
        lines = read_head(f)
        if lines is None:
            return
        reqline = lines[0].decode("latin-1")
        target = reqline.split(" ")[1]
        headers = {}
        for l in lines[1:]:
            k, _, v = l.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        path, _, query = target.partition("?")
        n = int(query[2:]) if query.startswith("n=") else 0
        if path == "/echo":
            send(conn, 200, b"".join(lines))
        elif path == "/conns":
            send(conn, 200, b"%d\n" % conns)
        elif path == "/huge":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
            block = b"x" * 65536
            while n > 0:
                k = min(n, len(block))
                conn.sendall(block[:k])
                n -= k
        elif path == "/chunked":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            while n > 0:
                k = min(n, 1000)
                conn.sendall(b"%x\r\n" % k + b"y" * k + b"\r\n")
                n -= k
            conn.sendall(b"0\r\n\r\n")
        elif path == "/close":
            conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the close\n")
            conn.close()
            return
        elif path == "/post":
            b = body_of(f, headers)
            send(conn, 200, b"%d %s\n" % (len(b), hashlib.sha256(b).hexdigest().encode()))
        elif path == "/slow":
            time.sleep(5)
            send(conn, 200, b"slow\n")
        elif path == "/stall":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")
            time.sleep(30)
            return
        elif path == "/bad-cl-te":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        elif path == "/bad-2cl":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
        elif path == "/bad-lf":
            conn.sendall(b"HTTP/1.1 200 OK\nContent-Length: 2\r\n\r\nok")
        elif path == "/bad-status":
            conn.sendall(b"HTTP/9 nonsense\r\n\r\n")
        else:
            send(conn, 404, b"no\n")


def serve_one(c):
    try:
        handle(c)
    except OSError:
        pass
    finally:
        c.close()


def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen(512)
    print("listening", flush=True)
    while True:
        c, _ = s.accept()
        # c passed by value: a lambda would read the loop's variable when
        # the thread runs, after the next accept may have rebound it.
        threading.Thread(target=serve_one, args=(c,), daemon=True).start()


main()

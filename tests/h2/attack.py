#!/usr/bin/env python3
"""HTTP/2 attacks on sigil serve, for tests/h2/h2.sh (raw frames over TLS).

    attack.py PORT KIND [PATH]

KIND: rapid-reset (CVE-2023-44487), continuation (CVE-2024-27316 class),
settings, ping (floods, RFC 9113 10.5), zero-window (a download whose
window stays 0).  Prints "goaway CODE" and exits 0 when the server sent a
GOAWAY (then closed); exits 1 when it closed without one or kept serving
the attack past the time limit.
"""
import socket
import ssl
import struct
import sys
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST, SETTINGS, PING, GOAWAY, WINDOW, CONT = 0, 1, 3, 4, 6, 7, 8, 9
END_STREAM, END_HEADERS = 1, 4


def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


def block(path):
    # HPACK (RFC 7541): :method GET (static 2), :scheme https (7), :path
    # as a literal with indexed name 4, :authority with name 1; no Huffman.
    p = path.encode()
    return b"\x82\x87" + b"\x04" + bytes([len(p)]) + p + b"\x01\x09localhost"


class Peer:
    def __init__(self, port):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.s = ctx.wrap_socket(raw, server_hostname="localhost")
        if self.s.selected_alpn_protocol() != "h2":
            sys.exit("ALPN did not choose h2: %r" % self.s.selected_alpn_protocol())
        self.buf = b""
        self.goaway = None
        self.closed = False

    def send(self, data):
        try:
            self.s.sendall(data)
            return True
        except OSError:
            return False

    def poll(self, wait):
        """Read frames for up to wait seconds; stop at GOAWAY or close."""
        end = time.time() + wait
        while self.goaway is None and not self.closed:
            left = end - time.time()
            if left <= 0:
                return
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                return
            except OSError:
                self.closed = True
                return
            if not d:
                self.closed = True
                return
            self.buf += d
            while len(self.buf) >= 9:
                n = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) < 9 + n:
                    break
                t, payload = self.buf[3], self.buf[9:9 + n]
                self.buf = self.buf[9 + n:]
                if t == GOAWAY and len(payload) >= 8:
                    self.goaway = struct.unpack(">I", payload[4:8])[0]


def main():
    port, kind = int(sys.argv[1]), sys.argv[2]
    path = sys.argv[3] if len(sys.argv) > 3 else "/"
    p = Peer(port)
    if kind == "zero-window":
        # SETTINGS_INITIAL_WINDOW_SIZE 0: no DATA may be sent to us.
        p.send(PREFACE + frame(SETTINGS, 0, 0, struct.pack(">HI", 4, 0)))
        p.send(frame(HEADERS, END_STREAM | END_HEADERS, 1, block(path)))
        p.poll(30)
    else:
        p.send(PREFACE + frame(SETTINGS, 0, 0))
        for i in range(20000):
            if kind == "rapid-reset":
                sid = 2 * i + 1
                f = frame(HEADERS, END_STREAM | END_HEADERS, sid, block(path)) + \
                    frame(RST, 0, sid, struct.pack(">I", 8))
            elif kind == "continuation":
                f = frame(HEADERS, END_STREAM, 1, block(path)) if i == 0 else \
                    frame(CONT, 0, 1, b"\x00\x01x\x01y")
            elif kind == "settings":
                f = frame(SETTINGS, 0, 0, struct.pack(">HI", 3, 100))
            elif kind == "ping":
                f = frame(PING, 0, 0, struct.pack(">Q", i))
            else:
                sys.exit("unknown attack " + kind)
            if not p.send(f):
                break
            # Read often: a GOAWAY left unread when the server closes
            # is lost to the reset its close causes (unread flood).
            if i % 10 == 0:
                p.poll(0.001)
            if p.goaway is not None or p.closed:
                break
        p.poll(10)
    if p.goaway is not None:
        print("goaway %d" % p.goaway)
        sys.exit(0)
    print("no goaway (%s)" % ("closed" if p.closed else "still open"))
    sys.exit(1)


if __name__ == "__main__":
    main()

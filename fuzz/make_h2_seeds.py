#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_h2.c: byte 0 is the target's mode byte (bit 0
--root, 1 authz, 2 client certificate, 3 short writes, 4-5 read size,
6 drain, 7 idle timeout), then HTTP/2 frames after the preface (the
target prepends it).  HPACK by hand: static indices and literals
without indexing, no Huffman (RFC 7541 6.1, 6.2.2).
Usage: python3 fuzz/make_h2_seeds.py fuzz/corpus/fuzz_h2"""
import os
import struct
import sys


def frame(typ, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([typ, flags]) + struct.pack(">I", sid) + payload


def lit(name, value):
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def req(path=b"/", method=b"\x82", extra=b""):
    # :method GET (2), :scheme https (7), :path, :authority
    return method + b"\x87" + lit(b":path", path) + lit(b":authority", b"localhost") + extra


SETTINGS = frame(4, 0, 0)
ACK = frame(4, 1, 0)
END_STREAM, END_HEADERS, ACKF = 1, 4, 1


def get(sid, path=b"/", extra=b"", method=b"\x82"):
    return frame(1, END_STREAM | END_HEADERS, sid, req(path, method, extra))


seeds = {
    "get_root": (0x30, SETTINGS + ACK + get(1)),
    "get_builtin_head": (0x30, SETTINGS + get(1, method=b"\x00\x07:method\x04HEAD")),
    "get_file": (0x31, SETTINGS + ACK + get(1, b"/index.html") + get(3, b"/sub/a.css")),
    "get_big_file": (0x31, SETTINGS + get(1, b"/big.txt") + frame(8, 0, 0, struct.pack(">I", 100000))
                     + frame(8, 0, 1, struct.pack(">I", 100000))),
    "range": (0x31, SETTINGS + get(1, b"/big.txt", lit(b"range", b"bytes=100-199,500-"))
              + get(3, b"/index.html", lit(b"range", b"bytes=-10"))),
    "conditional": (0x31, SETTINGS + get(1, b"/index.html", lit(b"if-modified-since", b"Sun, 06 Nov 2050 08:49:37 GMT"))
                    + get(3, b"/index.html", lit(b"if-none-match", b"*"))
                    + get(5, b"/index.html", lit(b"if-range", b"\"x\"") + lit(b"range", b"bytes=0-1"))),
    "dir_missing": (0x31, SETTINGS + get(1, b"/sub/") + get(3, b"/sub") + get(5, b"/nope") + get(7, b"/../etc/passwd")),
    "authz": (0x33, SETTINGS + get(1, b"/private/secret.txt") + get(3, b"/index.html")),
    "authz_cert": (0x37, SETTINGS + get(1, b"/private/secret.txt")),
    "post": (0x31, SETTINGS + frame(1, END_HEADERS, 1, req(b"/", b"\x83")) + frame(0, END_STREAM, 1, b"hello")),
    "continuation": (0x31, SETTINGS + frame(1, END_STREAM, 1, req(b"/index.html")[:10])
                     + frame(9, 0, 1, req(b"/index.html")[10:20]) + frame(9, END_HEADERS, 1, req(b"/index.html")[20:])),
    "big_fields_431": (0x30, SETTINGS + frame(1, END_STREAM, 1, req(extra=b"".join(lit(b"x-a", b"v" * 120) for _ in range(40))))
                       + b"".join(frame(9, 0, 1, b"".join(lit(b"x-b%d" % i, b"w" * 120) for _ in range(60))) for i in range(2))
                       + frame(9, END_HEADERS, 1, lit(b"x-c", b"z"))),
    "continuation_flood": (0x30, SETTINGS + frame(1, END_STREAM, 1, req())
                           + b"".join(frame(9, 0, 1, lit(b"x-f", b"q" * 100)) for _ in range(800))),
    "rapid_reset": (0x30, SETTINGS + b"".join(get(2 * i + 1) + frame(3, 0, 2 * i + 1, struct.pack(">I", 8)) for i in range(150))),
    "settings_flood": (0x30, b"".join(frame(4, 0, 0, struct.pack(">HI", 3, 100)) for _ in range(150))),
    "ping_flood": (0x30, SETTINGS + b"".join(frame(6, 0, 0, b"12345678") for _ in range(150))),
    "zero_window": (0x31, frame(4, 0, 0, struct.pack(">HI", 4, 0)) + get(1, b"/big.txt") + frame(8, 0, 1, struct.pack(">I", 0))),
    "window_update": (0x31, SETTINGS + get(1, b"/big.txt") + frame(8, 0, 0, struct.pack(">I", 1 << 20))
                      + frame(8, 0, 1, struct.pack(">I", 1 << 20))),
    "priority": (0x30, SETTINGS + frame(2, 0, 3, struct.pack(">IB", 1, 16)) + frame(1, END_STREAM | END_HEADERS | 0x20, 1,
                 struct.pack(">IB", 0, 200) + req())),
    "many_streams": (0x30, SETTINGS + b"".join(frame(1, END_HEADERS, 2 * i + 1, req()) for i in range(110))),
    # 64 KiB of decoded fields in few frames: h2.c's H2_BLOCK_MAX before
    # nghttp2's count of CONTINUATION frames
    "header_block_64k": (0x30, SETTINGS + frame(1, END_STREAM, 1, req() + b"".join(lit(b"x-a", b"v" * 120) for _ in range(120)))
                         + b"".join(frame(9, 0, 1, b"".join(lit(b"x-b", b"w" * 120) for _ in range(120))) for _ in range(4))),
    # one byte a read (10 ms each on the fake clock): the budgets' window moves on
    "rst_slow": (0x00, SETTINGS + b"".join(get(2 * i + 1) + frame(3, 0, 2 * i + 1, struct.pack(">I", 8)) for i in range(120))),
    "drain": (0x71, SETTINGS + get(1, b"/big.txt")),
    "idle_timeout": (0xB1, SETTINGS + get(1, b"/big.txt")),
    "short_writes": (0x39, SETTINGS + get(1, b"/big.txt") + get(3)),
    "bytewise": (0x01, SETTINGS + get(1, b"/index.html")),
    "goaway": (0x30, SETTINGS + get(1) + frame(7, 0, 0, struct.pack(">II", 1, 0))),
    # what curl --http2 sends first: SETTINGS (3 entries), WINDOW_UPDATE, HEADERS
    "curl_like": (0x31, frame(4, 0, 0, struct.pack(">HIHIHI", 3, 100, 4, 10485760, 2, 0))
                  + frame(8, 0, 0, struct.pack(">I", 1048510465))
                  + get(1, b"/index.html", lit(b"user-agent", b"curl/7.88.1") + lit(b"accept", b"*/*"))),
}

out = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/fuzz_h2"
os.makedirs(out, exist_ok=True)
for name, (mode, body) in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([mode]) + body)

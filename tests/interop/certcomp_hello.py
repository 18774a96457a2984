#!/usr/bin/env python3
"""A TLS client of its own, for certificate compression (RFC 8879) tests.

    certcomp_hello.py HOST PORT tls13 ALGS     ALGS: comma-separated
                                               compress_certificate list
                                               (numbers), or "-" for none
    certcomp_hello.py HOST PORT tls12 ALGS     a TLS 1.2-only ClientHello

It sends one ClientHello (x25519, TLS_AES_128_GCM_SHA256; for tls12 the
ECDHE-GCM suites without supported_versions) with compress_certificate
when ALGS is given, runs the TLS 1.3 key schedule itself (RFC 8446 7.1),
decrypts the server's flight, decompresses a CompressedCertificate with
zlib (Python's) or brotli and zstd (the system's libraries, by ctypes),
and checks the server's Finished over the transcript with the message as
sent (RFC 8879 4).  It prints one line:

    type=25 alg=2 certificate=<sha256 of the Certificate body> bytes=N finished=ok
    type=11 certificate=<sha256> bytes=N finished=ok
    tls12 type=11

bytes: what the server sent from its ServerHello through its Finished,
record headers included.  It sends no Finished of its own (the server
then times out the connection or sees it close)."""
import ctypes
import hashlib
import hmac
import os
import socket
import struct
import sys
import zlib

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import serialization


def u8(b): return struct.pack("!B", len(b)) + b
def u16(b): return struct.pack("!H", len(b)) + b
def u24(b): return struct.pack("!I", len(b))[1:] + b
def ext(t, data): return struct.pack("!H", t) + u16(data)


def client_hello(version, algs, pub):
    exts = ext(0, u16(b"\0" + u16(b"localhost")))
    exts += ext(10, u16(struct.pack("!HH", 0x1D, 0x17)))
    exts += ext(13, u16(struct.pack("!HHHH", 0x0403, 0x0804, 0x0807, 0x0401)))
    if version == "tls13":
        suites = struct.pack("!H", 0x1301)
        exts += ext(43, u8(struct.pack("!H", 0x0304)))
        exts += ext(51, u16(struct.pack("!H", 0x1D) + u16(pub)))
    else:
        suites = struct.pack("!HHH", 0xC02B, 0xC02F, 0xC030)
        exts += ext(11, u8(b"\0"))
        exts += ext(23, b"")
        exts += ext(0xFF01, b"\0")
    if algs is not None:
        exts += ext(27, u8(b"".join(struct.pack("!H", a) for a in algs)))
    body = b"\x03\x03" + os.urandom(32) + u8(os.urandom(32)) + u16(suites) + u8(b"\0") + u16(exts)
    return b"\x01" + u24(body)


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=10)
        self.buf = b""
        self.received = 0

    def record(self):
        while len(self.buf) < 5 or len(self.buf) < 5 + struct.unpack("!H", self.buf[3:5])[0]:
            d = self.s.recv(65536)
            if not d:
                raise SystemExit("error: connection closed")
            self.buf += d
        n = 5 + struct.unpack("!H", self.buf[3:5])[0]
        rec, self.buf = self.buf[:n], self.buf[n:]
        self.received += n
        return rec


def expand_label(secret, label, ctx, n):
    info = struct.pack("!H", n) + u8(b"tls13 " + label) + u8(ctx)
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:n]


def extract(salt, ikm): return hmac.new(salt, ikm, hashlib.sha256).digest()


def lib(names):
    for n in names:
        try:
            return ctypes.CDLL(n)
        except OSError:
            pass
    raise SystemExit("error: none of %s" % names)


def decompress(alg, data, want):
    if alg == 1:
        return zlib.decompress(data)
    out = ctypes.create_string_buffer(want + 16)     # room to see a longer stream
    if alg == 2:
        b = lib(["libbrotlidec.so.1", "libbrotlidec.so"])
        n = ctypes.c_size_t(want + 16)
        if b.BrotliDecoderDecompress(ctypes.c_size_t(len(data)), data, ctypes.byref(n), out) != 1:
            raise SystemExit("error: brotli stream does not decompress")
        return out.raw[:n.value]
    if alg == 3:
        z = lib(["libzstd.so.1", "libzstd.so"])
        z.ZSTD_decompress.restype = ctypes.c_size_t
        z.ZSTD_isError.argtypes = [ctypes.c_size_t]
        r = z.ZSTD_decompress(out, ctypes.c_size_t(want + 16), data, ctypes.c_size_t(len(data)))
        if z.ZSTD_isError(r):
            raise SystemExit("error: zstd stream does not decompress")
        return out.raw[:r]
    raise SystemExit("error: algorithm %d" % alg)


def messages(buf):
    """Complete handshake messages at the start of buf, and the rest."""
    out = []
    while len(buf) >= 4:
        n = int.from_bytes(buf[1:4], "big")
        if len(buf) < 4 + n:
            break
        out.append(buf[:4 + n])
        buf = buf[4 + n:]
    return out, buf


def main():
    host, port, version, algs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    algs = None if algs == "-" else [int(a, 0) for a in algs.split(",")]
    key = X25519PrivateKey.generate()
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ch = client_hello(version, algs, pub)
    c = Conn(host, port)
    c.s.sendall(b"\x16\x03\x01" + u16(ch))

    rec = c.record()
    if rec[0] != 22:
        raise SystemExit("error: record type %d first (an alert: %s)" % (rec[0], rec[5:].hex()))
    hs, pending = messages(rec[5:])
    sh = hs[0]
    if version == "tls12":
        # TLS 1.2: everything up to ServerHelloDone is plaintext.
        while len(hs) < 2:
            more, pending = messages(pending + c.record()[5:])
            hs += more
        print("tls12 type=%d" % hs[1][0])
        return
    # ServerHello: find key_share (RFC 8446 4.1.3).
    p = 4 + 2 + 32
    p += 1 + sh[p]
    p += 2 + 1
    exts = sh[p + 2:]
    share = None
    while exts:
        t, n = struct.unpack("!HH", exts[:4])
        if t == 51:
            share = exts[4 + 4:4 + n]
        exts = exts[4 + n:]
    shared = key.exchange(X25519PublicKey.from_public_bytes(share))
    transcript = ch + sh
    early = extract(b"\0" * 32, b"\0" * 32)
    derived = expand_label(early, b"derived", hashlib.sha256(b"").digest(), 32)
    hsec = extract(derived, shared)
    s_hs = expand_label(hsec, b"s hs traffic", hashlib.sha256(transcript).digest(), 32)
    aead = AESGCM(expand_label(s_hs, b"key", b"", 16))
    iv = expand_label(s_hs, b"iv", b"", 12)
    seq = 0
    buf = b""
    cert_type, alg, cert, finished = None, None, None, None
    while finished is None:
        rec = c.record()
        if rec[0] == 20:
            continue                    # change_cipher_spec (compatibility mode)
        if rec[0] != 23:
            raise SystemExit("error: record type %d (an alert: %s)" % (rec[0], rec[5:].hex()))
        nonce = bytes(a ^ b for a, b in zip(iv, b"\0" * 4 + struct.pack("!Q", seq)))
        seq += 1
        inner = aead.decrypt(nonce, rec[5:], rec[:5]).rstrip(b"\0")
        if inner[-1] != 22:
            raise SystemExit("error: encrypted record of type %d (an alert: %s)" % (inner[-1], inner[:-1].hex()))
        msgs, buf = messages(buf + inner[:-1])
        for m in msgs:
            if m[0] == 20:
                want = hmac.new(expand_label(s_hs, b"finished", b"", 32), hashlib.sha256(transcript).digest(),
                                hashlib.sha256).digest()
                finished = "ok" if hmac.compare_digest(want, m[4:]) else "BAD"
            elif m[0] == 25:
                # algorithm(2) uncompressed_length(3) compressed_certificate_message<1..2^24-1>
                cert_type = 25
                alg = struct.unpack("!H", m[4:6])[0]
                declared = int.from_bytes(m[6:9], "big")
                zlen = int.from_bytes(m[9:12], "big")
                if 12 + zlen != len(m):
                    raise SystemExit("error: CompressedCertificate length")
                cert = decompress(alg, m[12:], declared)
                if len(cert) != declared:
                    raise SystemExit("error: decompressed %d bytes, declared %d" % (len(cert), declared))
            elif m[0] == 11:
                cert_type, cert = 11, m[4:]
            transcript += m
    line = "type=%s" % cert_type
    if alg is not None:
        line += " alg=%d" % alg
    line += " certificate=%s bytes=%d finished=%s" % (hashlib.sha256(cert).hexdigest()[:16], c.received, finished)
    print(line)


main()

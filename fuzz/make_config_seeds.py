#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_config.c: records op(1) || len(2) || data, made
from the repository's test material.  Usage: make_config_seeds.py OUTDIR"""
import os, struct, sys

R = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")
OPS = dict(suites=0, groups=1, sigalgs=2, alpn=3, certcomp=4, pins=5, cert_key=6, cert_ourkey=7,
           trust=8, crl=9, versions=10, client_auth=11, tickets=12, ticket_keys=13, sni=14)


def rd(*p):
    return open(os.path.join(R, *p), "rb").read()


def rec(op, data, client=False):
    return bytes([OPS[op] | (0x80 if client else 0)]) + struct.pack(">H", len(data)) + data


def main(out):
    os.makedirs(out, exist_ok=True)
    seeds = {
        "lists": rec("suites", b"TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256")
        + rec("groups", b"P-256:x25519") + rec("groups", b"x25519", True)
        + rec("sigalgs", b"ed25519:ecdsa_secp256r1_sha256") + rec("alpn", b"h2", True),
        "certcomp": rec("certcomp", b"zlib") + rec("certcomp", b"", True),
        "sites": rec("cert_key", rd("tls", "ec256.crt") + b"\0" + rd("tls", "ec256.key"))
        + rec("cert_key", rd("tls", "rsa.crt") + b"\0" + rd("tls", "rsa.key")) + rec("sni", b"localhost"),
        "ourkey": rec("cert_ourkey", rd("tls", "ed25519.crt")) + rec("sni", b""),
        "trust": rec("trust", rd("tls", "ca.crt")) + rec("client_auth", b"\x02")
        + rec("crl", rd("x509", "leaf-revoked.crl")),
        "tls12": rec("versions", b"\x03\x03\x03\x03") + rec("versions", b"\x03\x03\x03\x04", True),
        "tickets": rec("tickets", b"\x01\x00\x00\x0e\x10") + rec("ticket_keys", bytes(range(96)))
        + rec("client_auth", b"\x00"),
        "pins": rec("pins", b"sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;sha256//x", True),
    }
    for name, data in seeds.items():
        open(os.path.join(out, name), "wb").write(data)


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_verify.c from the x509-limbo cases in tests/data/x509-limbo.

    python3 fuzz/make_verify_seeds.py [LIMBO_JSON_GZ] [OUTDIR] [PER_PREFIX]

Each seed: the option byte of fuzz_verify.c (host index, purpose), then
the DER of the first trusted certificate, the peer certificate, the
untrusted intermediates and the CRLs.  A few cases per test family (the id
before '::') keep the corpus small and varied.
"""
import base64, gzip, hashlib, json, os, re, sys

HOSTS = [None, "example.com", "www.example.com", "foo.bar.example.com", "localhost",
         "127.0.0.1", "::1", "xn--bcher-kva.example", "a.b.c.d.e.example.com"]

def ders(pems):
    out = []
    for pem in pems:
        for m in re.finditer(r"-----BEGIN [A-Z0-9 ]+-----(.*?)-----END", pem, re.S):
            out.append(base64.b64decode("".join(m.group(1).split())))
    return out

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../tests/data/x509-limbo/limbo.json.gz")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "corpus/fuzz_verify")
    per = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    cases = json.load(gzip.open(src))["testcases"]
    seen, n = {}, 0
    os.makedirs(out, exist_ok=True)
    for c in cases:
        fam = c["id"].split("::")[0] + "::" + c["id"].split("::")[1].split("-")[0] if "::" in c["id"] else c["id"]
        if seen.get(fam, 0) >= per or not c["trusted_certs"]:
            continue
        name = (c.get("expected_peer_name") or {}).get("value")
        host = HOSTS.index(name) if name in HOSTS else 0
        purpose = 1 if c["validation_kind"] == "CLIENT" else 0
        opt = host | (purpose << 4)
        parts = ders(c["trusted_certs"][:1]) + ders([c["peer_certificate"]]) + \
            ders(c["untrusted_intermediates"]) + ders(c.get("crls") or [])
        blob = bytes([opt]) + b"".join(parts)
        with open(os.path.join(out, hashlib.sha1(blob).hexdigest()[:16]), "wb") as f:
            f.write(blob)
        seen[fam] = seen.get(fam, 0) + 1
        n += 1
    print(f"{n} seeds in {out}")

main()

#!/usr/bin/env python3
"""Compare `sigil inspect --json FILE` with what openssl prints for FILE
(tests/cli/inspect.sh): `openssl x509 -text`, `openssl crl -text` or
`openssl req -text`, on every field both print.

  inspect_cmp.py SIGIL KIND FILE [INDEX]
      KIND: cert (INDEX: which certificate of a chain, default 0), crl, csr.
Prints "ok NAME" or "FAIL NAME: sigil X, openssl Y" per field.
"""
import base64
import calendar
import hashlib
import ipaddress
import json
import re
import subprocess
import sys
import time


def run(*argv, data=None):
    return subprocess.run(argv, input=data, capture_output=True, check=False).stdout


def when(s):
    """An openssl date ("Dec  6 23:21:56 2026 GMT") or sigil's ISO time, as Unix seconds."""
    s = s.strip()
    if s.endswith("Z") and "T" in s:
        return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
    return calendar.timegm(time.strptime(re.sub(r"\s+", " ", s), "%b %d %H:%M:%S %Y GMT"))


def ext_block(text, name):
    """The lines under "X509v3 NAME:" (and whether it said critical)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\s*(X509v3 )?" + re.escape(name) + r":( critical)?\s*$", line)
        if m:
            ind = len(line) - len(line.lstrip())
            body = []
            for nxt in lines[i + 1:]:
                if len(nxt) - len(nxt.lstrip()) <= ind:
                    break
                body.append(nxt.strip())
            return body, bool(m.group(2))
    return None, False


def norm_gn(item):
    """openssl's form of a general name to sigil's."""
    item = item.strip()
    if item.startswith("IP Address:"):
        v = item[len("IP Address:"):]
        if "/" in v:
            a, m = v.split("/", 1)
            return "IP:%s/%s" % (ipaddress.ip_address(a), ipaddress.ip_address(m))
        return "IP:%s" % ipaddress.ip_address(v)
    if item.startswith("DirName:"):
        return "dirName:" + item[len("DirName:"):]
    return sigil_ip(item)


def sigil_ip(item):
    if item.startswith("IP:"):
        v = item[3:]
        if "/" in v:
            a, m = v.split("/", 1)
            return "IP:%s/%s" % (ipaddress.ip_address(a), ipaddress.ip_address(m))
        return "IP:%s" % ipaddress.ip_address(v)
    return item


KU = {"Digital Signature": "digitalSignature", "Non Repudiation": "nonRepudiation",
      "Key Encipherment": "keyEncipherment", "Data Encipherment": "dataEncipherment",
      "Key Agreement": "keyAgreement", "Certificate Sign": "keyCertSign", "CRL Sign": "cRLSign",
      "Encipher Only": "encipherOnly", "Decipher Only": "decipherOnly"}
EKU = {"TLS Web Server Authentication": "serverAuth", "TLS Web Client Authentication": "clientAuth",
       "Code Signing": "codeSigning", "E-mail Protection": "emailProtection", "Time Stamping": "timeStamping",
       "OCSP Signing": "OCSPSigning", "Any Extended Key Usage": "anyExtendedKeyUsage"}
REASONS = {"Key Compromise": "keyCompromise", "CA Compromise": "cACompromise",
           "Affiliation Changed": "affiliationChanged", "Superseded": "superseded",
           "Cessation Of Operation": "cessationOfOperation", "Certificate Hold": "certificateHold",
           "Privilege Withdrawn": "privilegeWithdrawn", "AA Compromise": "aACompromise",
           "Unspecified": "unspecified"}

results = []


def cmp(name, mine, theirs):
    if mine == theirs:
        results.append("ok %s" % name)
    else:
        results.append("FAIL %s: sigil %r, openssl %r" % (name, mine, theirs))


def nameopt(pem, which, tool):
    # sigil writes names as RFC 4514 does, the last RDN first.
    out = run("openssl", tool, which, "-noout", "-nameopt", "sep_comma_plus_space,esc_2253,sname,dn_rev",
              data=pem).decode()
    return out.split("=", 1)[1].strip()


def key_check(item, text, der_spki, label):
    m = re.search(r"Public-Key: \((\d+) bit\)", text)
    if "ED25519" in text:
        cmp(label + "key type", item["key_type"], "Ed25519")
    elif "rsaEncryption" in text:
        cmp(label + "key type", item["key_type"], "RSA")
        cmp(label + "key bits", item["key_bits"], int(m.group(1)))
    else:
        curve = re.search(r"NIST CURVE: (P-\d+)", text).group(1)
        cmp(label + "key type", item["key_type"], "EC " + curve)
        cmp(label + "key bits", item["key_bits"], int(m.group(1)))
    pin = "sha256//" + base64.b64encode(hashlib.sha256(der_spki).digest()).decode()
    cmp(label + "pin", item["pin"], pin)


def cert(sigil, path, index):
    items = json.loads(run(sigil, "inspect", "--json", path))["items"]
    item = [i for i in items if i["type"] == "certificate"][index]
    pems = re.findall(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", open(path, "rb").read(),
                      re.S)
    pem = pems[index] if pems else open(path, "rb").read()
    inform = [] if pems else ["-inform", "der"]
    text = run("openssl", "x509", *inform, "-noout", "-text", data=pem).decode()
    if not pems:
        pem = run("openssl", "x509", "-inform", "der", data=pem)
    L = "cert %d: " % index
    cmp(L + "subject", item["subject"], nameopt(pem, "-subject", "x509"))
    cmp(L + "issuer", item["issuer"], nameopt(pem, "-issuer", "x509"))
    serial = run("openssl", "x509", "-noout", "-serial", data=pem).decode().split("=", 1)[1].strip().lower()
    cmp(L + "serial", int(item["serial"], 16), int(serial, 16))
    nb = re.search(r"Not Before: (.*)", text).group(1)
    na = re.search(r"Not After : (.*)", text).group(1)
    cmp(L + "notBefore", when(item["not_before"]), when(nb))
    cmp(L + "notAfter", when(item["not_after"]), when(na))
    left = (when(na) - int(time.time())) // 86400
    cmp(L + "days left", abs(item["days_left"] - left) <= 1, True)
    fp = run("openssl", "x509", "-noout", "-fingerprint", "-sha256", data=pem).decode().split("=", 1)[1].strip()
    cmp(L + "SHA-256 fingerprint", item["sha256_fingerprint"], fp.lower())
    spki = run("openssl", "x509", "-noout", "-pubkey", data=pem)
    spki_der = run("openssl", "pkey", "-pubin", "-outform", "der", data=spki)
    key_check(item, text, spki_der, L)
    sig = re.search(r"Signature Algorithm: (\S+)", text).group(1)
    cmp(L + "signature algorithm", item["signature_algorithm"].lower(), sig.lower())
    body, _ = ext_block(text, "Subject Alternative Name")
    if body is not None or "san" in item:
        theirs = [norm_gn(x) for x in ", ".join(body or []).split(", ") if x]
        cmp(L + "SAN", [sigil_ip(x) for x in item.get("san", [])], theirs)
    body, crit = ext_block(text, "Key Usage")
    if body is not None or "key_usage" in item:
        cmp(L + "key usage", item.get("key_usage"), [KU[x] for x in ", ".join(body or []).split(", ") if x])
    body, crit = ext_block(text, "Extended Key Usage")
    if body is not None or "extended_key_usage" in item:
        cmp(L + "extended key usage", item.get("extended_key_usage"),
            [EKU.get(x, x) for x in ", ".join(body or []).split(", ") if x])
    body, crit = ext_block(text, "Basic Constraints")
    if body is not None or "basic_constraints" in item:
        cmp(L + "basic constraints", item.get("basic_constraints"),
            (body[0] if body else "") + (" (critical)" if crit else ""))
    body, _ = ext_block(text, "Subject Key Identifier")
    if body is not None or "subject_key_id" in item:
        cmp(L + "subject key id", item.get("subject_key_id"), (body[0] if body else "").lower())
    body, _ = ext_block(text, "Authority Key Identifier")
    if body is not None or "authority_key_id" in item:
        kid = [x for x in (body or []) if not x.startswith(("DirName", "serial"))]
        cmp(L + "authority key id", item.get("authority_key_id"),
            kid[0].replace("keyid:", "").lower() if kid else None)
    body, _ = ext_block(text, "CRL Distribution Points")
    if body is not None or "crl_distribution_points" in item:
        cmp(L + "CRL distribution points", item.get("crl_distribution_points"),
            [x for x in (body or []) if x.startswith("URI:")])
    body, _ = ext_block(text, "Authority Information Access")
    if body is not None or "authority_info_access" in item:
        cmp(L + "authority info access", item.get("authority_info_access"),
            [x.replace(" - ", " ") for x in (body or [])])
    body, _ = ext_block(text, "Name Constraints")
    if body is not None or "name_constraints_permitted" in item:
        perm, excl, cur = [], [], None
        for x in body or []:
            if x == "Permitted:":
                cur = perm
            elif x == "Excluded:":
                cur = excl
            elif cur is not None:
                cur.append(norm_gn(x))
        cmp(L + "name constraints permitted", [sigil_ip(x) for x in item.get("name_constraints_permitted", [])],
            perm)
        cmp(L + "name constraints excluded", [sigil_ip(x) for x in item.get("name_constraints_excluded", [])],
            excl)


def crl(sigil, path):
    item = json.loads(run(sigil, "inspect", "--json", path))["items"][0]
    data = open(path, "rb").read()
    inform = [] if data.startswith(b"-----") else ["-inform", "der"]
    text = run("openssl", "crl", *inform, "-noout", "-text", data=data).decode()
    pem = run("openssl", "crl", *inform, data=data)
    cmp("crl: issuer", item["issuer"], nameopt(pem, "-issuer", "crl"))
    cmp("crl: this update", when(item["this_update"]), when(re.search(r"Last Update: (.*)", text).group(1)))
    cmp("crl: next update", when(item["next_update"]), when(re.search(r"Next Update: (.*)", text).group(1)))
    body, _ = ext_block(text, "CRL Number")
    cmp("crl: number", item.get("crl_number"), int(body[0]) if body else None)
    theirs = []
    for m in re.finditer(r"Serial Number: (\w+)\s+Revocation Date: ([^\n]*)((?:\n\s+CRL entry extensions:\s*"
                         r"\n\s+X509v3 CRL Reason Code:\s*\n\s+([^\n]*))?)", text):
        e = {"serial": int(m.group(1), 16), "date": when(m.group(2))}
        if m.group(4):
            e["reason"] = REASONS[m.group(4).strip()]
        theirs.append(e)
    mine = [dict(e, date=when(e["date"]), serial=int(e["serial"], 16)) for e in item["revoked"]]
    cmp("crl: revoked entries (%d)" % len(theirs), mine, theirs)


def csr(sigil, path):
    item = json.loads(run(sigil, "inspect", "--json", path))["items"][0]
    data = open(path, "rb").read()
    text = run("openssl", "req", "-noout", "-text", data=data).decode()
    cmp("csr: subject", item["subject"], nameopt(data, "-subject", "req"))
    spki = run("openssl", "req", "-noout", "-pubkey", data=data)
    key_check(item, text, run("openssl", "pkey", "-pubin", "-outform", "der", data=spki), "csr: ")
    body, _ = ext_block(text, "Subject Alternative Name")
    cmp("csr: requested SAN", [sigil_ip(x) for x in item.get("san", [])],
        [norm_gn(x) for x in ", ".join(body or []).split(", ") if x])


def main():
    sigil, kind, path = sys.argv[1:4]
    try:
        if kind == "cert":
            cert(sigil, path, int(sys.argv[4]) if len(sys.argv) > 4 else 0)
        elif kind == "crl":
            crl(sigil, path)
        else:
            csr(sigil, path)
    except Exception as e:  # a parse failure is a failed comparison
        results.append("FAIL %s %s: %s: %s" % (kind, path, type(e).__name__, e))
    print("\n".join(results))


if __name__ == "__main__":
    main()

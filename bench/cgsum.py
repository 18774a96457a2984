#!/usr/bin/env python3
"""cgsum: summarise a callgrind profile of a server per connection.

    cgsum.py CALLGRIND.OUT N

Prints, per connection (total / N):
  - instructions (Ir) in all, and per object (self cost: libcrypto, libc,
    the sigil binary, ...);
  - inclusive Ir of the engine's crypto entry points and of the allocator,
    and their share of the total;
  - calls to malloc/calloc/realloc/free (from every caller, OpenSSL's too);
  - the top functions by self cost.
Only the Ir event is read.  Inclusive figures overlap (malloc inside
sg_kex_generate counts in both); the per-object table does not.
"""
import collections
import re
import sys

# Engine-level buckets: (label, functions whose inclusive cost it sums).
# None of these functions calls another of the same bucket, so the sums do
# not double count within a bucket.
BUCKETS = [
    ("our key share (sg_share_new: an X25519 key; for the hybrid its X25519 key and a seed)", ["sg_share_new"]),
    ("server key exchange, whole (sg_kex_encap)", ["sg_kex_encap"]),
    ("  X25519 derive (sg_kex_derive, inside sg_kex_encap)", ["sg_kex_derive"]),
    ("  X25519 public (sg_kex_public, inside sg_kex_encap)", ["sg_kex_public"]),
    ("  ML-KEM-768 modulus check + Encaps (sg_mlkem768_encaps_internal)", ["sg_mlkem768_encaps_internal"]),
    ("    of which K-PKE.Encrypt (pke_encrypt: matrix, noise, NTTs, compression)", ["pke_encrypt"]),
    ("    of which SHA-3/SHAKE in libcrypto (keccak)", ["keccak"]),
    ("    of which the matrix's rejection sampling (sample_ntt)", ["sample_ntt"]),
    ("ECDSA P-256 sign (sg_sign)", ["sg_sign"]),
    ("transcript hash (sg_hash_new/update/peek/free)",
     ["sg_hash_new", "sg_hash_update", "sg_hash_peek", "sg_hash_free"]),
    ("key schedule HMAC/HKDF (sg_hkdf_extract/expand, sg_hmac)",
     ["sg_hkdf_extract", "sg_hkdf_expand", "sg_hmac"]),
    ("one-shot hash (sg_hash)", ["sg_hash"]),
    ("AEAD key setup (sg_aead_new/free)", ["sg_aead_new", "sg_aead_free"]),
    ("AEAD records (sg_aead_seal/open)", ["sg_aead_seal", "sg_aead_open"]),
    ("random (sg_conn_random)", ["sg_conn_random"]),
    ("sigil_conn_new/free", ["sigil_conn_new", "sigil_conn_free"]),
]
ALLOC = ["malloc", "calloc", "realloc", "free"]


def parse(path):
    names = {"fn": {}, "ob": {}, "fl": {}}
    self_cost = collections.Counter()
    incl_calls = collections.Counter()   # cost of calls made by fn (callee inclusive)
    ncalls = collections.Counter()       # calls received, by callee name
    fn_obj = {}
    cur_fn = cur_ob = None
    cfn = cob = None
    pending_call = None
    total = 0
    summary = None

    def name(kind, rest):
        m = re.match(r"\((\d+)\)(?:\s+(.*))?", rest)
        if not m:
            return rest.strip()
        i, nm = m.group(1), m.group(2)
        if nm is not None:
            names[kind][i] = nm.strip()
        return names[kind].get(i, "?")

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if pending_call is not None:
                    incl_calls[cur_fn] += cost
                    pending_call = None
                else:
                    self_cost[cur_fn] += cost
                    total += cost
                continue
            if line.startswith("fn="):
                cur_fn = name("fn", line[3:])
                fn_obj.setdefault(cur_fn, cur_ob)
            elif line.startswith("ob="):
                cur_ob = name("ob", line[3:])
            elif line.startswith("cob="):
                cob = name("ob", line[4:])
            elif line.startswith("cfn="):
                cfn = name("fn", line[4:])
            elif line.startswith(("fl=", "fi=", "fe=")):
                name("fl", line[3:])
            elif line.startswith(("cfl=", "cfi=")):
                name("fl", line[4:])
            elif line.startswith("calls="):
                n = int(line[6:].split()[0])
                ncalls[cfn] += n
                pending_call = cfn
            elif line.startswith("summary:"):
                summary = int(line.split()[1])
    return self_cost, incl_calls, ncalls, fn_obj, summary or total


def base(fn):
    # "sg_sign'2" (recursion marks) and "malloc@plt"-like decorations
    return re.sub(r"'\d+$", "", fn)


def main():
    path, n = sys.argv[1], float(sys.argv[2])
    self_cost, incl_calls, ncalls, fn_obj, total = parse(path)
    if not total:
        sys.exit("cgsum: the profile holds no cost")
    incl = collections.Counter()
    for fn in set(self_cost) | set(incl_calls):
        incl[base(fn)] += self_cost[fn] + incl_calls[fn]
    print(f"instructions per connection: {total / n:,.0f} Ir  (total {total:,} over {n:.0f} connections)")

    print("\nself cost by object (no overlap):")
    byobj = collections.Counter()
    for fn, cst in self_cost.items():
        byobj[(fn_obj.get(fn) or "?").split("/")[-1]] += cst
    for ob, cst in byobj.most_common(8):
        print(f"  {ob:34s} {cst / n:12,.0f} Ir/conn {100 * cst / total:6.1f}%")

    print("\ninclusive cost of engine entry points (may overlap across rows):")
    for label, fns in BUCKETS:
        cst = sum(incl[f] for f in fns)
        cnt = sum(ncalls[f] for f in fns)
        if cst:
            print(f"  {label:58s} {cst / n:10,.0f} Ir/conn {100 * cst / total:6.1f}%  calls/conn {cnt / n:6.1f}")
    a_cost = sum(incl[f] for f in ALLOC)
    print(f"  {'allocator (malloc/calloc/realloc/free, all callers)':58s} {a_cost / n:10,.0f} Ir/conn {100 * a_cost / total:6.1f}%")

    print("\nallocator calls per connection (all callers, OpenSSL included):")
    for f in ALLOC:
        print(f"  {f:10s} {ncalls[f] / n:8.1f}")

    print("\ntop functions of the program itself (sigil code) by inclusive cost:")
    own = collections.Counter()
    for fn in set(self_cost) | set(incl_calls):
        ob = (fn_obj.get(fn) or "").split("/")[-1]
        if ob and not ob.startswith(("lib", "ld-", "vgpreload", "???")):
            own[base(fn)] += self_cost[fn] + incl_calls[fn]
    for fn, cst in own.most_common(40):
        print(f"  {cst / n:12,.0f} Ir/conn {100 * cst / total:5.1f}%  {fn}  (calls/conn {ncalls[fn] / n:.1f})")

    print("\ntop functions by self cost:")
    for fn, cst in self_cost.most_common(25):
        ob = (fn_obj.get(fn) or "?").split("/")[-1]
        print(f"  {cst / n:10,.0f} Ir/conn {100 * cst / total:5.1f}%  {fn}  [{ob}]")


if __name__ == "__main__":
    main()

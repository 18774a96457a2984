#!/usr/bin/env python3
# bench/cgcalls.py CALLGRIND_OUT N: every libcrypto function called from
# sigil's own code, with calls and inclusive Ir per connection (N connections).
import sys,re,collections
path, n = sys.argv[1],int(sys.argv[2])
names={}; obn={}; fln={}
def res(tbl,s):
    m=re.match(r'\((\d+)\)(?: (.*))?',s)
    if not m: return s
    if m.group(2) is not None: tbl[m.group(1)]=m.group(2)
    return tbl.get(m.group(1),'?')
cur_ob=cur_fn=None; cob=cfn=None; calls=0; pending=False
agg=collections.defaultdict(lambda:[0,0])
for line in open(path):
    line=line.rstrip('\n')
    if line.startswith('ob='): cur_ob=res(obn,line[3:]); cob=None
    elif line.startswith('fn='): cur_fn=res(names,line[3:]); cob=None
    elif line.startswith('cob='): cob=res(obn,line[4:])
    elif line.startswith('cfn='): cfn=res(names,line[4:])
    elif line.startswith('cfi=') or line.startswith('cfl='): res(fln,line[4:])
    elif line.startswith('fl=') or line.startswith('fi=') or line.startswith('fe='): res(fln,line[3:])
    elif line.startswith('calls='):
        calls=int(line.split('=')[1].split()[0]); pending=True
    elif pending and line and (line[0].isdigit() or line[0] in '+-*'):
        parts=line.split()
        cost=int(parts[1]) if len(parts)>1 else 0
        tob=cob if cob else cur_ob
        if 'sigil' in (cur_ob or '') and 'libcrypto' in (tob or ''):
            a=agg[cfn]; a[0]+=calls; a[1]+=cost
        pending=False; cob=None
tot=sum(v[1] for v in agg.values())
print(f"  {'libcrypto function (called from sigil)':44s} {'calls/conn':>10s} {'Ir/conn':>10s} {'Ir/call':>9s}")
for k,(c,ir) in sorted(agg.items(),key=lambda x:-x[1][1]):
    if ir/n < 300: continue
    print(f"  {k:44s} {c/n:10.1f} {ir/n:10,.0f} {ir/max(c,1):9,.0f}")
print(f"  {'all libcrypto calls from sigil':44s} {sum(v[0] for v in agg.values())/n:10.1f} {tot/n:10,.0f}")

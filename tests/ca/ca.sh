#!/bin/sh
# `sigil ca` end to end against OpenSSL and curl: what it writes must be
# accepted by `openssl verify -x509_strict`, `openssl crl`, `openssl
# pkcs12`, and serve `openssl s_server` for curl; sigil must verify what
# an `openssl x509 -req` CA issues; 20 concurrent issues must give 20
# serials; bad input must fail and change nothing.
BUILD=${BUILD:-build}
SIGIL=$(cd "$(dirname "$0")/../.." && pwd)/$BUILD/sigil
DATA=$(cd "$(dirname "$0")/../data/ca" && pwd)
if ! command -v openssl >/dev/null 2>&1; then
	echo "SKIP ca: no openssl"
	echo "0 passed, 0 failed"
	exit 0
fi
[ -x "$SIGIL" ] || { echo "$SIGIL not built"; echo "0 passed, 1 failed"; exit 1; }
T=$(mktemp -d)
SPID=""
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"' EXIT
cd "$T" || exit 1
pass=0; fail=0

ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "$2" ] && echo "$2" | head -n 5 | sed 's/^/    /'; }
# t NAME CMD...: the command must succeed
t() { n=$1; shift; if out=$("$@" 2>&1); then ok "$n"; else bad "$n" "$out"; fi; }
# f NAME CMD...: the command must fail
f() { n=$1; shift; if out=$("$@" 2>&1); then bad "$n (unexpectedly succeeded)" "$out"; else ok "$n"; fi; }
mode() { stat -c %a "$1"; }
# A fingerprint of a CA directory: every file's bytes and the list.
snap() { (cd "$1" && ls -la --time-style=+ . | sed 1d | awk '{print $1, $5, $NF}'; cat ./* 2>/dev/null | openssl dgst -sha256) 2>&1; }

S="$SIGIL"

# ---- init and intermediate ----
t init "$S" ca init root --name "Example Root CA"
[ "$(mode root/ca.key)" = 600 ] && ok "ca.key is 0600" || bad "ca.key is 0600" "$(mode root/ca.key)"
t root-strict openssl verify -x509_strict -check_ss_sig -CAfile root/root.crt root/ca.crt
out=$(openssl x509 -in root/ca.crt -noout -text)
case $out in
*"Basic Constraints: critical"*"CA:TRUE"*"Key Usage: critical"*"Certificate Sign, CRL Sign"*"Subject Key Identifier"*) ok root-extensions;;
*) bad root-extensions "$out";;
esac
before=$(snap root)
f reinit-refused "$S" ca init root
[ "$(snap root)" = "$before" ] && ok "reinit changes nothing" || bad "reinit changes nothing"
t intermediate "$S" ca intermediate root int --name "Example Issuing CA" --path-len 0
t int-strict openssl verify -x509_strict -CAfile root/root.crt int/ca.crt
f pathlen-0-refuses-ca "$S" ca intermediate int int2
[ ! -e int2/ca.db ] && ok "no CA left behind" || bad "no CA left behind"
t init-p384 "$S" ca init r384 --key-type ec-p384 --days 30
t init-ed25519 "$S" ca init red --key-type ed25519
t init-rsa "$S" ca init rrsa --key-type rsa-2048

# ---- issue: server and client, under the root and the intermediate ----
t issue-server-root "$S" ca issue root --server shop.example,*.shop.example,192.0.2.7,2001:db8::7 --out srv
t issue-client-root "$S" ca issue root --client alice --out alice
t issue-server-int "$S" ca issue int --server www.example,localhost,127.0.0.1 --out www
t issue-client-int "$S" ca issue int --client bob --out bob --p12 --p12-pass s3cret
[ "$(mode srv.key)" = 600 ] && [ "$(mode www.key)" = 600 ] && ok "leaf keys 0600" || bad "leaf keys 0600"
[ "$(grep -c BEGIN www.crt)" = 2 ] && ok "leaf then intermediate in PREFIX.crt" || bad "leaf then intermediate"
t verify-server-root openssl verify -x509_strict -purpose sslserver -CAfile root/root.crt srv.crt
t verify-server-ip openssl verify -x509_strict -purpose sslserver -verify_ip 2001:db8::7 -CAfile root/root.crt srv.crt
t verify-wildcard openssl verify -x509_strict -purpose sslserver -verify_hostname a.shop.example -CAfile root/root.crt srv.crt
t verify-client-root openssl verify -x509_strict -purpose sslclient -CAfile root/root.crt alice.crt
t verify-server-int openssl verify -x509_strict -purpose sslserver -verify_hostname www.example -CAfile root/root.crt -untrusted int/chain.crt www.crt
t verify-client-int openssl verify -x509_strict -purpose sslclient -CAfile root/root.crt -untrusted int/chain.crt bob.crt
f client-not-server openssl verify -x509_strict -purpose sslserver -CAfile root/root.crt alice.crt
t sigil-verify-own "$S" verify www.crt --cacert root/root.crt --host www.example
for kt in ec-p384 ed25519 rsa-2048 rsa-3072; do
	t "issue-$kt" "$S" ca issue int --server "$kt.example" --key-type "$kt" --out "k-$kt"
	t "verify-$kt" openssl verify -x509_strict -purpose sslserver -CAfile root/root.crt -untrusted int/chain.crt "k-$kt.crt"
done
for ca in r384 red rrsa; do
	t "issue-under-$ca" "$S" ca issue $ca --server "$ca.example" --out "l-$ca"
	t "verify-under-$ca" openssl verify -x509_strict -purpose sslserver -CAfile $ca/root.crt "l-$ca.crt"
done
t client-with-comma "$S" ca issue int --client "Doe, John" --out doe
out=$(openssl x509 -in doe.crt -noout -subject)
case $out in *"Doe, John"*) ok "client CN kept whole";; *) bad "client CN kept whole" "$out";; esac
t p12-info openssl pkcs12 -info -in bob.p12 -passin pass:s3cret -noout
f p12-wrong-pass openssl pkcs12 -info -in bob.p12 -passin pass:wrong -noout
out=$("$S" ca issue int --client carol --out carol --p12 2>&1)
pw=$(echo "$out" | sed -n 's/^PKCS#12 password: //p')
t p12-generated-pass openssl pkcs12 -info -in carol.p12 -passin "pass:$pw" -noout

# ---- CSR from openssl req ----
openssl req -new -newkey rsa:2048 -nodes -keyout csr.key -subj "/CN=req.example" \
	-addext "subjectAltName=DNS:req.example,DNS:www.req.example" -out csr.pem 2>/dev/null
t issue-csr "$S" ca issue int --csr csr.pem --out fromcsr
t verify-csr-cert openssl verify -x509_strict -purpose sslserver -verify_hostname www.req.example -CAfile root/root.crt -untrusted int/chain.crt fromcsr.crt
a=$(openssl x509 -in fromcsr.crt -noout -pubkey); b=$(openssl pkey -in csr.key -pubout)
[ "$a" = "$b" ] && ok "csr public key kept" || bad "csr public key kept"
t issue-csr-names "$S" ca issue int --csr csr.pem --server other.example --out fromcsr2

# ---- s_server with a sigil certificate, curl trusting the sigil root ----
if command -v curl >/dev/null 2>&1; then
	# A port the kernel says is free now (a fixed guess can collide).
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + $$ % 20000)))
	openssl s_server -quiet -accept "$port" -cert www.crt -key www.key -cert_chain int/chain.crt -www >/dev/null 2>&1 &
	SPID=$!
	i=0; got=""
	while [ $i -lt 50 ]; do
		if got=$(curl -sS --max-time 3 --cacert root/root.crt "https://localhost:$port/" 2>&1); then break; fi
		i=$((i + 1)); sleep 0.1
	done
	case $got in *"s_server"*|*"Ciphers"*|*"HTTP"*|*"Protocol"*) ok "curl accepts s_server with sigil cert";; *) bad "curl accepts s_server with sigil cert" "$got";; esac
	if curl -sS --max-time 3 --cacert r384/root.crt "https://localhost:$port/" >/dev/null 2>&1; then
		bad "curl rejects a foreign root"
	else
		ok "curl rejects a foreign root"
	fi
	kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=""
else
	echo "SKIP curl: not installed"
fi

# ---- revoke and CRL ----
wserial=$(openssl x509 -in www.crt -noout -serial | sed 's/serial=//')
t revoke "$S" ca revoke int "$wserial" --reason keyCompromise
f revoke-twice "$S" ca revoke int "$wserial"
t crl "$S" ca crl int --out int.crl
cat root/root.crt int/chain.crt >int-bundle.pem
t crl-verify openssl crl -in int.crl -CAfile int-bundle.pem -verify -noout
f crl-check-rejects-revoked openssl verify -x509_strict -crl_check -CRLfile int.crl -CAfile root/root.crt -untrusted int/chain.crt www.crt
t crl-check-accepts-good openssl verify -x509_strict -crl_check -purpose sslclient -CAfile root/root.crt -CRLfile int.crl -untrusted int/chain.crt bob.crt
f sigil-verify-revoked "$S" verify www.crt --cacert root/root.crt --crl int.crl
out=$(openssl crl -in int.crl -noout -text)
case $out in *"Key Compromise"*) ok crl-reason;; *) bad crl-reason "$out";; esac
n1=$(openssl crl -in int.crl -noout -crlnumber | sed 's/.*=//; s/^0x//')
"$S" ca crl int --out int2.crl >/dev/null
n2=$(openssl crl -in int2.crl -noout -crlnumber | sed 's/.*=//; s/^0x//')
[ $((0x$n2)) -gt $((0x$n1)) ] && ok "crl number increases ($n1 -> $n2)" || bad "crl number increases ($n1 -> $n2)"
t crl-default-path test -s int/crl.pem -o ! -e int/crl.pem
"$S" ca crl root >/dev/null && t crl-root-empty openssl crl -in root/crl.pem -CAfile root/root.crt -verify -noout
out=$("$S" ca list int)
case $out in *"$(echo "$wserial" | tr A-F a-f)"*revoked*) ok list-shows-revoked;; *) bad list-shows-revoked "$out";; esac

# ---- the reverse: sigil verifies an openssl-made hierarchy ----
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout o-root.key -subj "/CN=OpenSSL Root" -days 30 -out o-root.pem \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -addext "subjectKeyIdentifier=hash" 2>/dev/null
printf '[e]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' >int.ext
printf '[e]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:o.example\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' >leaf.ext
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout o-int.key -subj "/CN=OpenSSL Int" -out o-int.csr 2>/dev/null
openssl x509 -req -in o-int.csr -CA o-root.pem -CAkey o-root.key -set_serial 0x1234 -days 30 -extfile int.ext -extensions e -out o-int.pem 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout o-leaf.key -subj "/CN=o.example" -out o-leaf.csr 2>/dev/null
openssl x509 -req -in o-leaf.csr -CA o-int.pem -CAkey o-int.key -set_serial 0x5678 -days 30 -extfile leaf.ext -extensions e -out o-leaf.pem 2>/dev/null
t sigil-verifies-openssl-ca "$S" verify o-leaf.pem --cacert o-root.pem --untrusted o-int.pem --host o.example
f sigil-rejects-wrong-host "$S" verify o-leaf.pem --cacert o-root.pem --untrusted o-int.pem --host p.example
# and a certificate from `openssl ca`
mkdir -p oca && : >oca/index.txt && echo 1000 >oca/serial
cat >oca.cnf <<CNF
[ca]
default_ca = c
[c]
database = oca/index.txt
serial = oca/serial
new_certs_dir = oca
default_md = sha256
policy = p
copy_extensions = copy
x509_extensions = e
[p]
commonName = supplied
[e]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca-leaf.key -subj "/CN=ca.example" \
	-addext "subjectAltName=DNS:ca.example" -out ca-leaf.csr 2>/dev/null
openssl ca -batch -config oca.cnf -cert o-int.pem -keyfile o-int.key -days 30 -in ca-leaf.csr -out ca-leaf.pem >/dev/null 2>&1
t sigil-verifies-openssl-ca-cmd "$S" verify ca-leaf.pem --cacert o-root.pem --untrusted o-int.pem --host ca.example
# and a CSR made by openssl signed by sigil with an RSA CA
t csr-to-rsa-ca "$S" ca issue rrsa --csr csr.pem --out rsa-from-csr
t verify-csr-rsa-ca openssl verify -x509_strict -purpose sslserver -CAfile rrsa/root.crt rsa-from-csr.crt

# ---- concurrency: 20 issues at once ----
t conc-ca "$S" ca init conc
i=0
while [ $i -lt 20 ]; do
	"$S" ca issue conc --server "h$i.example" --out "c$i" >"c$i.log" 2>&1 &
	i=$((i + 1))
done
wait
serials=$(for i in $(seq 0 19); do openssl x509 -in "c$i.crt" -noout -serial 2>/dev/null; done | sort -u | wc -l)
[ "$serials" = 20 ] && ok "20 concurrent issues, 20 distinct serials" || bad "20 concurrent issues, 20 distinct serials" "$serials $(cat c*.log)"
rows=$("$S" ca list conc | sed 1d | wc -l)
[ "$rows" = 20 ] && ok "list shows 20 certificates" || bad "list shows 20 certificates" "$rows"
if command -v sqlite3 >/dev/null 2>&1; then
	ic=$(sqlite3 conc/ca.db "PRAGMA integrity_check; SELECT COUNT(DISTINCT serial) FROM certs;" 2>&1)
	[ "$ic" = "ok
20" ] && ok "database consistent" || bad "database consistent" "$ic"
fi
listed=$("$S" ca list conc | sed 1d | awk '{print $1}' | sort)
files=$(for i in $(seq 0 19); do openssl x509 -in "c$i.crt" -noout -serial | sed 's/serial=//' | tr A-F a-f; done | sort)
[ "$listed" = "$files" ] && ok "listed serials = issued files" || bad "listed serials = issued files"
ls conc | grep -q tmp && bad "no temporary files left" "$(ls conc)" || ok "no temporary files left"

# ---- bad input changes nothing ----
before=$(snap int; "$S" ca list int)
f missing-dir "$S" ca issue nowhere --server a.example --out x1
mkdir -p foreign; echo junk >foreign/ca.db
f foreign-dir-empty "$S" ca list csr.pem
f foreign-db "$S" ca issue foreign --server a.example --out x2
mkdir -p emptydir
f not-a-ca-dir "$S" ca issue emptydir --server a.example --out x3
f bad-dns "$S" ca issue int --server "bad..example" --out x4
f bad-dns-space "$S" ca issue int --server "a b.example" --out x4
f bad-ip "$S" ca issue int --server "192.0.2.300" --out x5
f bad-ipv6 "$S" ca issue int --server "2001:db8::g" --out x5
f unknown-key-type "$S" ca issue int --server a.example --key-type dsa-1024 --out x6
f unknown-key-type-init "$S" ca init newca --key-type ec-p999
[ ! -e newca/ca.db ] && ok "no CA from a bad init" || bad "no CA from a bad init"
f bad-csr-signature "$S" ca issue int --csr "$DATA/req-badsig.der" --out x7
f unknown-serial "$S" ca revoke int 0123456789abcdef
f bad-serial "$S" ca revoke int xyz
f bad-reason "$S" ca revoke int "$wserial" --reason bored
f existing-output "$S" ca issue int --server www.example --out www
f intermediate-onto-itself "$S" ca intermediate int int
f both-server-client "$S" ca issue int --server a.example --client b --out x8
# An empty name list was a segmentation fault (exit 139).
"$S" ca issue int --server '' --out x9 >empty.out 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q -- "--server needs at least one name" empty.out && ok "--server '': usage error, no crash" ||
	bad "--server '': usage error, no crash (exit $rc)" "$(cat empty.out)"
after=$(snap int; "$S" ca list int)
[ "$before" = "$after" ] && ok "bad input changed nothing" || { echo "$before" >before.txt; echo "$after" >after.txt; bad "bad input changed nothing" "$(diff before.txt after.txt)"; }
ls x* 2>/dev/null | grep -q . && bad "no output files from bad input" "$(ls x*)" || ok "no output files from bad input"
out=$("$S" ca issue int --server "192.0.2.300" --out x5 2>&1)
case $out in *"192.0.2.300"*"not a DNS name"*) ok "clear error for a bad IP";; *) bad "clear error for a bad IP" "$out";; esac
out=$("$S" ca issue emptydir --server a.example 2>&1)
case $out in *"not a sigil CA directory"*) ok "clear error for a foreign DIR";; *) bad "clear error for a foreign DIR" "$out";; esac

# ---- the development CA of `sigil serve` ----
t dev-first "$S" ca dev home
s1=$(openssl x509 -in home/ca/localhost.crt -noout -serial)
t dev-again "$S" ca dev home
s2=$(openssl x509 -in home/ca/localhost.crt -noout -serial)
[ "$s1" = "$s2" ] && ok "dev certificate reused" || bad "dev certificate reused"
t dev-localhost openssl verify -x509_strict -purpose sslserver -verify_hostname localhost -CAfile home/ca/root.crt home/ca/localhost.crt
t dev-ipv4 openssl verify -x509_strict -verify_ip 127.0.0.1 -CAfile home/ca/root.crt home/ca/localhost.crt
t dev-ipv6 openssl verify -x509_strict -verify_ip ::1 -CAfile home/ca/root.crt home/ca/localhost.crt
# A certificate that expires within 7 days is renewed.
"$S" ca issue home/ca --server localhost,127.0.0.1,::1 --days 3 --out home/ca/localhost --force >/dev/null
s3=$(openssl x509 -in home/ca/localhost.crt -noout -serial)
"$S" ca dev home >/dev/null
s4=$(openssl x509 -in home/ca/localhost.crt -noout -serial)
[ "$s3" != "$s4" ] && openssl x509 -in home/ca/localhost.crt -noout -checkend $((30 * 86400)) >/dev/null &&
	ok "dev certificate renewed near expiry" || bad "dev certificate renewed near expiry"

# ---- help ----
for c in init intermediate issue revoke crl list dev; do
	out=$("$S" ca $c --help 2>&1) && case $out in usage:*) ok "help $c";; *) bad "help $c" "$out";; esac || bad "help $c" "$out"
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

#!/bin/sh
# Builds good and broken chains with the openssl CLI and checks that
# `sigil verify` accepts exactly those that `openssl verify -x509_strict`
# accepts (and that both give the outcome the case was built for).
BUILD=${BUILD:-build}
SIGIL=$(cd "$(dirname "$0")/../.." && pwd)/$BUILD/sigil
if ! command -v openssl >/dev/null 2>&1; then
	echo "SKIP openssl-chains: no openssl"
	echo "0 passed, 0 failed"
	exit 0
fi
[ -x "$SIGIL" ] || { echo "$SIGIL not built"; echo "0 passed, 1 failed"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
pass=0; fail=0
NOW=$(date +%s)

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

# ext NAME BODY: write an extension section file
ext() { printf '[e]\n%s\n' "$2" >"$1.ext"; }

CA_EXT='basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always'

leaf_ext() {
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' "$1" "$2"
}

# issue NAME CN ISSUER DAYS EXTBODY: a certificate signed by ISSUER
issue() {
	key "$1"
	ext "$1" "$5"
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -set_serial "0x$(openssl rand -hex 8)" \
		-days "$4" -extfile "$1.ext" -extensions e -out "$1.pem" 2>/dev/null
}

key root
openssl req -new -x509 -key root.key -subj "/CN=Test Root" -days 3650 -out root.pem \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "subjectKeyIdentifier=hash" 2>/dev/null

issue int "Test Intermediate" root 3650 "$CA_EXT"
issue leaf leaf int 365 "$(leaf_ext serverAuth DNS:shop.example)"
issue short short int 1 "$(leaf_ext serverAuth DNS:shop.example)"
issue client client int 365 "$(leaf_ext clientAuth DNS:shop.example)"
issue notca "Not A CA" root 3650 "basicConstraints=critical,CA:FALSE
keyUsage=critical,keyCertSign,digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always"
issue leaf_notca leaf notca 365 "$(leaf_ext serverAuth DNS:shop.example)"
issue int0 "Pathlen Zero" root 3650 "basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always"
issue int0b "Below Pathlen Zero" int0 3650 "$CA_EXT"
issue leaf_pl leaf int0b 365 "$(leaf_ext serverAuth DNS:shop.example)"
issue intnc "Constrained" root 3650 "$CA_EXT
nameConstraints=critical,permitted;DNS:allowed.example"
issue leaf_ncok leaf intnc 365 "$(leaf_ext serverAuth DNS:www.allowed.example)"
issue leaf_ncbad leaf intnc 365 "$(leaf_ext serverAuth DNS:shop.example)"
issue leaf_ip leaf int 365 "$(leaf_ext serverAuth IP:192.0.2.7)"
issue revoked revoked int 365 "$(leaf_ext serverAuth DNS:shop.example)"

# A CRL from the intermediate that lists `revoked`.
mkdir -p ca && : >ca/index.txt && echo 01 >ca/crlnumber
cat >ca.cnf <<EOF
[ca]
default_ca = c
[c]
database = ca/index.txt
crlnumber = ca/crlnumber
default_md = sha256
default_crl_days = 30
crl_extensions = crlext
[crlext]
authorityKeyIdentifier = keyid:always
EOF
openssl ca -config ca.cnf -keyfile int.key -cert int.pem -revoke revoked.pem -crl_reason keyCompromise >/dev/null 2>&1
openssl ca -config ca.cnf -keyfile int.key -cert int.pem -gencrl -out int.crl >/dev/null 2>&1

# A leaf with its signature broken: flip the last byte of the DER.
openssl x509 -in leaf.pem -outform DER -out leaf.der
python3 - <<'EOF' 2>/dev/null || perl -e 'local $/; open F,"<leaf.der"; $d=<F>; substr($d,-1,1)=chr(ord(substr($d,-1,1))^1); open G,">bad.der"; print G $d;'
d = bytearray(open("leaf.der", "rb").read()); d[-1] ^= 1; open("bad.der", "wb").write(d)
EOF
openssl x509 -inform DER -in bad.der -out badsig.pem 2>/dev/null

# check NAME WANT LEAF UNTRUSTED [sigil args] -- [openssl args]
check() {
	name=$1; want=$2; leaf=$3; untrusted=$4; shift 4
	sargs=""; oargs=""; side=s
	for a in "$@"; do
		if [ "$a" = "--" ]; then side=o; continue; fi
		if [ $side = s ]; then sargs="$sargs $a"; else oargs="$oargs $a"; fi
	done
	su=""; ou=""
	[ -n "$untrusted" ] && su="--untrusted $untrusted" && ou="-untrusted $untrusted"
	# shellcheck disable=SC2086
	sout=$("$SIGIL" verify "$leaf" --cacert root.pem $su $sargs 2>&1); src=$?
	# shellcheck disable=SC2086
	oout=$(openssl verify -x509_strict -purpose sslserver -CAfile root.pem $ou $oargs "$leaf" 2>&1); orc=$?
	s=bad; [ $src -eq 0 ] && s=ok
	o=bad; [ $orc -eq 0 ] && o=ok
	if [ $s = "$want" ] && [ $o = "$want" ]; then
		pass=$((pass + 1))
		echo "ok $name: $(echo "$sout" | head -n 1)"
	else
		fail=$((fail + 1))
		echo "FAIL $name: want $want, sigil $s, openssl $o"
		echo "    sigil: $sout" | head -n 3
		echo "    openssl: $oout" | head -n 3
	fi
}

check good ok leaf.pem int.pem --host shop.example -- -verify_hostname shop.example
check good-ip ok leaf_ip.pem int.pem --host 192.0.2.7 -- -verify_ip 192.0.2.7
check wrong-ip bad leaf_ip.pem int.pem --host 192.0.2.8 -- -verify_ip 192.0.2.8
check expired bad short.pem int.pem --at $((NOW + 3 * 86400)) -- -attime $((NOW + 3 * 86400))
check not-yet-valid bad leaf.pem int.pem --at $((NOW - 2 * 86400)) -- -attime $((NOW - 2 * 86400))
check wrong-host bad leaf.pem int.pem --host other.example -- -verify_hostname other.example
check missing-intermediate bad leaf.pem ""
check wrong-eku bad client.pem int.pem
check client-eku-as-client ok client.pem int.pem --purpose client -- -purpose sslclient
check ca-false-intermediate bad leaf_notca.pem notca.pem
cat int0b.pem int0.pem >pl_chain.pem
check pathlen-exceeded bad leaf_pl.pem pl_chain.pem
check nc-permitted ok leaf_ncok.pem intnc.pem --host www.allowed.example -- -verify_hostname www.allowed.example
check nc-violated bad leaf_ncbad.pem intnc.pem
check revoked bad revoked.pem int.pem --crl int.crl -- -crl_check -CRLfile int.crl
check not-revoked ok leaf.pem int.pem --crl int.crl -- -crl_check -CRLfile int.crl
check bad-signature bad badsig.pem int.pem
# The CRL is good for 30 days: 40 days on, it is stale, and a required
# CRL that is stale fails.
check stale-crl bad leaf.pem int.pem --crl int.crl --at $((NOW + 40 * 86400)) -- -crl_check -CRLfile int.crl -attime $((NOW + 40 * 86400))
check crl-required-missing bad leaf.pem int.pem --crl ca/index.txt -- -crl_check

# The reason texts of the issue.
out=$("$SIGIL" verify revoked.pem --cacert root.pem --untrusted int.pem --crl int.crl)
case $out in
*"revoked (serial 0x"*", keyCompromise, CRL of CN=Test Intermediate)"*) pass=$((pass + 1));;
*) fail=$((fail + 1)); echo "FAIL revoked reason: $out";;
esac
out=$("$SIGIL" verify leaf.pem --cacert root.pem --untrusted int.pem --host a.example)
case $out in
*'host name "a.example" not in subjectAltName (DNS:shop.example)'*) pass=$((pass + 1));;
*) fail=$((fail + 1)); echo "FAIL host reason: $out";;
esac
out=$("$SIGIL" verify leaf.pem --cacert root.pem)
case $out in
*'unknown issuer "CN=Test Intermediate" (depth 1)'*) pass=$((pass + 1));;
*) fail=$((fail + 1)); echo "FAIL issuer reason: $out";;
esac
out=$("$SIGIL" verify short.pem --cacert root.pem --untrusted int.pem --at $((NOW + 3 * 86400)))
case $out in
*"certificate expired on "*"Z (depth 0, CN=short)"*) pass=$((pass + 1));;
*) fail=$((fail + 1)); echo "FAIL expired reason: $out";;
esac
# Pins: the root's SPKI pinned passes, a wrong pin fails.
pin=$(openssl x509 -in root.pem -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | openssl base64)
if "$SIGIL" verify leaf.pem --cacert root.pem --untrusted int.pem --pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;sha256//$pin" >/dev/null &&
   ! "$SIGIL" verify leaf.pem --cacert root.pem --untrusted int.pem --pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" >/dev/null; then
	pass=$((pass + 1))
else
	fail=$((fail + 1)); echo "FAIL pins"
fi
# A directory trust store.
mkdir -p store && cp root.pem store/ && echo "not a cert" >store/README
if "$SIGIL" verify leaf.pem --cacert store --untrusted int.pem >/dev/null; then
	pass=$((pass + 1))
else
	fail=$((fail + 1)); echo "FAIL directory store"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

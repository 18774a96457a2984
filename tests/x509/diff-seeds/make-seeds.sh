#!/bin/sh
# Makes the seed chains of tests/x509/diff.sh (run once; the output is
# committed so that the differential run is the same on every machine:
# fixed keys, names, serials and dates, so a fixed mutation seed gives the
# same mutants).  Usage: sh make-seeds.sh [SIGIL]   (from this directory)
#
# Each seed is a directory: 0.pem is the leaf, 1.pem .. N.pem its issuers
# in order, N.pem the self-signed root; K.key is the private key of K.pem
# (the mutator re-signs with it).  host holds the leaf's DNS name.
# spki/ holds public keys (DER SubjectPublicKeyInfo) that mutations put
# into leaves: sizes and curves that sigil refuses or accepts.
set -e
SIGIL=${1:-../../../build/sigil}
DAYS=7300
cd "$(dirname "$0")"
rm -rf ec rsa nc deep sigilca spki
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

key() {
	case $2 in
	p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" ;;
	p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1" ;;
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" ;;
	ed25519) openssl genpkey -algorithm ED25519 -out "$1" ;;
	esac
}

CA='basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always'

# root DIR N KEYTYPE CN
root() {
	key "$1/$2.key" "$3"
	openssl req -new -x509 -key "$1/$2.key" -subj "/O=Sigil Diff/CN=$4" -days $DAYS \
		-set_serial "0x$(openssl rand -hex 8)" -out "$1/$2.pem" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-addext "subjectKeyIdentifier=hash"
}

# issue DIR N ISSUER KEYTYPE SUBJECT EXTBODY
issue() {
	key "$1/$2.key" "$4"
	printf '[e]\n%s\n' "$6" >"$T/ext"
	openssl req -new -key "$1/$2.key" -subj "$5" -out "$T/csr"
	openssl x509 -req -in "$T/csr" -CA "$1/$3.pem" -CAkey "$1/$3.key" \
		-set_serial "0x$(openssl rand -hex 8)" -days $DAYS \
		-extfile "$T/ext" -extensions e -out "$1/$2.pem"
}

leaf_ext() {
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' "$1" "$2"
}

# ec: P-256 throughout, an intermediate with pathLen 0.
mkdir ec
root ec 2 p256 "Diff Root EC"
issue ec 1 2 p256 "/O=Sigil Diff/CN=Diff Issuing EC" "basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always"
issue ec 0 1 p256 "/CN=shop.example" "$(leaf_ext serverAuth DNS:shop.example,DNS:www.shop.example)"
rm ec/0.key; echo shop.example >ec/host

# rsa: RSA root and intermediate (sha256WithRSAEncryption), P-384 leaf.
mkdir rsa
root rsa 2 rsa "Diff Root RSA"
issue rsa 1 2 rsa "/O=Sigil Diff/CN=Diff Issuing RSA" "$CA"
issue rsa 0 1 p384 "/O=Shop/CN=shop.example" "$(leaf_ext serverAuth DNS:shop.example)"
rm rsa/0.key; echo shop.example >rsa/host

# nc: P-384, an intermediate with name constraints, an RSA leaf with a
# DNS and an IP name.
mkdir nc
root nc 2 p384 "Diff Root NC"
issue nc 1 2 p384 "/O=Sigil Diff/CN=Diff Constrained" "$CA
nameConstraints=critical,permitted;DNS:example,permitted;IP:192.0.2.0/255.255.255.0,excluded;DNS:bad.example"
issue nc 0 1 rsa "/CN=shop.example" "$(leaf_ext serverAuth,clientAuth DNS:shop.example,IP:192.0.2.7)"
rm nc/0.key; echo shop.example >nc/host

# deep: two intermediates (pathLen 1 above pathLen 0), an Ed25519 leaf.
mkdir deep
root deep 3 p256 "Diff Root Deep"
issue deep 2 3 p256 "/O=Sigil Diff/CN=Diff Policy CA" "basicConstraints=critical,CA:TRUE,pathlen:1
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always"
issue deep 1 2 p256 "/O=Sigil Diff/CN=Diff Issuing Deep" "basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always"
issue deep 0 1 ed25519 "/CN=shop.example" "$(leaf_ext serverAuth DNS:shop.example)"
rm deep/0.key; echo shop.example >deep/host

# sigilca: what `sigil ca` writes (its own encoder).
if [ -x "$SIGIL" ]; then
	S=$(cd "$(dirname "$SIGIL")" && pwd)/$(basename "$SIGIL")
	(cd "$T" && "$S" ca init r --name "Diff Root Sigil" --days $DAYS >/dev/null &&
	 "$S" ca intermediate r i --name "Diff Issuing Sigil" --path-len 0 --days $DAYS >/dev/null &&
	 "$S" ca issue i --server shop.example,192.0.2.7 --days 3650 --out leaf >/dev/null)
	mkdir sigilca
	openssl x509 -in "$T/leaf.crt" -out sigilca/0.pem
	cp "$T/i/ca.crt" sigilca/1.pem; cp "$T/i/ca.key" sigilca/1.key
	cp "$T/r/ca.crt" sigilca/2.pem; cp "$T/r/ca.key" sigilca/2.key
	echo shop.example >sigilca/host
else
	echo "no $SIGIL: sigilca seed not made" >&2
fi

# Public keys for leaves.
mkdir spki
pub() { openssl pkey -in "$T/k" -pubout -outform DER -out "spki/$1.der"; }
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/k"; pub rsa1024
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/k"; pub rsa2048
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2052 -out "$T/k"; pub rsa2052
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out "$T/k"; pub p521
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out "$T/k"; pub secp256k1
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-192 -out "$T/k"; pub p192
openssl genpkey -algorithm ED25519 -out "$T/k"; pub ed25519
openssl ecparam -name prime256v1 -param_enc explicit -genkey -noout -out "$T/k"; pub p256-explicit

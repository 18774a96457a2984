#!/bin/sh
# sigil inspect (issue 14): what a chain, a CSR, a CRL or a key holds,
# compared field by field with `openssl x509 -text`, `openssl crl -text`
# and `openssl req -text` on the same files (tests/cli/inspect_cmp.py);
# --json; for an https:// URL the chain the server sent and the
# parameters negotiated, compared with openssl s_client.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../interop/lib.sh"
[ -x "$SIGIL" ] || { echo "missing $SIGIL: run make"; fail build; finish; }
for tool in openssl python3; do
	have "$tool" || { skip "inspect.sh: $tool is not installed"; finish; }
done
export SIGIL_HOME="$TMP/home"
SIGIL=$(cd "$(dirname "$SIGIL")" && pwd)/$(basename "$SIGIL")	# the checks run in $TMP
cd "$TMP" || exit 1

# compare KIND FILE [INDEX]: every field sigil and openssl both print.
compare() {
	python3 "$HERE/inspect_cmp.py" "$SIGIL" "$@" >cmp.out 2>&1
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$2: ${line#ok }" ;;
		"FAIL "*) fail "$2: ${line#FAIL }" ;;
		esac
	done <cmp.out
	grep -q . cmp.out || fail "$2: no comparison ran"
}

# ---- a hierarchy made by openssl with every extension inspect shows ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout root.key -days 30 \
	-subj "/C=DE/O=Inspect Test/CN=Inspect Root" -out root.pem \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "subjectKeyIdentifier=hash" >/dev/null 2>&1
cat >int.ext <<'EOX'
[e]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
nameConstraints = critical,permitted;DNS:.example.com,permitted;IP:10.0.0.0/255.0.0.0,permitted;email:example.com,excluded;DNS:bad.example.com,excluded;IP:2001:db8::/ffff:ffff::
crlDistributionPoints = URI:http://crl.example.com/root.crl
EOX
cat >leaf.ext <<'EOX'
[e]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:www.example.com,DNS:*.shop.example.com,IP:10.1.2.3,IP:2001:db8::17,email:admin@example.com,URI:https://www.example.com/
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://crl.example.com/int.crl
authorityInfoAccess = OCSP;URI:http://ocsp.example.com/,caIssuers;URI:http://ca.example.com/int.crt
EOX
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int.key -subj "/O=Inspect Test/CN=Inspect Issuing CA" \
	-out int.csr >/dev/null 2>&1
openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -set_serial 0x00f00d -days 20 -extfile int.ext -extensions e \
	-out int.pem >/dev/null 2>&1
openssl req -new -newkey rsa:3072 -nodes -keyout leaf.key -subj "/C=DE/ST=Berlin/O=Example Shop/CN=www.example.com" \
	-out leaf.csr >/dev/null 2>&1
openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -set_serial 0x7a3f0000000000000000000000000001 -days 10 \
	-extfile leaf.ext -extensions e -out leaf.pem >/dev/null 2>&1
cat leaf.pem int.pem >chain.pem
openssl x509 -in leaf.pem -outform der -out leaf.der
openssl req -x509 -newkey ed25519 -nodes -keyout ed.key -days 5 -subj "/CN=ed25519 self-signed" -out ed.pem >/dev/null 2>&1
check "setup: an openssl-made hierarchy" '[ -s chain.pem ] && [ -s ed.pem ] && [ -s leaf.der ]'

compare cert root.pem
compare cert int.pem
compare cert leaf.pem
compare cert chain.pem 0
compare cert chain.pem 1
compare cert leaf.der
compare cert ed.pem

# sigil ca's own certificates.
"$SIGIL" ca init ca >/dev/null 2>&1 && "$SIGIL" ca issue ca --server shop.example,192.0.2.9 --out shop >/dev/null 2>&1 &&
	"$SIGIL" ca issue ca --client alice --out alice >/dev/null 2>&1
compare cert shop.crt
compare cert alice.crt

# ---- CRLs: openssl ca's with reasons, and sigil ca's ----
mkdir oca && : >oca/index.txt && echo 1000 >oca/serial && echo 05 >oca/crlnumber
cat >oca.cnf <<'EOX'
[ca]
default_ca = c
[c]
database = oca/index.txt
serial = oca/serial
crlnumber = oca/crlnumber
new_certs_dir = oca
default_md = sha256
default_crl_days = 3
policy = p
unique_subject = no
[p]
commonName = supplied
EOX
for n in 1 2 3; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout r$n.key -subj "/CN=r$n" -out r$n.csr >/dev/null 2>&1
	openssl ca -batch -config oca.cnf -cert int.pem -keyfile int.key -days 5 -in r$n.csr -out r$n.pem >/dev/null 2>&1
done
openssl ca -config oca.cnf -cert int.pem -keyfile int.key -revoke r1.pem -crl_reason keyCompromise >/dev/null 2>&1
openssl ca -config oca.cnf -cert int.pem -keyfile int.key -revoke r2.pem -crl_reason superseded >/dev/null 2>&1
openssl ca -config oca.cnf -cert int.pem -keyfile int.key -revoke r3.pem >/dev/null 2>&1
openssl ca -gencrl -config oca.cnf -cert int.pem -keyfile int.key -out o.crl >/dev/null 2>&1
openssl crl -in o.crl -outform der -out o.crl.der
compare crl o.crl
compare crl o.crl.der
"$SIGIL" ca revoke ca "$(openssl x509 -in shop.crt -noout -serial | cut -d= -f2)" --reason cessationOfOperation >/dev/null 2>&1
"$SIGIL" ca crl ca --out s.crl >/dev/null 2>&1
compare crl s.crl

# ---- CSRs ----
openssl req -new -newkey rsa:2048 -nodes -keyout q.key -subj "/O=Req Org/CN=req.example" \
	-addext "subjectAltName=DNS:req.example,DNS:www.req.example,IP:192.0.2.1,URI:https://req.example/" -out q.csr >/dev/null 2>&1
compare csr q.csr
compare csr leaf.csr

# ---- keys: the public part, and the same pin as the certificate ----
"$SIGIL" inspect --json leaf.key >key.json 2>key.err
"$SIGIL" inspect --json leaf.pem >leafj.json 2>&1
check "a private key: its public part and the certificate's pin, never the key" \
	'python3 -c "import json,sys; k=json.load(open(\"key.json\"))[\"items\"][0]; c=json.load(open(\"leafj.json\"))[\"items\"][0]
sys.exit(not (k[\"type\"] == \"private_key\" and k[\"pin\"] == c[\"pin\"] and k[\"key_bits\"] == 3072))" &&
	 ! grep -q "PRIVATE" key.json' key.json key.err
"$SIGIL" inspect shop.key >k.out 2>&1
check "text output of a key" 'grep -q "key: *EC P-256, 256 bits" k.out && grep -q "pin (sigil get --pin): *sha256//" k.out' k.out
openssl pkey -in leaf.key -aes128 -passout pass:x -out enc.key 2>/dev/null
"$SIGIL" inspect enc.key >enc.out 2>&1
rc=$?
check "an encrypted key: exit 7, said so" '[ $rc -eq 7 ] && grep -q "encrypted" enc.out' enc.out
# The pin inspect prints is the one sigil get --pin takes.
PIN=$("$SIGIL" inspect --json shop.crt | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["pin"])')
echo garbage >garbage.pem
"$SIGIL" inspect garbage.pem >g.out 2>&1
rc=$?
check "a file with nothing to show: exit 7, one sentence" \
	'[ $rc -eq 7 ] && grep -q "no certificate, CRL, certificate request or key in the file" g.out' g.out
"$SIGIL" inspect http://example.com/ >h.out 2>&1
rc=$?
check "an http:// URL: exit 2" '[ $rc -eq 2 ] && grep -q "only https:// URLs" h.out' h.out
"$SIGIL" inspect --json chain.pem | python3 -m json.tool >/dev/null 2>&1
check "--json of a chain is valid JSON" '[ $? -eq 0 ]'

# ---- a URL: the chain the server sent and the parameters negotiated ----
"$SIGIL" ca issue ca --server localhost,127.0.0.1 --out site >/dev/null 2>&1
PORT=$(free_port)
start_bg serve.log 60 "$SIGIL" serve --listen "127.0.0.1:$PORT" --threads 1 --cert site.crt --key site.key
wait_for serve.log '^sigil serve: https://' 10
"$SIGIL" inspect --json --cacert ca/root.crt "https://localhost:$PORT/" >u.json 2>u.err
rc=$?
printf '' | timeout $T openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -showcerts >sc.out 2>&1
python3 - "$TMP" >ucmp.out 2>&1 <<'EOP'
import json, re, subprocess, sys
tmp = sys.argv[1]
u = json.load(open(tmp + "/u.json"))
sc = open(tmp + "/sc.out").read()
pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", sc, re.S)
fps = []
for p in pems:
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input=p.encode(), capture_output=True).stdout
    fps.append(out.decode().split("=", 1)[1].strip().lower())
mine = [c["sha256_fingerprint"] for c in u["chain"]]
print("ok chain" if mine == fps and fps else "FAIL chain: sigil %r, openssl %r" % (mine, fps))
suite = re.search(r"Cipher is (\S+)", sc)
print("ok suite" if suite and u["tls"]["suite"] == suite.group(1) else "FAIL suite %r %r" % (u["tls"]["suite"], suite and suite.group(1)))
print("ok version" if u["tls"]["version"] == "TLS 1.3" and "TLSv1.3" in sc else "FAIL version")
print("ok verified" if u["tls"]["verified"] else "FAIL verified")
print("ok alpn" if u["tls"]["alpn"] == "http/1.1" else "FAIL alpn")
EOP
check "URL with --cacert: exit 0" '[ $rc -eq 0 ]' u.err
while IFS= read -r line; do
	case $line in
	"ok "*) ok "URL: ${line#ok } as openssl s_client sees it" ;;
	*) fail "URL: $line" ucmp.out ;;
	esac
done <ucmp.out
"$SIGIL" inspect "https://localhost:$PORT/" >u2.out 2>&1
rc=$?
check "URL without the CA: the chain shown, not verified, exit 5, the reason" \
	'[ $rc -eq 5 ] && grep -q "verified: *NO" u2.out && grep -q "unknown issuer" u2.out &&
	 grep -q "subject: *CN=localhost" u2.out' u2.out
timeout $T "$SIGIL" get --cacert ca/root.crt --pin "$PIN" "https://localhost:$PORT/" >/dev/null 2>&1
rc=$?
check "the pin inspect printed for another key is refused by sigil get --pin (exit 5)" '[ $rc -eq 5 ]'
PIN2=$(python3 -c 'import json; print(json.load(open("u.json"))["chain"][0]["pin"])')
timeout $T "$SIGIL" get --cacert ca/root.crt --pin "$PIN2" "https://localhost:$PORT/" >/dev/null 2>pin.err
rc=$?
check "the pin inspect printed for the server is accepted by sigil get --pin" '[ $rc -eq 0 ]' pin.err
CLOSED=$(free_port)
"$SIGIL" inspect "https://127.0.0.1:$CLOSED/" >c.out 2>&1
rc=$?
check "URL of a closed port: exit 3" '[ $rc -eq 3 ]' c.out
finish

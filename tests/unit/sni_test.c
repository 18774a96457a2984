/*
 * Several sites on one server (issue 20): which certificate/key pair a
 * server sends, by the client's server_name and by what the client can
 * verify (the rule in sigil.h at sigil_config_add_cert_key_pem).  The
 * certificates are made here, in memory, by the CA's writer; the
 * client checks the chain it gets with the built-in verifier, so a wrong
 * choice fails twice: the index and the client's host-name check.
 */
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "tls/tls.h"
#include "der/der.h"
#include "x509/x509.h"

static sg_pkey *ca_key;
static sg_wr ca_der;
static sg_x509_cert ca_x;
static char ca_path[] = "/tmp/sigil-sni-test-XXXXXX";

static char *pem_of(const char *label, const uint8_t *der, size_t n)
{
	size_t cap = n * 2 + 200;
	char *b64 = malloc(cap), *out = malloc(cap + 100);
	int k = sg_base64_encode(der, n, b64, cap);
	size_t o = (size_t)sprintf(out, "-----BEGIN %s-----\n", label);
	for (int i = 0; i < k; i += 64)
		o += (size_t)sprintf(out + o, "%.*s\n", k - i < 64 ? k - i : 64, b64 + i);
	sprintf(out + o, "-----END %s-----\n", label);
	free(b64);
	return out;
}

/* A certificate for the names, signed by the CA (or self-signed when
 * self is set), with a new key of type t. */
static int make(const char *cn, const char *const *names, size_t n, sg_key_type t, bool self, char **crt,
		char **key)
{
	static uint8_t serial = 1;
	sg_pkey *k = sg_pkey_generate(t, 2048);
	sg_wr spki, der, kp;
	char err[256];
	uint8_t ser[8] = { 0x11, 2, 3, 4, 5, 6, 7, serial++ };
	sg_wr_init(&spki, NULL, 0, 4096);
	sg_wr_init(&der, NULL, 0, 1u << 16);
	sg_wr_init(&kp, NULL, 0, 1u << 16);
	if (!k || sg_pkey_spki(k, &spki) != 0 || sg_pkey_private_to_pem(k, &kp) != 0)
		return -1;
	int64_t now = (int64_t)time(NULL);
	sg_x509_cert_spec s = { 0 };
	s.serial = ser;
	s.serial_len = sizeof ser;
	s.cn = cn;
	if (!self) {
		s.issuer = ca_x.subject;
		s.issuer_key_id = ca_x.ski;
	}
	s.not_before = now - 3600;
	s.not_after = now + 86400;
	s.spki = spki.buf;
	s.spki_len = spki.len;
	s.ca = self && !names;
	s.path_len = -1;
	s.key_usage = s.ca ? SG_KU_KEY_CERT_SIGN | SG_KU_CRL_SIGN : SG_KU_DIGITAL_SIGNATURE;
	s.eku = s.ca ? 0 : SG_EKU_SERVER;
	s.names = names;
	s.n_names = n;
	int rc = sg_x509_cert_write(&s, self ? k : ca_key, &der, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "cert_write: %s\n", err);
	*crt = pem_of("CERTIFICATE", der.buf, der.len);
	*key = malloc(kp.len + 1);
	memcpy(*key, kp.buf, kp.len);
	(*key)[kp.len] = 0;
	if (self && !names) {
		ca_key = k;
		ca_der = der;
	} else {
		sg_pkey_free(k);
		sg_wr_free(&der);
	}
	sg_wr_free(&spki);
	sg_wr_free(&kp);
	return rc;
}

static void make_ca(void)
{
	char *crt, *key;
	CHECK(make("sni test CA", NULL, 0, SG_KEY_EC_P256, true, &crt, &key) == 0);
	char err[64];
	CHECK(sg_x509_cert_parse(&ca_x, ca_der.buf, ca_der.len, err, sizeof err) == 0);
	int fd = mkstemp(ca_path);
	CHECK(fd >= 0 && write(fd, crt, strlen(crt)) == (ssize_t)strlen(crt));
	close(fd);
	free(crt);
	free(key);
}

/* The server's pairs: 0 default.test (ECDSA), 1 a.test + www.a.test
 * (ECDSA), 2 b.test (RSA), 3 b.test (ECDSA P-384), 4 *.wild.test (ECDSA),
 * 5 exact.wild.test (RSA), 6 default.test (RSA, the default's twin). */
struct site {
	const char *names[3];
	size_t n;
	sg_key_type t;
};
static const struct site sites[] = {
	{ { "default.test" }, 1, SG_KEY_EC_P256 },
	{ { "a.test", "www.a.test" }, 2, SG_KEY_EC_P256 },
	{ { "b.test" }, 1, SG_KEY_RSA },
	{ { "b.test" }, 1, SG_KEY_EC_P384 },
	{ { "*.wild.test" }, 1, SG_KEY_EC_P256 },
	{ { "exact.wild.test" }, 1, SG_KEY_RSA },
	{ { "default.test" }, 1, SG_KEY_RSA },
};
#define NSITES (sizeof sites / sizeof sites[0])

static sigil_config *server_config(void)
{
	sigil_config *sc = sigil_config_new();
	for (size_t i = 0; i < NSITES; i++) {
		char *crt, *key;
		CHECK(make(sites[i].names[0], sites[i].names, sites[i].n, sites[i].t, false, &crt, &key) == 0);
		CHECK_MSG(sigil_config_add_cert_key_pem(sc, crt, strlen(crt), key, strlen(key)) == 0, "%s",
			  sigil_config_error(sc));
		free(crt);
		free(key);
	}
	return sc;
}

static size_t move(sigil_conn *a, sigil_conn *b)
{
	size_t n, moved = 0, used;
	const uint8_t *p;
	while ((p = sigil_conn_send_buf(a, &n)) && n) {
		if (sigil_conn_recv_net(b, p, n, &used) < 0) {
			sigil_conn_send_ack(a, n);
			return moved;
		}
		if (used == 0)
			return moved;
		sigil_conn_send_ack(a, used);
		moved += used;
	}
	return moved;
}

static int pump(sigil_conn *c, sigil_conn *s)
{
	for (int i = 0; i < 50; i++) {
		size_t m = move(c, s) + move(s, c);
		unsigned cs = sigil_conn_state(c), ss = sigil_conn_state(s);
		if ((cs | ss) & SIGIL_ST_FAILED)
			return -1;
		if ((cs & ss & SIGIL_ST_CONNECTED) && m == 0)
			return 0;
		if (m == 0 && i > 2)
			return -1;
	}
	return -1;
}

/* One handshake: client offering sigalgs (NULL: the default), naming sni
 * (NULL: none) and checking the certificate for `verify_as` (NULL:
 * insecure).  The index the server sent, -1 on failure (-2: the server
 * refused, error in *why). */
static int connect_to(sigil_config *sc, const char *sni, const char *sigalgs, const char *verify_as, char *why,
		      size_t cap)
{
	sigil_config *cc = sigil_config_new();
	CHECK(!sigalgs || sigil_config_set_sigalgs(cc, sigalgs) == 0);
	if (verify_as)
		CHECK(sigil_config_add_trust(cc, ca_path) == 0);
	else
		CHECK(sigil_config_insecure_noverify(cc) == 0);
	sigil_conn *c = sigil_conn_new(cc, SIGIL_CLIENT), *s = sigil_conn_new(sc, SIGIL_SERVER);
	/* An IP literal is checked but never sent as SNI (RFC 6066 3). */
	if (sni || verify_as)
		CHECK(sigil_conn_set_server_name(c, sni ? sni : verify_as) == 0);
	int r = pump(c, s);
	move(s, c);
	snprintf(why, cap, "client: %s / server: %s", sigil_conn_error(c), sigil_conn_error(s));
	int idx = r == 0 ? sigil_conn_cert_index(s) : sigil_conn_error_class(s) == SIGIL_ECLASS_LOCAL_ALERT ? -2 : -1;
	size_t n, pn;
	const sigil_der *own = sigil_conn_own_chain(s, &n), *peer = sigil_conn_peer_chain(c, &pn);
	if (r == 0) {
		CHECK(sigil_conn_cert_index(c) == -1);  /* the client sent none */
		CHECK(sigil_conn_own_chain(c, &n) == NULL && n == 0);
		/* What the server says it sent is what the client got. */
		own = sigil_conn_own_chain(s, &n);
		CHECK(own && peer && n == pn && n == 1 && own[0].len == peer[0].len &&
		      memcmp(own[0].der, peer[0].der, own[0].len) == 0);
		CHECK(own == sc->certs[idx].chain);
	} else if (idx == -2) {
		CHECK(own == NULL && n == 0 && sigil_conn_cert_index(s) == -1);   /* refused: nothing sent */
	}
	sigil_conn_free(c);
	sigil_conn_free(s);
	sigil_config_free(cc);
	return idx;
}

static void test_choice(void)
{
	sigil_config *sc = server_config();
	static const struct {
		const char *sni, *sigalgs;
		int want;
	} cases[] = {
		{ "a.test", NULL, 1 },
		{ "www.a.test", NULL, 1 },
		{ "A.TEST", NULL, 1 },                          /* case-insensitive */
		{ "a.test.", NULL, 1 },                         /* one trailing dot */
		{ "b.test", NULL, 3 },                          /* ECDSA first, though RSA was added first */
		{ "b.test", "rsa_pss_rsae_sha256", 2 },         /* RSA to the rest */
		{ "b.test", "rsa_pkcs1_sha256", -2 },           /* PKCS#1 never signs a 1.3 handshake */
		{ "b.test", "ed25519", -2 },                    /* b.test's pairs only: refused */
		{ "x.wild.test", NULL, 4 },                     /* the wildcard */
		{ "exact.wild.test", NULL, 5 },                 /* exact wins over the wildcard */
		{ "exact.wild.test", "ecdsa_secp256r1_sha256", -2 }, /* and only it */
		{ "a.b.wild.test", NULL, 0 },                   /* one label only: the default */
		{ "wild.test", NULL, 0 },                       /* no label: the default */
		{ "unknown.test", NULL, 0 },
		{ NULL, NULL, 0 },                              /* no SNI: the default */
		{ NULL, "rsa_pss_rsae_sha256", 6 },             /* the default's RSA twin */
		{ "unknown.test", "rsa_pss_rsae_sha256", 6 },
		{ NULL, "ecdsa_secp384r1_sha384", 3 },          /* default can't: the others, in order */
		{ "a-test", NULL, 0 },
		{ "test", NULL, 0 },
	};
	char why[1200];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = connect_to(sc, cases[i].sni, cases[i].sigalgs, NULL, why, sizeof why);
		CHECK_MSG(got == cases[i].want, "%s with %s: pair %d, want %d (%s)", cases[i].sni ? cases[i].sni : "no SNI",
			  cases[i].sigalgs ? cases[i].sigalgs : "default sigalgs", got, cases[i].want, why);
		if (cases[i].want == -2 && cases[i].sni)
			CHECK_MSG(strstr(why, "for ") != NULL, "%s", why);
	}
	/* The client's own check agrees: each name verifies against the CA. */
	static const char *const verified[] = { "a.test", "www.a.test", "b.test", "x.wild.test", "exact.wild.test",
						"default.test" };
	for (size_t i = 0; i < sizeof verified / sizeof verified[0]; i++) {
		int got = connect_to(sc, NULL, NULL, verified[i], why, sizeof why);
		CHECK_MSG(got >= 0, "%s: %s", verified[i], why);
	}
	/* An IP literal is not sent: the default, which the client refuses. */
	CHECK(connect_to(sc, NULL, NULL, "127.0.0.1", why, sizeof why) == -1);
	sigil_config_free(sc);
}

/* The cap: SIGIL_MAX_CERT_KEYS pairs, the next one refused; a name
 * found among all of them; the time of the choice (printed, not
 * asserted: the machine is shared). */
static void test_many(void)
{
	sigil_config *sc = sigil_config_new();
	char *crt, *key;
	for (int i = 0; i < SIGIL_MAX_CERT_KEYS; i++) {
		char n1[64], n2[64], n3[64];
		snprintf(n1, sizeof n1, "site%d.test", i);
		snprintf(n2, sizeof n2, "www.site%d.test", i);
		snprintf(n3, sizeof n3, "*.site%d.test", i);
		const char *names[3] = { n1, n2, n3 };
		/* One key for all: making 256 keys is not the point. */
		if (i == 0)
			CHECK(make(n1, names, 3, SG_KEY_EC_P256, false, &crt, &key) == 0);
		else {
			free(crt);
			char *k2;
			CHECK(make(n1, names, 3, SG_KEY_EC_P256, false, &crt, &k2) == 0);
			free(key);
			key = k2;
		}
		CHECK_MSG(sigil_config_add_cert_key_pem(sc, crt, strlen(crt), key, strlen(key)) == 0, "%d: %s", i,
			  sigil_config_error(sc));
	}
	CHECK(sigil_config_add_cert_key_pem(sc, crt, strlen(crt), key, strlen(key)) < 0);
	CHECK(strstr(sigil_config_error(sc), "at most 256") != NULL);
	free(crt);
	free(key);
	char why[1200];
	CHECK(connect_to(sc, "site255.test", NULL, NULL, why, sizeof why) == 255);
	CHECK(connect_to(sc, "x.site200.test", NULL, NULL, why, sizeof why) == 200);
	CHECK(connect_to(sc, "www.site7.test", NULL, NULL, why, sizeof why) == 7);
	/* The candidates alone, for the last site and for a miss. */
	sigil_conn *s = sigil_conn_new(sc, SIGIL_SERVER);
	uint16_t idx[SG_MAX_CERTKEYS];
	bool strict;
	const char *hosts[] = { "x.site255.test", "nothing.example" };
	for (int h = 0; h < 2; h++) {
		snprintf(s->sni, sizeof s->sni, "%s", hosts[h]);
		struct timespec a, b;
		size_t n = 0;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int i = 0; i < 1000; i++)
			n = sg_cert_candidates(s, idx, &strict);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1000 / 1000;
		CHECK(h == 0 ? n == 1 && idx[0] == 255 && strict : n == 256 && idx[0] == 0 && !strict);
		printf("choice among %d pairs (3 names each), %s: %.2f us\n", SIGIL_MAX_CERT_KEYS, hosts[h], us);
	}
	sigil_conn_free(s);
	sigil_config_free(sc);
}

/* A pair without subjectAltName (no names: only ever the default or a
 * stand-in) and the names read at add time. */
static void test_names(void)
{
	sigil_config *sc = sigil_config_new();
	char *crt, *key;
	const char *names[] = { "one.test", "*.two.test", "10.0.0.1" };
	CHECK(make("one.test", names, 3, SG_KEY_EC_P256, false, &crt, &key) == 0);
	CHECK(sigil_config_add_cert_key_pem(sc, crt, strlen(crt), key, strlen(key)) == 0);
	free(crt);
	free(key);
	CHECK(make("nosan.test", NULL, 0, SG_KEY_EC_P256, false, &crt, &key) == 0);
	CHECK(sigil_config_add_cert_key_pem(sc, crt, strlen(crt), key, strlen(key)) == 0);
	free(crt);
	free(key);
	const sg_certkey *a = &sc->certs[0], *b = &sc->certs[1];
	CHECK(a->nnames == 2 && a->nwild == 1);
	CHECK(a->names && a->names[0].len == 8 && memcmp(a->names[0].p, "one.test", 8) == 0 && !a->names[0].wild);
	CHECK(a->names[1].wild && a->names[1].hash == sg_name_hash((const uint8_t *)".TWO.test", 9));
	CHECK(a->names[0].hash == sg_name_hash((const uint8_t *)"One.Test", 8));
	CHECK(b->nnames == 0 && b->names == NULL);
	char why[1200];
	/* The CN is never a name: nosan.test gets the default. */
	CHECK(connect_to(sc, "nosan.test", NULL, NULL, why, sizeof why) == 0);
	CHECK(connect_to(sc, "x.two.test", NULL, NULL, why, sizeof why) == 0);
	/* A pair that fails to load leaves the config as it was. */
	CHECK(sigil_config_add_cert_key_pem(sc, "junk", 4, "junk", 4) < 0);
	CHECK(sc->ncerts == 2);
	sigil_config_free(sc);
}

int main(void)
{
	make_ca();
	test_choice();
	test_many();
	test_names();
	unlink(ca_path);
	sg_pkey_free(ca_key);
	sg_wr_free(&ca_der);
	return TEST_END();
}

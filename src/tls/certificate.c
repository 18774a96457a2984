/* Certificate and CertificateRequest, RFC 8446 4.4.2 and 4.3.2, and the
 * choice of our own certificate and signature scheme. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"
#include "der/der.h"
#include "x509/x509.h"

/* TLS 1.2 (RFC 5246 7.4.1.4.1) allows PKCS#1 v1.5, and its ECDSA
 * schemes name only the hash, for a key on any curve. */
static bool scheme_fits(const sigil_conn *c, const sg_sigscheme *s, const sg_certkey *ck)
{
	if (s && c->version == SG_TLS12 && s->kind == SG_SIG_ECDSA)
		return ck->type == SG_KEY_EC_P256 || ck->type == SG_KEY_EC_P384 || ck->type == SG_KEY_EC_P521;
	return s && (s->handshake || c->version == SG_TLS12) && s->key == ck->type;
}

/* Client: does this chain lead to one of the authorities the server
 * named (4.2.4)?  Any issuer in the chain will do. */
static bool chain_fits_cas(const sg_certkey *ck, sg_rd cas)
{
	if (cas.n == 0)
		return true;
	for (size_t i = 0; i < ck->n; i++) {
		sg_x509_cert x;
		char err[8];
		if (sg_x509_cert_parse(&x, ck->chain[i].der, ck->chain[i].len, err, sizeof err) < 0)
			continue;
		sg_rd l = cas, name;
		while (sg_rd_vec16(&l, &name))
			if (sg_x509_name_eq(x.issuer, name) || sg_x509_name_eq(x.subject, name))
				return true;
	}
	return false;
}

/* ---- which of our pairs (the rule is sigil.h's, at
 * sigil_config_add_cert_key_pem) ---- */

/* The host name the client asked for, without one trailing dot, and its
 * length; 0 when it sent none. */
static size_t sni_len(const sigil_conn *c)
{
	size_t n = strlen(c->sni);
	return n && c->sni[n - 1] == '.' ? n - 1 : n;
}

/* Whether one of the pair's names covers the host: exact names when
 * !wild, wildcards when wild (tail: the host from its first dot, and
 * its hash).  Length and hash only skip names that cannot match; the
 * match itself is host.c's (RFC 9525 6.3), the one the client's
 * verifier applies. */
static bool names_cover(const sg_certkey *ck, const char *host, size_t len, uint32_t hash, bool wild)
{
	if (wild ? ck->nwild == 0 : ck->nnames == ck->nwild)
		return false;
	for (size_t i = 0; i < ck->nnames; i++) {
		const sg_certname *e = &ck->names[i];
		if (e->wild == wild && e->hash == hash && (size_t)e->len - wild == len &&
		    sg_x509_dns_match(e->p, e->len, host))
			return true;
	}
	return false;
}

/* The place of the pair's key type in our signature_algorithms: where
 * several pairs serve one name, the one we prefer to sign with comes
 * first (ECDSA before RSA with the default list), whatever the order
 * they were added in. */
static size_t key_rank(const sigil_config *cfg, const sg_certkey *ck)
{
	for (size_t i = 0; i < cfg->nsigalgs; i++) {
		const sg_sigscheme *s = sg_sigscheme_find(cfg->sigalgs[i]);
		if (s && s->handshake && s->key == ck->type)
			return i;
	}
	return cfg->nsigalgs;
}

/* idx[from..n) in key_rank order, stable (the order added on a tie). */
static void rank_sort(const sigil_config *cfg, uint16_t *idx, size_t from, size_t n)
{
	for (size_t i = from + 1; i < n; i++) {
		uint16_t v = idx[i];
		size_t r = key_rank(cfg, &cfg->certs[v]), j = i;
		for (; j > from && key_rank(cfg, &cfg->certs[idx[j - 1]]) > r; j--)
			idx[j] = idx[j - 1];
		idx[j] = v;
	}
}

/* Two pairs with the same names, in the same order: one site's ECDSA
 * and RSA chains. */
static bool same_names(const sg_certkey *a, const sg_certkey *b)
{
	if (a->nnames != b->nnames)
		return false;
	for (size_t i = 0; i < a->nnames; i++)
		if (a->names[i].hash != b->names[i].hash || a->names[i].len != b->names[i].len ||
		    memcmp(a->names[i].p, b->names[i].p, a->names[i].len) != 0)
			return false;
	return true;
}

size_t sg_cert_candidates(const sigil_conn *c, uint16_t *idx, bool *strict)
{
	const sigil_config *cfg = c->cfg;
	size_t n = 0;
	*strict = false;
	if (c->role == SIGIL_CLIENT) {
		for (size_t k = 0; k < cfg->ncerts; k++)
			idx[n++] = (uint16_t)k;
		return n;
	}
	/* RFC 6066 3: the server_name picks the certificate; exact names
	 * first, then wildcards (a name the operator wrote out wins over a
	 * pattern that also covers it). */
	size_t hlen = sni_len(c);
	if (hlen) {
		const uint8_t *h = (const uint8_t *)c->sni;
		const uint8_t *dot = memchr(h, '.', hlen);
		size_t tail = dot ? hlen - (size_t)(dot - h) : 0;
		uint32_t hash[2] = { sg_name_hash(h, hlen), dot ? sg_name_hash(dot, tail) : 0 };
		for (int wild = 0; wild < 2 && n == 0; wild++)
			for (size_t k = 0; k < cfg->ncerts; k++)
				if ((!wild || tail) && names_cover(&cfg->certs[k], c->sni, wild ? tail : hlen,
								   hash[wild], wild))
					idx[n++] = (uint16_t)k;
		if (n) {
			*strict = true;
			rank_sort(cfg, idx, 0, n);
			return n;
		}
	}
	/* No server_name, or one no certificate covers: the default site,
	 * the first pair added and those with its names, then every other
	 * pair in the order added, for a client that can verify none of
	 * the default's. */
	if (cfg->ncerts == 0)
		return 0;
	for (size_t k = 0; k < cfg->ncerts; k++)
		if (same_names(&cfg->certs[k], &cfg->certs[0]))
			idx[n++] = (uint16_t)k;
	rank_sort(cfg, idx, 0, n);
	for (size_t k = 1; k < cfg->ncerts; k++)
		if (!same_names(&cfg->certs[k], &cfg->certs[0]))
			idx[n++] = (uint16_t)k;
	return n;
}

void sg_own_set(sigil_conn *c, const sg_certkey *ck, uint16_t scheme)
{
	c->hs->own = ck;
	c->hs->own_scheme = scheme;
	c->own_cert = (uint16_t)(ck - c->cfg->certs + 1);
}

int sigil_conn_cert_index(const sigil_conn *c)
{
	return c->own_cert ? c->own_cert - 1 : -1;
}

/* The pair lives in the config, which the connection holds a reference
 * to until it is freed. */
const sigil_der *sigil_conn_own_chain(const sigil_conn *c, size_t *n)
{
	if (!c->own_cert) {
		*n = 0;
		return NULL;
	}
	const sg_certkey *ck = &c->cfg->certs[c->own_cert - 1];
	*n = ck->n;
	return ck->chain;
}

/* 4.4.2.2: among the candidates, the first whose key can sign with a
 * scheme the peer accepts, with the first such scheme of ours. */
int sg_choose_certificate(sigil_conn *c)
{
	const sigil_config *cfg = c->cfg;
	sg_hs *hs = c->hs;
	uint16_t idx[SG_MAX_CERTKEYS];
	bool strict;
	size_t n = sg_cert_candidates(c, idx, &strict);
	for (size_t j = 0; j < n; j++) {
		const sg_certkey *ck = &cfg->certs[idx[j]];
		for (size_t i = 0; i < cfg->nsigalgs; i++) {
			const sg_sigscheme *s = sg_sigscheme_find(cfg->sigalgs[i]);
			if (!scheme_fits(c, s, ck))
				continue;
			if (c->role == SIGIL_CLIENT && !chain_fits_cas(ck, hs->ca_names))
				break;
			for (size_t m = 0; m < hs->npeer_sigalgs; m++)
				if (hs->peer_sigalgs[m] == s->id) {
					sg_own_set(c, ck, s->id);
					return 0;
				}
		}
	}
	if (c->role == SIGIL_CLIENT)
		return 0;       /* we answer with an empty Certificate */
	if (cfg->ncerts == 0)
		return sg_fail(c, SIGIL_ECLASS_USAGE, SIGIL_ALERT_INTERNAL_ERROR,
			       "the server has no certificate configured");
	if (strict)
		return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE,
				"none of our certificates for %s can sign with a signature algorithm the client "
				"accepts", c->sni);
	return SG_ALERT(c, SIGIL_ALERT_HANDSHAKE_FAILURE,
			"none of our certificates can sign with a signature algorithm the client accepts");
}

int sg_certificate_send(sigil_conn *c, sg_wr *w)
{
	if (c->version == SG_TLS12)
		return sg_tls12_certificate_send(c, w);
	sg_hs *hs = c->hs;
	/* certificate_request_context: empty for the server, the request's
	 * for a client. */
	sg_wr_u8(w, (uint8_t)hs->cr_context_len);
	sg_wr_bytes(w, hs->cr_context, hs->cr_context_len);
	sg_wr_mark list = sg_wr_open(w, 3);
	if (hs->own)
		for (size_t i = 0; i < hs->own->n; i++) {
			sg_wr_u24(w, (uint32_t)hs->own->chain[i].len);
			sg_wr_bytes(w, hs->own->chain[i].der, hs->own->chain[i].len);
			if (sg_ext_build(c, SG_MSG_CT, w) < 0)
				return SIGIL_ERROR;
		}
	sg_wr_close(w, list);
	/* A client with a certificate also sends CertificateVerify. */
	if (c->role == SIGIL_CLIENT && hs->own)
		hs->flags |= SG_HS_CCV;
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "Certificate");
}

/* The built-in verifier: RFC 5280 path validation against the config's
 * anchors, for the server's name (client) or the clientAuth purpose. */
static int builtin_verify(sigil_conn *c)
{
	const sigil_config *cfg = c->cfg;
	if (!cfg->trust) {
		char why[256] = "no trust anchors are configured";
		if (c->role == SIGIL_CLIENT && sg_config_default_trust(c->cfg, why, sizeof why) == 0 && cfg->trust)
			return builtin_verify(c);
		return sg_fail(c, SIGIL_ECLASS_VERIFY, SIGIL_ALERT_UNKNOWN_CA, "certificate verify failed: %s", why);
	}
	sg_rd chain[SIGIL_MAX_CHAIN];
	for (size_t i = 0; i < c->npeer; i++)
		sg_rd_init(&chain[i], c->peer_chain[i].der, c->peer_chain[i].len);
	sg_x509_verify_opts o = {
		.host = c->role == SIGIL_CLIENT && c->sni[0] ? c->sni : NULL,
		.purpose = c->role == SIGIL_CLIENT ? SG_X509_PURPOSE_SERVER : SG_X509_PURPOSE_CLIENT,
		.crls = cfg->crls,
		.crl_required = cfg->crl_required,
		.pins = cfg->pins,
	};
	sg_x509_result *res = malloc(sizeof *res);      /* large: not on the stack */
	if (!res)
		return SG_INTERNAL(c, "out of memory");
	int ret = 0;
	if (sg_x509_verify(cfg->trust, chain, c->npeer, &o, res) < 0 || !res->ok)
		ret = sg_fail(c, SIGIL_ECLASS_VERIFY, res->alert ? res->alert : SIGIL_ALERT_BAD_CERTIFICATE,
			      "certificate verify failed: %s", res->reason);
	free(res);
	return ret;
}

static int verify_chain(sigil_conn *c)
{
	const sigil_config *cfg = c->cfg;
	if (cfg->insecure)
		return 0;
	if (!cfg->verify)
		return builtin_verify(c);
	sigil_verify_result res = { SIGIL_ALERT_BAD_CERTIFICATE, "" };
	const char *host = c->role == SIGIL_CLIENT && c->sni[0] ? c->sni : NULL;
	if (cfg->verify(cfg->verify_arg, host, c->peer_chain, c->npeer, &res) != 0)
		return sg_fail(c, SIGIL_ECLASS_VERIFY, res.alert ? res.alert : SIGIL_ALERT_BAD_CERTIFICATE,
			       "certificate verify failed: %s", res.reason[0] ? res.reason : "refused by the verifier");
	return 0;
}

int sg_certificate_recv(sigil_conn *c, sg_rd *r)
{
	/* TLS 1.2: a server reading its client's (a client reads the
	 * server's through SG_M_SCERT12, tls12_client.c). */
	if (c->version == SG_TLS12)
		return c->role == SIGIL_SERVER ? sg_tls12_client_certificate_recv(c, r) :
						 SG_INTERNAL(c, "TLS 1.2 Certificate");
	sg_hs *hs = c->hs;
	sg_rd ctx, list;
	if (!sg_rd_vec8(r, &ctx) || !sg_rd_vec24(r, &list) || !sg_rd_done(r))
		return SG_DECODE(c, "Certificate");
	/* 4.4.2: the server's context is empty; a client echoes ours. */
	if (ctx.n != hs->cr_context_len || (ctx.n && memcmp(ctx.p, hs->cr_context, ctx.n) != 0))
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER, "wrong certificate_request_context");

	sg_rd certs[SIGIL_MAX_CHAIN];
	size_t n = 0;
	while (!sg_rd_done(&list)) {
		sg_rd der, exts;
		if (!sg_rd_vec24(&list, &der) || sg_rd_done(&der) || !sg_rd_vec16(&list, &exts))
			return SG_DECODE(c, "Certificate entry");
		if (n == SIGIL_MAX_CHAIN)
			return SG_ALERT(c, SIGIL_ALERT_BAD_CERTIFICATE,
					"the peer's certificate chain has more than %d certificates", SIGIL_MAX_CHAIN);
		if (sg_ext_process(c, SG_MSG_CT, exts, NULL) < 0)
			return SIGIL_ERROR;
		certs[n++] = der;
	}
	if (n == 0) {
		if (c->role == SIGIL_CLIENT)
			return SG_ALERT(c, SIGIL_ALERT_DECODE_ERROR, "the server sent an empty certificate chain");
		/* 4.4.2.4: a client without a certificate. */
		if (c->cfg->client_auth == SIGIL_CLIENT_AUTH_REQUIRE)
			return SG_ALERT(c, SIGIL_ALERT_CERTIFICATE_REQUIRED,
					"the client sent no certificate, and one is required");
		return 0;
	}

	if (sg_peer_chain_accept(c, certs, n) < 0)
		return SIGIL_ERROR;
	hs->peer_sent_cert = true;
	if (c->role == SIGIL_SERVER)
		hs->flags |= SG_HS_CCV;
	return 0;
}

int sg_peer_chain_accept(sigil_conn *c, const sg_rd *certs, size_t n)
{
	sg_hs *hs = c->hs;
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += certs[i].n;
	free(c->peer_der);
	c->peer_der = malloc(total);
	if (!c->peer_der)
		return SG_INTERNAL(c, "out of memory");
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(c->peer_der + off, certs[i].p, certs[i].n);
		c->peer_chain[i].der = c->peer_der + off;
		c->peer_chain[i].len = certs[i].n;
		off += certs[i].n;
	}
	c->npeer = n;

	sg_x509_cert leaf;
	char why[256];
	if (sg_x509_cert_parse(&leaf, c->peer_chain[0].der, c->peer_chain[0].len, why, sizeof why) < 0)
		return SG_ALERT(c, SIGIL_ALERT_BAD_CERTIFICATE, "the peer's certificate cannot be parsed: %s", why);
	hs->peer_key = sg_pkey_public_from_spki(leaf.spki.p, leaf.spki.n);
	if (!hs->peer_key)
		return SG_ALERT(c, SIGIL_ALERT_UNSUPPORTED_CERTIFICATE,
				"the peer's certificate has a public key sigil cannot use");
	return verify_chain(c);
}

int sg_certificate_request_send(sigil_conn *c, sg_wr *w)
{
	if (c->version == SG_TLS12)
		return sg_tls12_certificate_request_send(c, w);
	sg_wr_u8(w, 0);                         /* empty context in the handshake */
	return sg_ext_build(c, SG_MSG_CR, w);
}

/* The extensions of a CertificateRequest, in the handshake or after it
 * (4.6.2): signature_algorithms is required (4.3.2). */
int sg_certificate_request_extensions(sigil_conn *c, sg_rd exts)
{
	sg_ext_block ext;
	c->hs->npeer_sigalgs = 0;
	if (sg_ext_process(c, SG_MSG_CR, exts, &ext) < 0)
		return SIGIL_ERROR;
	if (!sg_ext_has(&ext, SG_EXT_SIGNATURE_ALGORITHMS))
		return SG_ALERT(c, SIGIL_ALERT_MISSING_EXTENSION, "CertificateRequest without signature_algorithms");
	return 0;
}

int sg_certificate_request_recv(sigil_conn *c, sg_rd *r)
{
	if (c->version == SG_TLS12)
		return sg_tls12_certificate_request_recv(c, r);
	sg_rd ctx, exts;
	if (!sg_rd_vec8(r, &ctx) || !sg_rd_vec16(r, &exts) || !sg_rd_done(r))
		return SG_DECODE(c, "CertificateRequest");
	/* 4.3.2: empty in the handshake. */
	if (ctx.n != 0)
		return SG_ALERT(c, SIGIL_ALERT_ILLEGAL_PARAMETER,
				"CertificateRequest in the handshake with a non-empty context");
	if (sg_certificate_request_extensions(c, exts) < 0)
		return SIGIL_ERROR;
	return sg_choose_certificate(c);
}

int sigil_conn_peer_identity(const sigil_conn *c, sigil_peer_identity *id)
{
	sg_x509_cert x;
	char err[8];
	uint8_t h[32];
	memset(id, 0, sizeof *id);
	if (!c->npeer || (c->state & SIGIL_ST_FAILED) ||
	    sg_x509_cert_parse(&x, c->peer_chain[0].der, c->peer_chain[0].len, err, sizeof err) < 0)
		return SIGIL_ERROR;
	if (sg_x509_name_to_string(x.subject, id->subject, sizeof id->subject) < 0 ||
	    sg_x509_san_to_string(&x, id->san, sizeof id->san) < 0 || sg_hash(&sg_sha256, x.spki.p, x.spki.n, h) < 0 ||
	    sg_base64_encode(h, sizeof h, id->spki_sha256, sizeof id->spki_sha256) < 0)
		return SIGIL_ERROR;
	/* The serial without the sign-padding zero byte. */
	size_t i = x.serial.n > 1 && x.serial.p[0] == 0 ? 1 : 0, o = 0;
	for (; i < x.serial.n && o + 3 <= sizeof id->serial; i++)
		o += (size_t)snprintf(id->serial + o, sizeof id->serial - o, "%02x", x.serial.p[i]);
	return SIGIL_OK;
}

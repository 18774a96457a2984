/*
 * Start-up: fetch every digest and cipher once.  In libcrypto 3 an
 * implicit fetch (EVP_sha256(), EVP_DigestInit by name) costs a lock and a
 * hash lookup per call; fetching once and keeping the objects here is the
 * only global state of sigil, written once under pthread_once.
 */
#include "crypto/internal.h"

#include <openssl/err.h>
#include <pthread.h>

const sg_hash_class sg_sha256 = { "SHA-256", 32, 64, 0 };
const sg_hash_class sg_sha384 = { "SHA-384", 48, 128, 1 };
const sg_hash_class sg_sha512 = { "SHA-512", 64, 128, 2 };

const sg_aead_class sg_aes128gcm = { "AES-128-GCM", 16, 0 };
const sg_aead_class sg_aes256gcm = { "AES-256-GCM", 32, 1 };
const sg_aead_class sg_chacha20poly1305 = { "ChaCha20-Poly1305", 32, 2 };

#define N_MD 3
#define N_CIPHER 3

static const char *const md_names[N_MD] = { "SHA2-256", "SHA2-384", "SHA2-512" };
static const char *const cipher_names[N_CIPHER] = {
	"AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305",
};
/* Indexed by enum sg_keccak. */
static const char *const keccak_names[SG_N_KECCAK] = {
	"SHA3-256", "SHA3-512", "SHAKE128", "SHAKE256",
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static EVP_MD *mds[N_MD];
static EVP_CIPHER *ciphers[N_CIPHER];
static EVP_MD *keccaks[SG_N_KECCAK];
static bool init_ok;

/*
 * Per-thread contexts, made on a thread's first use and freed when it
 * exits.  Creating an EVP_MD_CTX or EVP_PKEY_CTX takes atomic reference
 * counts on the shared fetched algorithm and, for key contexts, libcrypto's
 * store locks: measured on two threads (bench/threads.c), these shared
 * cache lines cost each handshake about 10% more CPU than on one thread.
 * A context kept by its thread touches nothing shared.
 */
struct scratch {
	EVP_MD_CTX *md[N_MD];
	EVP_PKEY_CTX *x25519_gen;
	EVP_MD_CTX *keccak[SG_N_KECCAK];
};
static pthread_key_t scratch_key;
static bool scratch_key_ok;
static __thread struct scratch *scratch;

static void scratch_free(void *p)
{
	struct scratch *s = p;
	if (!s)
		return;
	for (int i = 0; i < N_MD; i++)
		EVP_MD_CTX_free(s->md[i]);
	EVP_PKEY_CTX_free(s->x25519_gen);
	for (int i = 0; i < SG_N_KECCAK; i++)
		EVP_MD_CTX_free(s->keccak[i]);
	free(s);
	scratch = NULL;
}

static struct scratch *scratch_get(void)
{
	if (scratch)
		return scratch;
	if (sg_crypto_init() != 0 || !scratch_key_ok)
		return NULL;
	struct scratch *s = calloc(1, sizeof(*s));
	if (!s || pthread_setspecific(scratch_key, s) != 0) {
		free(s);
		return NULL;
	}
	return scratch = s;
}

EVP_MD_CTX *sg_thread_md_ctx(const sg_hash_class *h)
{
	const EVP_MD *md = sg_evp_md(h);
	struct scratch *s = md ? scratch_get() : NULL;
	if (!s)
		return NULL;
	if (!s->md[h->id]) {
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		if (!c || EVP_DigestInit_ex2(c, md, NULL) != 1) {
			EVP_MD_CTX_free(c);
			ERR_clear_error();
			return NULL;
		}
		s->md[h->id] = c;
	}
	return s->md[h->id];
}

EVP_PKEY_CTX *sg_thread_x25519_gen(void)
{
	struct scratch *s = scratch_get();
	if (!s)
		return NULL;
	if (!s->x25519_gen) {
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
		if (!c || EVP_PKEY_keygen_init(c) != 1) {
			EVP_PKEY_CTX_free(c);
			ERR_clear_error();
			return NULL;
		}
		s->x25519_gen = c;
	}
	return s->x25519_gen;
}

EVP_MD_CTX *sg_thread_keccak_ctx(enum sg_keccak alg)
{
	struct scratch *s = (unsigned)alg < SG_N_KECCAK ? scratch_get() : NULL;
	if (!s)
		return NULL;
	if (!s->keccak[alg])
		s->keccak[alg] = EVP_MD_CTX_new();
	return s->keccak[alg];
}

static void do_init(void)
{
	scratch_key_ok = pthread_key_create(&scratch_key, scratch_free) == 0;
	for (int i = 0; i < N_MD; i++)
		if (!(mds[i] = EVP_MD_fetch(NULL, md_names[i], NULL)))
			goto err;
	for (int i = 0; i < N_CIPHER; i++)
		if (!(ciphers[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL)))
			goto err;
	for (int i = 0; i < SG_N_KECCAK; i++)
		if (!(keccaks[i] = EVP_MD_fetch(NULL, keccak_names[i], NULL)))
			goto err;
	init_ok = true;
	return;
err:
	/* All or nothing: a half-initialised table would fail later in
	 * confusing places. */
	for (int i = 0; i < N_MD; i++) {
		EVP_MD_free(mds[i]);
		mds[i] = NULL;
	}
	for (int i = 0; i < N_CIPHER; i++) {
		EVP_CIPHER_free(ciphers[i]);
		ciphers[i] = NULL;
	}
	for (int i = 0; i < SG_N_KECCAK; i++) {
		EVP_MD_free(keccaks[i]);
		keccaks[i] = NULL;
	}
	ERR_clear_error();
}

int sg_crypto_init(void)
{
	if (pthread_once(&init_once, do_init) != 0)
		return -1;
	return init_ok ? 0 : -1;
}

const EVP_MD *sg_evp_md(const sg_hash_class *h)
{
	if (!h || h->id < 0 || h->id >= N_MD || sg_crypto_init() != 0)
		return NULL;
	return mds[h->id];
}

const EVP_CIPHER *sg_evp_cipher(const sg_aead_class *a)
{
	if (!a || a->id < 0 || a->id >= N_CIPHER || sg_crypto_init() != 0)
		return NULL;
	return ciphers[a->id];
}

const EVP_MD *sg_evp_keccak(enum sg_keccak alg)
{
	if ((unsigned)alg >= SG_N_KECCAK || sg_crypto_init() != 0)
		return NULL;
	return keccaks[alg];
}

void sg_evp_clear_errors(void)
{
	ERR_clear_error();
}

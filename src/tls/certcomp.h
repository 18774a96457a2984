/*
 * Certificate compression (RFC 8879) as the tools see it; not installed
 * (the public API has no call for it yet: sigil.h).  The rest is in
 * tls.h and certcomp.c.
 */
#ifndef SG_CERTCOMP_H
#define SG_CERTCOMP_H

#include "sigil.h"

/* The algorithm the server's Certificate came compressed with on this
 * connection ("brotli", "zstd", "zlib": the one the server sent, or the
 * client received), or NULL when it went plain. */
const char *sg_conn_cert_compression(const sigil_conn *c);

#endif

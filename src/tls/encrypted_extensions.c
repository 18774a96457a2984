/* EncryptedExtensions, RFC 8446 4.3.1. */
#include "tls/tls.h"

int sg_encrypted_extensions_send(sigil_conn *c, sg_wr *w)
{
	return sg_ext_build(c, SG_MSG_EE, w);
}

int sg_encrypted_extensions_recv(sigil_conn *c, sg_rd *r)
{
	sg_rd exts;
	if (!sg_rd_vec16(r, &exts) || !sg_rd_done(r))
		return SG_DECODE(c, "EncryptedExtensions");
	return sg_ext_process(c, SG_MSG_EE, exts, NULL);
}

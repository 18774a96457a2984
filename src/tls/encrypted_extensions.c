/* EncryptedExtensions, RFC 8446 4.3.1. */
#include "tls/tls.h"

int sg_encrypted_extensions_send(sigil_conn *c, sg_wr *w)
{
	sg_wr_mark m = sg_wr_open(w, 2);
	if (sg_ext_build_ee(c, w) < 0)
		return SIGIL_ERROR;
	sg_wr_close(w, m);
	return sg_wr_ok(w) ? 0 : SG_INTERNAL(c, "EncryptedExtensions");
}

int sg_encrypted_extensions_recv(sigil_conn *c, sg_rd *r)
{
	sg_rd exts;
	if (!sg_rd_vec16(r, &exts) || !sg_rd_done(r))
		return SG_DECODE(c, "EncryptedExtensions");
	return sg_ext_process(c, SG_IN_EE, &exts);
}

/* Helpers shared between the files of src/x509 (not for other layers). */
#ifndef SG_X509_INTERNAL_H
#define SG_X509_INTERNAL_H

#include "der/der.h"
#include "x509/x509.h"

/* Parses an AlgorithmIdentifier TLV of a signature into *a (known=false
 * for an algorithm we do not implement). False only when malformed. */
bool sg_x509_parse_sigalg(sg_rd alg, sg_x509_sigalg *a);
/* Verifies sig over msg with the key of spki (whole TLV): 0 ok. */
int sg_x509_check_sig(sg_rd spki, const sg_x509_sigalg *a, sg_rd msg, sg_rd sig);
/* Formats an INTEGER content as 0x.. hex (leading zero byte dropped). */
void sg_x509_serial_hex(sg_rd serial, char *out, size_t cap);
/* Unix time now. */
int64_t sg_x509_now(void);

#endif

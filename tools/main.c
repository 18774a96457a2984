/* Minimal dispatcher for the x509 branch; the real main.c replaces it. */
#include <stdio.h>
#include <string.h>

#include "tools.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return do_verify(argc - 1, argv + 1);
	fprintf(stderr, "usage: sigil verify CERT.pem [options]\n");
	return 2;
}

/* Placeholder until the X.509 validator lands: sigil verify. */
#include <stdio.h>
#include "tools.h"
int do_verify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "sigil verify: not built yet\n");
	return 2;
}

/* The version of the sigil program: the one place it is written.  A
 * build may set it instead (-DSIGIL_TOOLS_VERSION=\"...\"). */
#ifndef SG_TOOLS_VERSION_H
#define SG_TOOLS_VERSION_H

#ifndef SIGIL_TOOLS_VERSION
#define SIGIL_TOOLS_VERSION "0.1.0"
#endif

#endif

#ifndef SIGIL_TOOLS_H
#define SIGIL_TOOLS_H
int do_verify(int argc, char **argv);
#endif

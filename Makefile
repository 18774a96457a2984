# sigil — POSIX-ish make (GNU make). `make` builds the library and the CLI,
# `make check` runs every test and ends with "N passed, N failed",
# `make asan` runs the same suite under AddressSanitizer + UBSan.
CC      ?= cc
BUILD   ?= build
OPT     ?= -O2 -g
WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wpointer-arith -Wvla -Wformat=2
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -fPIC -Iinclude -Isrc $(EXTRA_CFLAGS)
# Certificate compression (RFC 8879, src/tls/certcomp.c).
COMP_LDLIBS = -lbrotlienc -lbrotlidec -lz -lzstd
LDLIBS  += -lcrypto $(COMP_LDLIBS) -lsqlite3 -lpthread
# What the library itself needs (the tools add sqlite3 for the CA).
LIB_LDLIBS = -lcrypto $(COMP_LDLIBS) -lpthread

# The version of libsigil, set here only: the shared library's file name
# (libsigil.so.$(VERSION)), its soname (libsigil.so.MAJOR) and sigil.pc.
# The exported symbols are recorded in abi/; changing them means updating
# that record and this number in the same commit (abi/README):
#   MAJOR  a function removed or its signature changed, a public struct or
#          enum changed (a new soname: programs must be rebuilt)
#   MINOR  functions added (programs built before keep working)
#   PATCH  a release with the same ABI
VERSION = 0.3.0
SOMAJOR = $(firstword $(subst ., ,$(VERSION)))
SONAME  = libsigil.so.$(SOMAJOR)
SOFILE  = libsigil.so.$(VERSION)

# Installation (GNU conventions; DESTDIR stages the tree for a package).
PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR       ?= $(PREFIX)/share/man
MAN1DIR      ?= $(MANDIR)/man1
INSTALL      ?= install

LIB_SRCS   := $(sort $(wildcard src/*/*.c))
TOOL_SRCS  := $(sort $(wildcard tools/*.c tools/*/*.c))
UNIT_SRCS  := $(sort $(wildcard tests/unit/*_test.c))
TSUP_SRCS  := $(sort $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c)))
HELPER_SRCS:= $(sort $(wildcard tests/tools/*.c))
BANK_SRCS  := $(sort $(wildcard bank/*.c))

LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TOOL_OBJS  := $(TOOL_SRCS:%.c=$(BUILD)/%.o)
TSUP_OBJS  := $(TSUP_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_BINS:= $(HELPER_SRCS:tests/tools/%.c=$(BUILD)/tests/%)
BANK_OBJS  := $(BANK_SRCS:%.c=$(BUILD)/%.o)
# The parts of the bank that tests/unit/bank_test.c tests, linked into it.
BANK_TESTED_OBJS := $(BUILD)/bank/ledger.o $(BUILD)/bank/money.o $(BUILD)/bank/identity.o
MAN_SRCS   := $(sort $(wildcard man/*.1.in))
MAN_PAGES  := $(MAN_SRCS:man/%.in=$(BUILD)/man/%)

all: $(BUILD)/libsigil.a $(BUILD)/libsigil.so $(BUILD)/sigil $(BUILD)/sigil-bank

# The library's objects see only the public API as visible (sigil.h marks
# it); the compiler then knows every sg_* call stays inside the library
# (direct calls, no interposition through the PLT in libsigil.so).
$(LIB_OBJS): CFLAGS += -fvisibility=hidden
# Flags live here: objects made with other flags must not survive an edit.
$(LIB_OBJS): Makefile

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libsigil.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# libsigil.so.$(VERSION) with the soname libsigil.so.MAJOR, exporting the
# sigil_* functions only, under the version node of src/sigil.map.
# --no-undefined makes a missing library a link error here rather than in
# the program that loads us; sanitizer builds leave their runtime's symbols
# to the executable, so they go without it.
SO_LDFLAGS = -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/sigil.map \
             $(if $(findstring sanitize,$(LDFLAGS)),,-Wl,--no-undefined)
$(BUILD)/$(SOFILE): $(LIB_OBJS) src/sigil.map
	$(CC) $(SO_LDFLAGS) -o $@ $(LIB_OBJS) $(LDFLAGS) $(LIB_LDLIBS)

$(BUILD)/libsigil.so: $(BUILD)/$(SOFILE)
	ln -sf $(SOFILE) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@

$(BUILD)/sigil: $(TOOL_OBJS) $(BUILD)/libsigil.a
	$(CC) $(CFLAGS) -o $@ $(TOOL_OBJS) $(BUILD)/libsigil.a $(LDFLAGS) $(LDLIBS) -lnghttp2

# The demonstration bank (bank/, docs/bank.md): src/http and src/bytes
# from the library, SQLite for the ledger.
$(BUILD)/sigil-bank: $(BANK_OBJS) $(BUILD)/libsigil.a
	$(CC) $(CFLAGS) -o $@ $(BANK_OBJS) $(BUILD)/libsigil.a $(LDFLAGS) $(LDLIBS) -lm

$(BUILD)/tests/%: tests/unit/%.c $(TSUP_OBJS) $(BUILD)/libsigil.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(TSUP_OBJS) $(UNIT_OBJS) $(BUILD)/libsigil.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/bank_test: $(BANK_TESTED_OBJS)
$(BUILD)/tests/bank_test: UNIT_OBJS = $(BANK_TESTED_OBJS)
$(BUILD)/tests/bank_test: CFLAGS += -Ibank

$(BUILD)/tests/%: tests/tools/%.c $(TSUP_OBJS) $(BUILD)/libsigil.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(TSUP_OBJS) $(BUILD)/libsigil.a $(LDFLAGS) $(LDLIBS)

tests: all $(UNIT_BINS) $(HELPER_BINS) man

# make man: the pages sigil(1), sigil-serve(1), ... into $(BUILD)/man.  The
# prose of each is man/PAGE.1.in; its OPTIONS and EXIT STATUS come from the
# program's own option and exit tables (sigil CMD --help-man, see
# man/gen.sh), so a page cannot miss an option or show another default.
# tests/cli/man.sh checks them (with groff's warnings on).
man: $(MAN_PAGES)
$(BUILD)/man/%: man/%.in man/gen.sh $(BUILD)/sigil
	@mkdir -p $(dir $@)
	@echo "  MAN $@"; sh man/gen.sh $(BUILD)/sigil $< >$@.tmp && mv $@.tmp $@

# The README's first command: the local secure web site, with a development
# CA made on first run (in $$SIGIL_HOME, default ~/.local/share/sigil).
# With it, the demonstration bank (docs/bank.md) behind --proxy /bank/ on a
# Unix socket, and on first run alice's client certificate and a CRL.
RUN_HOME = $${SIGIL_HOME:-$$HOME/.local/share/sigil}
run: all
	@H=$(RUN_HOME); set -e; mkdir -p "$$H/client" "$$H/bank"; chmod 700 "$$H/client" "$$H/bank"; \
	$(BUILD)/sigil ca dev "$$H" >/dev/null; \
	if [ ! -f "$$H/client/alice.p12" ]; then \
		$(BUILD)/sigil ca issue "$$H/ca" --client alice --p12 --out "$$H/client/alice"; \
		echo "Import $$H/client/alice.p12 into your browser (Chromium: chrome://settings/certificates,"; \
		echo "  Your certificates, Import; Firefox: Settings, Certificates, Your Certificates, Import)"; \
		echo "  with the password above, then open https://localhost:8443/bank/"; \
	fi; \
	[ -f "$$H/ca/crl.pem" ] || $(BUILD)/sigil ca crl "$$H/ca" --out "$$H/ca/crl.pem" >/dev/null; \
	[ -f "$$H/bank/csrf.key" ] || (umask 077; openssl rand -hex 32 >"$$H/bank/csrf.key"); \
	$(BUILD)/sigil-bank --listen "unix:$$H/bank/bank.sock" --db "$$H/bank/bank.db" --prefix /bank/ \
		--secret-file "$$H/bank/csrf.key" & BANK=$$!; \
	trap 'kill $$BANK 2>/dev/null' EXIT INT TERM; \
	$(BUILD)/sigil serve --client-ca "$$H/ca/root.crt" --request-client-cert --client-crl "$$H/ca/crl.pem" \
		--proxy "/bank/=unix:$$H/bank/bank.sock" $(SERVE_ARGS)

# The test command of the README.
check: tests
	@BUILD=$(BUILD) sh tests/run.sh

# The long runs make check leaves out (a few minutes): a million random
# X25519 private keys against libcrypto, and RFC 7748 5.2's iterated
# vector to 1,000,000 iterations (tests/unit/x25519_test.c).
check-slow: tests
	@SIGIL_TESTDATA=$(CURDIR)/tests/data BUILD=$(BUILD) X25519_DIFF_N=1000000 X25519_ITER_N=1000000 \
	  $(BUILD)/tests/x25519_test

asan:
	$(MAKE) BUILD=build-asan CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" check

# valgrind memcheck with a full leak check (slow): every unit test, then
# the interop and mutual-TLS scripts with sigil's own programs (sigil,
# tlspeer) under memcheck through SIGIL_WRAP (tests/interop/lib.sh; their
# time limits are multiplied by VG_TMUL).  Each process writes its own log
# in $(BUILD)/valgrind/; any memcheck error or definite/indirect leak in
# any of them fails, as does any failed check of a script.  VG_UNITS and
# VG_SCRIPTS choose a part, e.g. make valgrind VG_UNITS= VG_SCRIPTS=tests/interop/resume.sh
VG         = valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99
VG_LOGS    = $(BUILD)/valgrind
VG_TMUL    ?= 10
VG_UNITS   ?= $(UNIT_BINS)
VG_SCRIPTS ?= tests/interop/openssl.sh tests/interop/gnutls.sh tests/interop/curl.sh \
              tests/interop/resume.sh tests/mtls/mtls.sh
valgrind: tests
	@rm -rf $(VG_LOGS); mkdir -p $(VG_LOGS)/unit; bad=0; start=$$(date +%s); \
	for t in $(VG_UNITS); do \
	  log=$(VG_LOGS)/unit/$$(basename $$t).log; \
	  if $(VG) -q $$t >/dev/null 2>$$log; then echo "ok   $$t"; \
	  else echo "FAIL $$t"; tail -n 30 $$log; bad=1; fi; done; \
	for s in $(VG_SCRIPTS); do \
	  d=$(VG_LOGS)/$$(basename $$s .sh); mkdir -p $$d; d=$$(cd $$d && pwd); t0=$$(date +%s); \
	  SIGIL_WRAP="$(VG) --log-file=$$d/%p.log" TMUL=$(VG_TMUL) BUILD=$(BUILD) \
	    timeout -k 10 3600 sh $$s >$$d/script.out 2>&1; rc=$$?; \
	  line=$$(grep -E '^[0-9]+ passed, [0-9]+ failed' $$d/script.out | tail -n 1); \
	  n=$$(ls $$d | grep -c '\.log$$'); errs=""; \
	  for l in $$d/*.log; do [ -f "$$l" ] || continue; \
	    if ! grep -q 'ERROR SUMMARY: 0 errors' $$l; then errs="$$errs $$l"; fi; done; \
	  if [ $$rc -ne 0 ] || [ -n "$$errs" ] || [ -z "$$line" ]; then \
	    echo "FAIL $$s: $$line (exit $$rc; $$n processes, memcheck errors in:$${errs:- none})"; \
	    grep -E '^(FAIL|  )' $$d/script.out | head -n 40; \
	    for l in $$errs; do echo "--- $$l"; grep -vE '^==[0-9]+== *$$' $$l | tail -n 40; done; bad=1; \
	  else echo "ok   $$s: $$line, $$n processes clean under memcheck ($$(($$(date +%s) - t0)) s)"; fi; \
	done; echo "make valgrind: $$(($$(date +%s) - start)) s"; exit $$bad

# make install [PREFIX=/usr/local] [DESTDIR=stage]: the program, the
# shared library with its soname and development links, the static
# library, the header, sigil.pc and the man pages (MAN1DIR).  sigil.pc names the final PREFIX, not
# DESTDIR (a staged tree is used with PKG_CONFIG_SYSROOT_DIR).  ldconfig
# runs only for a real install by root.
PC_LIBDIR     = $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))
INSTALLED = $(BINDIR)/sigil $(LIBDIR)/$(SOFILE) $(LIBDIR)/$(SONAME) $(LIBDIR)/libsigil.so \
            $(LIBDIR)/libsigil.a $(INCLUDEDIR)/sigil.h $(PKGCONFIGDIR)/sigil.pc \
            $(addprefix $(MAN1DIR)/,$(notdir $(MAN_PAGES)))
install: all man
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	  $(DESTDIR)$(MAN1DIR)
	$(INSTALL) -m 755 $(BUILD)/sigil $(DESTDIR)$(BINDIR)/sigil
	$(INSTALL) -m 644 $(BUILD)/$(SOFILE) $(DESTDIR)$(LIBDIR)/$(SOFILE)
	ln -sf $(SOFILE) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsigil.so
	$(INSTALL) -m 644 $(BUILD)/libsigil.a $(DESTDIR)$(LIBDIR)/libsigil.a
	$(INSTALL) -m 644 include/sigil.h $(DESTDIR)$(INCLUDEDIR)/sigil.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(PC_LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    sigil.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/sigil.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/sigil.pc
	$(INSTALL) -m 644 $(MAN_PAGES) $(DESTDIR)$(MAN1DIR)/
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null 2>&1; then \
	  echo "ldconfig $(LIBDIR)"; ldconfig $(LIBDIR) || true; fi

# Removes what install put there (files and links; the directories stay,
# they may hold other packages' files).
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

# make abi-update: record the ABI of this build's libsigil.so in abi/ for
# MAJOR.MINOR of VERSION: the exported symbols with their version nodes
# (abi/libsigil-M.N.symbols, nm -D) and, with abigail-tools, the types
# they use (abi/libsigil-M.N.abi, abidw).  A recorded ABI never changes:
# when this build's differs, bump VERSION first (abi/README).  Use the
# default build (gcc, -g) for the record.
ABIVER      = $(word 1,$(subst ., ,$(VERSION))).$(word 2,$(subst ., ,$(VERSION)))
ABI_RECORD  = abi/libsigil-$(ABIVER)
ABIDW_FLAGS = --headers-dir include --drop-private-types --exported-interfaces-only \
              --no-show-locs --no-corpus-path --no-comp-dir-path --type-id-style hash
abi-update: $(BUILD)/$(SOFILE)
	@set -e; rec=$(ABI_RECORD); mkdir -p abi; \
	{ echo "# libsigil $(ABIVER): exported symbols (nm -D --defined-only) with their version"; \
	  echo "# nodes; made by make abi-update, checked by tests/pkg/abi.sh; see abi/README."; \
	  nm -D --defined-only $< | awk '{print $$2, $$3}' | LC_ALL=C sort; } >$$rec.symbols.new; \
	if [ -f $$rec.symbols ] && ! cmp -s $$rec.symbols $$rec.symbols.new; then \
	  diff $$rec.symbols $$rec.symbols.new || true; rm -f $$rec.symbols.new; \
	  echo "$$rec.symbols: the ABI of $(ABIVER) is recorded and this build's differs;"; \
	  echo "a recorded ABI does not change: bump VERSION in the Makefile first (abi/README)."; exit 1; fi; \
	mv $$rec.symbols.new $$rec.symbols; echo "  ABI $$rec.symbols"; \
	if command -v abidw >/dev/null 2>&1; then \
	  abidw $(ABIDW_FLAGS) --out-file $$rec.abi.new $<; \
	  if [ -f $$rec.abi ] && ! abidiff $$rec.abi $$rec.abi.new; then rm -f $$rec.abi.new; \
	    echo "$$rec.abi: the types of the $(ABIVER) ABI changed: bump VERSION first (abi/README)."; exit 1; fi; \
	  if [ -f $$rec.abi ]; then rm -f $$rec.abi.new; else mv $$rec.abi.new $$rec.abi; echo "  ABI $$rec.abi"; fi; \
	else echo "NOTE: abidw (abigail-tools) is not installed: no $$rec.abi"; fi

# make examples: examples/*.c built against the INSTALLED library through
# pkg-config (PKG_CONFIG_PATH, PKG_CONFIG_SYSROOT_DIR for a staged tree),
# never against this source tree; into EXAMPLES_DIR.  EXAMPLES_PC=--static
# links libsigil.a and what sigil.pc says it needs.
PKG_CONFIG   ?= pkg-config
EXAMPLES_DIR ?= $(BUILD)/examples
EXAMPLES_PC  ?=
EXAMPLE_SRCS := $(sort $(wildcard examples/*.c))
EXAMPLE_BINS := $(EXAMPLE_SRCS:examples/%.c=$(EXAMPLES_DIR)/%)
examples: $(EXAMPLE_BINS)
$(EXAMPLES_DIR)/%: examples/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(OPT) $(WARN) $(EXTRA_CFLAGS) $$($(PKG_CONFIG) --cflags sigil) \
	  -o $@ $< $(LDFLAGS) $$($(PKG_CONFIG) $(EXAMPLES_PC) --libs sigil)

clean:
	rm -rf build build-asan build-fuzz

# make -s print-VAR: the value of a variable, for the test scripts.
print-%:
	@echo '$($*)'

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

.PHONY: all tests check check-slow asan clean run valgrind install uninstall examples abi-update man

# Fuzzing (fuzz.mk): make fuzz, make fuzz-smoke.
-include fuzz.mk

# Benchmarks (bench.mk): make bench.
-include bench.mk

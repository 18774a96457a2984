# sigil — POSIX-ish make (GNU make). `make` builds the library and the CLI,
# `make check` runs every test and ends with "N passed, N failed",
# `make asan` runs the same suite under AddressSanitizer + UBSan.
CC      ?= cc
BUILD   ?= build
OPT     ?= -O2 -g
WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wpointer-arith -Wvla -Wformat=2
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -fPIC -Iinclude -Isrc $(EXTRA_CFLAGS)
LDLIBS  += -lcrypto -lsqlite3 -lpthread

LIB_SRCS   := $(sort $(wildcard src/*/*.c))
TOOL_SRCS  := $(sort $(wildcard tools/*.c tools/*/*.c))
UNIT_SRCS  := $(sort $(wildcard tests/unit/*_test.c))
TSUP_SRCS  := $(sort $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c)))
HELPER_SRCS:= $(sort $(wildcard tests/tools/*.c))

LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TOOL_OBJS  := $(TOOL_SRCS:%.c=$(BUILD)/%.o)
TSUP_OBJS  := $(TSUP_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_BINS:= $(HELPER_SRCS:tests/tools/%.c=$(BUILD)/tests/%)

all: $(BUILD)/libsigil.a $(BUILD)/libsigil.so $(BUILD)/sigil

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libsigil.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libsigil.so: $(LIB_OBJS)
	$(CC) -shared -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/sigil: $(TOOL_OBJS) $(BUILD)/libsigil.a
	$(CC) $(CFLAGS) -o $@ $(TOOL_OBJS) $(BUILD)/libsigil.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(TSUP_OBJS) $(BUILD)/libsigil.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(TSUP_OBJS) $(BUILD)/libsigil.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: tests/tools/%.c $(TSUP_OBJS) $(BUILD)/libsigil.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(TSUP_OBJS) $(BUILD)/libsigil.a $(LDFLAGS) $(LDLIBS)

tests: all $(UNIT_BINS) $(HELPER_BINS)

# The README's first command: the local secure web site, with a development
# CA made on first run (in $$SIGIL_HOME, default ~/.local/share/sigil).
run: all
	$(BUILD)/sigil serve $(SERVE_ARGS)

# The test command of the README.
check: tests
	@BUILD=$(BUILD) sh tests/run.sh

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

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

.PHONY: all tests check asan clean run valgrind

# Fuzzing (fuzz.mk): make fuzz, make fuzz-smoke.
-include fuzz.mk

# Benchmarks (bench.mk): make bench.
-include bench.mk

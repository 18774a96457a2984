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
TOOL_SRCS  := $(sort $(wildcard tools/*.c))
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

# Every unit test under valgrind memcheck with a full leak check (slow).
valgrind: tests
	@bad=0; for t in $(BUILD)/tests/*_test; do \
	  if valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	     $$t >/dev/null 2>$(BUILD)/valgrind.log; then echo "ok   $$t"; \
	  else echo "FAIL $$t"; tail -n 30 $(BUILD)/valgrind.log; bad=1; fi; done; exit $$bad

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

.PHONY: all tests check asan clean run valgrind

# Fuzzing (fuzz.mk): make fuzz, make fuzz-smoke.
-include fuzz.mk

# Benchmarks (bench.mk): make bench.
-include bench.mk

# Fuzzing, included by the Makefile.
#   make fuzz                  build every fuzz/fuzz_*.c into build-fuzz/
#   make fuzz-smoke            run each on its seeds fuzz/corpus/<t>/ for
#                              FUZZ_SECONDS (default 30); fails on a crash
#   make fuzz-regress          replay every fuzz/regress/<t>/* once
#   make fuzz-cov              line coverage of src/ reached by the corpora
# Targets are found by the glob, so a new fuzz/fuzz_<x>.c needs nothing
# here; a target without fuzz/corpus/<x>/ starts from an empty corpus.
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=all
# FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION: the libFuzzer convention for
# fuzz-only switches (fuzz_verify skips certificate signatures with it).
FUZZ_CFLAGS  = -std=c11 -D_GNU_SOURCE -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION \
               -g -O1 -fno-omit-frame-pointer $(WARN) \
               -Iinclude -Isrc $(FUZZ_SAN)

FUZZ_SRCS    := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES   := $(FUZZ_SRCS:fuzz/%.c=%)
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/%)
FUZZ_LIBOBJS := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"; $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/libsigil-fuzz.a: $(FUZZ_LIBOBJS)
	@rm -f $@
	ar rcs $@ $^

# Targets depend on every fuzz/*.h (fuzz_common.h) as well.
# Some targets compile tools' sources in (fuzz_h2: tools/serve/*.c).
$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(wildcard fuzz/*.h) $(wildcard tools/serve/*.[ch]) $(FUZZ_BUILD)/libsigil-fuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libsigil-fuzz.a \
	  -lcrypto $(COMP_LDLIBS) -lsqlite3 -lpthread -lnghttp2

fuzz: $(FUZZ_BINS)

# New inputs go to $(FUZZ_BUILD)/corpus/<t> (first directory: libFuzzer
# writes there), never into the committed seeds; crashes to
# $(FUZZ_BUILD)/artifacts/.
fuzz-smoke: fuzz
	@mkdir -p $(FUZZ_BUILD)/artifacts; fail=""; \
	for t in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t; seeds=""; \
	  [ -d fuzz/corpus/$$t ] && seeds=fuzz/corpus/$$t; \
	  echo "  FUZZ  $$t ($(FUZZ_SECONDS)s)"; \
	  if ! $(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	       -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t- \
	       $(FUZZ_BUILD)/corpus/$$t $$seeds >$(FUZZ_BUILD)/$$t.log 2>&1; then \
	    echo "FAIL $$t: see $(FUZZ_BUILD)/$$t.log"; tail -n 40 $(FUZZ_BUILD)/$$t.log; fail="$$fail $$t"; \
	  else \
	    grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' $(FUZZ_BUILD)/$$t.log | \
	      sed 's/^/        /'; \
	  fi; \
	done; \
	[ -z "$$fail" ] || { echo "fuzz-smoke failed:$$fail"; exit 1; }
	@$(MAKE) --no-print-directory fuzz-regress

# Each file under fuzz/regress/<t>/ once through target <t>.
fuzz-regress: fuzz
	@fail=""; for d in fuzz/regress/*/; do \
	  [ -d "$$d" ] || continue; t=$$(basename $$d); \
	  [ -x $(FUZZ_BUILD)/$$t ] || { echo "FAIL regress: no target $$t"; fail="$$fail $$t"; continue; }; \
	  files=$$(find $$d -type f ! -name '*.txt' ! -name '.*' | sort); [ -n "$$files" ] || continue; \
	  if $(FUZZ_BUILD)/$$t $$files >$(FUZZ_BUILD)/regress-$$t.log 2>&1; then \
	    echo "  REGRESS $$t: $$(echo $$files | wc -w) ok"; \
	  else echo "FAIL regress $$t"; tail -n 30 $(FUZZ_BUILD)/regress-$$t.log; fail="$$fail $$t"; fi; \
	done; [ -z "$$fail" ]

# Coverage: the targets rebuilt with clang source coverage (no sanitizers,
# libFuzzer's driver only), run over seeds + corpora gathered by
# fuzz-smoke, merged, summarised for src/.
FUZZ_COV = $(FUZZ_BUILD)/cov
fuzz-cov:
	@mkdir -p $(FUZZ_COV)/prof
	@for t in $(FUZZ_NAMES); do \
	  $(FUZZ_CC) -std=c11 -D_GNU_SOURCE -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -g -O0 -Iinclude -Isrc -fsanitize=fuzzer \
	    -fprofile-instr-generate -fcoverage-mapping -o $(FUZZ_COV)/$$t fuzz/$$t.c $(LIB_SRCS) \
	    -lcrypto $(COMP_LDLIBS) -lsqlite3 -lpthread -lnghttp2 || exit 1; \
	  dirs=""; for d in fuzz/corpus/$$t $(FUZZ_BUILD)/corpus/$$t fuzz/regress/$$t; do \
	    [ -d $$d ] && dirs="$$dirs $$d"; done; \
	  files=$$(find $$dirs -type f ! -name '*.txt' 2>/dev/null); \
	  [ -n "$$files" ] || continue; \
	  echo "$$files" | LLVM_PROFILE_FILE=$(FUZZ_COV)/prof/$$t-%p.profraw \
	    xargs $(FUZZ_COV)/$$t >/dev/null 2>&1; \
	done
	llvm-profdata-14 merge -o $(FUZZ_COV)/all.profdata $(FUZZ_COV)/prof/*.profraw
	@objs=""; for t in $(FUZZ_NAMES); do \
	  if [ -z "$$objs" ]; then objs=$(FUZZ_COV)/$$t; else objs="$$objs -object $(FUZZ_COV)/$$t"; fi; done; \
	llvm-cov-14 report $$objs -instr-profile=$(FUZZ_COV)/all.profdata src | tee $(FUZZ_COV)/report.txt

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)

.PHONY: fuzz fuzz-smoke fuzz-regress fuzz-cov

# bench.mk: `make bench` (issue 9).  The main Makefile pulls this in with
# `-include bench.mk`.  Runs bench/run.sh on loopback with one server
# thread: handshake (shared/bench/compare.sh), bulk, memory, client side.
# Select parts with BENCH_PARTS="hs bulk mem client".  `make bench-profile`
# profiles the server's handshake (callgrind, and perf when it works).
BENCH_PARTS ?=

bench: all
	BUILD=$(BUILD) bash bench/run.sh $(BENCH_PARTS)

bench-profile: all
	BUILD=$(BUILD) bash bench/profile.sh

.PHONY: bench bench-profile

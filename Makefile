# SPDX-License-Identifier: Apache-2.0
#
# Entry points for people and CI. The build itself is Meson (meson.build);
# this file only sequences set-up, build and test steps.
#
#   make            configure (once) and build build/mamori
#   make demo       install Debian packages if missing, build, scan/reach/paths on examples/, HTML report
#   make check      packages, build, full suite plain + ASan/UBSan, format check
#   make test       packages, build, suite once (no sanitizers): fast
#   make format     clang-format -i every C file
#   make fuzz       libFuzzer harnesses with clang in build-fuzz/, FUZZ_TIME s each
#   make bench      bench/run.sh (scan/reach at 10k and 100k instances), then the JSON parser comparison
#   make clean      remove build/, build-asan/, build-fuzz/

MESON ?= meson
NINJA ?= ninja
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 60
FUZZERS = json yaml snapshot host_sshd host_dpkg host_iptables trail_reader trail_sigma trail_falco paths

.PHONY: all build deps demo check test format fuzz bench clean

all: build

# Debian packages; a no-op (no network, no sudo) when all are installed.
deps:
	@scripts/setup-debian.sh

build:
	@if [ ! -f $(BUILD)/build.ninja ]; then $(MESON) setup $(BUILD) || exit 1; fi
	$(NINJA) -C $(BUILD)

# scan exits 1 when it found something at or above --fail-on: that is a
# successful demo. 2 (usage/input) and 3 (runtime) are not.
demo: deps
	@$(MAKE) --no-print-directory build
	@echo; echo '$$ $(BUILD)/mamori scan examples/'
	@$(BUILD)/mamori scan examples/; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo; echo '$$ $(BUILD)/mamori reach examples/'
	@$(BUILD)/mamori reach examples/; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo; echo '$$ $(BUILD)/mamori paths examples/'
	@$(BUILD)/mamori paths examples/; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo; echo '$$ $(BUILD)/mamori scan examples/ --format html -o $(BUILD)/report.html'
	@$(BUILD)/mamori scan examples/ --format html -o $(BUILD)/report.html; rc=$$?; [ $$rc -le 1 ] || exit $$rc

check: deps
	@tests/run-all.sh --build $(BUILD) --asan-build $(ASAN_BUILD)

test: deps
	@tests/run-all.sh --no-asan --build $(BUILD)

format:
	@scripts/format.sh

# Real libFuzzer binaries (clang, -Dfuzz=true); each runs FUZZ_TIME seconds
# from its seed corpus. New inputs go to tests/fuzz/corpus-new/NAME/
# (ignored by git), crashing inputs to tests/fuzz/crashes/NAME/. The snapshot
# fuzzer also starts from Batfish's AWS inputs when ../shared is present.
fuzz: deps
	@if [ ! -f $(FUZZ_BUILD)/build.ninja ]; then \
		CC=clang $(MESON) setup $(FUZZ_BUILD) -Dfuzz=true || exit 1; fi
	$(NINJA) -C $(FUZZ_BUILD) $(foreach f,$(FUZZERS),tests/fuzz/fuzz_$(f))
	@failed=""; for f in $(FUZZERS); do \
		mkdir -p tests/fuzz/corpus-new/$$f tests/fuzz/crashes/$$f; \
		dict=""; [ -f tests/fuzz/$$f.dict ] && dict="-dict=tests/fuzz/$$f.dict"; \
		[ $$f = snapshot ] && [ -f tests/fuzz/json.dict ] && dict="-dict=tests/fuzz/json.dict"; \
		extra=""; [ $$f = snapshot ] && [ -d ../shared/fixtures/batfish ] && \
			extra=../shared/fixtures/batfish; \
		echo "==== fuzz_$$f for $(FUZZ_TIME) s"; \
		$(FUZZ_BUILD)/tests/fuzz/fuzz_$$f -max_total_time=$(FUZZ_TIME) -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 $$dict \
			-artifact_prefix=tests/fuzz/crashes/$$f/ \
			tests/fuzz/corpus-new/$$f tests/fuzz/corpus/$$f $$extra \
			2>$(FUZZ_BUILD)/fuzz_$$f.log || failed="$$failed $$f"; \
		grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)|runtime error|fuzz property failed' \
			$(FUZZ_BUILD)/fuzz_$$f.log || tail -n 20 $(FUZZ_BUILD)/fuzz_$$f.log; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz: crash or error in:$$failed (inputs in tests/fuzz/crashes/, logs in $(FUZZ_BUILD)/)"; \
		exit 1; \
	fi; echo "fuzz: no crash in $(FUZZ_TIME) s per harness"

bench: build
	bash bench/run.sh
	build/bench/json-bench 100 3

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

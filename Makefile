# The two commands a newcomer types (see README.md), plus a few for developers.
# Everything real lives in CMakeLists.txt; this file only installs, configures and calls.
#   make demo    install what is missing, build, run `station demo`
#   make test    install what is missing, build Release (gcc) and ASan+UBSan (clang, with the libFuzzer
#                targets), run ctest on both, then each fuzz target for a few seconds
#   make bench   build and run the benchmarks (by hand; never part of the tests)
#   make fuzz    run every fuzz target longer (FUZZ_SECONDS, default 600 each)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 600
# ctest's parallelism follows the cores: two slots per core. Most short tests take one slot; the tests
# that wait on emulated instruments in real time declare PROCESSORS 2 (CMakeLists.txt), so at most one
# of them runs per core. Timing in tests is only ever checked against generous bounds.
CTEST_JOBS ?= $(shell echo $$(( 2 * $(JOBS) )))
CTEST_FLAGS ?= --output-on-failure -j $(CTEST_JOBS)
# The sanitizer build uses clang when it is there, so the libFuzzer targets are built in the same tree.
ASAN_CC ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo cc)
ASAN_FUZZ = $(if $(filter clang,$(ASAN_CC)),ON,OFF)

.PHONY: all deps npm-deps build build-asan demo test test-release test-asan test-fuzz bench fuzz clean

all: build

deps:
	@sh tools/install-deps.sh

# The official FHIR R4 JSON schema and its validator, for tests/test_fhir.c (npm, into build/npm).
npm-deps: deps
	@sh tools/install-npm-deps.sh $(CURDIR)/build/npm

build: deps
	@cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build/release -j $(JOBS)

build-asan: deps
	@CC=$(ASAN_CC) cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DSTATION_SANITIZE=ON \
		-DSTATION_FUZZ=$(ASAN_FUZZ) >/dev/null
	@cmake --build build/asan -j $(JOBS)

demo: build
	./build/release/station demo

test-release: build npm-deps
	cd build/release && ctest $(CTEST_FLAGS)

test-asan: build-asan npm-deps
	cd build/asan && ctest $(CTEST_FLAGS)

test-fuzz: build-asan
	@sh tools/run-fuzz.sh $(CURDIR)/build/asan 5

test: deps
	@sh tools/check-source.sh
	$(MAKE) --no-print-directory test-release
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-fuzz
	@echo "make test: all passed"

bench: build
	@cmake --build build/release --target benches -j $(JOBS)
	@sh tools/run-bench.sh build/release

fuzz: build-asan
	@sh tools/run-fuzz.sh $(CURDIR)/build/asan $(FUZZ_SECONDS)

clean:
	rm -rf build

# The two commands a newcomer types (see README.md), plus a few for developers.
# Everything real lives in CMakeLists.txt; this file only installs, configures and calls.
#   make demo    install what is missing, build, run `station demo`
#   make test    install what is missing, build Release (gcc) and ASan+UBSan (clang, with the libFuzzer
#                targets), run ctest on both, then each fuzz target for a few seconds
#   make test-tsan  ThreadSanitizer (clang) over the tests where threads meet: the acquisition thread
#                and its pulled cable (acq), the ring (ring), two devices at once (bilateral), the loop's
#                wake-up (wake); part of
#                make test
#   make install install the program, protocols, man page, bash completion and udev rule under PREFIX
#                (default /usr/local; DESTDIR honoured)
#   make bench   build and run the benchmarks (by hand; never part of the tests)
#   make fuzz    run every fuzz target longer (FUZZ_SECONDS, default 600 each)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 600
# ctest's parallelism follows the cores: three slots per core. Most short tests take one slot; the
# tests that wait on emulated instruments in real time (mostly asleep, a few percent of a core each)
# declare PROCESSORS 2 (CMakeLists.txt), so three of them share two cores at most. Timing in tests is
# only ever checked against generous bounds.
CTEST_JOBS ?= $(shell echo $$(( 3 * $(JOBS) )))
CTEST_FLAGS ?= --output-on-failure -j $(CTEST_JOBS)
# The sanitizer build uses clang when it is there, so the libFuzzer targets are built in the same tree.
ASAN_CC ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo cc)
ASAN_FUZZ = $(if $(filter clang,$(ASAN_CC)),ON,OFF)

# The tests ThreadSanitizer runs (ctest names): only these, to stay lean.
TSAN_TESTS = acq ring bilateral wake
TSAN_REGEX = ^(acq|ring|bilateral|wake)$$

.PHONY: all deps npm-deps build build-asan build-tsan demo test test-release test-asan test-tsan test-fuzz bench fuzz clean

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

build-tsan: deps
	@CC=clang cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=Debug -DSTATION_TSAN=ON >/dev/null
	@cmake --build build/tsan -j $(JOBS) --target $(addprefix test_,$(TSAN_TESTS))

demo: build
	./build/release/station demo

# The program, protocols, man page, bash completion and udev rule under PREFIX (DESTDIR honoured).
PREFIX ?= /usr/local
install: build
	@cmake -S . -B build/release -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --install build/release

test-release: build npm-deps
	cd build/release && ctest $(CTEST_FLAGS)

test-asan: build-asan npm-deps
	cd build/asan && ctest $(CTEST_FLAGS)

# A data race or a lock-order problem fails the test (halt_on_error), with both stacks.
test-tsan: build-tsan
	cd build/tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		ctest $(CTEST_FLAGS) -R '$(TSAN_REGEX)'

test-fuzz: build-asan
	@sh tools/run-fuzz.sh $(CURDIR)/build/asan 5

test: deps
	@sh tools/check-source.sh
	$(MAKE) --no-print-directory test-release
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-tsan
	$(MAKE) --no-print-directory test-fuzz
	@echo "make test: all passed"

bench: build
	@cmake --build build/release --target benches -j $(JOBS)
	@sh tools/run-bench.sh build/release

fuzz: build-asan
	@sh tools/run-fuzz.sh $(CURDIR)/build/asan $(FUZZ_SECONDS)

clean:
	rm -rf build

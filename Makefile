# The two commands a newcomer types (see README.md), plus a few for developers.
# Everything real lives in CMakeLists.txt; this file only installs, configures and calls.
#   make demo    install what is missing, build, run `station demo`
#   make test    install what is missing, build Release and ASan+UBSan, run ctest on both, fuzz briefly
#   make bench   build and run the benchmarks (by hand; never part of the tests)
#   make fuzz    run every fuzz target longer (FUZZ_SECONDS, default 600 each)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 600
CTEST_FLAGS ?= --output-on-failure -j $(JOBS)

.PHONY: all deps build build-asan build-fuzz demo test test-release test-asan test-fuzz bench fuzz clean

all: build

deps:
	@sh tools/install-deps.sh

build: deps
	@cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build/release -j $(JOBS)

build-asan: deps
	@cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DSTATION_SANITIZE=ON >/dev/null
	@cmake --build build/asan -j $(JOBS)

build-fuzz: deps
	@CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Debug -DSTATION_SANITIZE=ON -DSTATION_FUZZ=ON >/dev/null
	@cmake --build build/fuzz -j $(JOBS)

demo: build
	./build/release/station demo

test-release: build
	cd build/release && ctest $(CTEST_FLAGS)

test-asan: build-asan
	cd build/asan && ctest $(CTEST_FLAGS)

test-fuzz: build-fuzz
	@sh tools/run-fuzz.sh build/fuzz 10

test: deps
	@sh tools/check-source.sh
	$(MAKE) --no-print-directory test-release
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-fuzz
	@echo "make test: all passed"

bench: build
	@cmake --build build/release --target benches -j $(JOBS)
	@sh tools/run-bench.sh build/release

fuzz: build-fuzz
	@sh tools/run-fuzz.sh build/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build

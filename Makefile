# Convenience wrapper around CMake. `make demo` and `make test` work on a fresh Debian
# machine: they depend on `deps`, which installs missing packages (as root) or says how.
BUILD      ?= build
ASAN_BUILD ?= build-asan
NOBLAS_BUILD ?= build-noblas
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps build test test-native test-noblas demo asan tsan install bench clean docs

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The whole suite twice: on the reference backend, then on the native one (the default).
# The first run logs the kernels the native backend will need (TGRAPH_KERNEL_LOG), `tgraph
# cache build` compiles them in a few batches into the tests' cache ($(BUILD)/tgcache), so
# the native run loads them instead of starting the C compiler once per function
# (docs/native.md). The other suites below run on the reference backend, but for the tests
# named *_native, which cover the native one there too.
KLOG = $(abspath $(BUILD))/kernel-log
test: build
	@rm -rf $(KLOG) && mkdir -m 700 $(KLOG)
	TGRAPH_FLAGS=linker=ref TGRAPH_KERNEL_LOG=$(KLOG) ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -E '_native$$'
	XDG_CACHE_HOME=$(abspath $(BUILD))/tgcache $(BUILD)/tgraph cache build $(KLOG) -j $(JOBS)
	TGRAPH_FLAGS=linker=native ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -E '_native$$'

# The native half of `make test` alone (kernels missing from $(BUILD)/tgcache are compiled
# one function at a time: slow on an empty cache).
test-native: build
	TGRAPH_FLAGS=linker=native ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -E '_native$$'

# The suite again with the built-in gemm instead of OpenBLAS (-DTGRAPH_BLAS=OFF).
test-noblas: deps
	cmake -S . -B $(NOBLAS_BUILD) -DCMAKE_BUILD_TYPE=Release -DTGRAPH_BLAS=OFF $(CMAKE_ARGS)
	cmake --build $(NOBLAS_BUILD) -j $(JOBS)
	TGRAPH_FLAGS=linker=ref ctest --test-dir $(NOBLAS_BUILD) --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTGRAPH_SANITIZE=ON $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	TGRAPH_FLAGS=linker=ref ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# ThreadSanitizer over the tests that run threads.
TSAN_BUILD ?= build-tsan
TSAN_FLAGS = -fsanitize=thread -fno-omit-frame-pointer
tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS="$(TSAN_FLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS="$(TSAN_FLAGS)" -DCMAKE_SHARED_LINKER_FLAGS="$(TSAN_FLAGS)" $(CMAKE_ARGS)
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target test_threads test_function test_config test_updates test_pool
	TSAN_OPTIONS=halt_on_error=1 ctest --test-dir $(TSAN_BUILD) --output-on-failure \
	  -R '^(test_threads|test_function|test_config|test_updates|test_pool)$$'

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	@for b in $(BUILD)/bench/*; do [ -x "$$b" ] && "$$b"; done; true
	@[ -f $(BUILD)/python/PYTHON ] && PYTHONPATH=$(BUILD)/python "$$(head -n1 $(BUILD)/python/PYTHON)" bench/python_call.py; true

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(NOBLAS_BUILD)

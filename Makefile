# The two commands of the README: `make demo` (the main job) and `make test` (the whole suite).
# Both install what they need (scripts/deps.sh) and build with CMake.
BUILD ?= build
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps configure build test demo bench asan tsan clean install

all: build

deps:
	@scripts/deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The suite again under AddressSanitizer + UndefinedBehaviorSanitizer, built with clang.
asan: deps
	@CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMX_SANITIZE=address,undefined \
	  -DMX_BUILD_BENCH=OFF -DMX_CUDA=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 ctest --test-dir build-asan --output-on-failure -j $(JOBS)

# The threaded tests under ThreadSanitizer (clang), CPU only: the pool's own stress test and
# suites whose kernels split work over the pool. A bounded subset: on 2 cores about 2 minutes
# to build and 1.7 minutes to run.
TSAN_TESTS ?= test_probe_threads test_core test_grad_linalg_conv test_sweep_reduce
tsan: deps
	@CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMX_SANITIZE=thread \
	  -DMX_BUILD_BENCH=OFF -DMX_BUILD_EXAMPLES=OFF -DMX_CUDA=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target $(TSAN_TESTS)
	@TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:allocator_may_return_null=1 \
	  ctest --test-dir build-tsan --output-on-failure -j $(JOBS) \
	  -R '^($(shell echo $(TSAN_TESTS) | tr ' ' '|'))$$'

demo: build
	@scripts/demo.sh $(BUILD)

bench: build
	@scripts/bench.sh $(BUILD)

install: build
	@cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-tsan

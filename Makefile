# edgeway developer entry points. Every target installs dependencies first (a fast no-op
# when they are present). See README.md.

BUILD_DIR      ?= build
ASAN_DIR       ?= build-asan
DATA_DIR       ?= $(CURDIR)/data
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=

.PHONY: all deps build build-asan run test unit-test fuzz clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR) -j $(JOBS)

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DEDGEWAY_SANITIZE=ON $(CMAKE_FLAGS)

build-asan: deps $(ASAN_DIR)/build.ninja
	ninja -C $(ASAN_DIR) -j $(JOBS) unit_tests

# Starts the server in the foreground on a data dir in the checkout. As a non-root user it
# picks unprivileged ports and turns the proxy off (it needs CAP_NET_ADMIN).
run: deps $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR) -j $(JOBS) edgeway
	@scripts/run-server.sh $(BUILD_DIR)/edgeway $(DATA_DIR)

# The whole suite: unit, integration and kubectl e2e tests on the release build, the unit
# tests again under ASan+UBSan, and 30 s of fuzzing the DNS codec.
test: build build-asan
	@scripts/run-tests.sh $(BUILD_DIR) $(ASAN_DIR)

unit-test: build
	cd $(BUILD_DIR) && ctest -L unit --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)

# The DNS codec under libFuzzer (clang-14) for FUZZ_SECONDS; make test runs it for 30 s.
FUZZ_SECONDS ?= 30
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(BUILD_DIR)/fuzz

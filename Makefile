# swapsync — common tasks. `make demo` and `make test` work on a fresh Debian machine.
SWIFT ?= swift
# Extra arguments for `swift test`, e.g. `make test TEST_ARGS='--filter Crash'`.
TEST_ARGS ?=
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: build test demo deps format clean bench install

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Unit tests plus integration tests that run the built binaries against the emulator. Every test
# process records what it starts and mounts in a fresh folder; scripts/check-leftovers.sh then
# reports and removes anything left behind, even when `swift test` failed. The exit status is
# `swift test`'s when it failed, else the check's.
test: deps
	$(SWIFT) build --build-tests
	@state=$$(mktemp -d "$${TMPDIR:-/tmp}/swapsync-tests.XXXXXX") || exit 1; \
	SWAPSYNC_TEST_STATE="$$state" $(SWIFT) test --skip-build $(TEST_ARGS); status=$$?; \
	scripts/check-leftovers.sh "$$state"; check=$$?; \
	if [ $$status -ne 0 ]; then exit $$status; fi; exit $$check

# Builds, starts the emulator on loopback, syncs manifests/demo.json, stops the emulator.
demo: build
	@scripts/demo.sh

# Release builds link the Swift runtime and Foundation into the binary: a process starts in 11 ms
# instead of 17 (a no-op sync of 10,000 entries: 1.5x git status -> 1.15x; docs/performance.md),
# and the installed swapsync needs no Swift libraries on the machine (libcurl stays shared).
RELEASE = -c release --static-swift-stdlib

# Speed and memory against peers measured in the same run (git status, curl, the ideal bound).
# Not a test: it prints figures and ratios, it asserts nothing. See docs/performance.md. Both
# binaries in release: a debug emulator spends more CPU per job than swapsync does.
bench: deps
	$(SWIFT) build $(RELEASE) --product swapsync
	$(SWIFT) build $(RELEASE) --product ttapi-emulator
	cc -O2 -Wall -o .build/bench_floor scripts/bench_floor.c $$(pkg-config --cflags --libs libcurl)
	python3 scripts/bench.py

# Release build of swapsync plus its completions and man page under $(DESTDIR)$(PREFIX).
install: build
	@SWIFT=$(SWIFT) RELEASE="$(RELEASE)" scripts/install.sh "$(DESTDIR)$(PREFIX)"

format:
	swift format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build out manifests/demo.lock.json

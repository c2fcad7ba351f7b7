# swapsync — common tasks. `make demo` and `make test` work on a fresh Debian machine.
SWIFT ?= swift

.PHONY: build test demo deps format clean bench

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Unit tests plus integration tests that run the built binaries against the emulator.
test: build
	$(SWIFT) test

# Builds, starts the emulator on loopback, syncs manifests/demo.json, stops the emulator.
demo: build
	@scripts/demo.sh

# Speed and memory against peers measured in the same run (git status, the ideal bound).
# Not a test: it prints figures and ratios, it asserts nothing. See docs/performance.md.
bench: deps
	$(SWIFT) build -c release --product swapsync
	$(SWIFT) build --product ttapi-emulator
	python3 scripts/bench.py

format:
	swift format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build out manifests/demo.lock.json

# swapsync — common tasks. `make demo` and `make test` work on a fresh Debian machine.
SWIFT ?= swift
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: build test demo deps format clean install

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

# Release build of swapsync plus its completions and man page under $(DESTDIR)$(PREFIX).
install: build
	@SWIFT=$(SWIFT) scripts/install.sh "$(DESTDIR)$(PREFIX)"

format:
	swift format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build out manifests/demo.lock.json

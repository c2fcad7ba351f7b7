#!/usr/bin/env bash
# Installs what building and testing swapsync needs, only what is missing: libcurl with headers
# and pkg-config (build), zlib headers (the emulator's compression), nginx and openssl (TLS
# tests), curl (emulator wire tests), git (the merge tests), python3 with jsonschema (schema test) and moto's server
# (the S3 cache tests), chromium (the gallery's browser test), GNU time (`make bench`'s peak RSS).
# Needs root or sudo for apt-get; works without a terminal (CI: root, CI=true, no stdin).
set -euo pipefail

# One need per line: need '<shell check that succeeds when it is met>' <Debian package> [<PyPI
# package, tried when the check still fails after apt (a python3 that is not Debian's)>].
# To add a need, add a line.
checks=() packages=() pypi=()
need() { checks+=("$1") packages+=("$2") pypi+=("${3:-}"); }
need 'command -v pkg-config' pkg-config
need 'pkg-config --exists libcurl' libcurl4-openssl-dev
need 'test -e /usr/include/zlib.h' zlib1g-dev
need 'command -v curl' curl
need 'command -v git' git
need 'command -v nginx || test -x /usr/sbin/nginx' nginx
need 'command -v openssl' openssl
need 'command -v python3' python3
need "python3 -c 'import jsonschema'" python3-jsonschema jsonschema
need "python3 -c 'import moto.server'" python3-pip 'moto[server]'
need 'command -v chromium' chromium
need 'test -x /usr/bin/time' time

met() { bash -c "$1" >/dev/null 2>&1; }

missing=()
for i in "${!checks[@]}"; do
  met "${checks[$i]}" || missing+=("${packages[$i]}")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  # Packages with a service (nginx) must not start it: the tests run their own on free ports, and
  # a default server on port 80 could fail the install where that port is taken.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
  fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# What apt could not satisfy (for example a pyenv python3 that does not see Debian's modules).
failed=()
for i in "${!checks[@]}"; do
  met "${checks[$i]}" && continue
  if [ -n "${pypi[$i]}" ]; then
    echo "install-deps: '${checks[$i]}' still fails; installing ${pypi[$i]} from PyPI" >&2
    # Debian's own python3 refuses pip installs (PEP 668) unless told to; CI's machine is throwaway.
    python3 -m pip install --quiet --disable-pip-version-check "${pypi[$i]}" >&2 ||
      python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${pypi[$i]}" >&2 ||
      true
    met "${checks[$i]}" && continue
  fi
  failed+=("${checks[$i]} (${packages[$i]})")
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'install-deps: still missing after installing: %s\n' "${failed[@]}" >&2
  exit 1
fi

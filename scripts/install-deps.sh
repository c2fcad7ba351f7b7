#!/usr/bin/env bash
# Installs the system packages swapsync needs (libcurl with headers, pkg-config, zlib headers
# for the emulator's compression, the curl tool for the emulator's tests), only when they are
# missing. Needs root or sudo for apt-get.
set -euo pipefail
missing=()
pkg-config --exists libcurl 2>/dev/null || missing+=(libcurl4-openssl-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
command -v curl >/dev/null 2>&1 || missing+=(curl)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null

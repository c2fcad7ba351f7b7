#!/usr/bin/env bash
# `make install PREFIX=... [DESTDIR=...]`: a release build of swapsync, its bash/zsh/fish
# completions and its man page, all generated from the command definitions, installed under PREFIX.
#   PREFIX/bin/swapsync
#   PREFIX/share/bash-completion/completions/swapsync
#   PREFIX/share/zsh/site-functions/_swapsync
#   PREFIX/share/fish/vendor_completions.d/swapsync.fish
#   PREFIX/share/man/man1/swapsync.1
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:?usage: scripts/install.sh PREFIX}"
swift="${SWIFT:-swift}"
# The Makefile's RELEASE: the Swift runtime and Foundation linked in (no Swift libraries needed
# where swapsync is installed).
read -r -a release <<<"${RELEASE:--c release --static-swift-stdlib}"

"$swift" build "${release[@]}" --product swapsync
bin="$("$swift" build "${release[@]}" --show-bin-path)/swapsync"

# The man page: swift-argument-parser's GenerateManual plugin runs `swapsync --experimental-dump-help`
# on a build of every product. It builds in debug, which `make build`/`make test` have already done;
# the help text is the same in every configuration.
manual=.build/plugins/GenerateManual/outputs/swapsync/swapsync.1
rm -f "$manual"
"$swift" package plugin generate-manual --configuration debug
[ -s "$manual" ] || { echo "install: the GenerateManual plugin wrote no $manual" >&2; exit 1; }

install -d "$prefix/bin" "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" \
  "$prefix/share/fish/vendor_completions.d" "$prefix/share/man/man1"
install -m 0755 "$bin" "$prefix/bin/swapsync"
"$bin" --generate-completion-script bash >"$prefix/share/bash-completion/completions/swapsync"
"$bin" --generate-completion-script zsh >"$prefix/share/zsh/site-functions/_swapsync"
"$bin" --generate-completion-script fish >"$prefix/share/fish/vendor_completions.d/swapsync.fish"
install -m 0644 "$manual" "$prefix/share/man/man1/swapsync.1"
echo "installed swapsync, its completions (bash, zsh, fish) and its man page under $prefix"

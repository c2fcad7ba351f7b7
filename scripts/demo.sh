#!/usr/bin/env bash
# The demo: a local TTAPI emulator on loopback, one sync of manifests/demo.json, a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${DEMO_PORT:-8177}"
bin=.build/debug
log=$(mktemp)
"$bin/ttapi-emulator" --host 127.0.0.1 --port "$port" --api-key demo-key --job-duration 1500ms >"$log" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null; rm -f "$log"' EXIT
# Wait for the emulator's "listening on" line (or its early exit).
for _ in $(seq 1 200); do
  grep -q "listening on" "$log" && break
  kill -0 "$emulator" 2>/dev/null || { cat "$log" >&2; echo "the emulator did not start (is port $port free? set DEMO_PORT)" >&2; exit 1; }
  sleep 0.05
done
echo "emulator: $(head -n1 "$log")"
set +e
TT_API_KEY=demo-key TTAPI_BASE_URL="http://127.0.0.1:$port" \
  "$bin/swapsync" sync manifests/demo.json --poll-interval 300ms
status=$?
set -e
echo "exit status: $status"
echo "images:"
find out/demo -type f -not -path '*/.swapsync/*' -not -name index.html | sort | sed 's/^/  /'
# The gallery: every entry's inputs, result and state on one static page (offline, no emulator needed
# for the results; the input images are the emulator's samples, shown while it runs).
gallery=$("$bin/swapsync" gallery manifests/demo.json)
echo "gallery: $gallery"
echo "  open file://$gallery in a browser"
# The target and face thumbnails are the emulator's samples at 127.0.0.1:8177 (the manifest's
# URLs): they load only while the emulator runs there. DEMO_KEEP=1 keeps it running until Enter.
if [ -n "${DEMO_KEEP:-}" ]; then
  [ "$port" = 8177 ] || echo "  (the thumbnails name port 8177; this emulator listens on $port)"
  read -r -p "the emulator keeps running for the gallery's thumbnails; press Enter to stop it " _ || true
else
  echo "  (its target and face thumbnails load from the emulator, stopped now: DEMO_KEEP=1 make demo keeps it running)"
fi
exit "$status"

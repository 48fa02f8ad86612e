#!/bin/sh
# The README's screenshots (docs/screenshot-*.png): the project's own binary on a fresh
# database, a demo user with some ratings, Chromium driven by playwright-core.
#
# Needs Chromium and playwright-core 1.x installed in some folder:
#   npm install --prefix /some/folder playwright-core@1
#   PLAYWRIGHT_DIR=/some/folder scripts/screenshots.sh
set -eu
cd "$(dirname "$0")/.."
: "${PLAYWRIGHT_DIR:?set PLAYWRIGHT_DIR to a folder where playwright-core@1 is installed}"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
PORT=${PORT:-8123}

# MOVIEREC names a binary already built (the one `cargo test` builds will do).
if [ -z "${MOVIEREC:-}" ]; then
  cargo build -p movierec
  MOVIEREC=target/debug/movierec
fi
work=$(mktemp -d)
# Retrain soon after the demo ratings, so the home page shows picks of its own.
"$MOVIEREC" serve --bind "127.0.0.1:$PORT" \
  --database-url "sqlite://$work/movierec.db?mode=rwc" \
  --retrain-after 5 --retrain-interval-secs 1 --model-poll-secs 1 --log warn &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM

up=""
for _ in $(seq 150); do
  if curl -fs "http://127.0.0.1:$PORT/health" >/dev/null; then up=1; break; fi
  sleep 0.2
done
[ -n "$up" ] || { echo "the server did not start" >&2; exit 1; }

NODE_PATH="$PLAYWRIGHT_DIR/node_modules" node scripts/screenshots.js \
  "http://127.0.0.1:$PORT" docs "$CHROMIUM"

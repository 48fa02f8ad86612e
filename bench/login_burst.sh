#!/usr/bin/env bash
# Memory under a burst of simultaneous log-ins: starts the release server on 127.0.0.1 with a
# temporary database, fires N log-ins at once (each from its own client address, through the
# trusted-proxy header) and prints the server's resident memory before, at its peak, and 30 s
# after the burst. The same burst runs against a server allowed as many hashes at once as
# there are log-ins (what the server did before hashing was bounded), for comparison.
#
#   bench/login_burst.sh [--logins 300] [--settle-secs 30]
set -euo pipefail

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
echo "machine: $(nproc) cores, $(uname -sm); $(rustc --version)"
cargo build --quiet --release -p movierec --bin movierec --example login_burst
target/release/examples/login_burst --server target/release/movierec "$@"

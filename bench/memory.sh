#!/usr/bin/env bash
# Memory under the inputs an attacker would send: starts the release server on 127.0.0.1
# with a temporary database for each case and prints its resident memory before, at its
# peak and after settling, with how the requests were answered. The cases: one long title
# in a small zip, a big history report viewed 8 times at once, 30 uploads at once, and 10
# movie pages (opened by one member) whose posters (from a local TMDB stand-in) are 8000 x 8000 PNGs.
#
#   bench/memory.sh [--settle-secs 10] [--title-mib 20] [--report-rows 90000] [--uploads 30]
#                   [--only "long title"|"big report"|"parallel uploads"|"poster bombs"]
set -euo pipefail

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
echo "machine: $(nproc) cores, $(uname -sm); $(rustc --version); commit $(git rev-parse --short HEAD)"
cargo build --quiet --release -p movierec --bin movierec --example memory_attack
target/release/examples/memory_attack --server target/release/movierec "$@"

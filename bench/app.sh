#!/usr/bin/env bash
# The app's figures: training time on the embedded catalog with its critic ratings, the latency
# of the recommendations page (median and p99 over sequential requests against a local server
# with synthetic users), and a movie night of four beside one user's recommendations, both
# computed afresh. Only 127.0.0.1 is contacted; the database is temporary.
#
#   bench/app.sh [--users 50] [--ratings 20] [--requests 1000] [--trainings 5]
set -euo pipefail

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
echo "machine: $(nproc) cores, $(uname -sm); $(rustc --version)"
cargo run --quiet --release -p movierec --example app_bench -- "$@"

#!/usr/bin/env bash
# Synthetic MovieLens (ml-32m layout) and IMDb data sets in their exact formats, for import and
# scale benchmarks. Deterministic for a seed. Defaults: 32M ratings by 200k users of 87k movies,
# 12M IMDb titles (300k movies) and 3M names, written to bench/.cache/datasets (git ignores it).
#
#   bench/gen_datasets.sh [--scale 0.01] [--out DIR] [--ratings N] [--users U] [--movies M]
#                         [--titles T] [--imdb-movies K] [--names P] [--seed S] [--zip] [--check]
#                         [--only movielens|imdb]
set -euo pipefail

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
echo "machine: $(nproc) cores, $(uname -sm); $(rustc --version)"
cargo run --quiet --release -p movierec --example gen_datasets -- "$@"

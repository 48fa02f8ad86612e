#!/usr/bin/env bash
# Taste: what a person sees from movierec beside EASE, item kNN and popularity on MovieLens 100k
# with its genres: niche personas, similar-film lists as an item-to-item recommender, and NDCG@10
# of the picks as served. The folds are accuracy.sh's (same seed, same files).
#
#   bench/taste.sh [--folds N] [--seed S] [--quick]
#
# --quick runs one fold. Everything downloaded or generated stays in bench/.cache and bench/.venv
# (both git-ignored): MovieLens data may not be redistributed. Re-running reuses the cache.
set -euo pipefail
trap 'echo "taste.sh: failed at line $LINENO" >&2' ERR

folds=5
seed=42
while [[ $# -gt 0 ]]; do
    case "$1" in
        --folds) folds="${2:?--folds needs a number}"; shift 2 ;;
        --seed) seed="${2:?--seed needs a number}"; shift 2 ;;
        --quick) folds=1; shift ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo/bench/.cache"
venv="$repo/bench/.venv"
mkdir -p "$cache"

# 1-2. The ratings and the films with their genres, from the recbole wheel; the peers' virtualenv.
source "$repo/bench/ml100k.sh"
ml100k_ratings "$cache"
ml100k_films "$cache"
peers_venv "$venv"

# 3. Our engine: the example that answers recommend and similar queries, in release mode.
(cd "$repo" && cargo build --release --quiet -p movierec-engine --example lists)
target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$repo/$target_dir"
# a private copy, so a rebuild while the benchmark runs cannot swap the binary mid-run
cp "$target_dir/release/examples/lists" "$cache/lists"

# 4. Folds, runs and the tables. Times are wall-clock; the report says how busy the machine was.
"$venv/bin/python" "$repo/bench/taste.py" \
    --ratings "$cache/u.data" --films "$cache/u.item.tsv" --cache "$cache" \
    --binary "$cache/lists" --folds "$folds" --seed "$seed"

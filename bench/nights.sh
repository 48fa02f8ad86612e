#!/usr/bin/env bash
# Movie nights: five picks for synthetic groups of three on MovieLens 100k (random triples, and
# triples of similar taste), judged by each member's held-out ratings, for each group strategy
# (the engine's, as the app's nights use them) beside popularity; and the time of a night of four
# members' picks beside one user's recommendations. The folds are the engine's eval::kfold.
#
#   bench/nights.sh [--folds N] [--seed S] [--groups N] [--quick]
#
# --quick runs the first of the folds. The data is downloaded into bench/.cache (git-ignored): MovieLens data
# may not be redistributed. Re-running reuses the cache.
set -euo pipefail
trap 'echo "nights.sh: failed at line $LINENO" >&2' ERR

folds=5
seed=42
groups=300
while [[ $# -gt 0 ]]; do
    case "$1" in
        --folds) folds="${2:?--folds needs a number}"; shift 2 ;;
        --seed) seed="${2:?--seed needs a number}"; shift 2 ;;
        --groups) groups="${2:?--groups needs a number}"; shift 2 ;;
        --quick) run=1; shift ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo/bench/.cache"
mkdir -p "$cache"

# 1. The ratings, from the recbole wheel.
source "$repo/bench/ml100k.sh"
ml100k_ratings "$cache"

# 2. The engine's example that forms the groups and scores them, in release mode.
(cd "$repo" && cargo build --release --quiet -p movierec-engine --example groups)
target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$repo/$target_dir"
cp "$target_dir/release/examples/groups" "$cache/groups"

# 3. The table. Times are wall-clock on this machine:
echo "Machine: $(machine_load)"
"$cache/groups" --ratings "$cache/u.data" --folds "$folds" --run "${run:-$folds}" --seed "$seed" --groups "$groups"

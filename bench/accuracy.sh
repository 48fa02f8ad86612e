#!/usr/bin/env bash
# movierec beside scikit-surprise, implicit's ALS and EASE on MovieLens 100k, 5-fold (80/20), the
# same fold files for everyone.
#
#   bench/accuracy.sh [--folds N] [--seed S] [--no-svdpp] [--no-implicit] [--no-ease]
#                     [--models hybrid,ials,sgd,als,baseline,popularity] [--prior-weight W]
#                     [--implicit-factors K] [--implicit-reg R] [--implicit-alpha A] [--ease-lambda L]
#
# Everything downloaded or generated stays in bench/.cache and bench/.venv (both git-ignored):
# MovieLens data may not be redistributed. Re-running reuses the cache.
set -euo pipefail
trap 'echo "accuracy.sh: failed at line $LINENO" >&2' ERR

folds=5
seed=42
no_svdpp=()
prior_weight=()
models="hybrid,ials,sgd,als,baseline,popularity"
peer_flags=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --folds) folds="${2:?--folds needs a number}"; shift 2 ;;
        --seed) seed="${2:?--seed needs a number}"; shift 2 ;;
        --no-svdpp) no_svdpp=(--no-svdpp); shift ;;
        --models) models="${2?--models needs a list}"; shift 2 ;;
        --prior-weight) prior_weight=(--prior-weight "${2:?--prior-weight needs a number}"); shift 2 ;;
        --no-implicit|--no-ease) peer_flags+=("$1"); shift ;;
        --implicit-factors|--implicit-reg|--implicit-alpha|--ease-lambda)
            peer_flags+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo/bench/.cache"
venv="$repo/bench/.venv"
mkdir -p "$cache"

# 1-2. The ratings (ML-100k ships inside the recbole wheel) and the peers' virtualenv.
source "$repo/bench/ml100k.sh"
ml100k_ratings "$cache"
ratings="$cache/u.data"
peers_venv "$venv"

# 3. Our engine, built the way users run it.
binary_args=()
if [[ -n "$models" ]]; then
    (cd "$repo" && cargo build --release --quiet -p movierec)
    target_dir="${CARGO_TARGET_DIR:-target}"
    [[ "$target_dir" = /* ]] || target_dir="$repo/$target_dir"
    # a private copy, so a rebuild while the benchmark runs cannot swap the binary mid-run
    cp "$target_dir/release/movierec" "$cache/movierec"
    binary_args=(--binary "$cache/movierec")
fi

# 4-6. Folds, runs, metrics and the table.
# fit times are wall-clock: a busy machine inflates them, so say how busy it was
echo "machine: $(machine_load)" >&2
"$venv/bin/python" "$repo/bench/accuracy.py" \
    --ratings "$ratings" --cache "$cache" --folds "$folds" --seed "$seed" \
    --models "$models" "${binary_args[@]}" "${no_svdpp[@]}" "${prior_weight[@]}" "${peer_flags[@]}"
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

#!/usr/bin/env bash
# Fit time of movierec's implicit-feedback model beside implicit's CPU ALS (PyPI `implicit`), at
# the same factors, iterations and threads, on the ML-100k folds of accuracy.sh and on a
# generated set of ml-25m's shape (25M ratings, 162,541 users, 59,047 movies).
#
#   bench/ials_speed.sh [--factors 64] [--epochs 15] [--threads 2] [--no-25m]
set -euo pipefail
trap 'echo "ials_speed.sh: failed at line $LINENO" >&2' ERR

factors=64
epochs=15
threads=2
big=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --factors) factors="${2:?}"; shift 2 ;;
        --epochs) epochs="${2:?}"; shift 2 ;;
        --threads) threads="${2:?}"; shift 2 ;;
        --no-25m) big=0; shift ;;
        -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo/bench/.cache"
venv="$repo/bench/.venv"
folds="$cache/folds"
if [[ ! -s "$folds/train.1" ]]; then
    echo "no ML-100k folds in $folds: run bench/accuracy.sh --folds 1 first" >&2
    exit 1
fi
if ! "$venv/bin/python" -c 'import implicit, scipy' 2>/dev/null; then
    echo "no implicit in $venv: run bench/accuracy.sh first" >&2
    exit 1
fi

data=("$folds"/train.{1,2,3,4,5})
if [[ "$big" == 1 ]]; then
    big_dir="$cache/datasets-25m"
    if [[ ! -s "$big_dir/ml-32m/ratings.csv" ]]; then
        (cd "$repo" && cargo run --quiet --release -p movierec --example gen_datasets -- \
            --out "$big_dir" --only movielens --ratings 25000095 --users 162541 --movies 59047)
    fi
    data+=("$big_dir/ml-32m/ratings.csv")
fi

(cd "$repo" && cargo build --quiet --release -p movierec-engine --example ials_fit)
target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$repo/$target_dir"
cp "$target_dir/release/examples/ials_fit" "$cache/ials_fit"

# implicit's CPU ALS runs its own threads; an OpenBLAS thread pool under them slows it down
# (implicit warns about this), so give OpenBLAS one thread, as implicit recommends.
export OPENBLAS_NUM_THREADS=1
echo "machine: $(nproc) cores, $(uname -sm), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$venv/bin/python" "$repo/bench/ials_speed.py" --binary "$cache/ials_fit" --cache "$cache" \
    --factors "$factors" --epochs "$epochs" --threads "$threads" --data "${data[@]}"
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

#!/usr/bin/env bash
# Spark's ALS beside ours on MovieLens 100k, through the app's database:
#
#   spark/roundtrip.sh [--rank 20] [--max-iter 10] [--reg-param 0.1]
#
# 1. imports ML-100k into a fresh SQLite database (`movierec import movielens`);
# 2. trains our default model and our ALS on it (`movierec train --database-url`);
# 3. exports the ratings less the baseline (`movierec export ratings`);
# 4. runs spark/als.py with pyspark from PyPI in local[2] mode (needs Java 17);
# 5. imports its factors as a stored model (`movierec import factors`);
# and prints every model's RMSE on the same held-out sample.
#
# Data, the virtualenv and the database stay in bench/.cache and bench/.venv-spark (git-ignored):
# MovieLens may not be redistributed.
set -euo pipefail
trap 'echo "roundtrip.sh: failed at line $LINENO" >&2' ERR

rank=20
max_iter=10
reg_param=0.1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rank) rank="${2:?--rank needs a number}"; shift 2 ;;
        --max-iter) max_iter="${2:?--max-iter needs a number}"; shift 2 ;;
        --reg-param) reg_param="${2:?--reg-param needs a number}"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo/bench/.cache"
venv="$repo/bench/.venv-spark"
mkdir -p "$cache"
command -v java >/dev/null || { echo "pyspark needs Java (17) on the PATH" >&2; exit 1; }

# ML-100k as GroupLens publishes it (u.data, u.item), rebuilt from the copy inside the recbole
# wheel, whose atomic files hold the same ratings and movies.
ml="$cache/ml-100k"
if [[ ! -s "$ml/u.item" || ! -s "$ml/u.data" ]]; then
    wheel="$cache/recbole-1.2.1-py3-none-any.whl"
    [[ -s "$wheel" ]] || python3 -m pip download --quiet --no-deps recbole==1.2.1 -d "$cache"
    mkdir -p "$ml.tmp"
    python3 - "$wheel" "$ml.tmp" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
base = "recbole/dataset_example/ml-100k/ml-100k"
genres = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
          "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
          "Romance", "Sci-Fi", "Thriller", "War", "Western"]
with zipfile.ZipFile(wheel) as z:
    inter = z.read(base + ".inter").decode("utf-8").splitlines()
    assert inter[0].split("\t")[:3] == ["user_id:token", "item_id:token", "rating:float"], inter[0]
    with open(f"{out}/u.data", "w", encoding="utf-8") as f:
        f.write("\n".join(inter[1:]) + "\n")
    items = z.read(base + ".item").decode("utf-8").splitlines()
    assert items[0].split("\t")[:2] == ["item_id:token", "movie_title:token_seq"], items[0]
    with open(f"{out}/u.item", "w", encoding="latin-1", errors="replace") as f:
        for line in items[1:]:
            item, title, year, classes = (line.split("\t") + ["", "", ""])[:4]
            flags = ["1" if g in classes.split() else "0" for g in genres]
            date = f"01-Jan-{year}" if year else ""
            title = f"{title} ({year})" if year else title
            f.write("|".join([item, title, date, "", ""] + flags) + "\n")
PY
    rm -rf "$ml" && mv "$ml.tmp" "$ml"
fi

# pyspark.ml needs numpy; 1.26 is the last line pyspark 3.5 is tested with.
if ! "$venv/bin/python" -c 'import pyspark.ml, numpy' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet 'pyspark==3.5.*' 'numpy==1.26.*'
fi

(cd "$repo" && cargo build --release --quiet -p movierec)
target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$repo/$target_dir"
movierec="$target_dir/release/movierec"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
db="sqlite://$work/site.db"

"$movierec" import movielens "$ml" --database-url "$db" >/dev/null
ours_default="$("$movierec" train --database-url "$db" 2>&1 | grep -o 'held-out RMSE [0-9.]*' | cut -d' ' -f3)"
ours_als="$("$movierec" train --database-url "$db" --model als --factors "$rank" --epochs "$max_iter" \
    --reg "$reg_param" 2>&1 | grep -o 'held-out RMSE [0-9.]*' | cut -d' ' -f3)"
"$movierec" export ratings --out "$work/export" --database-url "$db" | sed 's/^/  /'
PYSPARK_PYTHON="$venv/bin/python" "$venv/bin/python" "$repo/spark/als.py" "$work/export" \
    --master 'local[2]' --rank "$rank" --max-iter "$max_iter" --reg-param "$reg_param" \
    2>"$work/spark.log" || { cat "$work/spark.log" >&2; exit 1; }
imported="$("$movierec" import factors "$work/export" --database-url "$db")"
echo "$imported" | sed 's/^/  /'
spark="$(echo "$imported" | grep -o 'held-out RMSE: [0-9.]*' | head -1 | cut -d' ' -f3)"
baseline="$(echo "$imported" | grep -o 'baseline held-out RMSE: [0-9.]*' | cut -d' ' -f4)"

echo
echo "ML-100k in the app's database, the same 5% held-out sample for every model:"
printf '| %-44s | %s |\n' "model" "held-out RMSE" "---" "---:"
printf '| %-44s | %s |\n' "baseline (the part Spark does not learn)" "$baseline"
printf '| %-44s | %s |\n' "movierec default (its rating model)" "$ours_default"
printf '| %-44s | %s |\n' "movierec ALS, rank $rank, $max_iter epochs, reg $reg_param" "$ours_als"
printf '| %-44s | %s |\n' "Spark ALS on the residuals, same settings" "$spark"

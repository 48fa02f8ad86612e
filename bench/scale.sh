#!/usr/bin/env bash
# Scale on a generated ml-32m-shaped set (32M ratings, 200k raters, 87k movies) and IMDb-format
# dumps: import time and peak memory beside SQLite's own CSV import of the same ratings file,
# training from the database, the home page (users with 20 and 1,000 ratings) and search under
# 32 concurrent clients (wrk) beside the static /health page, and the server's resident memory.
#
#   bench/scale.sh [--scale 1.0] [--duration 30s] [--connections 32] [--only import,train] [--no-peer]
#
# --only runs some of the phases, in this order: import (MovieLens), peer (sqlite3 .import of
# the same file), imdb, train, serve. Phases after import reuse the database a run left.
# --no-peer leaves out the peer (minutes at scale) when only the app is measured.
# Needs GNU time (/usr/bin/time), sqlite3 for import and peer, wrk and curl for serve. Data goes to bench/.cache (git ignores it).
set -euo pipefail

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
scale=1.0
duration=30s
connections=32
only=import,peer,imdb,train,serve
while [[ $# -gt 0 ]]; do
    case "$1" in
        --scale) scale="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        --no-peer) only="${only//peer,/}"; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
# Each tool only where a phase that runs uses it: import and train need no load generator.
tools="/usr/bin/time"
[[ ",$only," =~ ,(import|peer), ]] && tools+=" sqlite3"
[[ ",$only," == *",serve,"* ]] && tools+=" wrk curl"
for tool in $tools; do
    command -v "$tool" >/dev/null || { echo "scale.sh needs $tool" >&2; exit 2; }
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
data="bench/.cache/scale-$scale"
work="bench/.cache/scale-run"
mkdir -p "$work"
echo "machine: $(nproc) cores, $(uname -sm); $(rustc --version); load: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo build --quiet --release -p movierec --bin movierec --example gen_datasets
bin=target/release/movierec
if [[ ! -f "$data/ml-32m/ratings.csv" ]]; then
    target/release/examples/gen_datasets --scale "$scale" --out "$data"
fi
ratings_lines=$(($(wc -l < "$data/ml-32m/ratings.csv") - 1))
echo "data: $ratings_lines ratings in $data/ml-32m"
runs() { [[ ",$only," == *",$1,"* ]]; }

# Runs a command under GNU time; sets $secs and $rss_mib (peak resident memory).
measure() {
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@"
    read -r secs kib < "$work/time.txt"
    rss_mib=$((kib / 1024))
}

db="$work/movierec.db"
url="sqlite://$db?mode=rwc"
rows=()

if runs import; then
    rm -f "$db" "$db-wal" "$db-shm"
    measure "$bin" import movielens "$data/ml-32m" --database-url "$url" > "$work/import.txt" \
        2> "$work/import.log"
    cat "$work/import.txt"
    grep -E " in [0-9.]+ s$" "$work/import.log" || true
    raters=$(sqlite3 "$db" "SELECT COUNT(*) FROM users WHERE kind = 'community'")
    movies=$(sqlite3 "$db" "SELECT COUNT(*) FROM movies")
    rows+=("$(printf "| MovieLens import, %s ratings, %s raters, %s movies in the catalog | %.1f s, peak RSS %s MiB | ≤ 180 s, ≤ 2048 MiB |" "$ratings_lines" "$raters" "$movies" "$secs" "$rss_mib")")
    import_secs=$secs
fi

if runs peer; then
    # Peer: SQLite's shell importing the same CSV into a table with the same key and indexes.
    peer="$work/peer.db"
    rm -f "$peer"
    sqlite3 "$peer" "CREATE TABLE ratings (user_id INTEGER NOT NULL, movie_id INTEGER NOT NULL,
        rating REAL NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (user_id, movie_id))
        WITHOUT ROWID;
        CREATE INDEX ratings_movie ON ratings (movie_id);
        CREATE INDEX ratings_updated ON ratings (updated_at);"
    measure sqlite3 "$peer" ".mode csv" ".import --skip 1 $data/ml-32m/ratings.csv ratings"
    rm -f "$peer"
    ratio=""
    if [[ -n "${import_secs:-}" ]]; then
        ratio=$(printf " (import / peer: %.2f×)" "$(echo "$import_secs / $secs" | bc -l)")
    fi
    rows+=("$(printf "| peer: sqlite3 .import of the same ratings.csv, same key and indexes | %.1f s, peak RSS %s MiB%s | |" "$secs" "$rss_mib" "$ratio")")
fi

if runs imdb; then
    measure "$bin" import imdb --basics "$data/imdb/title.basics.tsv.gz" \
        --ratings "$data/imdb/title.ratings.tsv.gz" --crew "$data/imdb/title.crew.tsv.gz" \
        --names "$data/imdb/name.basics.tsv.gz" --database-url "$url" > "$work/imdb.txt"
    cat "$work/imdb.txt"
    rows+=("$(printf "| IMDb import (4 files) | %.1f s, peak RSS %s MiB | |" "$secs" "$rss_mib")")
fi

if runs train; then
    measure "$bin" train --database-url "$url" 2> "$work/train.txt"
    tail -n 1 "$work/train.txt"
    rows+=("$(printf "| training from the database, end to end (default model) | %.1f s, peak RSS %s MiB | ≤ 90 s |" "$secs" "$rss_mib")")
fi

if ! runs serve; then
    echo
    echo "| what | figure | target |"
    echo "|---|---:|---:|"
    printf "%s\n" "${rows[@]}"
    echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
    exit 0
fi

port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
"$bin" serve --bind "127.0.0.1:$port" --database-url "$url" --log warn --retrain-after 0 \
    --registrations-per-hour 0 > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
    if curl -fs "$base/api/v1/model" 2>/dev/null | grep -q '"version":[0-9]'; then break; fi
    sleep 0.5
done
server_rss_loaded=$(($(awk '/VmRSS/ {print $2}' "/proc/$server/status") / 1024))

# Signs account $1 up, its cookies kept in jar $2. A database a run left already has the
# account: it logs in to it instead.
account() {
    local form="username=$1&password=bench+password+1234"
    rm -f "$2"
    curl -fs -o /dev/null -c "$2" -b "$2" -H "Origin: $base" -H "Sec-Fetch-Site: same-origin" \
        --data "$form&confirm=bench+password+1234" "$base/register" ||
        curl -fs -o /dev/null -c "$2" -b "$2" -H "Origin: $base" -H "Sec-Fetch-Site: same-origin" \
            --data "$form" "$base/login"
}

# A site user with a few ratings, so the home page folds them in and ranks the catalog.
jar="$work/cookies.txt"
account bench "$jar"
for id in $(sqlite3 "$db" "SELECT id FROM movies ORDER BY imdb_votes DESC LIMIT 20"); do
    curl -fs -o /dev/null -b "$jar" -H "Origin: $base" -H "Sec-Fetch-Site: same-origin" \
        --data "stars=$(( (id % 5) + 1 ))" "$base/movies/$id/rating"
done
# Every cookie of a jar (the session and the device cookie); curl writes HttpOnly ones with
# a "#HttpOnly_" prefix.
cookies() { awk '/^#HttpOnly_/ || (!/^#/ && NF >= 7) {print $6 "=" $7}' "$1" | paste -sd';' | sed 's/;/; /g'; }
cookie=$(cookies "$jar")

# A user who brought a long history: 1,000 ratings, the next most voted films, rated through
# the app (one keep-alive connection). Their page reads every one of them.
heavy_jar="$work/cookies-heavy.txt"
account heavy "$heavy_jar"
heavy_cookie=$(cookies "$heavy_jar")
# `--next` starts each transfer afresh, so every one repeats its options.
curl_args=()
for id in $(sqlite3 "$db" "SELECT id FROM movies ORDER BY imdb_votes DESC LIMIT 1000 OFFSET 20"); do
    curl_args+=(--next -fs -o /dev/null -H "Cookie: $heavy_cookie" -H "Origin: $base"
        -H "Sec-Fetch-Site: same-origin" --data "stars=$(( (id % 5) + 1 ))" "$base/movies/$id/rating")
done
curl -fs -o /dev/null "$base/health" "${curl_args[@]}"
heavy_ratings=$(sqlite3 "$db" "SELECT COUNT(*) FROM ratings r JOIN users u ON u.id = r.user_id
    WHERE u.username = 'heavy'")

# Search queries: titles people type, from the catalog's most voted films (a word or two).
sqlite3 "$db" "SELECT title FROM movies ORDER BY imdb_votes DESC LIMIT 200" |
    python3 -c '
import sys, urllib.parse
qs = []
for i, line in enumerate(sys.stdin):
    words = line.split()
    q = " ".join(words[: 1 + i % 2]).lower()
    if i % 5 == 4 and len(q) > 4:
        q = q[:2] + q[3] + q[2] + q[4:]  # a transposition typo
    qs.append(urllib.parse.quote_plus(q))
print("queries = {" + ",".join(chr(34) + q + chr(34) for q in qs) + "}")
print("counter = 0")
print("request = function()")
print("  counter = counter + 1")
print("  return wrk.format(\"GET\", \"/api/v1/search?q=\" .. queries[(counter % #queries) + 1])")
print("end")
' > "$work/search.lua"

latency() { # wrk output -> "p50 p99" in ms
    awk '/^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Requests\/sec/ {rps=$2}
         END {print p50, p99, rps}' "$1" | sed -E 's/([0-9.]+)us/\1e-3/g; s/([0-9.]+)ms/\1/g; s/([0-9.]+)s /\1e3 /g'
}
threads=2
wrk -t$threads -c"$connections" -d"$duration" --latency "$base/health" > "$work/wrk_health.txt"
wrk -t$threads -c"$connections" -d"$duration" --latency -H "Cookie: $cookie" "$base/" > "$work/wrk_home.txt"
wrk -t$threads -c"$connections" -d"$duration" --latency -H "Cookie: $heavy_cookie" "$base/" > "$work/wrk_heavy.txt"
wrk -t$threads -c"$connections" -d"$duration" --latency "$base/" > "$work/wrk_visitor.txt"
wrk -t$threads -c"$connections" -d"$duration" --latency -s "$work/search.lua" "$base" > "$work/wrk_search.txt"
# One client at a time: each request's own service time, without queueing behind others.
wrk -t1 -c1 -d10s --latency -H "Cookie: $cookie" "$base/" > "$work/wrk_home1.txt"
wrk -t1 -c1 -d10s --latency -s "$work/search.lua" "$base" > "$work/wrk_search1.txt"
server_hwm=$(($(awk '/VmHWM/ {print $2}' "/proc/$server/status") / 1024))
server_rss_end=$(($(awk '/VmRSS/ {print $2}' "/proc/$server/status") / 1024))
grep -q "Non-2xx" "$work/wrk_home.txt" "$work/wrk_heavy.txt" "$work/wrk_visitor.txt" "$work/wrk_search.txt" && echo "warning: non-2xx answers, see $work/wrk_*.txt"

read -r h50 h99 hrps < <(latency "$work/wrk_health.txt")
read -r p50 p99 prps < <(latency "$work/wrk_home.txt")
read -r s50 s99 srps < <(latency "$work/wrk_search.txt")
read -r v50 v99 vrps < <(latency "$work/wrk_visitor.txt")
read -r m50 m99 mrps < <(latency "$work/wrk_heavy.txt")
read -r p150 p199 p1rps < <(latency "$work/wrk_home1.txt")
read -r s150 s199 s1rps < <(latency "$work/wrk_search1.txt")
echo
echo "| what | figure | target |"
echo "|---|---:|---:|"
if [[ ${#rows[@]} -gt 0 ]]; then printf "%s\n" "${rows[@]}"; fi
printf "| server RSS, model loaded / peak during the load runs | %s MiB / %s MiB | ≤ 1536 MiB |\n" "$server_rss_loaded" "$server_hwm"
printf "| home page (logged in, model picks), %s clients, %s | p50 %s ms, p99 %s ms, %s req/s | p99 ≤ 20 ms |\n" "$connections" "$duration" "$p50" "$p99" "$prps"
printf "| home page (logged in, %s ratings), %s clients | p50 %s ms, p99 %s ms, %s req/s | |\n" "$heavy_ratings" "$connections" "$m50" "$m99" "$mrps"
printf "| home page (visitor, the critics' list), %s clients | p50 %s ms, p99 %s ms, %s req/s | p99 ≤ 20 ms |\n" "$connections" "$v50" "$v99" "$vrps"
printf "| search API (200 titles, 1 in 5 with a typo), %s clients | p50 %s ms, p99 %s ms, %s req/s | p50 ≤ 10 ms |\n" "$connections" "$s50" "$s99" "$srps"
printf "| home page, 1 client | p50 %s ms, p99 %s ms | |\n" "$p150" "$p199"
printf "| search API, 1 client | p50 %s ms, p99 %s ms | |\n" "$s150" "$s199"
printf "| peer: /health, %s clients | p50 %s ms, p99 %s ms, %s req/s | |\n" "$connections" "$h50" "$h99" "$hrps"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); server RSS at the end $server_rss_end MiB"

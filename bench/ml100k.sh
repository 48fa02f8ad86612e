# MovieLens 100k and the Python peers, shared by the benchmarks that run on it. Sourced, not run.
#
# Everything downloaded or generated stays in bench/.cache and bench/.venv (both git-ignored):
# MovieLens data may not be redistributed. Re-running reuses the cache.

# ml100k_member CACHE MEMBER HEADER OUT: writes one file of the ML-100k example data set that ships
# inside the recbole wheel, as OUT, without its typed header after checking that header (the
# atomic files' columns are named and typed there, so a different layout is caught here).
ml100k_member() {
    local cache="$1" member="recbole/dataset_example/ml-100k/$2" want="$3" out="$4"
    [[ -s "$out" ]] && return 0
    local wheel="$cache/recbole-1.2.1-py3-none-any.whl"
    if [[ ! -s "$wheel" ]]; then
        python3 -m pip download --quiet --no-deps recbole==1.2.1 -d "$cache"
    fi
    # head closes the pipe early and unzip dies of SIGPIPE: not an error, the check below is
    local header
    header="$(unzip -p "$wheel" "$member" | head -n 1 || true)"
    if [[ "$header" != "$want" ]]; then
        echo "unexpected header in $member: $header" >&2
        return 1
    fi
    unzip -p "$wheel" "$member" | tail -n +2 > "$out.tmp"
    mv "$out.tmp" "$out"
}

# ml100k_ratings CACHE: CACHE/u.data, the 100,000 ratings (user, item, rating, timestamp).
ml100k_ratings() {
    ml100k_member "$1" ml-100k.inter \
        $'user_id:token\titem_id:token\trating:float\ttimestamp:float' "$1/u.data"
}

# ml100k_films CACHE: CACHE/u.item.tsv, the 1,682 films (id, title, release year, genres
# separated by spaces; the year is empty for a few).
ml100k_films() {
    ml100k_member "$1" ml-100k.item \
        $'item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq' "$1/u.item.tsv"
}

# peers_venv VENV: the virtualenv with numpy, scipy, scikit-surprise and implicit. Wheels exist
# for our Python; if pip has to build from the sdist, Cython and numpy must be importable at
# build time, hence the fallback without build isolation.
peers_venv() {
    local venv="$1"
    if "$venv/bin/python" -c 'import surprise, numpy, scipy, implicit' 2>/dev/null; then
        return 0
    fi
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    if ! "$venv/bin/python" -m pip install --quiet 'numpy==1.26.*' 'scikit-surprise==1.1.5'; then
        "$venv/bin/python" -m pip install --quiet 'numpy==1.26.*' cython setuptools wheel
        "$venv/bin/python" -m pip install --quiet --no-build-isolation 'scikit-surprise==1.1.5'
    fi
    # benfred's implicit: CPU ALS by conjugate gradient, the peer of our implicit model
    "$venv/bin/python" -m pip install --quiet 'numpy==1.26.*' scipy 'implicit==0.7.*' threadpoolctl
}

# machine_load: what a wall-clock time was measured on, for the tables.
machine_load() {
    echo "$(nproc) cores, $(uname -sm), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

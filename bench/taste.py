"""Taste: what a person sees from movierec, beside EASE, item kNN and popularity, on the ML-100k
folds of accuracy.py with the films' genres.

Called by bench/taste.sh, which prepares the virtualenv, the data and the `lists` example of the
engine (the only thing here that runs our code). Three figures, each on the same training folds
for every system (definitions in bench/README.md):

- personas: a new user who rates 12 typical films of one genre 5 stars and the 4 most rated films
  outside it 1 star; the share of the genre in their top 20;
- similar films as an item-to-item recommender: per user, the union of the 10 similar films of
  their 5 best-rated training films; hit rate on their held-out liked films, and the share of
  listed films with fewer than 5 training ratings;
- NDCG@10 as served: each user folded in from their training ratings, ranked, scored on the
  held-out fold with accuracy.py's metric.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from accuracy import RELEVANT_AT, TOP_N, Fold, ease_weights, make_folds

EASE_LAMBDA = 300.0
# item kNN: cosine on who-rated-what, shrunk by co-count / (co-count + KNN_SHRINK); a user's score
# of a film is the sum of its similarities to the films they rated, each weighted by
# (rating - KNN_NEUTRAL), so a 1-star film pushes its neighbours down as a 5-star one pulls them up.
KNN_SHRINK = 10.0
KNN_NEUTRAL = 3.0

# Personas: a genre gets one when it has GENRE_MIN_FILMS films with GENRE_MIN_RATINGS training
# ratings. Its "typical" films: the genre's films by training ratings, most first, skipping the
# PERSONA_SKIP most rated (the blockbusters everyone gets anyway), the next PERSONA_LIKED.
GENRE_MIN_FILMS = 20
GENRE_MIN_RATINGS = 10
PERSONA_SKIP = 8
PERSONA_LIKED = 12
PERSONA_DISLIKED = 4
PERSONA_TOP = 20
LIKED_STARS, DISLIKED_STARS = 5.0, 1.0

SIMILAR_N = 10
SIMILAR_SEEDS = 5
SPARSE_BELOW = 5
# a pick predicted below this is a weak pick (issue: nothing below 3 stars is shown as a pick)
WEAK_BELOW = 3.0


def read_films(path):
    """id -> (title, year or None, genres) from recbole's ml-100k.item without its header."""
    films = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 4:
                sys.exit(f"{path}: expected 4 tab-separated fields, got {len(fields)}")
            item, title, year, genres = fields
            # "unknown" is the genre of films MovieLens knew nothing about: not a taste
            genres = [g for g in genres.split() if g != "unknown"]
            films[item] = (title, int(year) if year.isdigit() else None, genres)
    return films


def write_features(films, path):
    """The catalog's features as the app gives them to the engine: genres and decade."""
    with open(path, "w", encoding="utf-8") as f:
        for item, (_, year, genres) in films.items():
            features = [f"genre:{g}" for g in genres]
            if year is not None:
                features.append(f"decade:{year - year % 10}")
            f.write("\t".join([item, *features]) + "\n")


def best(scores, k, exclude=None):
    """Indices of the k highest scores, best first, ties by index; `exclude` a boolean mask."""
    order = np.argsort(-scores, kind="stable")
    if exclude is not None:
        order = order[~exclude[order]]
    return order[:k]


class Peers:
    """The item-item models of one training fold, and the time each took."""

    def __init__(self, fold):
        x = fold.seen.astype(np.float64)
        start = time.perf_counter()
        self.ease = ease_weights(x, EASE_LAMBDA)
        self.ease_seconds = time.perf_counter() - start
        start = time.perf_counter()
        co = x.T @ x
        norms = np.sqrt(np.diag(co))
        denom = np.outer(norms, norms)
        cosine = np.divide(co, denom, out=np.zeros_like(co), where=denom > 0)
        self.knn = cosine * co / (co + KNN_SHRINK)
        np.fill_diagonal(self.knn, 0.0)
        self.knn_seconds = time.perf_counter() - start
        self.counts = fold.seen.sum(axis=0)
        # the training ratings as a dense matrix centred for kNN, 0 where unrated
        self.centred = np.zeros_like(x)
        for u, i, r, _ in fold.train_rows:
            self.centred[fold.uidx[u], fold.iidx[i]] = r - KNN_NEUTRAL

    def user_scores(self, system, rated, n_items):
        """One user's scores from `rated` [(item index, stars)] by an item-item system."""
        if system == "popularity":
            return self.counts.astype(np.float64)
        if system == "item knn":
            weights = np.zeros(n_items)
            for i, r in rated:
                weights[i] = r - KNN_NEUTRAL
            return weights @ self.knn
        if system.startswith("ease"):
            x = np.zeros(n_items)
            for i, r in rated:
                if system == "ease" or r >= RELEVANT_AT:
                    x[i] = 1.0
            return x @ self.ease
        raise ValueError(system)

    def similar(self, system, item):
        """The SIMILAR_N films most similar to `item` (an index) by an item-item system."""
        if system == "popularity":
            scores = self.counts.astype(np.float64)
        elif system == "item knn":
            scores = self.knn[item]
        elif system == "ease":
            # row `item` of B: how much liking `item` adds to each other film's score
            scores = self.ease[item]
        else:
            raise ValueError(system)
        exclude = np.zeros(len(scores), dtype=bool)
        exclude[item] = True
        return best(scores, SIMILAR_N, exclude)


def personas(fold, films, counts):
    """One persona per genre with enough films: (genre, liked ids, disliked ids)."""
    # fold.items is in id order, so a stable sort on -count breaks ties by id
    by_count = [fold.items[i] for i in np.argsort(-counts, kind="stable")]
    count = {item: int(c) for item, c in zip(fold.items, counts)}
    genres = sorted({g for _, _, gs in films.values() for g in gs})
    out = []
    for genre in genres:
        own = [i for i in by_count if genre in films[i][2]]
        if sum(count[i] >= GENRE_MIN_RATINGS for i in own) < GENRE_MIN_FILMS:
            continue
        liked = own[PERSONA_SKIP : PERSONA_SKIP + PERSONA_LIKED]
        disliked = [i for i in by_count if genre not in films[i][2]][:PERSONA_DISLIKED]
        out.append((genre, liked, disliked))
    return out


def best_rated(fold):
    """Per training user, their SIMILAR_SEEDS best-rated training films: highest rating first,
    then the most recent, then the lowest id."""
    per_user = {}
    for u, i, r, ts in fold.train_rows:
        per_user.setdefault(u, []).append((-r, -float(ts), int(i) if i.isdigit() else 0, i))
    return {u: [i for *_, i in sorted(rows)[:SIMILAR_SEEDS]] for u, rows in per_user.items()}


def held_out_liked(fold):
    liked = {}
    for u, i, r, _ in fold.test_rows:
        if r >= RELEVANT_AT and u in fold.uidx:
            liked.setdefault(u, set()).add(i)
    return liked


def similar_figures(lists_of, seeds, liked, training_count):
    """Hit rate (micro over users) and the share of listed films with few training ratings.

    `lists_of(item)` is a system's similar list (ids). Every list a user is shown counts in the
    share, so a film in many users' lists counts as often as it is seen.
    """
    hits = relevant = listed = sparse = 0
    for user, films in seeds.items():
        union = set()
        for seed in films:
            shown = lists_of(seed)
            union.update(shown)
            listed += len(shown)
            sparse += sum(training_count.get(i, 0) < SPARSE_BELOW for i in shown)
        want = liked.get(user, set())
        hits += len(union & want)
        relevant += len(want)
    return {"hit_rate": hits / relevant, "sparse_share": sparse / listed if listed else None}


def run_lists(binary, train_path, features_path, queries, seed, work):
    """Runs the engine's `lists` example; returns (answers by id, fit seconds, query seconds)."""
    query_path = work / "taste-queries.jsonl"
    with open(query_path, "w", encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps(q) + "\n")
    cmd = [str(binary), "--train", str(train_path), "--queries", str(query_path), "--seed", str(seed)]
    if features_path is not None:
        cmd += ["--features", str(features_path)]
    start = time.perf_counter()
    done = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    total = time.perf_counter() - start
    found = re.search(r"trained in ([0-9.]+) s", done.stderr)
    if not found:
        sys.exit(f"{' '.join(cmd)}: no training time on stderr:\n{done.stderr}")
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if [a["id"] for a in answers] != [q["id"] for q in queries]:
        sys.exit(f"{' '.join(cmd)}: answers do not match the queries one for one")
    fit_seconds = float(found.group(1))
    return {a["id"]: a for a in answers}, fit_seconds, total - fit_seconds


def fmt(value, digits=3):
    return "—" if value is None else f"{value:.{digits}f}"


def mean(values):
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def versions():
    import scipy

    commit = subprocess.run(
        ["git", "-C", str(Path(__file__).parent), "describe", "--always", "--dirty"],
        stdout=subprocess.PIPE,
        text=True,
    ).stdout.strip()
    return {
        "movierec": commit or "?",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


def machine():
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, load average {load}"


OURS = {"movierec (genres)": True, "movierec (ratings only)": False}
PERSONA_PEERS = ["ease", "ease (12 liked only)", "item knn", "popularity"]
SIMILAR_PEERS = ["item knn", "ease", "popularity"]
NDCG_PEERS = ["ease", "item knn", "popularity"]


def run_fold(k, fold, films, args):
    """Every figure of one fold: {figure: {system: value}} plus times and our picks' details."""
    peers = Peers(fold)
    n_items = len(fold.items)
    counts = peers.counts
    training_count = {item: int(c) for item, c in zip(fold.items, counts)}
    timing = {"ease": [peers.ease_seconds, 0.0], "item knn": [peers.knn_seconds, 0.0], "popularity": [0.0, 0.0]}

    # the queries every run of ours answers
    cast = personas(fold, films, counts)
    queries = []
    for genre, liked, disliked in cast:
        ratings = [[i, LIKED_STARS] for i in liked] + [[i, DISLIKED_STARS] for i in disliked]
        queries.append({"id": f"persona {genre}", "kind": "recommend", "n": PERSONA_TOP, "ratings": ratings})
    seeds = best_rated(fold)
    seed_films = sorted({i for films_ in seeds.values() for i in films_}, key=lambda i: fold.iidx[i])
    queries += [{"id": f"similar {i}", "kind": "similar", "item": i, "n": SIMILAR_N} for i in seed_films]
    per_user = {}
    for u, i, r, _ in fold.train_rows:
        per_user.setdefault(u, []).append([i, r])
    evaluated = fold.evaluated_users()
    held_out = {}
    for u, i, r, _ in fold.test_rows:
        held_out.setdefault(u, []).append((i, r))
    queries += [
        {
            "id": f"user {fold.users[u]}",
            "kind": "recommend",
            "n": TOP_N,
            "ratings": per_user[fold.users[u]],
            "predict": [i for i, _ in held_out.get(fold.users[u], [])],
        }
        for u in evaluated
    ]

    liked_later = held_out_liked(fold)
    result = {"persona": {}, "similar": {}, "ndcg": {}, "rmse": {}, "details": {}}
    for label, with_genres in OURS.items():
        print(f"fold {k}/{args.folds}: {label}", file=sys.stderr, flush=True)
        features = args.features if with_genres else None
        answers, fit_s, query_s = run_lists(args.binary, fold.train_path, features, queries, args.seed, args.cache)
        timing[label] = [fit_s, query_s]
        picks = {genre: answers[f"persona {genre}"] for genre, _, _ in cast}
        result["persona"][label] = {g: genre_share(a["items"], g, films) for g, a in picks.items()}
        result["similar"][label] = similar_figures(
            lambda i: answers[f"similar {i}"]["items"], seeds, liked_later, training_count
        )
        served = [answers[f"user {fold.users[u]}"] for u in evaluated]
        top = np.full((len(evaluated), TOP_N), -1)
        for row, answer in enumerate(served):
            for col, item in enumerate(answer["items"][:TOP_N]):
                top[row, col] = fold.iidx.get(item, -1)
        result["ndcg"][label] = fold.list_metrics(evaluated, top)["ndcg_at_10"]
        # the stars shown for the held-out films, each user folded in from their training ratings
        errors = [
            (p - r) ** 2
            for u, answer in zip(evaluated, served)
            for (_, r), p in zip(held_out.get(fold.users[u], []), answer["predictions"])
            if p is not None
        ]
        result["rmse"][label] = float(np.sqrt(np.mean(errors))) if errors else None
        result["details"][label] = pick_details(picks.values(), served)

    print(f"fold {k}/{args.folds}: peers", file=sys.stderr, flush=True)
    for system in PERSONA_PEERS:
        start = time.perf_counter()
        shares = {}
        for genre, liked, disliked in cast:
            rated = [(fold.iidx[i], LIKED_STARS) for i in liked]
            rated += [(fold.iidx[i], DISLIKED_STARS) for i in disliked]
            exclude = np.zeros(n_items, dtype=bool)
            exclude[[i for i, _ in rated]] = True
            top20 = best(peers.user_scores(system, rated, n_items), PERSONA_TOP, exclude)
            shares[genre] = genre_share([fold.items[i] for i in top20], genre, films)
        result["persona"][system] = shares
        timing["ease" if system.startswith("ease") else system][1] += time.perf_counter() - start
    for system in SIMILAR_PEERS:
        start = time.perf_counter()
        cache = {i: [fold.items[j] for j in peers.similar(system, fold.iidx[i])] for i in seed_films}
        result["similar"][system] = similar_figures(cache.__getitem__, seeds, liked_later, training_count)
        timing[system][1] += time.perf_counter() - start
    start = time.perf_counter()
    result["ndcg"]["ease"] = fold.top_n_metrics(fold.seen.astype(np.float64) @ peers.ease)["ndcg_at_10"]
    timing["ease"][1] += time.perf_counter() - start
    start = time.perf_counter()
    result["ndcg"]["item knn"] = fold.top_n_metrics(peers.centred @ peers.knn)["ndcg_at_10"]
    timing["item knn"][1] += time.perf_counter() - start
    result["ndcg"]["popularity"] = fold.top_n_metrics(fold.popularity_scores())["ndcg_at_10"]
    result["timing"] = timing
    return result


def genre_share(items, genre, films):
    """The share of `genre` among a top PERSONA_TOP (a shorter list counts its gaps as misses)."""
    return sum(genre in films[i][2] for i in items[:PERSONA_TOP]) / PERSONA_TOP


def pick_details(persona_answers, served):
    """What our picks look like beyond their items: reasons and predicted stars."""
    persona_answers = list(persona_answers)
    reasons = [a["reasons"] for a in persona_answers]
    return {
        "persona_with_reason": mean([sum(r is not None for r in rs) / len(rs) for rs in reasons if rs]),
        "persona_distinct_reasons": mean([len({r for r in rs if r is not None}) for rs in reasons]),
        "persona_weak": mean([weak_share(a) for a in persona_answers]),
        "served_weak": mean([weak_share(a) for a in served]),
    }


def weak_share(answer):
    """The share of a list's picks predicted below WEAK_BELOW stars; None for an empty list."""
    predicted = answer["predicted"]
    return sum(p < WEAK_BELOW for p in predicted) / len(predicted) if predicted else None


def acceptance(results, genres):
    """Issue 26's acceptance figures for the default (the app with a catalog), passed or not."""
    lead = next(iter(OURS))

    def figure(part, system, key=None):
        return mean([r[part][system] if key is None else r[part][system][key] for r in results])

    def check(passed):
        return "yes" if passed else "**no**"

    print(f"\n### Issue 26's acceptance, for {lead}\n")
    for peer in ["ease", "ease (12 liked only)"]:
        share = {s: {g: mean([r["persona"][s].get(g) for r in results]) for g in genres} for s in [lead, peer]}
        behind = [g for g in genres if share[lead][g] < share[peer][g]]
        print(
            f"- every persona's genre share at least {peer}'s: {check(not behind)} "
            f"({len(genres) - len(behind)} of {len(genres)}; below: {', '.join(behind) or 'none'})"
        )
    hit, knn = figure("similar", lead, "hit_rate"), figure("similar", "item knn", "hit_rate")
    print(f"- similar lists' hit rate at least item knn's: {check(hit >= knn)} ({hit:.4f} against {knn:.4f})")
    sparse = figure("similar", lead, "sparse_share")
    print(f"- at most 5 % of similar films with under {SPARSE_BELOW} ratings: {check(sparse <= 0.05)} ({sparse:.1%})")
    ours, ease = figure("ndcg", lead), figure("ndcg", "ease")
    print(f"- NDCG@10 at least EASE's: {check(ours >= ease)} ({ours:.4f} against {ease:.4f})")
    rmse = figure("rmse", lead)
    print(f"- RMSE of the stars shown for held-out films at most 0.91: {check(rmse <= 0.91)} ({rmse:.4f})")


def report(results, args, load_before, measured):
    systems = [*OURS, *PERSONA_PEERS]
    genres = sorted({g for r in results for g in r["persona"][next(iter(OURS))]})
    print(f"## Taste on ML-100k with its genres: {len(results)} of 5 folds (80/20, seed {args.seed})\n")

    print(
        f"### Personas: share of the genre in the top {PERSONA_TOP}\n\n"
        f"{PERSONA_LIKED} typical films of the genre rated {LIKED_STARS:g}★ (its films by training ratings, "
        f"skipping the {PERSONA_SKIP} most rated), the {PERSONA_DISLIKED} most rated films outside it "
        f"rated {DISLIKED_STARS:g}★; a genre has a persona when {GENRE_MIN_FILMS} of its films have "
        f"{GENRE_MIN_RATINGS} training ratings. Mean over folds.\n"
    )
    # a genre near the threshold may have a persona in some folds only: say in how many
    print("| genre | folds | " + " | ".join(systems) + " |")
    print("|---|---:|" + "---:|" * len(systems))
    for genre in genres:
        cells = [fmt(mean([r["persona"][s].get(genre) for r in results]), 2) for s in systems]
        n = sum(genre in r["persona"][systems[0]] for r in results)
        print(f"| {genre} | {n} | " + " | ".join(cells) + " |")
    overall = [fmt(mean([v for r in results for v in r["persona"][s].values()]), 3) for s in systems]
    print("| **mean** | | " + " | ".join(overall) + " |")

    print(
        f"\n### Similar films as an item-to-item recommender\n\n"
        f"Per user, the union of the {SIMILAR_N} similar films of their {SIMILAR_SEEDS} best-rated "
        f"training films (ties: most recent, then lowest id); hit rate = held-out films rated "
        f"≥ {RELEVANT_AT:g} found / all held-out films rated ≥ {RELEVANT_AT:g} (micro over users); "
        f"sparse = share of the films in the lists users see with fewer than {SPARSE_BELOW} training "
        f"ratings.\n"
    )
    similar_systems = [*OURS, *SIMILAR_PEERS]
    knn_hits = mean([r["similar"]["item knn"]["hit_rate"] for r in results])
    print("| system | hit rate | × item knn | sparse |")
    print("|---|---:|---:|---:|")
    for s in similar_systems:
        hit = mean([r["similar"][s]["hit_rate"] for r in results])
        sparse = mean([r["similar"][s]["sparse_share"] for r in results])
        sparse = fmt(sparse * 100 if sparse is not None else None, 1)
        print(f"| {s} | {fmt(hit, 4)} | {hit / knn_hits:.2f}× | {sparse} % |")

    print(
        f"\n### NDCG@10 as served\n\n"
        f"Each user folded in from all their training ratings and ranked (training films excluded), "
        f"binary relevance (held-out ratings ≥ {RELEVANT_AT:g}), accuracy.py's metric. RMSE: of the stars "
        f"a movie page shows that user for each held-out film (ours only; the peers predict no stars).\n"
    )
    ease_ndcg = mean([r["ndcg"]["ease"] for r in results])
    print("| system | NDCG@10 | × ease | RMSE |")
    print("|---|---:|---:|---:|")
    for s in [*OURS, *NDCG_PEERS]:
        value = mean([r["ndcg"][s] for r in results])
        rmse = mean([r["rmse"][s] for r in results]) if s in OURS else None
        print(f"| {s} | {fmt(value, 4)} | {value / ease_ndcg:.2f}× | {fmt(rmse, 4)} |")

    acceptance(results, genres)

    print(
        f"\n### Our picks\n\n"
        f"Personas' top {PERSONA_TOP}: the share of picks with a reason (a liked film contributing "
        f"positively), how many different films the reasons name, and the share predicted below "
        f"{WEAK_BELOW:g}★; the same share for the top {TOP_N} served above.\n"
    )
    print("| system | with a reason | distinct reasons | weak (personas) | weak (served) |")
    print("|---|---:|---:|---:|---:|")
    for s in OURS:
        d = {key: mean([r["details"][s][key] for r in results]) for key in results[0]["details"][s]}
        print(
            f"| {s} | {fmt(d['persona_with_reason'], 2)} | {fmt(d['persona_distinct_reasons'], 1)} "
            f"| {fmt(d['persona_weak'], 2)} | {fmt(d['served_weak'], 2)} |"
        )

    print("\n### Time per fold (seconds, wall clock)\n")
    print("| system | fit | queries |")
    print("|---|---:|---:|")
    for s in [*OURS, "ease", "item knn", "popularity"]:
        fit_s = mean([r["timing"][s][0] for r in results])
        query_s = mean([r["timing"][s][1] for r in results])
        print(f"| {s} | {fmt(fit_s, 2)} | {fmt(query_s, 2)} |")
    print(
        f"\nease: lambda {EASE_LAMBDA:g} on the binarised training ratings. item knn: cosine on who rated "
        f"what × co-count / (co-count + {KNN_SHRINK:g}), user scores weighted by (rating − {KNN_NEUTRAL:g}). "
        "Our queries include every user's fold-in and ranking with reasons."
    )
    print(f"\nmachine: {load_before}; after the run: {machine()}")
    print(", ".join(f"{k} {v}" for k, v in measured.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ratings", type=Path, required=True, help="all ratings, u.data format")
    parser.add_argument("--films", type=Path, required=True, help="recbole's ml-100k.item without its header")
    parser.add_argument("--cache", type=Path, required=True, help="where folds and results go")
    parser.add_argument("--binary", type=Path, required=True, help="the engine's lists example")
    parser.add_argument("--folds", type=int, default=5, help="how many of the 5 folds to run")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if not 1 <= args.folds <= 5:
        parser.error("--folds: between 1 and 5")
    load_before = machine()
    # before the run, so an edit made while it runs does not mislabel what was measured
    measured = versions()

    films = read_films(args.films)
    args.features = args.cache / "ml-100k-features.tsv"
    write_features(films, args.features)
    fold_paths = make_folds(args.ratings, args.cache / "folds", 5, args.seed)[: args.folds]
    results = []
    results_path = args.cache / "taste.jsonl"
    with open(results_path, "w", encoding="utf-8") as out:
        for k, (train_path, test_path) in enumerate(fold_paths, 1):
            result = run_fold(k, Fold(train_path, test_path), films, args)
            results.append(result)
            out.write(json.dumps({"fold": k, "seed": args.seed, **result}) + "\n")
    report(results, args, load_before, measured)
    print(f"per-fold results: {os.path.relpath(results_path)}")


if __name__ == "__main__":
    main()

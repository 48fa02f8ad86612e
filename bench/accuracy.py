"""Accuracy of movierec beside scikit-surprise, implicit's ALS and EASE on the same MovieLens folds.

Called by bench/accuracy.sh, which prepares the virtualenv, the data and the release binary.
Every system sees the same fold files; top-N metrics follow the definitions in bench/README.md,
which are the ones `movierec eval` implements, so the numbers are comparable line by line.
"""

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

TOP_N = 10
RELEVANT_AT = 4.0
# Surprise's SVD++ sums the implicit factors in Python per prediction; our vectorised score
# matrix does the same sum once per user, so the two agree only to float rounding.
SCORE_TOLERANCE = 1e-6


def read_udata(path):
    """Rows of (user, item, rating, timestamp) with ids kept as the strings in the file."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) != 4:
                sys.exit(f"{path}:{line_no}: expected 4 tab-separated fields, got {len(fields)}")
            user, item, rating, ts = fields
            try:
                rows.append((user, item, float(rating), ts))
            except ValueError:
                sys.exit(f"{path}:{line_no}: rating {rating!r} is not a number")
    if not rows:
        sys.exit(f"{path}: no ratings")
    return rows


def write_udata(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for user, item, rating, ts in rows:
            f.write(f"{user}\t{item}\t{rating:g}\t{ts}\n")


def make_folds(ratings_path, fold_dir, n_folds, seed):
    """Shuffle the rows once with `seed`; fold i is the test set of split i, the rest its training set.

    A stamp file records what the folds were made from, so re-runs reuse them and a different
    seed or fold count remakes them.
    """
    stamp = fold_dir / "STAMP"
    want = f"{ratings_path.stat().st_size} {n_folds} {seed} by-item\n"
    paths = [(fold_dir / f"train.{k}", fold_dir / f"test.{k}") for k in range(1, n_folds + 1)]
    if stamp.exists() and stamp.read_text() == want and all(a.exists() and b.exists() for a, b in paths):
        return paths
    rows = read_udata(ratings_path)
    order = np.random.default_rng(seed).permutation(len(rows))
    parts = np.array_split(order, n_folds)
    fold_dir.mkdir(parents=True, exist_ok=True)
    for k, (train_path, test_path) in enumerate(paths):
        test_idx = set(parts[k].tolist())
        write_udata(test_path, by_item([rows[i] for i in parts[k]]))
        write_udata(train_path, by_item([rows[i] for i in range(len(rows)) if i not in test_idx]))
    stamp.write_text(want)
    return paths


def by_item(rows):
    """Rows sorted by item id, then user id.

    A reader that numbers items in order of first appearance (as movierec does) then numbers them
    in id order, so "ties by item id" and "ties by index" rank the same: the popularity
    cross-check compares the metric code, not tie rules.
    """
    return sorted(rows, key=lambda row: (item_sort_key(row[1]), item_sort_key(row[0])))


def item_sort_key(item):
    # Ids are strings; MovieLens ids are integers and are ordered as numbers.
    return (0, int(item), "") if item.isdigit() else (1, 0, item)


class Fold:
    """One train/test pair with the index maps the top-N metrics need."""

    def __init__(self, train_path, test_path):
        self.train_path = train_path
        train_rows, test_rows = read_udata(train_path), read_udata(test_path)
        self.train_rows = train_rows
        self.test_rows = test_rows
        self.users = sorted({u for u, _, _, _ in train_rows}, key=item_sort_key)
        self.items = sorted({i for _, i, _, _ in train_rows}, key=item_sort_key)
        self.uidx = {u: k for k, u in enumerate(self.users)}
        self.iidx = {i: k for k, i in enumerate(self.items)}
        n_u, n_i = len(self.users), len(self.items)
        self.seen = np.zeros((n_u, n_i), dtype=bool)
        for u, i, _, _ in train_rows:
            self.seen[self.uidx[u], self.iidx[i]] = True
        # relevant items that are candidates; items absent from training can never be hit but
        # still count in |relevant(u)|
        self.relevant = np.zeros((n_u, n_i), dtype=bool)
        self.n_relevant = np.zeros(n_u, dtype=np.int64)
        for u, i, r, _ in test_rows:
            if r >= RELEVANT_AT and u in self.uidx:
                self.n_relevant[self.uidx[u]] += 1
                if i in self.iidx:
                    self.relevant[self.uidx[u], self.iidx[i]] = True

    def top_n_metrics(self, scores):
        """precision/recall/NDCG@10 averaged over training users with at least one relevant test item.

        `scores[u, i]` ranks the candidates of user u: the training items u did not rate in training.
        """
        users = self.evaluated_users()
        s = np.where(self.seen, -np.inf, scores)[users]
        top = np.argpartition(-s, TOP_N, axis=1)[:, :TOP_N]
        top_scores = np.take_along_axis(s, top, axis=1)
        top = np.take_along_axis(top, np.argsort(-top_scores, axis=1, kind="stable"), axis=1)
        return self.list_metrics(users, top)

    def evaluated_users(self):
        """Indices of the training users with at least one relevant test item, the ones averaged over."""
        return np.flatnonzero(self.n_relevant > 0)

    def list_metrics(self, users, top):
        """The top-N metrics of ready-made lists: `top[k]` holds the item indices listed for user
        `users[k]`, best first, padded with -1 (an item outside the training set: never a hit)."""
        listed = top >= 0
        hits = self.relevant[users[:, None], np.where(listed, top, 0)] & listed
        n_rel = self.n_relevant[users]
        discount = 1.0 / np.log2(np.arange(2, TOP_N + 2))
        dcg = (hits * discount).sum(axis=1)
        idcg = np.cumsum(discount)[np.minimum(n_rel, TOP_N) - 1]
        n_hits = hits.sum(axis=1)
        return {
            "precision_at_10": float(np.mean(n_hits / TOP_N)),
            "recall_at_10": float(np.mean(n_hits / n_rel)),
            "ndcg_at_10": float(np.mean(dcg / idcg)),
        }

    def popularity_scores(self):
        """Most-rated items first, ties broken by item id (ascending), the same for every user."""
        counts = self.seen.sum(axis=0)
        # items are already in id order, so a stable sort on -count breaks ties by id
        order = np.argsort(-counts, kind="stable")
        rank_score = np.empty(len(self.items))
        rank_score[order] = -np.arange(len(self.items), dtype=float)
        return np.broadcast_to(rank_score, self.seen.shape)


def surprise_scores(algo, trainset, fold, with_implicit):
    """The unclipped score of every (user, item) pair of the fold, from the fitted model's arrays."""
    u_inner = np.array([trainset.to_inner_uid(u) for u in fold.users])
    i_inner = np.array([trainset.to_inner_iid(i) for i in fold.items])
    pu = algo.pu[u_inner]
    if with_implicit:
        implicit = np.zeros_like(algo.pu)
        for u, ratings in trainset.ur.items():
            js = [j for j, _ in ratings]
            implicit[u] = algo.yj[js].sum(axis=0) / math.sqrt(len(js))
        pu = pu + implicit[u_inner]
    scores = (
        trainset.global_mean
        + algo.bu[u_inner][:, None]
        + algo.bi[i_inner][None, :]
        + pu @ algo.qi[i_inner].T
    )
    rng = np.random.default_rng(0)
    for _ in range(20):
        a, b = rng.integers(len(fold.users)), rng.integers(len(fold.items))
        expected = algo.predict(fold.users[a], fold.items[b], clip=False).est
        if abs(scores[a, b] - expected) > SCORE_TOLERANCE:
            sys.exit(
                f"score matrix disagrees with Surprise's predict for user {fold.users[a]} "
                f"item {fold.items[b]}: {scores[a, b]} vs {expected}"
            )
    return scores


def run_surprise(svdpp, fold, seed, prior_weight):
    """Surprise SVD or SVD++ with default hyper-parameters.

    With `prior_weight`, also the top-N metrics of the same fit ranked the way movierec ranks by
    default (predicted rating + weight · ln(1 + item's training ratings)), which separates what the
    ranking prior adds from what the model adds.
    """
    from surprise import SVD, Dataset, Reader, SVDpp, accuracy

    algo = SVDpp(random_state=seed) if svdpp else SVD(random_state=seed)
    reader = Reader(line_format="user item rating timestamp", sep="\t", rating_scale=rating_scale(fold))
    trainset = Dataset.load_from_file(str(fold.train_path), reader).build_full_trainset()
    start = time.perf_counter()
    algo.fit(trainset)
    fit_seconds = time.perf_counter() - start
    predictions = algo.test([(u, i, r) for u, i, r, _ in fold.test_rows])
    result = {
        "rmse": accuracy.rmse(predictions, verbose=False),
        "mae": accuracy.mae(predictions, verbose=False),
        "fit_seconds": fit_seconds,
    }
    scores = surprise_scores(algo, trainset, fold, svdpp)
    plain = {**result, **fold.top_n_metrics(scores)}
    if prior_weight is None:
        return plain, None
    prior = prior_weight * np.log1p(fold.seen.sum(axis=0))
    return plain, {**result, **fold.top_n_metrics(scores + prior[None, :])}


def rating_scale(fold):
    ratings = [r for _, _, r, _ in fold.train_rows]
    return (min(ratings), max(ratings))


def run_popularity_python(fold):
    start = time.perf_counter()
    scores = fold.popularity_scores()
    fit_seconds = time.perf_counter() - start
    result = {"rmse": None, "mae": None, "fit_seconds": fit_seconds}
    result.update(fold.top_n_metrics(scores))
    return result


def implicit_matrix(fold):
    """The training ratings binarised: 1 where the user rated the item, as a user x item CSR."""
    from scipy.sparse import csr_matrix

    return csr_matrix(fold.seen.astype(np.float32))


def run_implicit_als(fold, seed, factors, regularization, alpha, iterations):
    """implicit's CPU ALS (conjugate gradient) on the binarised training ratings."""
    from implicit.cpu.als import AlternatingLeastSquares

    user_items = implicit_matrix(fold)
    model = AlternatingLeastSquares(
        factors=factors,
        regularization=regularization,
        alpha=alpha,
        iterations=iterations,
        random_state=seed,
    )
    start = time.perf_counter()
    model.fit(user_items, show_progress=False)
    fit_seconds = time.perf_counter() - start
    scores = np.asarray(model.user_factors) @ np.asarray(model.item_factors).T
    return {"rmse": None, "mae": None, "fit_seconds": fit_seconds, **fold.top_n_metrics(scores)}


def run_ease(fold, lam):
    """EASE (Steck 2019): B = I - P diagMat(1 / diag(P)) with P = (X'X + lam I)^-1, scores X B."""
    x = fold.seen.astype(np.float64)
    start = time.perf_counter()
    b = ease_weights(x, lam)
    fit_seconds = time.perf_counter() - start
    scores = x @ b
    return {"rmse": None, "mae": None, "fit_seconds": fit_seconds, **fold.top_n_metrics(scores)}


def ease_weights(x, lam):
    """EASE's item-item matrix B for the user x item interactions `x` (diagonal zero)."""
    g = x.T @ x
    g[np.diag_indices_from(g)] += lam
    p = np.linalg.inv(g)
    b = -p / np.diag(p)[None, :]
    b[np.diag_indices_from(b)] = 0.0
    return b


def run_ours(binary, model, extra, train_path, test_path, seed):
    cmd = [str(binary), "eval", "--train", str(train_path), "--test", str(test_path), "--json", "--seed", str(seed)]
    cmd += ["--model", model, *extra]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    lines = [line for line in out.splitlines() if line.strip()]
    if len(lines) != 1:
        sys.exit(f"{' '.join(cmd)}: expected one JSON line on stdout, got {len(lines)}")
    raw = json.loads(lines[0])
    # a ranker (popularity) predicts no ratings: its rmse and mae are null
    result = {m: raw.get(m) for m in METRICS}
    result["params"] = raw.get("params")
    return result


METRICS = ["rmse", "mae", "precision_at_10", "recall_at_10", "ndcg_at_10", "fit_seconds"]
HEADERS = ["RMSE", "MAE", "P@10", "R@10", "NDCG@10", "fit s/fold"]


def mean_std(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    std = float(np.std(values, ddof=1)) if len(values) > 1 else None
    return float(np.mean(values)), std


def fmt(stat, digits):
    if stat is None:
        return "—"
    mean, std = stat
    if std is None:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def summarise(records, systems):
    by_system = {}
    for rec in records:
        by_system.setdefault(rec["system"], []).append(rec)
    rows = []
    for system in systems:
        recs = by_system.get(system, [])
        if recs:
            rows.append((system, len(recs), {m: mean_std([r[m] for r in recs]) for m in METRICS}))
    return rows


def table(rows):
    digits = {"rmse": 4, "mae": 4, "precision_at_10": 4, "recall_at_10": 4, "ndcg_at_10": 4, "fit_seconds": 3}
    lines = [
        "| system | folds | " + " | ".join(HEADERS) + " |",
        "|---|---:|" + "---:|" * len(HEADERS),
    ]
    for system, n, stats in rows:
        cells = [fmt(stats[m], digits[m]) for m in METRICS]
        lines.append(f"| {system} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def versions():
    import surprise

    out = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-surprise": surprise.__version__,
    }
    try:
        import implicit

        out["implicit"] = implicit.__version__
    except ImportError:
        pass
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ratings", type=Path, required=True, help="all ratings, u.data format")
    parser.add_argument("--cache", type=Path, required=True, help="where folds and results go")
    parser.add_argument("--binary", type=Path, help="the movierec binary; omit to skip our engine")
    parser.add_argument("--folds", type=int, default=5, help="how many of the 5 folds to run")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-svdpp", action="store_true", help="skip Surprise SVD++ (minutes per fold)")
    parser.add_argument(
        "--models",
        default="hybrid,ials,sgd,als,baseline,popularity",
        help="our models to run; the first also runs with --threads 1, and sgd also with "
        "--popularity-weight 0",
    )
    parser.add_argument("--no-implicit", action="store_true", help="skip implicit's ALS")
    parser.add_argument("--no-ease", action="store_true", help="skip EASE")
    parser.add_argument("--ease-lambda", type=float, default=300.0)
    parser.add_argument("--implicit-factors", type=int, default=64)
    parser.add_argument("--implicit-reg", type=float, default=0.05)
    parser.add_argument("--implicit-alpha", type=float, default=2.0)
    parser.add_argument("--implicit-iterations", type=int, default=15)
    parser.add_argument(
        "--prior-weight",
        type=float,
        default=1.0,
        help="popularity_weight applied to Surprise SVD for a like-for-like row, when movierec's "
        "JSON does not report the one its default model used",
    )
    args = parser.parse_args()
    if not 1 <= args.folds <= 5:
        parser.error("--folds: between 1 and 5")

    fold_paths = make_folds(args.ratings, args.cache / "folds", 5, args.seed)[: args.folds]
    ours = [m for m in args.models.split(",") if m] if args.binary else []
    # label -> (model, extra arguments)
    our_runs = {}
    for n, m in enumerate(ours):
        our_runs[f"movierec {m}"] = (m, [])
        if n == 0 and m != "popularity":
            # Surprise trains on one core
            our_runs[f"movierec {m} (1 thread)"] = (m, ["--threads", "1"])
        if m == "sgd":
            our_runs["movierec sgd (no prior)"] = ("sgd", ["--popularity-weight", "0"])
    peers = ["surprise svd", "surprise svd + prior"] + ([] if args.no_svdpp else ["surprise svd++"])
    if not args.no_implicit:
        peers.append("implicit als")
    if not args.no_ease:
        peers.append(f"ease (lambda {args.ease_lambda:g})")
    systems = [*our_runs, *peers, "popularity (python)"]

    results_path = args.cache / "results.jsonl"
    records = []
    with open(results_path, "w", encoding="utf-8") as out:

        def record(system, k, result):
            rec = {"system": system, "fold": k, "seed": args.seed, **result}
            records.append(rec)
            out.write(json.dumps(rec) + "\n")
            out.flush()

        for k, (train_path, test_path) in enumerate(fold_paths, 1):
            fold = Fold(train_path, test_path)
            progress = f"fold {k}/{args.folds}:"
            prior_weight = args.prior_weight
            for n, (label, (model, extra)) in enumerate(our_runs.items()):
                print(f"{progress} {label}", file=sys.stderr, flush=True)
                result = run_ours(args.binary, model, extra, train_path, test_path, args.seed)
                if n == 0 and "popularity_weight" in (result["params"] or {}):
                    prior_weight = result["params"]["popularity_weight"]
                elif n == 0 and k == 1:
                    check_prior_weight(args, model, train_path, test_path, result, prior_weight)
                record(label, k, result)
            print(f"{progress} surprise svd", file=sys.stderr, flush=True)
            plain, prior = run_surprise(False, fold, args.seed, prior_weight)
            prior["prior_weight"] = prior_weight
            record("surprise svd", k, plain)
            record("surprise svd + prior", k, prior)
            if not args.no_svdpp:
                print(f"{progress} surprise svd++", file=sys.stderr, flush=True)
                record("surprise svd++", k, run_surprise(True, fold, args.seed, None)[0])
            record("popularity (python)", k, run_popularity_python(fold))
            if not args.no_implicit:
                print(f"{progress} implicit als", file=sys.stderr, flush=True)
                result = run_implicit_als(
                    fold,
                    args.seed,
                    args.implicit_factors,
                    args.implicit_reg,
                    args.implicit_alpha,
                    args.implicit_iterations,
                )
                record("implicit als", k, result)
            if not args.no_ease:
                print(f"{progress} ease", file=sys.stderr, flush=True)
                record(f"ease (lambda {args.ease_lambda:g})", k, run_ease(fold, args.ease_lambda))

    rows = summarise(records, systems)
    print()
    print(f"ML-100k, {args.folds} of 5 folds (80/20, seed {args.seed}); mean ± sample std over folds")
    print(table(rows))
    weights = sorted({r["prior_weight"] for r in records if "prior_weight" in r})
    print(f"\nsurprise svd + prior: ranked by prediction + {', '.join(map(str, weights))} · ln(1 + item ratings)")
    stats = {system: s for system, _, s in rows}
    svd_fit = stats.get("surprise svd", {}).get("fit_seconds")
    our_fit = stats.get(f"movierec {ours[0]}", {}).get("fit_seconds") if ours else None
    if svd_fit and our_fit:
        print(f"\nSurprise SVD fit time / movierec {ours[0]}: {svd_fit[0] / our_fit[0]:.1f}x", end="")
        one = stats.get(f"movierec {ours[0]} (1 thread)", {}).get("fit_seconds")
        print(f" ({svd_fit[0] / one[0]:.1f}x on 1 thread)" if one else "")
    if not args.no_implicit:
        print(
            f"\nimplicit als: factors {args.implicit_factors}, regularization {args.implicit_reg}, "
            f"alpha {args.implicit_alpha}, {args.implicit_iterations} iterations, binarised ratings"
        )
    if "movierec popularity" in stats:
        check_popularity(records)
    print("\n" + ", ".join(f"{k} {v}" for k, v in versions().items()))
    print(f"per-fold results: {os.path.relpath(results_path)}")


def check_prior_weight(args, model, train_path, test_path, default_run, weight):
    """The default model must rank exactly as with `--popularity-weight weight` (training is seeded)."""
    explicit = run_ours(args.binary, model, ["--popularity-weight", str(weight)], train_path, test_path, args.seed)
    if explicit["ndcg_at_10"] != default_run["ndcg_at_10"]:
        sys.exit(
            f"movierec {model}'s default ranking weight is not {weight}: pass the one in "
            "Params::default_for as --prior-weight"
        )


def check_popularity(records):
    """Our popularity ranker and the Python one must agree fold by fold: same definitions, same data."""
    ours = {r["fold"]: r for r in records if r["system"] == "movierec popularity"}
    mine = {r["fold"]: r for r in records if r["system"] == "popularity (python)"}
    worst = 0.0
    for fold, rec in ours.items():
        for m in ["precision_at_10", "recall_at_10", "ndcg_at_10"]:
            worst = max(worst, abs(rec[m] - mine[fold][m]))
    verdict = "agree" if worst < 1e-6 else "DISAGREE"
    print(f"\npopularity cross-check (Rust vs Python top-N metrics): {verdict}, largest difference {worst:.2e}")


if __name__ == "__main__":
    main()

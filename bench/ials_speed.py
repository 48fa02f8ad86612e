"""Fit time of movierec's implicit model beside implicit's CPU ALS, same data, factors, iterations
and threads.

Called by bench/ials_speed.sh, which builds the `ials_fit` example and prepares the data. The
example loads each ratings file, writes its matrix as raw index arrays, and times our fit; this
script reads the same arrays into a CSR matrix of ones and times `AlternatingLeastSquares.fit`
(conjugate gradient, 3 steps, as ours).
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def ours(binary, ratings, dump, factors, epochs, threads):
    cmd = [str(binary), str(ratings), "--factors", str(factors), "--epochs", str(epochs),
           "--threads", str(threads), "--cg-steps", "3", "--dump", str(dump)]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def theirs(dump, factors, epochs, threads, seed):
    from implicit.cpu.als import AlternatingLeastSquares
    from scipy.sparse import csr_matrix

    n_users, n_items, nnz = map(int, (dump / "shape.txt").read_text().split())
    users = np.fromfile(dump / "users.u32", dtype="<u4")
    items = np.fromfile(dump / "items.u32", dtype="<u4")
    if len(users) != nnz or len(items) != nnz:
        sys.exit(f"{dump}: expected {nnz} entries, read {len(users)} and {len(items)}")
    matrix = csr_matrix((np.ones(nnz, dtype=np.float32), (users, items)), shape=(n_users, n_items))
    model = AlternatingLeastSquares(factors=factors, iterations=epochs, use_cg=True,
                                    num_threads=threads, random_state=seed,
                                    calculate_training_loss=False)
    start = time.perf_counter()
    model.fit(matrix, show_progress=False)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--data", type=Path, nargs="+", required=True, help="ratings files")
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rows = []
    for path in args.data:
        dump = args.cache / "ials_speed" / path.parent.name / path.name
        print(f"{path.name}: movierec", file=sys.stderr, flush=True)
        mine = ours(args.binary, path, dump, args.factors, args.epochs, args.threads)
        print(f"{path.name}: implicit", file=sys.stderr, flush=True)
        their = theirs(dump, args.factors, args.epochs, args.threads, args.seed)
        rows.append((path, mine, their))
    print(f"\nfactors {args.factors}, {args.epochs} iterations, 3 CG steps, {args.threads} threads; fit only")
    print("| data | ratings | users | items | movierec fit s | implicit fit s | implicit / movierec |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path, mine, their in rows:
        print(f"| {path.parent.name}/{path.name} | {mine['ratings']:,} | {mine['users']:,} | {mine['items']:,} "
              f"| {mine['fit_seconds']:.2f} | {their:.2f} | {their / mine['fit_seconds']:.2f}x |")
    import implicit
    print(f"\nimplicit {implicit.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()

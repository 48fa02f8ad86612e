"""Spark's ALS on a movierec export: learns the factors of the ratings less their baseline.

    spark-submit spark/als.py EXPORT_DIR [--rank 20] [--max-iter 10] [--reg-param 0.1]
    python spark/als.py EXPORT_DIR --master 'local[2]'      # pyspark from PyPI, no cluster

EXPORT_DIR is what `movierec export ratings --out EXPORT_DIR` wrote. Its `ratings.csv`
(`user,item,residual`) is the explicit feedback; Spark's ALS has no biases, which is why the
export took the baseline (global mean and user and item biases) out first. The factors go to
EXPORT_DIR/user_factors/ and EXPORT_DIR/item_factors/ (CSV part files, `id,features` with the
features separated by spaces) and the parameters to EXPORT_DIR/spark.json; then
`movierec import factors EXPORT_DIR` adds them to the baseline and stores the model.

On a cluster, EXPORT_DIR must be a path every executor can read and the driver can write
(HDFS, S3 or a shared file system); copy the result next to the export before importing.
"""

import argparse
import json
import os
import time

from pyspark.ml.recommendation import ALS
from pyspark.sql import SparkSession, functions as F, types as T


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export_dir")
    parser.add_argument("--rank", type=int, default=20)
    parser.add_argument("--max-iter", type=int, default=10)
    parser.add_argument("--reg-param", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--master", help="e.g. local[2]; spark-submit's --master otherwise")
    args = parser.parse_args()

    builder = SparkSession.builder.appName("movierec-als")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")

    schema = T.StructType(
        [
            T.StructField("user", T.IntegerType(), False),
            T.StructField("item", T.IntegerType(), False),
            T.StructField("residual", T.FloatType(), False),
        ]
    )
    ratings = spark.read.csv(
        os.path.join(args.export_dir, "ratings.csv"), header=True, schema=schema, mode="FAILFAST"
    )

    started = time.monotonic()
    als = ALS(
        rank=args.rank,
        maxIter=args.max_iter,
        regParam=args.reg_param,
        userCol="user",
        itemCol="item",
        ratingCol="residual",
        implicitPrefs=False,
        # Residuals are centred on zero: negative values are real information here.
        nonnegative=False,
        coldStartStrategy="nan",
        seed=args.seed,
    )
    model = als.fit(ratings)

    def write(factors, name: str) -> None:
        text = factors.select(
            "id", F.concat_ws(" ", F.col("features").cast("array<string>")).alias("features")
        )
        text.write.mode("overwrite").csv(os.path.join(args.export_dir, name), header=True)

    write(model.userFactors, "user_factors")
    write(model.itemFactors, "item_factors")
    seconds = time.monotonic() - started

    with open(os.path.join(args.export_dir, "spark.json"), "w", encoding="utf-8") as f:
        json.dump(
            {
                "rank": args.rank,
                "max_iter": args.max_iter,
                "reg_param": args.reg_param,
                "seconds": round(seconds, 3),
            },
            f,
            indent=2,
        )
    print(f"ALS rank {args.rank}, {args.max_iter} iterations: {seconds:.1f} s")
    spark.stop()


if __name__ == "__main__":
    main()

"""What ``diversity`` costs and buys on MovieLens: NDCG@10 against intra-list similarity, per diversity value.

    .venv/bin/python benchmarks/als_diversity.py [--kafka-port 19122] [--values 0,0.1,0.2,0.3,0.5,0.7,1]
        [--ratings ../shared/data/movielens-latest-small/ratings.csv]

The model is the one a user gets: MovieLens ratings as implicit feedback, a random 10 % held out
(``quality_als.load_split``), the rest through one real generation (Dagster job, Spark, the app's default search
and refit; ``quality_support.run_oryx_generation``), its ``X/`` and ``Y/`` read back into an ``ALSServingModel``.
For every user with held-out items, the answer ``/recommend`` gives at each diversity value: the pool
``ALSServingModel.top_items`` returns (training items excluded, ``diversity.pool_size``), re-ranked by
``diversity.rerank`` as the endpoint does. Printed per value, next to the plain ranking (diversity 0) of the same
run: NDCG@10 and precision@10 on the held-out items, intra-list similarity (mean pairwise cosine of the ten
items' factors: lower is more varied), and catalogue coverage (distinct items over all users' lists).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from quality_als import TOP_N, load_split, oryx_factors
from quality_support import kafka_broker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from oryx_cli.demos.datasets import data_root  # noqa: E402
from oryx_serving.apps.als.diversity import pool_size, rerank  # noqa: E402
from oryx_serving.apps.als.model import ALSServingModel  # noqa: E402


def intra_list_similarity(vectors: np.ndarray) -> float:
    units = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    cosines = units @ units.T
    n = len(units)
    return float((cosines.sum() - np.trace(cosines)) / (n * (n - 1))) if n > 1 else 0.0


def ndcg_and_precision(ranked: list[str], positives: set[str]) -> tuple[float, float]:
    discounts = 1.0 / np.log2(np.arange(2, TOP_N + 2))
    hits = np.array([item in positives for item in ranked[:TOP_N]], dtype=np.float64)
    ideal = float(discounts[: min(TOP_N, len(positives))].sum())
    return float(hits @ discounts[: len(hits)]) / ideal, float(hits.sum()) / TOP_N


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kafka-port", type=int, default=int(os.environ.get("ORYX_KAFKA_PORT", "19122")))
    parser.add_argument("--values", default="0,0.1,0.2,0.3,0.5,0.7,1")
    parser.add_argument("--ratings", type=Path, default=data_root() / "movielens-latest-small" / "ratings.csv")
    args = parser.parse_args()
    values = [float(value) for value in args.values.split(",")]
    train, test = load_split(args.ratings)
    with kafka_broker(args.kafka_port) as brokers, tempfile.TemporaryDirectory(prefix="oryx-diversity-") as scratch:
        factors, seconds, chosen = oryx_factors(brokers, Path(scratch), train, implicit=True)
    features = len(next(iter(factors.items.values())))
    model = ALSServingModel(features, implicit=True)
    model.set_item_vectors(list(factors.items), np.stack(list(factors.items.values())))
    known = train.groupby("user").item.agg(set).to_dict()
    held = test[test.item.isin(factors.items.keys())].groupby("user").item.agg(set).to_dict()
    users = [user for user in sorted(held) if user in factors.users]
    print(f"generation {seconds:.0f} s ({chosen}); {len(users)} users with held-out items, {len(factors.items)} items")
    rows = {value: {"ndcg": [], "precision": [], "ils": [], "items": set()} for value in values}
    for user in users:
        pool = model.top_items(factors.users[user].astype(np.float32), pool_size(TOP_N), known.get(user, set()))
        _, pool_vectors = model.y.rows_of([id_ for id_, _ in pool])
        pool_vectors = model.layout.factor_part(pool_vectors)
        for value in values:
            picked = [id_ for id_, _ in rerank(pool, pool_vectors, TOP_N, value)]
            ndcg, precision = ndcg_and_precision(picked, held[user])
            _, vectors = model.y.rows_of(picked)
            figures = rows[value]
            figures["ndcg"].append(ndcg)
            figures["precision"].append(precision)
            figures["ils"].append(intra_list_similarity(vectors.astype(np.float64)))
            figures["items"].update(picked)
    plain = {name: float(np.mean(rows[0.0][name])) for name in ("ndcg", "precision", "ils")} if 0.0 in rows else None
    print(f"\n{'diversity':>9}{'NDCG@10':>10}{'x plain':>9}{'prec@10':>9}{'ILS':>8}{'x plain':>9}{'coverage':>10}")
    for value, figures in rows.items():
        ndcg, precision, ils = (float(np.mean(figures[name])) for name in ("ndcg", "precision", "ils"))
        coverage = len(figures["items"]) / len(factors.items)
        ratio = f"{ndcg / plain['ndcg']:>9.3f}" if plain else f"{'-':>9}"
        ils_ratio = f"{ils / plain['ils']:>9.3f}" if plain and plain["ils"] else f"{'-':>9}"
        print(f"{value:>9.2f}{ndcg:>10.4f}{ratio}{precision:>9.4f}{ils:>8.3f}{ils_ratio}{coverage:>10.3f}")
    print("(ILS: mean pairwise cosine of a list's item factors, lower = more varied; coverage: distinct items in all "
          "lists / items)")  # fmt: skip


if __name__ == "__main__":
    main()

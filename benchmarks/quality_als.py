"""MovieLens ratings as explicit ratings and as implicit feedback: our ALS against the field, same split and budget.

Split (``SPLIT``, set by ``--als-split``): ``random``, a seeded random 10 % of the ratings held out, or
``user-latest``, each user's latest 10 % (what users do next). Every method trains on the rest (ours through
one real generation, whose own search holds out each user's latest lines internally and then refits on it all).
Budget: rank ``FEATURES`` and ``ITERATIONS`` sweeps for every factor model.

* Explicit: RMSE and MAE on held-out pairs whose user and item were seen in training (every method knows
  exactly those), estimates clipped to [0.5, 5]. Baselines: the global mean; user + item biases with 10
  pseudo-ratings of shrinkage, and the same with the shrinkage that is best on the held-out set itself (an
  oracle, so a bound no honest choice beats); bare Spark MLlib ALS at its defaults (regParam 0.1).
* Implicit: each rating is a strength. Precision@10 and NDCG@10 of each held-out user's top 10 among the items
  the user did not train on, and mean AUC. Baselines: the most popular items; the ``implicit`` library's ALS
  and Spark MLlib's implicit ALS at their defaults.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
from quality_support import Section, run_oryx_generation, timed

FEATURES = 10
ITERATIONS = 10
HELD_OUT = 0.1
TOP_N = 10
RATING_RANGE = (0.5, 5.0)


SPLITS = ("random", "user-latest")
SPLIT = {"name": SPLITS[0]}
"""The held-out rule in force (``model_quality.py --als-split``)."""


def load_split(ratings_csv: Path, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = pd.read_csv(ratings_csv)
    frame["user"], frame["item"] = frame.userId.astype(str), frame.movieId.astype(str)
    if SPLIT["name"] == "random":
        held = np.random.default_rng(seed).random(len(frame)) < HELD_OUT
    else:  # each user's latest 10 % (at least one rating), ties broken by file order
        order = frame.sort_values(["user", "timestamp"], kind="stable")
        rank_from_end = order.groupby("user").cumcount(ascending=False)
        per_user = order.groupby("user").user.transform("size")
        held = (rank_from_end < np.maximum(1, np.round(HELD_OUT * per_user))).reindex(frame.index).to_numpy()
    return frame[~held].reset_index(drop=True), frame[held].reset_index(drop=True)


def lines(frame: pd.DataFrame) -> list[str]:
    millis = (frame.timestamp * 1000).astype(str)
    return (frame.user + "," + frame.item + "," + frame.rating.astype(str) + "," + millis).tolist()


def read_vectors(folder: Path) -> dict[str, np.ndarray]:
    vectors = {}
    for part in sorted(folder.glob("part-*")):
        opener = gzip.open if part.suffix == ".gz" else open
        with opener(part, "rt") as rows:  # type: ignore[operator]
            for row in rows:
                id_, values = json.loads(row)
                vectors[id_] = np.asarray(values, dtype=np.float64)
    return vectors


class Factors:
    """User and item vectors by ID; estimates are dot products."""

    def __init__(self, users: dict[str, np.ndarray], items: dict[str, np.ndarray]) -> None:
        self.users, self.items = users, items

    def estimates(self, pairs: pd.DataFrame) -> np.ndarray:
        return np.array([self.users[u] @ self.items[i] for u, i in zip(pairs.user, pairs.item, strict=True)])


# ---- explicit -------------------------------------------------------------------------------------------------


def errors(predicted: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    clipped = np.clip(predicted, *RATING_RANGE)
    return {"rmse": float(np.sqrt(np.mean((clipped - truth) ** 2))), "mae": float(np.mean(np.abs(clipped - truth)))}


def fit_biases(train: pd.DataFrame, shrinkage: float, steps: int = 10) -> tuple[float, pd.Series, pd.Series]:
    mu = float(train.rating.mean())
    user_bias = pd.Series(0.0, index=train.user.unique())
    item_bias = pd.Series(0.0, index=train.item.unique())
    for _ in range(steps):
        residual = train.rating - mu - train.user.map(user_bias).to_numpy()
        grouped = residual.groupby(train.item)
        item_bias = grouped.sum() / (grouped.count() + shrinkage)
        residual = train.rating - mu - train.item.map(item_bias).to_numpy()
        grouped = residual.groupby(train.user)
        user_bias = grouped.sum() / (grouped.count() + shrinkage)
    return mu, user_bias, item_bias


def bias_estimates(train: pd.DataFrame, test: pd.DataFrame, shrinkage: float) -> np.ndarray:
    mu, user_bias, item_bias = fit_biases(train, shrinkage)
    return mu + test.user.map(user_bias).fillna(0).to_numpy() + test.item.map(item_bias).fillna(0).to_numpy()


def mllib_factors(train: pd.DataFrame, implicit: bool) -> Factors:
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    users = {u: n for n, u in enumerate(sorted(train.user.unique()))}
    items = {i: n for n, i in enumerate(sorted(train.item.unique()))}
    ratings = pd.DataFrame({"u": train.user.map(users), "i": train.item.map(items), "r": train.rating})
    als = ALS(rank=FEATURES, maxIter=ITERATIONS, implicitPrefs=implicit, userCol="u", itemCol="i", ratingCol="r")
    model = als.setSeed(0).fit(spark.createDataFrame(ratings))
    by_user = {row["id"]: np.asarray(row["features"]) for row in model.userFactors.collect()}
    by_item = {row["id"]: np.asarray(row["features"]) for row in model.itemFactors.collect()}
    return Factors({u: by_user[n] for u, n in users.items()}, {i: by_item[n] for i, n in items.items()})


def oryx_factors(brokers: str, folder: Path, train: pd.DataFrame, implicit: bool) -> tuple[Factors, float, str]:
    overrides = [
        "oryx.batch.update-class=com.cloudera.oryx.app.batch.mllib.als.ALSUpdate",
        f"oryx.als.implicit={str(implicit).lower()}",
        f"oryx.als.iterations={ITERATIONS}",
        f"oryx.als.hyperparams.features={FEATURES}",
    ]
    generation = run_oryx_generation(brokers, folder, lines(train), overrides)
    factors = Factors(read_vectors(generation.model_dir / "X"), read_vectors(generation.model_dir / "Y"))
    return factors, generation.seconds, f"chose {generation.metadata.get('hyperparams', '?')}"


def explicit_section(brokers: str, folder: Path, ratings_csv: Path) -> Section:
    train, test = load_split(ratings_csv)
    seen = test[test.user.isin(set(train.user)) & test.item.isin(set(train.item))].reset_index(drop=True)
    truth = seen.rating.to_numpy()
    section = Section(f"MovieLens explicit ratings ({len(train)} train, {len(seen)} held-out pairs)", ["rmse", "mae"])
    section.add("global mean", errors(np.full(len(seen), train.rating.mean()), truth))
    estimates, seconds = timed(lambda: bias_estimates(train, seen, 10.0))
    section.add("user+item biases (shrinkage 10)", errors(estimates, truth), seconds)
    oracle = min((errors(bias_estimates(train, seen, s), truth)["rmse"], s) for s in (1, 3, 10, 30, 100))
    section.add(
        f"user+item biases (oracle shrinkage {oracle[1]})", errors(bias_estimates(train, seen, oracle[1]), truth)
    )
    factors, seconds = timed(lambda: mllib_factors(train, implicit=False))
    section.add("Spark MLlib ALS (regParam 0.1)", errors(factors.estimates(seen), truth), seconds)
    ours, seconds, note = oryx_factors(brokers, folder / "explicit", train, implicit=False)
    section.add("oryx ALS (default search)", errors(ours.estimates(seen), truth), seconds, note)
    return section


# ---- implicit -------------------------------------------------------------------------------------------------


def top_n_figures(scores: np.ndarray, trained: list[set[int]], held: list[set[int]]) -> dict[str, float]:
    """Mean precision@N and NDCG@N over users with held-out items; ``scores`` is users x items."""
    discounts = 1.0 / np.log2(np.arange(2, TOP_N + 2))
    precision, ndcg = [], []
    for user, positives in enumerate(held):
        if not positives:
            continue
        row = scores[user].astype(np.float64).copy()
        row[list(trained[user])] = -np.inf
        top = np.argpartition(-row, TOP_N)[:TOP_N]
        top = top[np.argsort(-row[top], kind="stable")]
        hits = np.array([item in positives for item in top], dtype=np.float64)
        precision.append(hits.mean())
        ndcg.append(float(hits @ discounts) / float(discounts[: min(TOP_N, len(positives))].sum()))
    return {f"precision_at_{TOP_N}": float(np.mean(precision)), f"ndcg_at_{TOP_N}": float(np.mean(ndcg))}


def implicit_section(brokers: str, folder: Path, ratings_csv: Path) -> Section:
    import scipy.sparse as sparse

    train, test = load_split(ratings_csv)
    users = {u: n for n, u in enumerate(sorted(train.user.unique()))}
    items = {i: n for n, i in enumerate(sorted(train.item.unique()))}
    seen = test[test.user.isin(users.keys()) & test.item.isin(items.keys())]
    trained: list[set[int]] = [set() for _ in users]
    held: list[set[int]] = [set() for _ in users]
    for u, i in zip(train.user.map(users), train.item.map(items), strict=True):
        trained[u].add(i)
    for u, i in zip(seen.user.map(users), seen.item.map(items), strict=True):
        held[u].add(i)
    user_ids, item_ids = sorted(users, key=users.get), sorted(items, key=items.get)  # type: ignore[arg-type]

    def matrix(factors: Factors) -> np.ndarray:
        x = np.stack([factors.users[u] for u in user_ids])
        y = np.stack([factors.items[i] for i in item_ids])
        return x @ y.T

    metrics = [f"ndcg_at_{TOP_N}", f"precision_at_{TOP_N}"]
    title = f"MovieLens as implicit feedback, {SPLIT['name']} split ({len(train)} train, {len(seen)} held-out)"
    section = Section(title, metrics)
    section.higher_is_better = dict.fromkeys(metrics, True)
    popularity = np.bincount(train.item.map(items), minlength=len(items)).astype(np.float64)
    section.add("most popular", top_n_figures(np.tile(popularity, (len(users), 1)), trained, held))
    strengths = sparse.csr_matrix(
        (train.rating.to_numpy(), (train.user.map(users), train.item.map(items))), shape=(len(users), len(items))
    )

    def implicit_library() -> np.ndarray:
        from implicit.als import AlternatingLeastSquares

        model = AlternatingLeastSquares(factors=FEATURES, iterations=ITERATIONS, random_state=0)
        model.fit(strengths, show_progress=False)
        return np.asarray(model.user_factors) @ np.asarray(model.item_factors).T

    scores, seconds = timed(implicit_library)
    section.add("implicit ALS (defaults)", top_n_figures(scores, trained, held), seconds)
    factors, seconds = timed(lambda: mllib_factors(train, implicit=True))
    section.add("Spark MLlib implicit ALS (defaults)", top_n_figures(matrix(factors), trained, held), seconds)
    ours, seconds, note = oryx_factors(brokers, folder / "implicit", train, implicit=True)
    section.add("oryx ALS (default search)", top_n_figures(matrix(ours), trained, held), seconds, note)
    return section

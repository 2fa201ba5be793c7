"""Approximate /recommend side by side: our HNSW mode against bare faiss, bare usearch and numpy brute force.

    .venv/bin/python benchmarks/als_ann.py [--items 1000000] [--features 50] [--queries 500]
        [--data random,movielens] [--ratings ../shared/data/movielens-latest-small/ratings.csv]

Needs the ``bench`` extra for usearch (``pip install -e '.[bench]'``). For each vector set, in one run:

* **numpy**: ``Y @ q`` and ``argpartition``, one query at a time, one thread (the exact floor).
* **faiss** ``IndexHNSWFlat`` (inner product, M 32, efConstruction 128: our graph's settings) and **usearch**
  (``ip``, f32, connectivity 32, expansion_add 128): built once, then for recall@10 targets 0.90 / 0.95 / 0.99 the
  least efSearch reaching the target on the queries, and single-query queries/s at that setting.
* **ours**: ``ALSServingModel(ann_target_recall=t)`` filled by ``set_item_vectors``; the graph builds in the
  background and calibrates its own efSearch on user vectors; queries/s of ``top_items`` (Oryx 2's double-
  precision scores included) with 1 and 2 threads, and the recall measured against numpy's answers.

Vector sets: ``random`` (Gaussian; the hardest case for any graph) and ``movielens`` (item factors of a
10-feature ALS on MovieLens, tiled to ``--items`` with 10 % noise; queries are the users' factors, so the
scores have the skew real recommenders have). The machine is shared: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

TOP = 10
TARGETS = (0.90, 0.95, 0.99)
# the grid our calibration uses (ann_search._EFFORTS), so each library gets the same resolution
EFFORTS = (16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256, 320, 384, 512, 640, 768, 1024, 1280, 1536, 2048)
DEFAULT_RATINGS = Path(os.environ.get("ORYX_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))


def random_set(items: int, features: int, queries: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return (
        rng.standard_normal((items, features)).astype(np.float32),
        rng.standard_normal((queries, features)).astype(np.float32),
    )


def movielens_set(items: int, ratings_csv: Path, queries: int) -> tuple[np.ndarray, np.ndarray]:
    """10 factors from a few rounds of explicit ALS (numpy), items tiled to ``items`` rows with noise."""
    data = np.genfromtxt(ratings_csv, delimiter=",", skip_header=1, usecols=(0, 1, 2))
    users, user_rows = np.unique(data[:, 0], return_inverse=True)
    movies, item_rows = np.unique(data[:, 1], return_inverse=True)
    ratings = data[:, 2] - data[:, 2].mean()
    rng = np.random.default_rng(3)
    k, lam = 10, 0.1
    x = rng.standard_normal((len(users), k)) * 0.1
    y = rng.standard_normal((len(movies), k)) * 0.1
    for _ in range(8):
        x = _solve(y, item_rows, user_rows, ratings, len(users), lam)
        y = _solve(x, user_rows, item_rows, ratings, len(movies), lam)
    copies = -(-items // len(y))
    tiled = np.tile(y, (copies, 1))[:items]
    tiled = tiled + rng.standard_normal(tiled.shape) * 0.1 * y.std()
    picked = rng.choice(len(x), min(queries, len(x)), replace=False)
    return tiled.astype(np.float32), x[picked].astype(np.float32)


def _solve(fixed: np.ndarray, fixed_rows: np.ndarray, rows: np.ndarray, values: np.ndarray, count: int, lam: float):  # noqa: ANN202
    k = fixed.shape[1]
    solved = np.zeros((count, k))
    order = np.argsort(rows, kind="stable")
    bounds = np.searchsorted(rows[order], np.arange(count + 1))
    for row in range(count):
        picked = order[bounds[row] : bounds[row + 1]]
        f = fixed[fixed_rows[picked]]
        solved[row] = np.linalg.solve(f.T @ f + lam * len(picked) * np.eye(k) + 1e-9 * np.eye(k), f.T @ values[picked])
    return solved


def exact_tops(y: np.ndarray, queries: np.ndarray) -> tuple[list[set[int]], float]:
    """numpy's answers and its single-query rate."""
    tops, start = [], time.perf_counter()
    for query in queries:
        scores = y @ query
        top = np.argpartition(-scores, TOP)[:TOP]
        tops.append(set(top.tolist()))
    return tops, len(queries) / (time.perf_counter() - start)


def sweep(search: Callable[[np.ndarray, int], list[int]], queries: np.ndarray, exact: list[set[int]]) -> dict:
    """For each target, the least effort reaching it and the queries/s there."""
    found: dict[float, tuple[int, float, float]] = {}
    for effort in EFFORTS:
        start = time.perf_counter()
        hits = sum(len(set(search(query, effort)) & truth) for query, truth in zip(queries, exact, strict=True))
        rate = len(queries) / (time.perf_counter() - start)
        recall = hits / (TOP * len(queries))
        for target in TARGETS:
            if target not in found and recall >= target:
                found[target] = (effort, recall, rate)
        if len(found) == len(TARGETS):
            break
    return found


def faiss_index(y: np.ndarray) -> tuple[Callable[[np.ndarray, int], list[int]], float, float]:
    import faiss

    index = faiss.IndexHNSWFlat(y.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 128
    start = time.perf_counter()
    index.add(y)
    build = len(y) / (time.perf_counter() - start)
    params = faiss.SearchParametersHNSW()

    def search(query: np.ndarray, effort: int) -> list[int]:
        params.efSearch = effort
        return index.search(query.reshape(1, -1), TOP, params=params)[1][0].tolist()

    memory = (index.ntotal * y.shape[1] * 4 + index.hnsw.neighbors.size() * 4) / len(y)
    return search, build, memory


def usearch_index(y: np.ndarray) -> tuple[Callable[[np.ndarray, int], list[int]], float, float]:
    from usearch.index import Index

    index = Index(ndim=y.shape[1], metric="ip", dtype="f32", connectivity=32, expansion_add=128)
    start = time.perf_counter()
    index.add(np.arange(len(y), dtype=np.uint64), y)
    build = len(y) / (time.perf_counter() - start)

    def search(query: np.ndarray, effort: int) -> list[int]:
        index.expansion_search = effort
        return index.search(query, TOP).keys.tolist()

    return search, build, index.memory_usage / len(y)


def ours(y: np.ndarray, queries: np.ndarray, exact: list[set[int]]) -> list[dict[str, float]]:
    """Our model built once; for each target the graph calibrates itself again, then is measured."""
    from oryx_serving.apps.als.model import ALSServingModel

    model = ALSServingModel(y.shape[1], True, ann_target_recall=TARGETS[0])
    start = time.perf_counter()
    model.set_user_vectors([f"u{n}" for n in range(len(queries))], queries)
    model.set_item_vectors([str(n) for n in range(len(y))], y)
    assert model.ann is not None and model.ann.caught_up(3_600)
    build = len(y) / (time.perf_counter() - start)
    results = []
    for target in TARGETS:
        model.ann.retarget(target)
        assert model.ann.caught_up(600)
        rates = {threads: _threaded_rate(lambda q: model.top_items(q, TOP), queries, threads) for threads in (1, 2)}
        tops = [{int(id_) for id_, _ in model.top_items(q, TOP)} for q in queries]
        recall = sum(len(top & truth) for top, truth in zip(tops, exact, strict=True)) / (TOP * len(queries))
        results.append(
            {"target": target, "build": build, "rate1": rates[1], "rate2": rates[2], "recall": recall}
            | {"effort": model.ann.effort, "graph_bytes": model.ann.graph_bytes() / len(y)}
        )
    model.close()
    return results


def _threaded_rate(query: Callable[[np.ndarray], object], queries: np.ndarray, threads: int) -> float:
    def run(part: np.ndarray) -> None:
        for q in part:
            query(q)

    rounds = []
    for _ in range(3):
        workers = [threading.Thread(target=run, args=(queries,)) for _ in range(threads)]
        start = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        rounds.append(threads * len(queries) / (time.perf_counter() - start))
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--data", default="random,movielens")
    parser.add_argument("--ratings", type=Path, default=DEFAULT_RATINGS / "movielens-latest-small" / "ratings.csv")
    args = parser.parse_args()
    print(f"items={args.items} cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f}", flush=True)
    for name in args.data.split(","):
        if name == "random":
            y, queries = random_set(args.items, args.features, args.queries)
        else:
            y, queries = movielens_set(args.items, args.ratings, args.queries)
        exact, numpy_rate = exact_tops(y, queries)
        print(f"\n== {name}: {len(y)} items x {y.shape[1]} features, {len(queries)} queries; "
              f"numpy brute force {numpy_rate:.0f} q/s (1 thread)", flush=True)  # fmt: skip
        libraries = {"faiss HNSW": faiss_index(y), "usearch HNSW": usearch_index(y)}
        print(f"{'':<22}{'build vec/s':>12}{'bytes/vec':>10}" + "".join(f"{f'q/s @{t}':>12}" for t in TARGETS))
        best: dict[float, float] = {}
        for label, (search, build, memory) in libraries.items():
            found = sweep(search, queries, exact)
            cells = []
            for target in TARGETS:
                effort, _, rate = found.get(target, (0, 0.0, 0.0))
                best[target] = max(best.get(target, 0.0), rate)
                cells.append(f"{rate:>8.0f} ef{effort:<3}" if effort else f"{'-':>12}")
            print(f"{label:<22}{build:>12.0f}{memory:>10.0f}" + "".join(cells), flush=True)
        for mine in ours(y, queries, exact):
            target = mine["target"]
            print(f"ours target {target:<10}{mine['build']:>12.0f}{mine['graph_bytes']:>10.0f}  "
                  f"{mine['rate1']:.0f} q/s 1 thread, {mine['rate2']:.0f} q/s 2 threads "
                  f"(x{mine['rate2'] / mine['rate1']:.2f}), recall {mine['recall']:.3f} at ef {mine['effort']}, "
                  f"x best library {mine['rate1'] / best[target] if best.get(target) else float('nan'):.2f}, "
                  f"x numpy {mine['rate1'] / numpy_rate:.1f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()

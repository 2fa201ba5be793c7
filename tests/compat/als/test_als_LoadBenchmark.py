"""Oryx 2's ``LoadBenchmark``: concurrent ``/recommend`` requests for random users of a random model.

Upstream's only check is that every request of 4 workers x 1,000 succeeds, on 500,000 users x 2,000,000 items of
100 features (LSH sample rate 0.3) and it logs the rate; it is a benchmark that Oryx 2's build does not run as a
test. This port keeps its shape (``LoadTestALSModelFactory``: Gaussian vectors, Poisson(20) known items per user,
sample rate 0.3, ``TestALSRescorerProvider``, 4 concurrent workers) at a size that runs in seconds, delivers the
model through the update topic, and checks every answer: 200, ten items best first, none the user knows.
``benchmarks/als_recommend.py`` measures load at size.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from compat import oryx2_models as models
from compat.conftest import Oryx2Server

USERS, ITEMS, FEATURES, WORKERS, REQUESTS_PER_WORKER = 2_000, 8_000, 20, 4, 50


def load_test_messages(random: np.random.Generator) -> tuple[list[tuple[str, str]], dict[str, set[str]]]:
    users = [f"U{user}" for user in range(USERS)]
    items = [f"I{item}" for item in range(ITEMS)]
    model = models.als_model_pmml(users, items, features=FEATURES)
    messages = [("MODEL", model)]
    known: dict[str, set[str]] = {}
    for item in items:
        messages.append(("UP", json.dumps(["Y", item, random.standard_normal(FEATURES).astype(np.float32).tolist()])))
    for user in users:
        known[user] = {f"I{item}" for item in random.integers(ITEMS, size=random.poisson(20))}
        vector = random.standard_normal(FEATURES).astype(np.float32).tolist()
        messages.append(("UP", json.dumps(["X", user, vector, sorted(known[user])])))
    return messages, known


def testRecommendLoad(serve: Callable[..., Oryx2Server]) -> None:
    random = np.random.default_rng(17)
    messages, known = load_test_messages(random)
    server = serve(messages, *models.ALS_CONFIG, "oryx.als.sample-rate=0.3")

    def worker(seed: int) -> int:
        client, rng = server.client, np.random.default_rng(seed)
        for _ in range(REQUESTS_PER_WORKER):
            user = f"U{rng.integers(USERS)}"
            response = client.get(f"/recommend/{user}", headers={"Accept": "application/json"})
            assert response.status_code == 200, response.text
            recommended = [(entry["id"], entry["value"]) for entry in response.get_json()]
            assert len(recommended) == 10
            assert [score for _, score in recommended] == sorted((score for _, score in recommended), reverse=True)
            assert not {item for item, _ in recommended} & known[user]
        return REQUESTS_PER_WORKER

    with ThreadPoolExecutor(WORKERS) as pool:
        assert sum(pool.map(worker, range(WORKERS))) == WORKERS * REQUESTS_PER_WORKER

"""Oryx 2's ``ALSServingModelTest``, on our ``ALSServingModel``.

Oryx 2's model has three pruning calls that its manager always makes together on a ``MODEL``
(``retainRecentAndKnownItems``, ``retainRecentAndUserIDs``, ``retainRecentAndItemIDs``); ours is the one
``retain_recent_and_ids(users, items)``, so the retain tests make that call where upstream makes the three, and
assert upstream's expectations after each. ``addKnownItems`` is ``known_items.add``. ``testLSHEffect`` keeps
upstream's model (20,000 random 20-feature users and items, sample rate 0.5) but averages the matching prefix
over 1,000 sampled queries of each kind instead of all 20,000, to stay fast; known items, which ``topN`` with no
filter never reads, are left out.
"""

from __future__ import annotations

import numpy as np

from oryx_core.apps.als.vector_math import normalize
from oryx_serving.apps.als.model import ALSServingModel


def vector(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float32)


def testUserItemVector() -> None:
    model = ALSServingModel(2, True)
    assert model.features == 2
    assert model.implicit
    assert model.rescorer_provider is None
    model.set_user_vector("U1", vector(1.5, -2.5))
    assert model.user_vector("U1").tolist() == [1.5, -2.5]
    model.set_item_vector("I0", vector(0.5, 0.0))
    assert model.item_vector("I0").tolist() == [0.5, 0.0]
    assert model.user_ids() == ["U1"]
    assert model.item_ids() == ["I0"]


def populate_known_items(model: ALSServingModel) -> None:
    for i in range(10):
        for j in range(10):
            if abs(i - j) <= 1:
                model.known_items.add(f"U{i}", [f"I{j}"])


def testKnownItems() -> None:
    model = ALSServingModel(2, True)
    populate_known_items(model)
    assert model.known_items_of("U0") == {"I0", "I1"}
    assert model.known_items_of("U1") == {"I0", "I1", "I2"}
    assert model.known_items_of("U9") == {"I8", "I9"}
    user_counts = model.user_counts()
    assert (user_counts["U0"], user_counts["U1"], user_counts["U9"]) == (2, 3, 2)
    item_counts = model.item_counts()
    assert (item_counts["I0"], item_counts["I1"], item_counts["I9"]) == (2, 3, 2)


def testRetainUsersItems() -> None:
    model = ALSServingModel(2, True)
    model.set_user_vector("U0", vector(1.0, 1.0))
    model.retain_recent_and_ids([], [])
    assert model.user_vector("U0") is not None  # protected because recent
    model.retain_recent_and_ids([], [])
    assert model.user_vector("U0") is None

    model.set_user_vector("U0", vector(1.0, 1.0))
    model.retain_recent_and_ids(["U0"], [])
    assert model.user_vector("U0") is not None
    model.retain_recent_and_ids(["U0"], [])
    assert model.user_vector("U0") is not None

    model.set_item_vector("I0", vector(1.0, 1.0))
    model.retain_recent_and_ids(["U0"], [])
    assert model.item_vector("I0") is not None  # protected because recent
    model.retain_recent_and_ids(["U0"], [])
    assert model.item_vector("I0") is None

    model.set_item_vector("I0", vector(1.0, 1.0))
    model.retain_recent_and_ids(["U0"], ["I0"])
    assert model.item_vector("I0") is not None
    model.retain_recent_and_ids(["U0"], ["I0"])
    assert model.item_vector("I0") is not None


def testRetainKnown() -> None:
    model = ALSServingModel(2, True)
    populate_known_items(model)
    for i in range(10):
        model.set_user_vector(f"U{i}", vector(0.0, 0.0))
        model.set_item_vector(f"I{i}", vector(0.0, 0.0))
    users, items = ["U4", "U5", "U6"], ["I4", "I5", "I6"]
    model.retain_recent_and_ids(users, items)
    assert "I4" in model.known_items_of("U3")
    assert "I4" in model.known_items_of("U4")
    assert "I6" in model.known_items_of("U6")
    assert "I7" in model.known_items_of("U6")
    assert "I2" in model.known_items_of("U2")  # protected because recent

    model.retain_recent_and_ids(users, items)  # nothing is recent any more
    assert model.known_items_of("U3") == frozenset()
    assert "I4" in model.known_items_of("U4")
    assert "I6" in model.known_items_of("U6")
    assert "I7" not in model.known_items_of("U6")
    assert model.known_items_of("U2") == frozenset()


def testToString() -> None:
    text = repr(ALSServingModel(2, True))
    assert "ALSServingModel" in text
    assert "features:2" in text
    assert "implicit:true" in text


def matching_prefix(main: list[tuple[str, float]], lsh: list[tuple[str, float]]) -> int:
    length = 0
    while length < min(len(main), len(lsh)) and main[length] == lsh[length]:
        length += 1
    return length


def testLSHEffect() -> None:
    random = np.random.default_rng(1234)
    features, count, queries = 20, 20_000, 1_000
    main_model = ALSServingModel(features, True, sample_rate=1.0)
    lsh_model = ALSServingModel(features, True, sample_rate=0.5, lsh_seed=42)
    users = random.standard_normal((count, features)).astype(np.float32)
    items = random.standard_normal((count, features)).astype(np.float32)
    for model in (main_model, lsh_model):
        model.set_user_vectors([f"U{user}" for user in range(count)], users)
        model.set_item_vectors([f"I{item}" for item in range(count)], items)
        model.y.regroup()

    sampled = random.choice(count, queries, replace=False)
    dots = [
        matching_prefix(main_model.top_items(users[user], 10), lsh_model.top_items(users[user], 10)) for user in sampled
    ]
    assert np.mean(dots) >= 4.0

    cosines = [
        matching_prefix(
            main_model.top_items(normalize(items[item]), 10, cosine=True),
            lsh_model.top_items(normalize(items[item]), 10, cosine=True),
        )
        for item in sampled
    ]
    assert np.mean(cosines) >= 5.0


def testFractionLoaded() -> None:
    assert ALSServingModel(2, True).get_fraction_loaded() == 1.0
    model = ALSServingModel(2, True)
    assert repr(model)
    model.retain_recent_and_ids(["U1"], ["I0"])
    assert model.get_fraction_loaded() == 0.0
    model.set_user_vector("U1", vector(1.5, -2.5))
    assert model.get_fraction_loaded() == 0.5
    model.set_item_vector("I0", vector(0.5, 0.0))
    assert model.get_fraction_loaded() == 1.0

"""Diamonds with random decision forests, and clustering with k-means: ours next to scikit-learn and Spark MLlib.

Forests: a seeded random 10 % of the diamonds is held out; every forest has ``TREES`` trees of depth ``DEPTH``
(the budget; ours fixes ``oryx.rdf.hyperparams.max-depth`` to it and keeps every other default, its search
included). Regression on ``price`` (RMSE, MAE; baseline: the training mean) and classification of ``cut``
(accuracy, log-loss; baseline: the training class shares). scikit-learn's forests use its defaults (every
feature per split for regression, sqrt for classification, categories as their codes), MLlib's its own
(``featureSubsetStrategy`` auto, ``maxBins`` 32), the way Oryx 2 trained.

k-means: scikit-learn's bundled digits (1,797 x 64), k = 10, every point: inertia (lower is better) and the mean
silhouette. scikit-learn's ``KMeans`` with k-means++ and 10 restarts, MLlib's ``KMeans`` with one k-means|| run
(Oryx 2), ours with its defaults (``oryx.kmeans.runs``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from quality_support import Section, run_oryx_generation, timed

TREES = 20
DEPTH = 8
HELD_OUT = 0.1
CATEGORICAL = ["cut", "color", "clarity"]
CLUSTERS = 10


def as_lines(frame: pd.DataFrame) -> list[str]:
    columns = [frame[c].map(repr) if frame[c].dtype.kind == "f" else frame[c].astype(str) for c in frame.columns]
    return [",".join(values) for values in zip(*columns, strict=True)]


def diamonds(data: Path, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.read_csv(data / "diamonds" / "diamonds.csv")
    return frame, np.random.default_rng(seed).random(len(frame)) < HELD_OUT


def regression_figures(predicted: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    return {"rmse": float(np.sqrt(np.mean((predicted - truth) ** 2))), "mae": float(np.mean(np.abs(predicted - truth)))}


def classification_figures(probabilities: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Accuracy and log-loss; ``probabilities`` is rows x classes in the order of ``truth``'s codes."""
    clipped = np.clip(probabilities[np.arange(len(truth)), truth], 2.2e-16, 1.0)
    return {
        "accuracy": float(np.mean(probabilities.argmax(axis=1) == truth)),
        "log_loss": float(-np.mean(np.log(clipped))),
    }


def coded(frame: pd.DataFrame, target: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features with categories as their sorted codes, the target, and the class names (classification)."""
    features = frame.drop(columns=[target]).copy()
    for column in CATEGORICAL:
        if column in features:
            features[column] = features[column].astype("category").cat.codes
    if target in CATEGORICAL:
        classes = sorted(frame[target].unique())
        return features.to_numpy(float), frame[target].map({c: n for n, c in enumerate(classes)}).to_numpy(), classes
    return features.to_numpy(float), frame[target].to_numpy(float), []


def sklearn_forest(x: np.ndarray, y: np.ndarray, held: np.ndarray, classify: bool) -> np.ndarray:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    shape = {"n_estimators": TREES, "max_depth": DEPTH, "random_state": 0, "n_jobs": 2}
    if classify:
        return RandomForestClassifier(max_features="sqrt", **shape).fit(x[~held], y[~held]).predict_proba(x[held])
    return RandomForestRegressor(max_features=1.0, **shape).fit(x[~held], y[~held]).predict(x[held])


def mllib_forest(x: np.ndarray, y: np.ndarray, held: np.ndarray, classify: bool, classes: int) -> np.ndarray:
    from pyspark.ml.classification import RandomForestClassifier
    from pyspark.ml.linalg import Vectors
    from pyspark.ml.regression import RandomForestRegressor
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()

    def frame(mask: np.ndarray) -> object:
        rows = [(float(label), Vectors.dense(row)) for label, row in zip(y[mask], x[mask], strict=True)]
        return spark.createDataFrame(rows, ["label", "features"])

    estimator = RandomForestClassifier if classify else RandomForestRegressor
    model = estimator(numTrees=TREES, maxDepth=DEPTH, seed=0).fit(frame(~held))
    predicted = model.transform(frame(held))
    if classify:
        rows = predicted.select("probability").collect()
        probabilities = np.zeros((len(rows), classes))
        for n, row in enumerate(rows):
            probabilities[n, : len(row["probability"])] = row["probability"].toArray()
        return probabilities
    return np.asarray([row["prediction"] for row in predicted.select("prediction").collect()])


def oryx_forest(
    brokers: str, folder: Path, frame: pd.DataFrame, held: np.ndarray, target: str
) -> tuple[np.ndarray, float, str]:
    """Our default forest from one generation on the training rows, its predictions on the held-out ones."""
    from oryx_core.apps.rdf.compiled import CompiledForest
    from oryx_core.apps.rdf.pmml import forest_from_pmml
    from oryx_core.config import load_config
    from oryx_core.input.lines import parse_line
    from oryx_core.input.schema import InputSchema
    from oryx_core.ml.pmml import read_pmml

    names = ",".join(f'"{c}"' for c in frame.columns)
    categorical = ",".join(f'"{c}"' for c in CATEGORICAL)
    overrides = [
        "oryx.batch.update-class=com.cloudera.oryx.app.batch.mllib.rdf.RDFUpdate",
        f"oryx.input-schema.feature-names=[{names}]",
        f"oryx.input-schema.categorical-features=[{categorical}]",
        f"oryx.input-schema.target-feature={target}",
        f"oryx.rdf.num-trees={TREES}",
        f"oryx.rdf.hyperparams.max-depth={DEPTH}",
    ]
    lines = as_lines(frame)
    train = [line for line, h in zip(lines, held, strict=True) if not h]
    generation = run_oryx_generation(brokers, folder, train, overrides)
    schema = InputSchema.from_config(load_config(None, overrides))
    forest, encodings = forest_from_pmml(read_pmml((generation.model_dir / "model.pmml").read_text()), schema)
    compiled = CompiledForest(forest)
    rows = [parse_line(line) for line, h in zip(lines, held, strict=True) if h]
    x = np.asarray([encodings.prediction_features(row).vector for row in rows], dtype=np.float64)
    if compiled.is_classification:
        assert encodings.classes is not None
        order = [encodings.classes.index(name) for name in sorted(encodings.classes)]
        predicted = compiled.distributions(x)[:, order]
    else:
        predicted = compiled.predict_values(x)
    return predicted, generation.seconds, f"chose {generation.metadata.get('hyperparams', '?')}"


def forest_section(brokers: str, folder: Path, data: Path, target: str) -> Section:
    frame, held = diamonds(data)
    x, y, classes = coded(frame, target)
    classify = target in CATEGORICAL
    truth = y[held]
    title = f"diamonds, {'classification of' if classify else 'regression on'} {target} ({held.sum()} held out)"
    if classify:
        section = Section(title, ["accuracy", "log_loss"], higher_is_better={"accuracy": True})
        shares = np.bincount(y[~held], minlength=len(classes)) / (~held).sum()
        section.add("majority (class shares)", classification_figures(np.tile(shares, (len(truth), 1)), truth))
        figures = classification_figures
    else:
        section = Section(title, ["rmse", "mae"])
        section.add("training mean", regression_figures(np.full(len(truth), y[~held].mean()), truth))
        figures = regression_figures  # type: ignore[assignment]
    predicted, seconds = timed(lambda: sklearn_forest(x, y, held, classify))
    section.add("scikit-learn RandomForest", figures(predicted, truth), seconds)
    predicted, seconds = timed(lambda: mllib_forest(x, y, held, classify, len(classes)))
    section.add("Spark MLlib RandomForest (defaults, Oryx 2)", figures(predicted, truth), seconds)
    predicted, seconds, note = oryx_forest(brokers, folder, frame, held, target)
    section.add("oryx RDF (defaults, depth fixed)", figures(predicted, truth), seconds, note)
    return section


# ---- k-means ------------------------------------------------------------------------------------------------


def clustering_figures(points: np.ndarray, centers: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import silhouette_score

    distances = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    labels = distances.argmin(axis=1)
    silhouette = silhouette_score(points, labels) if len(set(labels)) > 1 else float("nan")
    return {"inertia": float(distances.min(axis=1).sum()), "silhouette": float(silhouette)}


def kmeans_section(brokers: str, folder: Path, data: Path) -> Section:
    from pyspark.ml.clustering import KMeans as MLlibKMeans
    from pyspark.ml.linalg import Vectors
    from pyspark.sql import SparkSession
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_digits

    points = load_digits().data.astype(np.float64)
    section = Section(
        f"digits ({len(points)} x {points.shape[1]}), k-means with k = {CLUSTERS}",
        ["inertia", "silhouette"],
        higher_is_better={"silhouette": True},
    )
    model, seconds = timed(lambda: KMeans(CLUSTERS, init="k-means++", n_init=10, random_state=0).fit(points))
    section.add("scikit-learn KMeans (k-means++, 10 runs)", clustering_figures(points, model.cluster_centers_), seconds)

    def mllib() -> np.ndarray:
        spark = SparkSession.builder.getOrCreate()
        frame = spark.createDataFrame([(Vectors.dense(row),) for row in points], ["features"])
        return np.asarray(MLlibKMeans(k=CLUSTERS, seed=0).fit(frame).clusterCenters())

    centers, seconds = timed(mllib)
    section.add("Spark MLlib KMeans (k-means||, 1 run, Oryx 2)", clustering_figures(points, centers), seconds)
    centers, seconds = oryx_kmeans(brokers, folder, points)
    section.add("oryx k-means (defaults)", clustering_figures(points, centers), seconds)
    return section


def oryx_kmeans(brokers: str, folder: Path, points: np.ndarray) -> tuple[np.ndarray, float]:
    from oryx_core.apps.kmeans.pmml import read_kmeans_pmml
    from oryx_core.apps.kmeans.points import kmeans_schema
    from oryx_core.config import load_config
    from oryx_core.ml.pmml import read_pmml

    names = ",".join(f'"f{n}"' for n in range(points.shape[1]))
    overrides = [
        "oryx.batch.update-class=com.cloudera.oryx.app.batch.mllib.kmeans.KMeansUpdate",
        f"oryx.input-schema.feature-names=[{names}]",
        "oryx.input-schema.categorical-features=[]",
        f"oryx.kmeans.hyperparams.k={CLUSTERS}",
    ]
    lines = [",".join(repr(float(v)) for v in row) for row in points]
    generation = run_oryx_generation(brokers, folder, lines, overrides)
    schema = kmeans_schema(load_config(None, overrides))
    model = read_kmeans_pmml(read_pmml((generation.model_dir / "model.pmml").read_text()), schema)
    return np.asarray(model.centers, dtype=np.float64), generation.seconds

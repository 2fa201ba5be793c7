"""The random-decision-forest part of ``oryx demo``: examples in through ``/train``, a generation, predictions.

The config decides the kind, as it does for the layers: a categorical ``oryx.input-schema.target-feature`` is
classification (the demo sends Fisher's Iris, ``conf/rdf-classification-example.conf``), a numeric one regression
(scikit-learn's diabetes data, ``conf/rdf-regression-example.conf``); both are read in place from the installed
scikit-learn. After ``POST /train`` and one generation it prints ``/predict`` against the true targets and
``/feature/importance``; then it trains a few new examples of one datum through ``POST /train`` and waits until
the speed layer's leaf updates change that datum's answer (``/classificationDistribution`` or ``/predict``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from oryx_cli.demos.datasets import refuse_data_file, typical_flowers
from oryx_cli.demos.http import datum_path, get_json, get_status, get_text, post_lines, wait_for
from oryx_cli.demos.rdf.data import DIABETES_COLUMNS, IRIS_COLUMNS, diabetes_lines, iris_lines
from oryx_core.config import ConfigError, OryxConfig
from oryx_core.input.lines import join_csv, parse_line
from oryx_core.input.schema import InputSchema

NEW_EXAMPLES = 5
"""How many copies of the probe datum the speed-layer step trains: enough to move every leaf it reaches."""
SHOWN_PATIENTS = 5


def demo_schema(config: OryxConfig) -> InputSchema:
    """The config's schema, which must be the demo data set's: Iris for classification, diabetes for regression."""
    schema = InputSchema.from_config(config)
    expected, example = (
        (IRIS_COLUMNS, "rdf-classification-example.conf")
        if schema.is_classification
        else (DIABETES_COLUMNS, "rdf-regression-example.conf")
    )
    if schema.names != expected or schema.target != expected[-1]:
        kind = "classification" if schema.is_classification else "regression"
        raise ConfigError(
            "oryx.input-schema",
            f"the RDF {kind} demo sends lines {list(expected)} with target {expected[-1]!r} (see conf/{example}); "
            f"got {list(schema.names)} with target {schema.target!r}",
        )
    return schema


def without_target(line: str, schema: InputSchema) -> str:
    """The line with its target field emptied: what a client asks ``/predict`` about."""
    fields = parse_line(line)
    fields[schema.names.index(str(schema.target))] = ""
    return join_csv(fields)


def with_target(line: str, schema: InputSchema, target: str) -> str:
    fields = parse_line(line)
    fields[schema.names.index(str(schema.target))] = target
    return join_csv(fields)


def target_of(line: str, schema: InputSchema) -> str:
    return parse_line(line)[schema.names.index(str(schema.target))]


def distribution(base: str, datum: str) -> dict[str, float]:
    return {
        str(row["id"]): float(row["value"]) for row in get_json(base + datum_path("/classificationDistribution", datum))
    }


def show_importances(base: str, schema: InputSchema) -> None:
    importances = get_json(f"{base}/feature/importance")
    print("\nGET /feature/importance")
    for name, importance in zip(schema.names, importances, strict=True):
        if name != schema.target:
            print(f"  {name:<14} {float(importance):.4f}")


def show_distribution(title: str, now: dict[str, float], before: dict[str, float] | None = None) -> None:
    print(title)
    for name, probability in now.items():
        was = f"  (was {before.get(name, 0.0):.4f})" if before is not None else ""
        print(f"  {name:<12} {probability:.4f}{was}")


def classification_demo(base: str, schema: InputSchema, lines: Sequence[str]) -> None:
    flowers = typical_flowers(lines)
    print("\nGET /predict for the most typical flower of each species (target left empty):")
    for species, flower in flowers.items():
        datum = without_target(flower, schema)
        predicted = get_text(base + datum_path("/predict", datum)).strip()
        print(f"  {datum:<20} predicted {predicted:<12} true {species}")

    # Iris: a versicolor relabelled virginica, the two species the forest tells apart least surely.
    species = list(flowers)
    probe_species, new_label = species[1 % len(species)], species[-1]
    probe = without_target(flowers[probe_species], schema)
    before = distribution(base, probe)
    show_distribution(f"\nGET {datum_path('/classificationDistribution', probe)}   (a {probe_species})", before)
    show_importances(base, schema)

    print(
        f"\nPOST /train {NEW_EXAMPLES} examples of {probe} labelled {new_label}; waiting for the speed layer's UP ...",
        flush=True,
    )
    sent = time.monotonic()
    post_lines(base, "/train", [with_target(probe, schema, new_label)] * NEW_EXAMPLES)
    wait_for(lambda: distribution(base, probe) != before, 120, "the speed layer to update the trees' leaves")
    show_distribution(
        f"speed update seen after {time.monotonic() - sent:.1f} s: GET "
        f"{datum_path('/classificationDistribution', probe)}",
        distribution(base, probe),
        before,
    )


def regression_demo(base: str, schema: InputSchema, lines: Sequence[str]) -> None:
    print(f"\nGET /predict for the first {SHOWN_PATIENTS} patients (target left empty):")
    for line in lines[:SHOWN_PATIENTS]:
        datum = without_target(line, schema)
        predicted = float(get_text(base + datum_path("/predict", datum)))
        print(f"  {datum:<50} predicted {predicted:8.1f}   true {float(target_of(line, schema)):6.1f}")
    show_importances(base, schema)

    probe = without_target(lines[0], schema)
    predict_url = base + datum_path("/predict", probe)
    before = float(get_text(predict_url))
    new_target = max((target_of(line, schema) for line in lines), key=float)
    print(
        f"\nPOST /train {NEW_EXAMPLES} examples of {probe} with {schema.target} {new_target}; "
        "waiting for the speed layer's UP ...",
        flush=True,
    )
    sent = time.monotonic()
    post_lines(base, "/train", [with_target(probe, schema, new_target)] * NEW_EXAMPLES)
    wait_for(lambda: float(get_text(predict_url)) != before, 120, "the speed layer to update the trees' leaves")
    seconds, after = time.monotonic() - sent, float(get_text(predict_url))
    print(f"speed update seen after {seconds:.1f} s: GET /predict/{probe} -> {after:.1f} (was {before:.1f})")


def rdf_demo(config: OryxConfig, base: str, run_generation: Callable[[], None]) -> None:
    schema = demo_schema(config)
    name, lines = ("Iris", iris_lines()) if schema.is_classification else ("diabetes", diabetes_lines())
    print(f"sending {len(lines)} {name} examples (read from scikit-learn) to {base}/train ...", flush=True)
    post_lines(base, "/train", lines)
    run_generation()
    wait_for(lambda: get_status(f"{base}/ready") == 200, 300, "the serving layer to load the forest")
    if schema.is_classification:
        classification_demo(base, schema, lines)
    else:
        regression_demo(base, schema, lines)


def prepare_demo(
    config: OryxConfig, data_file: str | None, run_generation: Callable[[], None]
) -> Callable[[str], None]:
    """The registered demo entry (``oryx demo``): checks its inputs first, returns the run for a serving URL."""
    refuse_data_file(data_file, "rdf", "the installed scikit-learn")
    return lambda base: rdf_demo(config, base, run_generation)

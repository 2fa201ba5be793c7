"""DataDictionary / MiningSchema written from the input schema and checked against it on load."""

import pytest

from oryx_core.config import load_config
from oryx_core.input.schema import InputSchema
from oryx_core.ml.pmml import PMMLError, add_child, find_child, pmml_skeleton, read_pmml, write_pmml
from oryx_core.ml.pmml_schema import (
    add_data_dictionary,
    add_mining_schema,
    categorical_values,
    check_data_dictionary,
)


def schema(names: str = '["id","size","color","label"]') -> InputSchema:
    return InputSchema.from_config(
        load_config(
            None,
            [
                f"oryx.input-schema.feature-names={names}",
                'oryx.input-schema.id-features=["id"]',
                'oryx.input-schema.categorical-features=["color","label"]',
                "oryx.input-schema.target-feature=label",
            ],
        )
    )


def written_model() -> str:
    root = pmml_skeleton(0)
    add_data_dictionary(root, schema(), {"color": ["red", "blue"], "label": ["yes", "no"]})
    model = add_child(root, "TreeModel", {"functionName": "classification"})
    add_mining_schema(model, schema(), {"size": 0.25, "color": 0.75})
    return write_pmml(root)


def test_round_trip_keeps_category_order_and_usage_types() -> None:
    root = read_pmml(written_model())
    assert categorical_values(root) == {"id": [], "color": ["red", "blue"], "label": ["yes", "no"]}
    mining = find_child(find_child(root, "TreeModel"), "MiningSchema")
    usage = {f.get("name"): (f.get("usageType"), f.get("importance")) for f in mining}
    assert usage == {
        "id": ("supplementary", None),
        "size": ("active", "0.25"),
        "color": ("active", "0.75"),
        "label": ("predicted", None),
    }
    check_data_dictionary(root, schema())


def test_check_refuses_other_columns() -> None:
    root = read_pmml(written_model())
    with pytest.raises(PMMLError, match="differ"):
        check_data_dictionary(root, schema('["id","size","colour","label"]'))

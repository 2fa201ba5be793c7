"""Each app's keys are checked by rules that live with the app and register themselves; the generic rules name
no app key. (The values each rule rejects are specified in test_config.py, through ``load_config``.)"""

from __future__ import annotations

from oryx_core.apps.kmeans.config_rules import check_fixed_k
from oryx_core.apps.linear.config_rules import check_lambda
from oryx_core.config_rules import LAMBDA_AND_ML_RULES, ChoiceRule, NumericRule, app_rules

APP_KEY_PREFIXES = ("oryx.als.", "oryx.kmeans.", "oryx.rdf.", "oryx.example.")


def test_app_rules_check_exactly_the_app_keys_config_py_used_to() -> None:
    keys = {rule.key for rule in app_rules() if isinstance(rule, NumericRule | ChoiceRule)}
    assert keys == {
        "oryx.als.sample-rate",
        "oryx.als.decay.factor",
        "oryx.als.ann.target-recall",  # new with the HNSW mode, not one config.py had
        "oryx.als.bounds.min-interactions",  # new with bounded state
        "oryx.als.bounds.expire-after-days",
        "oryx.kmeans.initialization-strategy",
        "oryx.kmeans.evaluation-strategy",
        "oryx.rdf.num-trees",
    }
    assert check_fixed_k in app_rules()
    assert check_lambda in app_rules()
    assert len(app_rules()) == 10


def test_app_rules_come_in_app_name_order_from_the_modules_their_registrations_name() -> None:
    from oryx_core.apps.als.config_rules import RULES as ALS
    from oryx_core.apps.kmeans.config_rules import RULES as KMEANS
    from oryx_core.apps.linear.config_rules import RULES as LINEAR
    from oryx_core.apps.rdf.config_rules import RULES as RDF

    assert app_rules() == (*ALS, *KMEANS, *LINEAR, *RDF)


def test_the_generic_rules_name_no_app_key() -> None:
    keys = [rule.key for rule in LAMBDA_AND_ML_RULES if isinstance(rule, NumericRule | ChoiceRule)]
    assert len(keys) == len(LAMBDA_AND_ML_RULES) - 1  # the one plain function checks oryx.ml.eval.*
    assert [key for key in keys if key.startswith(APP_KEY_PREFIXES)] == []

"""The RDF serving fixtures: an app serving the hand-made classifier or regressor of ``rdf_serving_support``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from rdf_serving_support import CLASSIFICATION, COLORS, RDF, REGRESSION, classifier, pmml, regressor


@pytest.fixture
def classification(make_app: Callable[..., Flask], publish: Callable[[str, str], None], caught_up: Callable) -> Flask:
    app = make_app(*RDF, *CLASSIFICATION)
    publish("MODEL", pmml(CLASSIFICATION, classifier(), {"color": COLORS, "label": ["no", "yes"]}))
    caught_up(app)
    return app


@pytest.fixture
def regression(make_app: Callable[..., Flask], publish: Callable[[str, str], None], caught_up: Callable) -> Flask:
    app = make_app(*RDF, *REGRESSION)
    publish("MODEL", pmml(REGRESSION, regressor(), {"color": COLORS}))
    caught_up(app)
    return app

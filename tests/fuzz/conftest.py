"""The fuzzer's servers are Oryx 2's serving tests' servers: each app with its fixed test model loaded."""

from compat.conftest import _als, _als_read_only, _kmeans, _rdf, _rdf_classification, serve  # noqa: F401  (fixtures)

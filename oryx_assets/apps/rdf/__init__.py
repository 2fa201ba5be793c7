"""The random decision forest batch app (Oryx 2's ``RDFUpdate``); named ``oryx_assets.apps.rdf.RDFUpdate``.

``update`` trains one Spark MLlib forest per candidate from the parsed examples (``examples``) and our split
candidates (``split_candidates``), reads MLlib's trees back (``mllib_forest``) and scores the PMML as served next
to a baseline (``evaluation``).
"""

from oryx_assets.apps.rdf.update import RDFUpdate

__all__ = ["RDFUpdate"]

"""``oryx demo`` for each app (``als``, ``kmeans``, ``rdf``, ``example``), each with its data readers.

An app's demo talks to the running stack only as a user's client would (``http.py``) and reads its data in place
(``datasets.py``); no app's demo imports another's (an import-linter contract).
"""

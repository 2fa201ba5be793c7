"""Hypothesis settings profiles for the property tests, loaded by ``tests/conftest.py``.

``oryx`` (the default) is deterministic and sized for a shared 2-core machine: examples come from a fixed
derandomised seed, so a run fails or passes the same way everywhere and nothing is written to a local example
database; no per-example deadline, since a busy machine must not turn a slow example into a failure.
``ORYX_HYPOTHESIS_PROFILE=oryx-thorough`` explores randomly and much further, for a local hunt.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("oryx", max_examples=40, derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("oryx-thorough", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("ORYX_HYPOTHESIS_PROFILE", "oryx"))

"""``python -m oryx_core.cli``: the ``oryx`` command without the console script (used by tests)."""

import sys

from oryx_core.cli import main

sys.exit(main())

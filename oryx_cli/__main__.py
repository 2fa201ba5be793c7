"""``python -m oryx_cli``: the ``oryx`` command without the console script (used by tests)."""

import sys

from oryx_cli.main import main

sys.exit(main())

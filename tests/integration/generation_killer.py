"""``python generation_killer.py POINT [python -m oryx_assets arguments]``: a generation killed with SIGKILL.

Runs the batch CLI's ``main`` but first replaces the function called at POINT with one that SIGKILLs this
process (and so, by the dying pipe, its Spark JVM): nothing gets to clean up, as when a machine loses power.

* ``before-commit``: after the window and its offset range are stored, before the offsets are committed;
* ``after-publish``: after the model was sent and flushed, before the run records its success.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from typing import Any

POINTS = {
    "before-commit": ("oryx_core.topics.consumer", "InputTopicReader", "commit"),
    "after-publish": ("oryx_assets.lambda_.publication", None, "_delete_expired_models"),
}


def die(*args: Any, **kwargs: Any) -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str]) -> int:
    module, owner, name = POINTS[argv[0]]
    target: Any = importlib.import_module(module)
    if owner is not None:
        target = getattr(target, owner)
    setattr(target, name, die)
    from oryx_assets.__main__ import main as run_one_generation

    return run_one_generation(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Whether a process on this host is really running: the one rule the CLI's stop/status and the batch layer's
dead-generation check share.

``kill -0`` alone is not enough: a process killed with SIGKILL stays a zombie until its parent reaps it, and on
some hosts (a VM's init) that takes seconds, during which it would count as running.
"""

from __future__ import annotations

import os
from pathlib import Path


def process_alive(pid: int) -> bool:
    """The process exists (or exists under another user) and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"

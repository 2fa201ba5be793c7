"""Free TCP ports on 127.0.0.1 for the brokers, Spark clusters and servers tests start, so the suite runs beside
a developer's running ``oryx up`` stack (9092, 8080, 3000, 4040...) and beside another engineer's test run.

A port is free when it can be bound; it is released again before the test's process takes it, so another
process could in principle take it in between: the window is milliseconds, and the ports come from the kernel's
ephemeral range, which nothing listens on by choice.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Sequence

__all__ = ["free_port", "free_port_block", "free_ports"]

_HIGHEST_PORT = 65535
_ATTEMPTS = 200


def _bound(port: int, stack: contextlib.ExitStack) -> socket.socket | None:
    """A socket bound to ``port`` on 127.0.0.1 (kept open by ``stack``), or None when the port is taken."""
    sock = stack.enter_context(socket.socket())
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        return None
    return sock


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports (all held while choosing, so none is picked twice)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = _bound(0, stack)
            assert sock is not None
            ports.append(int(sock.getsockname()[1]))
        return ports


def free_port() -> int:
    return free_ports(1)[0]


def free_port_block(offsets: Sequence[int], taken: Sequence[int] = ()) -> int:
    """A free port ``p`` such that ``p + offset`` is free too for every offset, for tools that derive their other
    ports from one (a Kafka node's controller on port + 1000, a Spark master's UI on port + 1...); none of
    ``p + offset`` is in ``taken``."""
    for _ in range(_ATTEMPTS):
        base = free_port()
        wanted = [base + offset for offset in offsets]
        if max(wanted) > _HIGHEST_PORT or set(wanted) & set(taken):
            continue
        with contextlib.ExitStack() as stack:
            if all(_bound(port, stack) is not None for port in wanted):
                return base
    raise AssertionError(f"no free port p with p + {list(offsets)} all free in {_ATTEMPTS} attempts")

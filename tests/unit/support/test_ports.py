"""Free ports for test brokers, clusters and servers: distinct, bindable, and in blocks where tools need them."""

from __future__ import annotations

import socket

from support.ports import free_port_block, free_ports


def bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(5)
    assert len(set(ports)) == 5
    assert all(bindable(port) for port in ports)


def test_a_port_block_leaves_every_derived_port_free_and_avoids_the_taken_ones() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        held = int(holder.getsockname()[1])
        base = free_port_block((0, 1, 1000), taken=[held])
        assert held not in (base, base + 1, base + 1000)
    assert all(bindable(base + offset) for offset in (0, 1, 1000))

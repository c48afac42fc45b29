"""A free port on loopback for a server a test starts."""

from __future__ import annotations

import socket


def free_port() -> int:
    """Free when asked; the server binds it a moment later (a race no test has lost yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

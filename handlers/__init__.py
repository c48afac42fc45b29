"""Capabilities, each a thin layer of handlers over a service. Registered here, in /help order."""

from __future__ import annotations

from bot.registry import Capability
from handlers import availability, basics, circles, privacy


def capabilities() -> tuple[Capability, ...]:
    return (
        basics.CAPABILITY,
        circles.CAPABILITY,
        availability.CAPABILITY,
        privacy.CAPABILITY,
    )

"""Capabilities, each a thin layer of handlers over a service. Registered here, in /help order."""

from __future__ import annotations

from bot.registry import Capability
from handlers import (
    agenda,
    availability,
    basics,
    bridge,
    circles,
    meetings,
    minutes,
    privacy,
    tasks,
)


def capabilities() -> tuple[Capability, ...]:
    return (
        basics.CAPABILITY,
        circles.CAPABILITY,
        availability.CAPABILITY,
        meetings.CAPABILITY,
        agenda.CAPABILITY,
        tasks.CAPABILITY,
        minutes.CAPABILITY,
        bridge.CAPABILITY,
        privacy.CAPABILITY,
    )

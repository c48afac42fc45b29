"""What every handler, service and job may use, built once at start and passed in."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalogs
from bot.outbox import Outbox
from bot.registry import Registry


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    clock: Clock
    catalogs: Catalogs
    registry: Registry
    outbox: Outbox
    network_id: int

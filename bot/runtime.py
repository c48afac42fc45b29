"""What every handler, service and job may use, built once at start and passed in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.clock import Clock, NotBefore
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

    def as_of(self, moment: datetime) -> Runtime:
        """This runtime for work done ahead of `moment`: its clock reads `moment` until then,
        so what it queues is held until then."""
        clock = NotBefore(self.clock, moment)
        return replace(self, clock=clock, outbox=self.outbox.with_clock(clock))

"""The receiving loop of a transport that records updates in the inbox before it confirms them.

Handle what the inbox holds, oldest first, then fetch more into it; again until stopped. A
fault backs off, and the loop starts again with the update it stopped at, so updates keep
their order. An update that keeps failing is set aside until the next start, so that the
ones after it can go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from typing import Any, TypeVar

from bot.events import Event
from bot.inbox import TransportStore
from bot.transports import EventHandler

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_TRIES = 5
MAX_DELAY = 60.0
STOP_WAIT = 10.0  # seconds stopping waits for the update in hand


class InboxLoop:
    def __init__(
        self,
        platform: str,
        store: TransportStore,
        *,
        fetch: Callable[[], Awaitable[bool]],
        prepare: Callable[[int, dict[str, Any]], Awaitable[Event | None]],
        handle: EventHandler,
        stopping: asyncio.Event,
        retry_delay: float = 1.0,
        expected_faults: tuple[type[Exception], ...] = (),
    ) -> None:
        """`fetch` records new updates in the inbox (False: there were none); `prepare`
        turns a recorded one into an event (None: nothing to do); `handle` hands the event
        on. `expected_faults` (the network, say) are logged in one line, anything else with
        its trace."""
        self._platform = platform
        self._store = store
        self._fetch = fetch
        self._prepare = prepare
        self._handle = handle
        self._stopping = stopping
        self._retry_delay = retry_delay  # the first wait after a fault; it doubles
        self._expected = expected_faults
        self._tries: dict[int, int] = {}  # receipt: failed attempts to handle it

    async def run(self) -> None:
        failures = 0
        pending = True  # what waits from before the start
        while not self._stopping.is_set():
            try:
                if pending:
                    await self._handle_pending()
                pending = await self._fetch()
                failures = 0
            except Exception as error:  # the network, or the database: keep receiving
                pending = True  # what the fault interrupted goes on
                failures += 1
                delay = min(MAX_DELAY, self._retry_delay * 2**failures)
                if isinstance(error, self._expected):
                    log.warning(
                        "%s: receiving failed (%s); again in %s s", self._platform, error, delay
                    )
                else:
                    log.exception("%s: receiving failed; again in %s s", self._platform, delay)
                await until_stopped(asyncio.sleep(delay), self._stopping)

    async def _handle_pending(self) -> None:
        for receipt, payload in await self._store.pending(self._platform):
            if self._stopping.is_set():
                return  # the rest waits in the inbox for the next start
            if self._tries.get(receipt, 0) >= MAX_TRIES:
                continue
            event = await self._prepare(receipt, payload)
            if event is None:
                await self._store.done(receipt)
                continue
            try:
                await self._handle(event)
            except Exception:
                tries = self._tries[receipt] = self._tries.get(receipt, 0) + 1
                if tries < MAX_TRIES:
                    raise  # stop here: this update goes first again, after a pause
                # It stays in the inbox for the next start; the updates after it go on.
                log.exception(
                    "%s: update %s failed %s times; set aside", self._platform, receipt, tries
                )
                continue
            self._tries.pop(receipt, None)


async def until_stopped(work: Coroutine[Any, Any, T], stopping: asyncio.Event) -> T | None:
    """The result of `work`, or None if `stopping` is set first (then `work` is cancelled)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stopping.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
    return None


async def stop_loop(task: asyncio.Task[None] | None, stopping: asyncio.Event, name: str) -> None:
    """Let the update in hand finish (its unit of work commits), then end the loop."""
    stopping.set()
    if task is None:
        return
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=STOP_WAIT)
    except TimeoutError:
        task.cancel()
    except Exception:
        log.exception("%s: receiving had stopped with an error", name)
    with suppress(asyncio.CancelledError):
        await asyncio.gather(task, return_exceptions=True)

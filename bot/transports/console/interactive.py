"""`netzwerkbot chat`: type as one or several people, in group channels or privately."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.events import Event, IncomingFile
from bot.transports import EventHandler
from bot.transports.console.script import Say, ScriptError, SendFile, Tap, parse
from bot.transports.console.transport import ConsoleTransport

log = logging.getLogger(__name__)

HELP = """\
Type as a person:   @anna #plenum: /help     (anna writes in group channel #plenum)
                    @ben: /start             (ben writes to the bot privately)
Then just type:     /members                 (as the last person, in the last place)
Tap a button:       taps English             (or: @ben #plenum taps English)
Send a file:        sends notes.md Caption   (or: @anna #plenum sends notes.md)
!help shows this, !quit (or Ctrl-D) ends."""


class InteractiveConsole(ConsoleTransport):
    def __init__(
        self,
        clock: Clock,
        tz: ZoneInfo,
        stop: asyncio.Event,
        user: str,
        read: Callable[[str], str] = input,
        write: Callable[[str], None] = print,
    ) -> None:
        super().__init__(clock, tz, write)
        self._stop = stop
        self._read = read
        self._user = user
        self._channel: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, on_event: EventHandler) -> None:
        await super().start(on_event)
        self._write(HELP)
        self._task = asyncio.create_task(self._loop(on_event))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        await super().stop()

    async def _loop(self, on_event: EventHandler) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                prompt = f"{self._user}{' #' + self._channel if self._channel else ''}> "
                try:
                    # input() blocks, so it runs in a worker thread, never on the event loop.
                    line = await loop.run_in_executor(None, self._read, prompt)
                except EOFError:
                    return
                line = line.strip()
                if line in ("!quit", "!exit"):
                    return
                if line == "!help":
                    self._write(HELP)
                    continue
                if line:
                    event = self._event_for(line)
                    if event is not None:
                        await on_event(event)
        finally:
            self._stop.set()

    def _event_for(self, line: str) -> Event | None:
        if not line.startswith("@"):
            if re.match(r"^(taps|sends)\s+", line):
                line = f"@{self._user}{self._place()} {line}"
            else:
                line = f"@{self._user}{self._place()}: {line}"
        try:
            steps = parse(line)
        except ScriptError:
            self._write("? " + HELP.splitlines()[0])
            return None
        step = steps[0] if steps else None
        try:
            match step:
                case Say(_, user, channel, text):
                    self._user, self._channel = user, channel
                    return self.message(user, channel, text)
                case Tap(_, user, channel, label):
                    self._user, self._channel = user, channel
                    return self.tap(user, channel, label)
                case SendFile(_, user, channel, path, caption):
                    self._user, self._channel = user, channel
                    data = Path(path).read_bytes()
                    incoming = IncomingFile(Path(path).name, "application/octet-stream", data)
                    return self.message(user, channel, caption, files=(incoming,))
        except (LookupError, OSError) as error:
            self._write(f"? {error}")
            return None
        self._write("? " + HELP.splitlines()[0])
        return None

    def _place(self) -> str:
        return f" #{self._channel}" if self._channel else ""

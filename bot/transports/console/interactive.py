"""`netzwerkbot chat`: type as one or several people, in group channels or privately."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import threading
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.events import Event, IncomingFile
from bot.inbox import TransportStore
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
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
    ) -> None:
        super().__init__(clock, tz, lambda text: print(text, file=stdout, flush=True))
        self._stop = stop
        self._input = stdin
        self._output = stdout
        self._user = user
        self._channel: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, on_event: EventHandler, store: TransportStore) -> None:
        await super().start(on_event, store)
        self._write(HELP)
        self._task = asyncio.create_task(self._loop(on_event))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await asyncio.gather(self._task, return_exceptions=True)
        await super().stop()

    async def _loop(self, on_event: EventHandler) -> None:
        try:
            next_line = await self._line_reader()
            while True:
                self._output.write(f"{self._user}{self._place()}> ")
                self._output.flush()
                raw = await next_line()
                line = raw.strip()
                if not raw or line in ("!quit", "!exit"):  # "" is the end of stdin
                    return
                if line == "!help":
                    self._write(HELP)
                elif line and (event := self._event_for(line)) is not None:
                    try:
                        await on_event(event)
                    except Exception:  # the database is down, say: the next line may work
                        log.exception("that line could not be handled")
        finally:
            self._stop.set()

    async def _line_reader(self) -> Callable[[], Awaitable[str]]:
        """Lines from stdin without blocking the event loop.

        A daemon thread does the blocking reads with os.read on the raw descriptor: that
        works for terminals, pipes, files and /dev/null alike, and, holding no Python-level
        buffer lock, it cannot stall the interpreter's exit on Ctrl-C.
        """
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str] = asyncio.Queue()
        fd = self._input.fileno()

        def read_lines() -> None:
            pending = b""
            while chunk := os.read(fd, 4096):
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    loop.call_soon_threadsafe(
                        lines.put_nowait, line.decode(errors="replace") + "\n"
                    )
            if pending:
                loop.call_soon_threadsafe(lines.put_nowait, pending.decode(errors="replace"))
            loop.call_soon_threadsafe(lines.put_nowait, "")  # the end of input

        threading.Thread(target=read_lines, name="console-stdin", daemon=True).start()
        return lines.get

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

"""Transcripts: a scripted conversation, run deterministically on a manual clock.

The format is a contract that documentation and outside tests rely on; README.md
describes it. Every line is parsed before anything runs, so a typo on line 40 stops
the run before line 1 has touched the database.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import Core, open_core
from bot.clock import ManualClock
from bot.config import Settings
from bot.events import Event, IncomingFile
from bot.registry import Capability
from bot.transports import Transport
from bot.transports.console.transport import ConsoleTransport

DEFAULT_START = "2026-01-05 09:00"  # a Monday morning, when no !now comes first

_ACTOR = r"@(?P<user>[^\s#:@]+)(?:\s+#(?P<channel>[^\s:]+))?"
_SAY = re.compile(_ACTOR + r":[ \t]?(?P<text>.*)$")
_TAP = re.compile(_ACTOR + r"\s+taps\s+(?P<label>.+)$")
_SEND = re.compile(_ACTOR + r"\s+sends\s+(?P<path>\S+)(?:\s+(?P<caption>.+))?$")
_HEREDOC = re.compile(r"^<<(?P<end>\w+)$")
_NOW = re.compile(r"^!now\s+(?P<when>\d{4}-\d{2}-\d{2} \d{2}:\d{2})$")
_WAIT = re.compile(r"^!wait\s+(?P<duration>(?:\d+[mhd])+)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class ScriptError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True, slots=True)
class Say:
    line: int
    user: str
    channel: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Tap:
    line: int
    user: str
    channel: str | None
    label: str


@dataclass(frozen=True, slots=True)
class SendFile:
    line: int
    user: str
    channel: str | None
    path: str
    caption: str


@dataclass(frozen=True, slots=True)
class SetNow:
    line: int
    when: str


@dataclass(frozen=True, slots=True)
class Wait:
    line: int
    delta: timedelta


@dataclass(frozen=True, slots=True)
class Restart:
    line: int


Step = Say | Tap | SendFile | SetNow | Wait | Restart


def parse_duration(text: str) -> timedelta:
    return sum(
        (timedelta(**{_UNITS[unit]: int(n)}) for n, unit in re.findall(r"(\d+)([mhd])", text)),
        timedelta(),
    )


def parse(text: str) -> list[Step]:
    steps: list[Step] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        number, line = index + 1, lines[index].strip()
        index += 1
        if not line or line.startswith("#"):
            continue
        if line == "!restart":
            steps.append(Restart(number))
        elif match := _NOW.match(line):
            _checked_time(number, match["when"])
            steps.append(SetNow(number, match["when"]))
        elif match := _WAIT.match(line):
            steps.append(Wait(number, parse_duration(match["duration"])))
        elif match := _SAY.match(line):
            body = match["text"]
            if heredoc := _HEREDOC.match(body):
                end = heredoc["end"]
                collected: list[str] = []
                while index < len(lines) and lines[index].rstrip("\r") != end:
                    collected.append(lines[index].rstrip("\r"))
                    index += 1
                if index == len(lines):
                    raise ScriptError(number, f"no line {end} ends this message")
                index += 1
                body = "\n".join(collected)
            if not body.strip():
                raise ScriptError(number, "the message is empty")
            steps.append(Say(number, match["user"], match["channel"], body))
        elif match := _TAP.match(line):
            steps.append(Tap(number, match["user"], match["channel"], match["label"].strip()))
        elif match := _SEND.match(line):
            steps.append(
                SendFile(
                    number, match["user"], match["channel"], match["path"], match["caption"] or ""
                )
            )
        else:
            raise ScriptError(
                number, f"cannot read {line[:60]!r} (see the transcript format in README.md)"
            )
    return steps


def _checked_time(number: int, text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        raise ScriptError(number, f"no such date and time: {text}") from None


class ConsoleSession:
    """A bot on the console transport and a manual clock, driven step by step.

    Tests use it directly; `netzwerkbot chat --script` runs a parsed transcript with it.
    """

    def __init__(
        self,
        settings: Settings,
        capabilities: Sequence[Capability],
        write: Callable[[str], None],
        base_dir: Path = Path("."),
        others: Sequence[Transport] = (),
    ) -> None:
        """`others`: transports beside the console's, such as email."""
        self.settings = settings
        self._others = others
        self.tz: ZoneInfo = settings.network.tz
        self.clock = ManualClock(local_time(DEFAULT_START, self.tz))
        self.console = ConsoleTransport(self.clock, self.tz, write)
        self._capabilities = capabilities
        self._base_dir = base_dir
        self._core: Core | None = None

    @property
    def core(self) -> Core:
        assert self._core is not None, "start() first"
        return self._core

    async def start(self) -> None:
        transports = {t.platform: t for t in (self.console, *self._others)}
        self._core = await open_core(self.settings, self.clock, transports, self._capabilities)

    async def close(self) -> None:
        if self._core is not None:
            await self._core.close()
            self._core = None

    async def __aenter__(self) -> ConsoleSession:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def say(self, user: str, channel: str | None, text: str) -> None:
        await self._handle(self.console.message(user, channel, text))

    async def tap(self, user: str, channel: str | None, label: str) -> None:
        await self._handle(self.console.tap(user, channel, label))

    async def send_file(self, user: str, channel: str | None, path: Path, caption: str) -> None:
        data = await asyncio.to_thread(path.read_bytes)
        incoming = IncomingFile(path.name, "application/octet-stream", data)
        await self._handle(self.console.message(user, channel, caption, files=(incoming,)))

    def set_now(self, local: str) -> None:
        self.clock.set(local_time(local, self.tz))

    async def wait(self, delta: timedelta) -> None:
        await advance(self.core, self.clock, delta)

    async def restart(self) -> None:
        await self.close()
        await self.start()

    async def run(self, steps: Sequence[Step]) -> None:
        for step in steps:
            try:
                await self._step(step)
            except LookupError as error:
                raise ScriptError(step.line, str(error).strip("'\"")) from None
            except OSError as error:
                raise ScriptError(step.line, f"{error.strerror}: {error.filename}") from None

    async def _step(self, step: Step) -> None:
        match step:
            case Say(_, user, channel, text):
                await self.say(user, channel, text)
            case Tap(_, user, channel, label):
                await self.tap(user, channel, label)
            case SendFile(_, user, channel, path, caption):
                await self.send_file(user, channel, self._base_dir / path, caption)
            case SetNow(_, when):
                self.set_now(when)
            case Wait(_, delta):
                await self.wait(delta)
            case Restart():
                await self.restart()

    async def _handle(self, event: Event) -> None:
        await self.core.dispatcher.handle(event)
        await self.core.sender.drain()


def local_time(text: str, tz: ZoneInfo) -> datetime:
    """A transcript's "YYYY-MM-DD HH:MM" on the network's wall clock."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=tz)


async def advance(core: Core, clock: ManualClock, delta: timedelta) -> None:
    """Move the clock on by `delta`, firing each due row at its own time, in order.

    What `!wait` means on every transport: the transcript replays over Telegram and Matrix
    move their clocks with it too.
    """
    target = clock.now() + delta
    while (due := await core.due.next_due()) is not None and due <= target:
        clock.set(max(due, clock.now()))
        await core.due.fire_due()
        await core.sender.drain()
    clock.set(target)
    await core.sender.drain()

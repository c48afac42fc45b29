"""Benchmark for the commitments' reminder scheduler: start-up, firing lateness, memory.

    .venv/bin/python bench/bench_reminders.py

A throwaway SQLite database gets 100,000 accepted tasks, each with its pending reminder
(kind "task-remind") far in the future, as a large network would have after some years.
Then, each in a fresh process that runs the bot as `netzwerkbot run` does (bot.app.run:
open_core, the Scheduler, the outbox sender, a console transport):

- start-up: from starting the process until the answer to a `/help` is handed to the
  transport (median of 5);
- lateness: 1,000 more tasks whose reminders fall due spread over one minute; for each,
  the moment the transport's send is called minus the reminder's due_at (p50, p99, max);
- memory: the bot process's resident set size after the lateness run.

Figures go to bench/README.md. Everything runs on this machine; nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import SystemClock
from bot.config import DatabaseSettings, Settings
from bot.db import migrate
from bot.db.engine import create_engine
from bot.db.models import (
    Channel,
    Circle,
    CircleMembership,
    Identity,
    Member,
    Network,
    Participation,
    Reminder,
    Role,
    Task,
    TaskStatus,
)
from bot.events import ChatAddress
from bot.inbox import TransportStore
from bot.messages import OutgoingMessage
from bot.services.tasks import REMIND
from bot.transports import EventHandler, Progress
from bot.transports.console.transport import ConsoleTransport

PEOPLE = 1000  # each owns 100 of the far tasks and one of the soon ones
FAR_TASKS = 100_000
SOON_TASKS = 1000
FIRING_WINDOW = timedelta(minutes=1)  # the soon reminders fall due within it
# Room for the bot's process to start before the first soon reminder is due (start-up is
# about a second here); a reminder due before the bot runs would measure start-up instead.
SETUP_MARGIN = timedelta(seconds=5)
# The scheduler's safety-net poll runs every 60 s: anything it has to catch is that late.
GIVE_UP_AFTER = timedelta(seconds=90)
STARTUP_RUNS = 5
CHUNK = 10_000  # rows per bulk insert: fast, without holding all 100,000 dicts at once
HELP_ANSWERED = "help answered"


# The parent: build the database, start the measured processes, report.


async def seed(url: str, now: datetime) -> None:
    """Members with private chats, one circle, and 100,000 accepted tasks, each with its
    pending reminder days to a year ahead, written with bulk Core inserts."""
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        network = Settings().network
        async with engine.begin() as db:
            await db.execute(
                insert(Network),
                [{"id": 1, "name": network.name, "timezone": network.timezone,
                  "language": network.language, "created_at": now}],
            )  # fmt: skip
            await db.execute(
                insert(Circle),
                [{"id": 1, "network_id": 1, "name": "Plenum", "name_key": "plenum",
                  "created_at": now, "place_access": ""}],
            )  # fmt: skip
            await db.execute(insert(Member), [_member(n, now) for n in range(1, PEOPLE + 1)])
            # The console transport's ids: user "m7" writes from, and is written to at, "@m7".
            await db.execute(
                insert(Identity),
                [{"member_id": n, "platform": "console", "user_id": f"m{n}",
                  "username": f"m{n}", "username_key": f"m{n}"}
                 for n in range(1, PEOPLE + 1)],
            )  # fmt: skip
            # A private chat recorded with its member, as members.arrive() does: this is
            # where Outbox.queue_private sends a reminder.
            await db.execute(
                insert(Channel),
                [{"platform": "console", "chat_id": f"@m{n}", "kind": "private",
                  "title": f"m{n}", "member_id": n, "created_at": now}
                 for n in range(1, PEOPLE + 1)],
            )  # fmt: skip
            # Volunteers: reminder_hours() reads the participation when the next one is planned.
            await db.execute(
                insert(CircleMembership),
                [{"circle_id": 1, "member_id": n, "role": Role.MEMBER,
                  "participation": Participation.VOLUNTEER, "joined_at": now, "rotation": False}
                 for n in range(1, PEOPLE + 1)],
            )  # fmt: skip
            for first in range(1, FAR_TASKS + 1, CHUNK):
                ids = range(first, min(first + CHUNK, FAR_TASKS + 1))
                # Spread over a year, five minutes apart, starting tomorrow.
                dues = {i: now + timedelta(days=1, minutes=5 * i) for i in ids}
                await _add_tasks(db, [(i, 1 + i % PEOPLE, dues[i]) for i in ids], now)
    finally:
        await engine.dispose()


def _member(n: int, now: datetime) -> dict[str, Any]:
    return {"id": n, "network_id": 1, "display_name": f"m{n}", "name_key": f"m{n}",
            "language": "en", "created_at": now}  # fmt: skip


async def _add_tasks(
    db: AsyncConnection, rows: Sequence[tuple[int, int, datetime]], now: datetime
) -> None:
    """Accepted tasks (id, owner, reminder due) with their first reminder, as accept()
    leaves them: stage 0 (days_before = 3) falls due three days before the task."""
    await db.execute(
        insert(Task),
        [{"id": task_id, "circle_id": 1, "text": f"task {task_id}", "owner_id": owner,
          "creator_id": 1, "deputy_id": None, "status": TaskStatus.ACCEPTED,
          "due_on": (due + timedelta(days=3)).date(), "due_time": None, "created_at": now,
          "answered_at": now, "reminders_sent": 0, "deputy_asked": False}
         for task_id, owner, due in rows],
    )  # fmt: skip
    await db.execute(
        insert(Reminder),
        [{"kind": REMIND, "due_at": due, "subject_id": task_id, "member_id": owner,
          "payload": {}, "created_at": now, "attempts": 0}
         for task_id, owner, due in rows],
    )  # fmt: skip


async def add_soon(url: str, first_due: datetime) -> dict[str, datetime]:
    """1,000 more tasks whose reminders fall due spread over one minute, one per person;
    returns each person's private chat with the due time of the reminder it will get."""
    engine = create_engine(url)
    try:
        async with engine.begin() as db:
            rows = [
                (FAR_TASKS + n, n, first_due + FIRING_WINDOW * (n - 1) / SOON_TASKS)
                for n in range(1, SOON_TASKS + 1)
            ]
            await _add_tasks(db, rows, datetime.now(UTC))
    finally:
        await engine.dispose()
    return {f"@m{owner}": due for _, owner, due in rows}


def child(mode: str, url: str, *args: str) -> subprocess.Popen[str]:
    """This script in a fresh process, serving as the bot (see serve() below)."""
    return subprocess.Popen(
        [sys.executable, __file__, "--serve", mode, url, *args],
        stdout=subprocess.PIPE,
        text=True,
    )


def startup_seconds(url: str) -> tuple[float, dict[str, float]]:
    """From starting the process until /help is answered; with the bot's own split."""
    started = time.time()
    process = child("startup", url)
    assert process.stdout is not None
    while HELP_ANSWERED not in (line := process.stdout.readline()):
        if not line:
            raise RuntimeError("the bot process ended before answering /help")
    elapsed = time.time() - started
    split: dict[str, float] = json.loads(process.stdout.readline())
    process.wait(timeout=30)
    return elapsed, {name: stamp - started for name, stamp in split.items()}


@dataclass(frozen=True, slots=True)
class Lateness:
    ms: list[float]  # per delivered soon reminder, sorted
    missing: int  # soon reminders never delivered within the run
    ready_before_first_due_s: float  # the bot's margin; negative would spoil the figures
    rss_mb: float
    peak_rss_mb: float
    warnings: list[str]  # logged by APScheduler and the bot


def lateness(url: str) -> Lateness:
    first_due = datetime.now(UTC) + SETUP_MARGIN
    dues = asyncio.run(add_soon(url, first_due))
    last_due = max(dues.values())
    until = (last_due + GIVE_UP_AFTER).isoformat()
    process = child("lateness", url, until, str(SOON_TASKS), *dues)
    out, _ = process.communicate(timeout=(last_due - datetime.now(UTC)).total_seconds() + 120)
    report = json.loads(out.strip().splitlines()[-1])
    handed: dict[str, str] = report["handed"]
    late = sorted(
        (datetime.fromisoformat(handed[chat]) - due).total_seconds() * 1000
        for chat, due in dues.items()
        if chat in handed
    )
    ready = datetime.fromisoformat(report["ready"])
    return Lateness(
        ms=late,
        missing=len(dues) - len(late),
        ready_before_first_due_s=(first_due - ready).total_seconds(),
        rss_mb=report["rss_kb"] / 1024,
        peak_rss_mb=report["hwm_kb"] / 1024,
        warnings=report["warnings"],
    )


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """The same rank as bench_spine.py's p99: the value below which `share` of them lie."""
    return sorted_values[max(0, int(len(sorted_values) * share) - 1)]


def main() -> None:
    # Here, not at the top: the bot's process runs this file too, and its start-up is measured.
    from bench_spine import aiosqlite_round_trip_ms  # the yardstick all benchmarks share

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        url = f"sqlite+aiosqlite:///{directory}/reminders.db"
        yardstick = asyncio.run(aiosqlite_round_trip_ms(directory))
        print(f"yardstick: aiosqlite SELECT 1 takes {yardstick:.2f} ms on this machine now")

        started = time.perf_counter()
        asyncio.run(seed(url, datetime.now(UTC)))
        seconds = time.perf_counter() - started
        print(f"seeded {FAR_TASKS:,} pending task reminders in {seconds:.1f} s")

        runs = [startup_seconds(url) for _ in range(STARTUP_RUNS)]
        totals = [total for total, _ in runs]
        print(
            f"start-up to /help answered: median {statistics.median(totals):.2f} s "
            f"(target < 2 s; runs: {', '.join(f'{t:.2f}' for t in totals)})"
        )
        for name in runs[0][1]:
            stamps = statistics.median(split[name] for _, split in runs)
            print(f"  {name}: {stamps:.2f} s after the process started (median)")

        result = lateness(url)
        ms = result.ms
        print(
            f"lateness of {len(ms)} reminders due within {FIRING_WINDOW.seconds} s "
            f"({result.missing} not delivered; the bot was ready "
            f"{result.ready_before_first_due_s:.1f} s before the first was due):"
        )
        if ms:
            print(
                f"  p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms "
                f"(target < 20 ms), max {ms[-1]:.1f} ms (target < 500 ms)"
            )
            over = sum(m >= 500 for m in ms)
            print(f"  {over} of them 500 ms late or more")
        print(
            f"resident memory after the run: {result.rss_mb:.1f} MB (target < 150 MB), "
            f"peak {result.peak_rss_mb:.1f} MB"
        )
        # APScheduler skips a run of a job whose previous run is still going: if that is the
        # wake-up for the next reminder, nothing fires until the 60 s poll.
        skipped = sum("skipped" in line for line in result.warnings)
        print(
            f"wake-ups skipped by APScheduler: {skipped}; warnings logged: {len(result.warnings)}"
        )
        for warning in result.warnings[:5]:
            print(f"  {warning}")


# The child: the bot itself, as `netzwerkbot run` wires it, with a transport that notes
# when each message is handed to it.


class TimedConsole(ConsoleTransport):
    """The console transport, noting the moment each send is called.

    The moment is taken on entry, before rendering: lateness ends when the bot hands the
    message over, not when a platform would have it."""

    def __init__(
        self,
        on_start: Callable[[EventHandler, ConsoleTransport], None],
        on_send: Callable[[ChatAddress, datetime], None],
    ) -> None:
        settings = Settings()
        super().__init__(SystemClock(), settings.network.tz, lambda _text: None)
        self._on_start = on_start
        self._on_send = on_send

    async def start(self, on_event: EventHandler, store: TransportStore) -> None:
        await super().start(on_event, store)
        self._on_start(on_event, self)  # app.run starts transports after the scheduler

    async def send(self, chat: ChatAddress, message: OutgoingMessage, progress: Progress) -> str:
        self._on_send(chat, datetime.now(UTC))
        return await super().send(chat, message, progress)


class Collect(logging.Handler):
    """Keeps warnings and errors (a skipped wake-up, a reminder that failed)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        cause = f" ({type(error).__name__}: {error})" if error else ""
        self.lines.append(f"{record.name}: {record.getMessage()}{cause}")


def vm_kb(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith(field))


async def serve(
    url: str,
    on_ready: Callable[[EventHandler, ConsoleTransport, asyncio.Event], None],
    on_send: Callable[[ChatAddress, datetime, asyncio.Event], None],
) -> None:
    """bot.app.run on `url` with the timed console, until `on_send` or the caller stops it."""
    from bot import app  # imported here, as bot.cli does: part of the start-up measured
    from handlers import capabilities

    stop = asyncio.Event()
    transport = TimedConsole(
        on_start=lambda handle, console: on_ready(handle, console, stop),
        on_send=lambda chat, at: on_send(chat, at, stop),
    )
    settings = Settings(database=DatabaseSettings(url=url))
    await app.run(settings, SystemClock(), [transport], capabilities(), stop)


def serve_startup(url: str) -> None:
    stamps: dict[str, float] = {"script imported": time.time()}
    background: set[asyncio.Future[None]] = set()

    def ready(handle: EventHandler, console: ConsoleTransport, stop: asyncio.Event) -> None:
        stamps["core and scheduler ready"] = time.time()
        # Someone who has written before asks for /help, as soon as the transport is up.
        task = asyncio.ensure_future(handle(console.message("m1", None, "/help")))
        background.add(task)  # a reference, so the task is not collected mid-way

    def sent(chat: ChatAddress, at: datetime, stop: asyncio.Event) -> None:
        stamps["/help answered"] = at.timestamp()
        print(HELP_ANSWERED, flush=True)
        stop.set()

    asyncio.run(serve(url, ready, sent))
    print(json.dumps(stamps), flush=True)


def serve_lateness(url: str, until: str, expected: int, chats: Sequence[str]) -> None:
    warnings = Collect()
    logging.getLogger("apscheduler").addHandler(warnings)
    logging.getLogger("bot").addHandler(warnings)
    watched = set(chats)
    handed: dict[str, str] = {}
    ready_at: list[datetime] = []
    memory: dict[str, int] = {}

    def finish(stop: asyncio.Event) -> None:
        # Memory is read while the bot still runs. Stopping waits a moment: the wake-up that
        # fired the last reminder is still rescheduling, and cutting it off would log an error.
        if not memory:
            memory.update(rss_kb=vm_kb("VmRSS"), hwm_kb=vm_kb("VmHWM"))
            asyncio.get_running_loop().call_later(0.5, stop.set)

    def ready(handle: EventHandler, console: ConsoleTransport, stop: asyncio.Event) -> None:
        ready_at.append(datetime.now(UTC))
        # Stop at the deadline even if some reminder never comes.
        delay = (datetime.fromisoformat(until) - datetime.now(UTC)).total_seconds()
        asyncio.get_running_loop().call_later(delay, finish, stop)

    def sent(chat: ChatAddress, at: datetime, stop: asyncio.Event) -> None:
        if chat.chat_id in watched:
            handed.setdefault(chat.chat_id, at.isoformat())
            if len(handed) >= expected:
                finish(stop)

    asyncio.run(serve(url, ready, sent))
    report: Mapping[str, Any] = {
        "handed": handed,
        "ready": ready_at[0].isoformat(),
        **memory,
        "warnings": warnings.lines,
    }
    print(json.dumps(report), flush=True)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--serve", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    served = _arguments().serve
    if served is None:
        main()
    elif served[0] == "startup":
        serve_startup(served[1])
    else:
        serve_lateness(served[1], served[2], int(served[3]), served[4:])

"""Bridge benchmark: a burst from a Telegram group to a bridged Matrix room, through one bot.

    .venv/bin/python bench/bench_bridge.py                    # both parts (about 3 minutes)
    .venv/bin/python bench/bench_bridge.py --part raised      # the 500-message burst only
    .venv/bin/python bench/bench_bridge.py --part default --cap 600

Needs Synapse in .venv-synapse (scripts/setup-synapse). Everything stays on 127.0.0.1: the
fake Bot API (tests/telegram_fake.py) runs in this process, with the real python-telegram-bot
client talking to it over HTTP; Synapse runs in a process of its own, started here from a
temporary directory and stopped by its pid; the bot's database is a throwaway SQLite file.
The bot is wired as `bot.app.run` wires it (open_core, the scheduler, the outbox sender, an
event handled and then delivered), with Telegram and Matrix; a circle "Plenum" has a
Telegram group and a Matrix room, and its bridge is on, set up by commands as a coordinator
would (as in tests/test_bridge_live.py). Every relayed message carries a token (b0001 ...);
the Matrix room is read back at the end with a person's matrix-nio client and the tokens
taken from every copy in it, merged copies ("Name #N: text1\\ntext2") included.

- **raised** (Synapse's rate limits raised, as the tests have them): after one warm-up
  message each, five people write 500 messages in turn into the Telegram group, all put into
  the fake at once. Checked: none lost, none twice, the order kept. Timed, per message:
  - *delay*: from the moment the fake answered the bot's getUpdates with the message until
    the bot issued the Matrix send of its copy;
  - *the bot's own share*: its own handling (from the moment the bot began on its update
    until its copy was queued) and its own sending (from the moment the room's line was
    free for it, its copy queued and the send before it answered, until its send was
    issued). Every copy goes to the same room, one send at a time to keep the order;
  - *queued behind the bot's sending of earlier copies*: the time between its copy being
    queued and the line being free for it, less the time a send was awaiting Synapse:
    the bookkeeping between sends, summed over the copies ahead of it;
  - *the bot's whole share*: the delay less every moment in it when a send was awaiting
    Synapse's answer: its own share, and the queue behind the bot's work on the rest.
  Also the wall time of the 500, CPU seconds of this process and of Synapse, and the bot's
  SQL statements and commits.
- **default** (Synapse's own `rc_message`: 0.2 a second after a burst of 10): three people
  write 120 messages in runs of 1 to 10 (a person says several things in a row). Measured:
  time until the last copy is in the room, the Matrix messages sent (copies may be merged),
  the M_LIMIT_EXCEEDED answers and whether each retry waited the time Synapse asked for;
  checked as above. Stops at --cap seconds if not drained by then.

Every run prints the yardstick of bench_spine.py (one `SELECT 1` through aiosqlite) first,
as this shared machine drifts. Figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import event as sql_events
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_spine import aiosqlite_round_trip_ms  # noqa: E402
from bot.app import Core, event_handler, open_core  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import DatabaseSettings, NetworkSettings, Settings  # noqa: E402
from bot.events import Event, MessageEvent  # noqa: E402
from bot.inbox import TransportStore  # noqa: E402
from bot.scheduler import Scheduler  # noqa: E402
from bot.transports import RetryLater, Transport  # noqa: E402
from bot.transports.matrix.transport import MatrixTransport  # noqa: E402
from bot.transports.telegram.limits import SendLimits  # noqa: E402
from bot.transports.telegram.transport import TelegramTransport  # noqa: E402
from handlers import capabilities  # noqa: E402
from tests.matrix_running import (  # noqa: E402
    Person,
    bot_account,
    bridge_by_commands,
    matrix_settings,
    person,
)
from tests.synapse import RATE_LIMITS, Homeserver, throwaway_synapse  # noqa: E402
from tests.telegram_fake import FakeBotAPI  # noqa: E402
from tests.telegram_running import ANNA, Hours, telegram_settings  # noqa: E402

GROUP = -100
RAISED_MESSAGES = 500
RAISED_PEOPLE = ("Ben", "Cem", "Dana", "Eva", "Finn")
DEFAULT_MESSAGES = 120
DEFAULT_PEOPLE = ("Ben", "Cem", "Dana")
LONGEST_RUN = 10  # messages one person says in a row, in the default-limits part
DEFAULT_CAP = 600.0  # seconds the default-limits part waits for the room to catch up
DEADLINE = 300.0  # seconds; only a broken run waits this long (raised limits)
TOKEN = re.compile(r"\b[bw]\d{4}\b")  # b: the burst, w: warm-up


# --- what is timed ---------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One Matrix send request by the bot, as timed around nio's room_send."""

    started: float
    ended: float
    tokens: tuple[str, ...]  # of the messages whose copy it carries (several, if merged)
    outcome: str  # "sent", "limited" (M_LIMIT_EXCEEDED) or "failed"
    retry_after: float | None = None  # seconds Synapse asked to wait, if limited
    error: str = ""  # if failed


@dataclass
class Recorder:
    handed_out: dict[str, float] = field(default_factory=dict)  # token: getUpdates answered
    taken_up: dict[str, float] = field(default_factory=dict)  # token: the bot began on it
    queued: dict[str, float] = field(default_factory=dict)  # token: its copy committed
    attempts: list[Attempt] = field(default_factory=list)
    syncs: int = 0  # the bot's Matrix syncs that returned
    statements: int = 0  # SQL statements the bot ran
    commits: int = 0

    def count_sql(self, engine: AsyncEngine) -> None:
        def statement(*_: Any) -> None:
            self.statements += 1

        def commit(*_: Any) -> None:
            self.commits += 1

        sql_events.listen(engine.sync_engine, "before_cursor_execute", statement)
        sql_events.listen(engine.sync_engine, "commit", commit)

    def delivered(self) -> dict[str, Attempt]:
        """Token: the first accepted send that carried it."""
        found: dict[str, Attempt] = {}
        for attempt in self.attempts:
            if attempt.outcome == "sent":
                for token in attempt.tokens:
                    found.setdefault(token, attempt)
        return found

    def first_send(self) -> dict[str, float]:
        """Token: when the bot first issued a send carrying it (accepted or not)."""
        found: dict[str, float] = {}
        for attempt in self.attempts:
            for token in attempt.tokens:
                found.setdefault(token, attempt.started)
        return found


def tokens_in(text: str) -> tuple[str, ...]:
    return tuple(TOKEN.findall(text))


@dataclass
class TimedFake(FakeBotAPI):
    """The fake Bot API, noting when it hands each message to the bot."""

    recorder: Recorder = field(default_factory=Recorder)

    async def _api_getUpdates(self, params: dict[str, Any]) -> web.Response:
        answer = await super()._api_getUpdates(params)
        # Nothing ran in between: these are the updates the answer holds.
        now = time.perf_counter()
        for update in self.updates[: int(params.get("limit") or 100)]:
            for token in tokens_in(update.get("message", {}).get("text", "")):
                self.recorder.handed_out.setdefault(token, now)
        return answer


class TimedTelegram(TelegramTransport):
    def __init__(self, recorder: Recorder, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self._recorder = recorder

    async def _prepare(self, receipt: int, payload: dict[str, Any]) -> Event | None:
        now = time.perf_counter()
        for token in tokens_in((payload.get("message") or {}).get("text", "")):
            self._recorder.taken_up.setdefault(token, now)
        return await super()._prepare(receipt, payload)


class TimedMatrix(MatrixTransport):
    def __init__(self, recorder: Recorder, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self._recorder = recorder

    async def _send_event(
        self, room_id: str, kind: str, content: dict[str, Any], txn: str | None = None
    ) -> str:
        tokens = tokens_in(str(content.get("body", "")))
        started = time.perf_counter()
        try:
            event_id = await super()._send_event(room_id, kind, content, txn)
        except RetryLater as limited:
            self._note(started, tokens, "limited", limited.seconds)
            raise
        except Exception as error:
            self._note(started, tokens, "failed", error=repr(error))
            raise
        self._note(started, tokens, "sent")
        return event_id

    def _note(
        self,
        started: float,
        tokens: tuple[str, ...],
        outcome: str,
        wait: float | None = None,
        error: str = "",
    ) -> None:
        attempt = Attempt(started, time.perf_counter(), tokens, outcome, wait, error)
        self._recorder.attempts.append(attempt)

    async def _sync(self, store: TransportStore) -> bool:
        recorded = await super()._sync(store)
        self._recorder.syncs += 1
        return recorded


# --- Synapse ---------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """The CPU time of process `pid` so far (user and system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def synapse(directory: Path, default_message_limit: bool) -> Iterator[Homeserver]:
    """tests/synapse.py's throwaway Synapse (raised limits), or with Synapse's own default
    for messages (`rc_message` left out of the config: 0.2 a second, a burst of 10); the
    other limits (logins, registrations, joins) stay raised. Stopped by its pid."""
    limits = dict(RATE_LIMITS)
    if default_message_limit:
        del limits["rc_message"]
    directory.mkdir(parents=True)
    with throwaway_synapse(directory, limits=limits) as homeserver:
        yield homeserver


# --- the bridged circle ----------------------------------------------------------------


@dataclass
class Bridged:
    fake: TimedFake
    group: dict[str, Any]
    people: list[dict[str, Any]]  # on Telegram
    anna: Person  # on Matrix, in `room`
    room: str
    core: Core
    recorder: Recorder
    stop_bot: Callable[[], Awaitable[None]]  # before reading the room: nothing more comes

    def say(self, who: int, token: str) -> None:
        self.fake.message(self.people[who], self.group, f"{token} Nachricht aus Telegram")

    async def until_delivered(self, tokens: Sequence[str], timeout: float) -> bool:
        """Until the bot's sends have carried every token to Synapse, or `timeout` s."""
        deadline = time.perf_counter() + timeout
        while not set(tokens) <= self.recorder.delivered().keys():
            if time.perf_counter() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def tokens_in_room(self) -> list[str]:
        """The tokens of every message in the Matrix room, in the room's order."""
        found: list[str] = []
        for event in await self.anna.history(self.room):
            found += tokens_in(str(event.get("content", {}).get("body", "")))
        return found


@asynccontextmanager
async def bridged(
    homeserver: Homeserver, directory: Path, names: Sequence[str]
) -> AsyncIterator[Bridged]:
    """As tests/test_bridge_live.py's `bridged` fixture, wired as bot.app.run wires it."""
    async with AsyncExitStack() as stack:
        anna = await person(homeserver, "anna", directory / "people")
        stack.push_async_callback(anna.client.close)
        fake = TimedFake()
        await fake.start()
        stack.push_async_callback(fake.stop)
        async with _bot(homeserver, directory, names, anna, fake) as bridge:
            yield bridge


@asynccontextmanager
async def _bot(
    homeserver: Homeserver, directory: Path, names: Sequence[str], anna: Person, fake: TimedFake
) -> AsyncIterator[Bridged]:
    """The bot's side of `bridged`: the bot, started and set up, and stopped again."""
    recorder = fake.recorder
    bot_id = await bot_account(homeserver)
    settings = Settings(
        network=NetworkSettings(
            name="Inklusionsnetz Musterstadt",
            coordinators=(f"telegram:{ANNA}", f"matrix:{anna.user_id}"),
        ),
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{directory}/bot.db"),
    )
    settings = matrix_settings(settings, homeserver, bot_id, directory / "bot", anna.user_id)
    telegram = TimedTelegram(recorder, telegram_settings(fake.base_url), limits=SendLimits(Hours()))
    matrix = TimedMatrix(recorder, settings.matrix)
    transports: dict[str, Transport] = {"telegram": telegram, "matrix": matrix}
    core = await open_core(settings, SystemClock(), transports, capabilities())
    recorder.count_sql(core.engine)
    scheduler = Scheduler(core.due, after_fire=core.sender.wake)
    core.dispatcher.after_event = scheduler.reschedule_soon

    handled = event_handler(core)

    async def handle(event: Event) -> None:
        await handled(event)
        if isinstance(event, MessageEvent):
            now = time.perf_counter()
            for token in tokens_in(event.text):
                recorder.queued.setdefault(token, now)

    core.sender.before_start()  # as bot.app.run: a platform is sent to once it started
    sender = asyncio.create_task(core.sender.run())
    stopped = False

    async def stop_bot() -> None:
        """The outbox sender first (the send in hand is recorded), then the rest: a send
        must not find its transport closed."""
        nonlocal stopped
        if stopped:
            return
        stopped = True
        core.sender.stop()
        await sender
        await telegram.stop()
        await matrix.stop()
        await scheduler.stop()
        await core.close()

    try:
        await scheduler.start()
        for transport in (telegram, matrix):
            await transport.start(handle, core.store)
            core.sender.started(transport.platform)
        group, room = await bridge_by_commands(fake, anna, bot_id, GROUP)
        people = [fake.user(200 + n, name) for n, name in enumerate(names)]
        yield Bridged(fake, group, people, anna, room, core, recorder, stop_bot)
    finally:
        await stop_bot()


# --- part 1: raised limits -------------------------------------------------------------


async def raised(directory: Path, count: int) -> None:
    with synapse(directory / "synapse", default_message_limit=False) as server:
        async with bridged(server, directory / "raised", RAISED_PEOPLE) as bridge:
            warm_up = [f"w{n + 1:04d}" for n in range(len(RAISED_PEOPLE))]
            for who, token in enumerate(warm_up):
                bridge.say(who, token)
            assert await bridge.until_delivered(warm_up, DEADLINE), "warm-up not relayed"

            tokens = [f"b{n + 1:04d}" for n in range(count)]
            recorder = bridge.recorder
            cpu, synapse_cpu = time.process_time(), cpu_seconds(server.pid)
            statements, commits, syncs = recorder.statements, recorder.commits, recorder.syncs
            pushed = time.perf_counter()
            for n, token in enumerate(tokens):
                bridge.say(n % len(RAISED_PEOPLE), token)
            drained = await bridge.until_delivered(tokens, DEADLINE)
            cpu, synapse_cpu = time.process_time() - cpu, cpu_seconds(server.pid) - synapse_cpu
            statements = recorder.statements - statements
            commits = recorder.commits - commits
            syncs = recorder.syncs - syncs
            delivered = recorder.delivered()
            last = max((delivered[t].ended for t in tokens if t in delivered), default=pushed)
            await bridge.stop_bot()
            in_room = await bridge.tokens_in_room()

    print(f"raised limits: {count} messages from {len(RAISED_PEOPLE)} people, put in at once")
    if not drained:
        print(f"  NOT all relayed within {DEADLINE:.0f} s")
    check(tokens, in_room)
    wall = last - pushed
    print(f"  wall time until the last copy was accepted: {wall:.2f} s = {count / wall:.1f} msg/s")
    sends = [a for a in recorder.attempts if a.started >= pushed and a.tokens]
    waiting = sum(a.ended - a.started for a in sends)
    print(
        f"  Matrix sends: {len(sends)} ({sum(a.outcome != 'sent' for a in sends)} refused), "
        f"waiting for Synapse's answers {waiting:.2f} s in all "
        f"({waiting / max(len(sends), 1) * 1000:.1f} ms each), the bot's own time "
        f"{wall - waiting:.2f} s ({(wall - waiting) / count * 1000:.1f} ms a message)"
    )
    print(
        f"  CPU: this process {cpu:.1f} s ({cpu / count * 1000:.1f} ms a message), "
        f"Synapse {synapse_cpu:.1f} s ({synapse_cpu / count * 1000:.1f} ms a message); "
        f"the bot's Matrix syncs meanwhile: {syncs}"
    )
    print(
        f"  the bot's SQL: {statements / count:.1f} statements and {commits / count:.1f} "
        "commits a message"
    )
    report_delays(recorder, tokens)


def report_delays(recorder: Recorder, tokens: Sequence[str]) -> None:
    issued = recorder.first_send()
    attempts = sorted(recorder.attempts, key=lambda a: a.started)
    busy = _union([(a.started, a.ended) for a in attempts])
    delay, share, handling, sending, own, behind = [], [], [], [], [], []
    for token in tokens:
        if not {token} <= issued.keys() & recorder.handed_out.keys() & recorder.queued.keys():
            continue
        start, end = recorder.handed_out[token], issued[token]
        delay.append(end - start)
        share.append(end - start - _overlap(busy, start, end))
        began, queued = recorder.taken_up[token], recorder.queued[token]
        # The room's line is free for this copy once it is queued and the send before it
        # (to the same room: all of them) was answered.
        before = [a.ended for a in attempts if a.started < end]
        free = max(queued, before[-1] if before else queued)
        handling.append(queued - began)
        sending.append(end - free)
        own.append(queued - began + end - free)
        behind.append(free - queued - _overlap(busy, queued, free))
    for name, values in (
        ("delay, getUpdates answered to send issued", delay),
        ("  its own handling: the bot began on its update until its copy was queued", handling),
        ("  its own sending: the room's line free for it until its send issued", sending),
        ("the bot's own share: its handling and its sending", own),
        ("  queued behind the bot's sending of earlier copies (not waiting for Synapse)", behind),
        ("the bot's whole share: the delay less the waits for Synapse", share),
    ):
        print(f"  {name}: {_summary(values)}")


def _union(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap(busy: list[tuple[float, float]], start: float, end: float) -> float:
    return sum(max(0.0, min(end, e) - max(start, s)) for s, e in busy)


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def _summary(seconds: Sequence[float]) -> str:
    if not seconds:
        return "nothing measured"
    ms = [s * 1000 for s in seconds]
    return (
        f"p50 {_percentile(ms, 0.5):.1f} ms, p99 {_percentile(ms, 0.99):.1f} ms, "
        f"max {max(ms):.1f} ms (n={len(ms)})"
    )


def check(sent: Sequence[str], in_room: Sequence[str]) -> None:
    """Lost, duplicated, order: of the tokens `sent`, as found in the room."""
    ours = [token for token in in_room if token in set(sent)]
    lost = sorted(set(sent) - set(ours))
    twice = len(ours) - len(set(ours))
    ordered = ours == sorted(ours)
    print(
        f"  in the room: {len(set(ours))} of {len(sent)}; lost {len(lost)}"
        f"{' (' + ', '.join(lost[:5]) + (' ...' if len(lost) > 5 else '') + ')' if lost else ''}"
        f", duplicated {twice}, order {'kept' if ordered else 'NOT kept'}"
    )


# --- part 2: Synapse's default message limit --------------------------------------------


def in_runs(count: int, people: int, seed: int = 8) -> list[int]:
    """Who says each of `count` messages: runs of 1 to LONGEST_RUN by one person, the next
    run by someone else."""
    chance = random.Random(seed)
    speakers: list[int] = []
    who = 0
    while len(speakers) < count:
        speakers += [who] * chance.randint(1, LONGEST_RUN)
        who = (who + chance.randint(1, people - 1)) % people
    return speakers[:count]


async def default_limits(directory: Path, count: int, cap: float, verbose: bool) -> None:
    speakers = in_runs(count, len(DEFAULT_PEOPLE))
    runs = 1 + sum(a != b for a, b in zip(speakers, speakers[1:], strict=False))
    with synapse(directory / "synapse-default", default_message_limit=True) as server:
        async with bridged(server, directory / "default", DEFAULT_PEOPLE) as bridge:
            tokens = [f"b{n + 1:04d}" for n in range(count)]
            pushed = time.perf_counter()
            for who, token in zip(speakers, tokens, strict=True):
                bridge.say(who, token)
            drained = await bridge.until_delivered(tokens, cap)
            recorder = bridge.recorder
            await bridge.stop_bot()
            in_room = await bridge.tokens_in_room()

    print(
        f"Synapse's default rc_message (0.2/s, burst 10): {count} messages from "
        f"{len(DEFAULT_PEOPLE)} people in {runs} runs, put in at once"
    )
    delivered = recorder.delivered()
    done = [t for t in tokens if t in delivered]
    if drained:
        last = max(delivered[t].ended for t in tokens)
        print(f"  drained: the last copy accepted {last - pushed:.1f} s after the burst")
    else:
        print(f"  NOT drained within the cap of {cap:.0f} s: {len(done)} of {count} relayed")
    check(tokens, in_room)
    sends = [a for a in recorder.attempts if a.started >= pushed and a.tokens]
    accepted = [a for a in sends if a.outcome == "sent"]
    limited = [a for a in sends if a.outcome == "limited"]
    merged = [a for a in accepted if len(a.tokens) > 1]
    handled = [recorder.taken_up[t] for t in tokens if t in recorder.taken_up]
    if handled:
        print(f"  the bot had taken up all {len(handled)} after {max(handled) - pushed:.1f} s")
    print(
        f"  Matrix messages accepted: {len(accepted)} for {len(done)} copies "
        f"({len(merged)} merged, up to {max((len(a.tokens) for a in accepted), default=0)} "
        f"in one); M_LIMIT_EXCEEDED answers: {len(limited)}; other failures: "
        f"{sum(a.outcome == 'failed' for a in sends)}"
    )
    first_limit = limited[0].started if limited else float("inf")
    at_once = [a for a in accepted if a.started < first_limit]
    later = [a.started for a in accepted if a.started >= first_limit]
    gaps = [b - a for a, b in zip(later, later[1:], strict=False)]
    if gaps:
        print(
            f"  {len(at_once)} accepted before the first refusal, then one every "
            f"{statistics.median(gaps):.2f} s (median; min {min(gaps):.2f}, max {max(gaps):.2f})"
        )
    # A retry that came before the wait Synapse asked for would be hammering. Synapse
    # reckons the wait from when the request came, and answers half a second later.
    slack = [
        after.started - (refused.started + (refused.retry_after or 0))
        for refused, after in zip(sends, sends[1:], strict=False)
        if refused.outcome == "limited"
    ]
    if slack:
        print(
            f"  after each refusal the next try came {min(slack) * 1000:+.0f} to "
            f"{max(slack) * 1000:+.0f} ms after the wait asked "
            f"({statistics.median(r.retry_after or 0 for r in limited):.2f} s, median)"
        )
    minutes = max((recorder.attempts[-1].ended - pushed) / 60, 1 / 60)
    print(f"  refusals a minute: {len(limited) / minutes:.1f}")
    for attempt in sends:
        if verbose or attempt.outcome == "failed":
            print(
                f"    {attempt.started - pushed:7.2f} s {attempt.outcome:7s} "
                f"{len(attempt.tokens):3d} ({attempt.tokens[0]}-{attempt.tokens[-1]}) "
                f"{attempt.retry_after or '':<6} {attempt.error}"
            )


# --- the machine -----------------------------------------------------------------------


async def run(directory: Path, part: str, count: int, cap: float, verbose: bool) -> None:
    print(
        f"yardstick: aiosqlite SELECT 1 takes {await aiosqlite_round_trip_ms(directory):.2f} ms now"
    )
    if part in ("raised", "both"):
        await raised(directory, count)
    if part in ("default", "both"):
        await default_limits(directory, DEFAULT_MESSAGES, cap, verbose)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("raised", "default", "both"), default="both")
    parser.add_argument("--messages", type=int, default=RAISED_MESSAGES)
    parser.add_argument("--cap", type=float, default=DEFAULT_CAP)
    parser.add_argument("--verbose", action="store_true", help="every send of the second part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp), args.part, args.messages, args.cap, args.verbose))


if __name__ == "__main__":
    main()

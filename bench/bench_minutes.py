"""Benchmarks for minutes: reading a large file, and circulating it to a circle.

    .venv/bin/python bench/bench_minutes.py [--profile]

- reading: 200 KB of German Markdown minutes read as /minutes reads an attached file
  (`read_document`, then `read_items` with the decision word of every catalog);
- circulating: the same file sent to a circle of 50 members with three group chats,
  `minutes.submit` and `minutes_approval.circulate` in one transaction, timed from before
  the submit until the commit: as the first version of new minutes (a fresh circle each
  run), and as a corrected version of open ones (a line changed each run).

`--profile` runs each measure once more under cProfile and prints where the time goes.
Figures go to bench/README.md. Everything runs on this machine; the database is a
throwaway SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_reminders import percentile
from bench_spine import aiosqlite_round_trip_ms
from sqlalchemy import event, func, insert, select

from bot.app import Core, open_core
from bot.clock import ManualClock
from bot.config import DatabaseSettings, Settings
from bot.db.models import (
    Channel,
    Circle,
    CircleMembership,
    Identity,
    Meeting,
    MeetingStatus,
    Member,
    Minutes,
    MinutesStatus,
    OutboxMessage,
    Participation,
    Reminder,
    Role,
)
from bot.i18n import Catalogs
from bot.minutes_document import Document, read_document
from bot.minutes_items import decision_words, read_items
from bot.paths import LOCALES_DIR
from bot.services import minutes, minutes_approval
from handlers import capabilities

RUNS = 20
SIZE = 200 * 1024  # bytes of Markdown
MEMBERS = 50
GROUPS = 3
EMAILS = 5  # members who asked for copies by email (/email)
FILENAME, MIME_TYPE = "protokoll.md", "text/markdown"
# A Tuesday, 17:00 in Berlin: outside everyone's quiet hours, so each member is asked at once.
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)

FIRST_NAMES = (
    "Anna", "Ben", "Cem", "Dilara", "Emil", "Frieda", "Gül", "Hannes", "Ida", "Jonas", "Kaya",
    "Lena", "Mehmet", "Nora", "Ole", "Paula", "Quirin", "Rana", "Sven", "Tanja", "Ugur", "Vera",
    "Willi", "Xenia", "Yusuf",
)  # fmt: skip
SURNAMES = ("Becker", "Yilmaz", "Schmidt", "Nowak", "Fischer", "Wagner", "Kaya", "Hoffmann",
            "Schulz", "Krüger")  # fmt: skip
TOPICS = (
    "Bericht des Vorstands",
    "Barrierefreiheit im Rathaus",
    "Sommerfest im Stadtpark",
    "Finanzen und Förderanträge",
    "Öffentlichkeitsarbeit",
    "Inklusive Sportangebote",
    "Beratungsstelle am Marktplatz",
    "Fahrdienst für Rollstuhlnutzende",
    "Texte in Leichter Sprache",
    "Ehrenamtskoordination",
    "Kooperation mit den Schulen",
    "Verschiedenes",
)
SENTENCES = (
    "Frau {name} berichtet über die Gespräche mit der Stadtverwaltung seit der letzten Sitzung.",
    "Die Rampe am Seiteneingang ist weiterhin zu steil und ohne Handlauf.",
    "Mehrere Mitglieder weisen darauf hin, dass die Aufzüge am Bahnhof oft ausfallen.",
    "Es wird diskutiert, ob die Veranstaltung im Freien oder im Bürgerhaus stattfinden soll.",
    "Der Kassenstand beträgt zum Monatsende {amount} Euro; die Prüfung ist abgeschlossen.",
    "Herr {name} schlägt vor, Gebärdensprachdolmetschende frühzeitig anzufragen.",
    "Die Förderrichtlinie des Landes verlangt einen Eigenanteil von zehn Prozent.",
    "Die Rückmeldungen aus der Umfrage waren überwiegend positiv, einzelne Kritik betraf "
    "die Erreichbarkeit per Telefon.",
    "Für die Broschüre fehlen noch Fotos, die Einverständniserklärungen liegen vor.",
    "Die Schulleitungen haben Interesse an gemeinsamen Projekttagen signalisiert.",
    "Es wird angeregt, die Sitzungsunterlagen künftig eine Woche vorher zu verschicken.",
    "Die Zusammenarbeit mit dem Seniorenbeirat soll fortgesetzt werden.",
    "Frau {name} erinnert daran, dass Anmeldungen bis Ende des Monats möglich sind.",
    "Der Fahrdienst wurde im letzten Quartal {count} Mal in Anspruch genommen.",
    "Einige Teilnehmende wünschen sich mehr Angebote am Wochenende.",
    "Die Website ist jetzt mit einem Bildschirmleser gut bedienbar, Formulare noch nicht.",
)
DECIDED = (
    "Das Netzwerk beantragt {amount} Euro beim Aktionsfonds für das {topic}.",
    "Die nächste Sitzung findet im Bürgerhaus statt, nicht im Rathaus.",
    "{name} vertritt das Netzwerk im Behindertenbeirat.",
    "Für das {topic} wird eine Arbeitsgruppe gebildet; sie berichtet in der nächsten Sitzung.",
    "Die Broschüre wird in Leichter Sprache und in Großdruck gedruckt ({count} Stück).",
    "Der Mitgliedsbeitrag bleibt unverändert.",
)
DECISION_FORMS = ("Beschluss: {text}", "**Beschluss:** {text}", "- Beschluss: {text}",
                  "> **Beschluss**: {text}", "1. Beschluss: {text}")  # fmt: skip
TO_DO = (
    "Antrag beim Aktionsfonds stellen",
    "Rampe mit der Stadtverwaltung besichtigen",
    "Dolmetschende für das {topic} anfragen",
    "Protokoll der Arbeitsgruppe verschicken",
    "Raum im Bürgerhaus reservieren",
    "Flyer für das {topic} drucken",
    "Kontakt zur Schulleitung aufnehmen",
    "Umfrageergebnisse zusammenfassen",
)


@dataclass(frozen=True, slots=True)
class Written:
    """Generated minutes, with what they contain."""

    text: str
    decisions: int
    actions: int  # open ones; ticked items are done and not read


def handles() -> list[str]:
    """The members' usernames, as the action items mention them."""
    return [f"{first.lower()}{n // len(FIRST_NAMES) or ''}" for n, first in
            enumerate(FIRST_NAMES * 2)][:MEMBERS]  # fmt: skip


def written(seed: int = 1, size: int = SIZE) -> Written:
    """German minutes of about `size` bytes: a head, then agenda items (TOP) with paragraphs,
    lists, decisions in the usual Markdown forms, open and ticked action items, and lines
    with a colon that are not decisions."""
    rng = random.Random(seed)
    people = handles()

    def filled(template: str, topic: str) -> str:
        return template.format(
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
            amount=f"{rng.randrange(200, 20000):,}".replace(",", "."),
            count=rng.randrange(5, 500),
            topic=topic.split()[0],
        )

    lines = [
        "# Protokoll der Sitzung des Plenums",
        "",
        "Datum: 23.11.2026, 18:00–20:30 Uhr  ",
        "Ort: Bürgerhaus, Saal 2 (barrierefrei)  ",
        f"Anwesend: {', '.join(people[:30])}  ",
        "Protokoll: Anna Becker",
        "",
    ]
    decisions = actions = 0
    number = 0
    while len("\n".join(lines).encode()) < size:
        number += 1
        topic = TOPICS[number % len(TOPICS)]
        lines += [f"## TOP {number}: {topic}", ""]
        for _ in range(rng.randrange(2, 5)):
            sentences = rng.sample(SENTENCES, rng.randrange(3, 7))
            lines += [" ".join(filled(s, topic) for s in sentences), ""]
        if rng.random() < 0.4:
            lines += ["Diskussion:", *(f"- {filled(s, topic)}" for s in rng.sample(SENTENCES, 3))]
            lines.append("")
        if rng.random() < 0.2:
            lines += [f"Beschlussvorlage: {filled(rng.choice(DECIDED), topic)}", ""]
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            text = filled(rng.choice(DECIDED), topic)
            lines += [rng.choice(DECISION_FORMS).format(text=text), ""]
            decisions += 1
        for _ in range(rng.randrange(0, 4)):
            what = filled(rng.choice(TO_DO), topic)
            due = f"bis {rng.randrange(1, 29)}.{rng.randrange(1, 13)}."
            lines.append(f"- [ ] @{rng.choice(people)} {what} {due}")
            actions += 1
        if rng.random() < 0.3:
            lines.append(f"- [x] @{rng.choice(people)} {filled(rng.choice(TO_DO), topic)}")
        lines.append("")
    return Written("\n".join(lines), decisions, actions)


def corrected(text: str, run: int) -> str:
    """A correction as people send them: one sentence changed, somewhere in the text."""
    lines = text.splitlines()
    paragraphs = [n for n, line in enumerate(lines) if len(line) > 200]
    where = paragraphs[run * 37 % len(paragraphs)]
    lines[where] = lines[where].replace(".", f" (berichtigt, Fassung {run + 2}).", 1)
    return "\n".join(lines)


def all_decision_words() -> frozenset[str]:
    """As /minutes makes them: the decision word of every catalog."""
    catalogs = Catalogs.load(LOCALES_DIR, "de", Settings().network.tz)
    return decision_words(catalogs.translator(code) for code in catalogs.languages)


def reading_ms(minutes_file: Written, words: frozenset[str]) -> tuple[list[float], list[float]]:
    """The whole reading, and the part of it that is read_items."""
    data = minutes_file.text.encode()
    totals, items_only = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        document = read_document(FILENAME, MIME_TYPE, data)
        read = time.perf_counter()
        items = read_items(document.text or "", words)
        ended = time.perf_counter()
        totals.append((ended - started) * 1000)
        items_only.append((ended - read) * 1000)
    assert len(items.decisions) == minutes_file.decisions, len(items.decisions)
    assert len(items.actions) == minutes_file.actions, len(items.actions)
    return totals, items_only


# Circulating: a database made with the migrations (open_core), circles written with Core.


async def add_circle(core: Core, number: int) -> tuple[int, int]:
    """Circle `number` with 50 members (the first its coordinator and minute-taker), each
    with a private chat and an identity, five of them with email; three group chats, and a
    meeting two days ago. Returns the circle's and the coordinator's ids."""
    now = core.runtime.clock.now()
    base = number * 1000  # member ids of this circle: base + 1 ... base + 50
    ids = range(base + 1, base + MEMBERS + 1)
    people = handles()
    participation = (Participation.VOLUNTEER, Participation.STAFF, None)
    async with core.engine.begin() as db:
        await db.execute(
            insert(Circle),
            [{"id": number, "network_id": core.runtime.network_id, "name": f"Plenum {number}",
              "name_key": f"plenum {number}", "created_at": now, "place_access": ""}],
        )  # fmt: skip
        await db.execute(
            insert(Member),
            [{"id": i, "network_id": core.runtime.network_id, "created_at": now,
              "display_name": _name(n), "name_key": _name(n).casefold(),
              "language": "de" if n % 4 else None}
             for n, i in enumerate(ids)],
        )  # fmt: skip
        await db.execute(
            insert(Identity),
            [{"member_id": i, "platform": "telegram", "user_id": str(i),
              "username": f"{people[n]}", "username_key": f"{people[n]}",
              "language_hint": "de" if n % 2 else "en"}
             for n, i in enumerate(ids)],
        )  # fmt: skip
        await db.execute(
            insert(CircleMembership),
            [{"circle_id": number, "member_id": i,
              "role": Role.COORDINATOR if n == 0 else Role.MEMBER,
              "participation": participation[n % 3], "joined_at": now, "rotation": False}
             for n, i in enumerate(ids)],
        )  # fmt: skip
        await db.execute(
            insert(Channel),
            [_chat("telegram", f"-{number}00{g}", "group", now, circle_id=number)
             for g in range(GROUPS)]
            + [_chat("telegram", str(i), "private", now, member_id=i) for i in ids]
            + [_chat("email", f"m{i}@example.org", "email", now, member_id=i)
               for i in ids[1 : EMAILS + 1]],
        )  # fmt: skip
        await db.execute(
            insert(Meeting),
            [{"id": number, "circle_id": number, "title": "Plenum", "language": "de",
              "duration_minutes": 150, "status": MeetingStatus.SCHEDULED,
              "created_by_id": base + 1, "created_at": now - timedelta(days=20),
              "starts_at": now - timedelta(days=2), "uid": f"bench-{number}",
              "minute_taker_id": base + 1}],
        )  # fmt: skip
    return number, base + 1


def _name(n: int) -> str:
    return f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {SURNAMES[n % len(SURNAMES)]}"


def _chat(
    platform: str,
    chat_id: str,
    kind: str,
    now: datetime,
    circle_id: int | None = None,
    member_id: int | None = None,
) -> dict[str, Any]:
    return {"platform": platform, "chat_id": chat_id, "kind": kind, "title": None,
            "circle_id": circle_id, "member_id": member_id, "created_at": now}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Made:
    """What one submission left in the database."""

    statements: int  # sent to the database between the submit and the commit
    outbox: Counter[str]  # rows by the kind of chat
    attachments: int  # outbox rows carrying the file
    files: int  # copies of the file those rows share
    reminders: Counter[str]  # pending rows about the minutes, by kind


@dataclass(frozen=True, slots=True)
class Measured:
    ms: list[float]
    made: Made  # by the last run; every run made the same rows
    profile: cProfile.Profile | None  # of one more run, not counted


class Statements:
    """Counts the statements an engine sends."""

    def __init__(self, core: Core) -> None:
        self.count = 0
        event.listen(core.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


async def submit_and_circulate(
    core: Core,
    circle_id: int,
    member_id: int,
    document: Document,
    words: frozenset[str],
    statements: Statements | None = None,
) -> float:
    """/minutes as its handler does it, in one transaction; milliseconds until the commit.

    The circle and the member are loaded first, as the dispatcher has them before any
    handler runs, and the items read, as the handler does before it writes (timed under
    "reading"); the timing (and the count of statements) starts at the submit."""
    runtime = core.runtime
    items = read_items(document.text or "", words)
    t = runtime.catalogs.translator("de")
    async with core.sessions.begin() as session:
        circle = await session.get_one(Circle, circle_id)
        member = await session.get_one(Member, member_id)
        if statements is not None:
            statements.count = 0
        started = time.perf_counter()
        submitted = await minutes.submit(
            session, circle, member, True, document, items, "telegram", runtime.clock.now()
        )
        await minutes_approval.circulate(session, runtime, submitted, t)
    return (time.perf_counter() - started) * 1000


async def measure(
    core: Core,
    clock: ManualClock,
    statements: Statements,
    runs: list[tuple[int, int, Document]],
    words: frozenset[str],
    profiling: bool,
) -> Measured:
    """Each run (circle, member, document) a minute after the last; the last run only
    profiled, if asked."""
    times: list[float] = []
    made: list[Made] = []
    for circle_id, member_id, document in runs[:RUNS]:
        clock.advance(timedelta(minutes=1))
        async with core.sessions() as session:
            last_row = await session.scalar(select(func.max(OutboxMessage.id))) or 0
        ms = await submit_and_circulate(core, circle_id, member_id, document, words, statements)
        times.append(ms)
        made.append(await made_since(core, circle_id, last_row, statements.count))
    assert all(m == made[0] for m in made), made  # the same rows and statements each run
    profile = None
    if profiling:
        circle_id, member_id, document = runs[RUNS]
        clock.advance(timedelta(minutes=1))
        profile = cProfile.Profile()
        profile.enable()
        await submit_and_circulate(core, circle_id, member_id, document, words)
        profile.disable()
    return Measured(times, made[-1], profile)


async def made_since(core: Core, circle_id: int, last_row: int, statements: int) -> Made:
    async with core.sessions() as session:
        rows = (
            await session.execute(
                select(Channel.kind, OutboxMessage.payload, OutboxMessage.file_id)
                .join(Channel, Channel.id == OutboxMessage.channel_id)
                .where(OutboxMessage.id > last_row)
            )
        ).all()
        open_one = await session.scalar(
            select(Minutes.id).where(
                Minutes.circle_id == circle_id, Minutes.status == MinutesStatus.OPEN
            )
        )
        kinds = await session.scalars(
            select(Reminder.kind).where(
                Reminder.subject_id == open_one, Reminder.fired_at.is_(None)
            )
        )
        return Made(
            statements=statements,
            outbox=Counter(kind for kind, _, _ in rows),
            attachments=sum(bool(payload["attachments"]) for _, payload, _ in rows),
            files=len({file_id for _, _, file_id in rows if file_id is not None}),
            reminders=Counter(kinds),
        )


async def circulation(
    directory: Path, minutes_file: Written, words: frozenset[str], profiling: bool
) -> dict[str, Measured]:
    """The first version of new minutes (a fresh circle each run), then corrected versions
    of one circle's open minutes (each run a new version with one line changed)."""
    settings = Settings(database=DatabaseSettings(url=f"sqlite+aiosqlite:///{directory}/m.db"))
    clock = ManualClock(NOW)
    core = await open_core(settings, clock, {}, capabilities())
    statements = Statements(core)
    try:
        first = read_document(FILENAME, MIME_TYPE, minutes_file.text.encode())
        circles = [await add_circle(core, number) for number in range(1, RUNS + 2)]
        fresh = [(circle_id, member_id, first) for circle_id, member_id in circles]
        # One more circle: its version 1 untimed, then the corrections.
        circle_id, member_id = await add_circle(core, RUNS + 2)
        await submit_and_circulate(core, circle_id, member_id, first, words)
        corrections = [
            (circle_id, member_id, read_document(FILENAME, MIME_TYPE, text.encode()))
            for text in (corrected(minutes_file.text, run) for run in range(RUNS + 1))
        ]
        return {
            "first version, fresh circle": await measure(
                core, clock, statements, fresh, words, profiling
            ),
            "corrected version (diff against the last)": await measure(
                core, clock, statements, corrections, words, profiling
            ),
        }
    finally:
        await core.close()


def report(name: str, times: list[float], target: float) -> None:
    ms = sorted(times)
    print(
        f"{name}: median {statistics.median(ms):.1f} ms, p95 {percentile(ms, 0.95):.1f} ms, "
        f"max {ms[-1]:.1f} ms (target < {target} ms; {len(ms)} runs)"
    )


def show(profile: cProfile.Profile, title: str) -> None:
    """The bot's own functions and difflib by cumulative time, then everything by own time.
    Time spent in SQLite shows as the event loop's wait (`select.epoll.poll`): aiosqlite
    runs the statements in its own thread, which cProfile does not see."""
    print(f"\n--- cProfile: {title}, cumulative ---")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(r"/bot/|difflib", 20)
    print(f"--- cProfile: {title}, own time ---")
    pstats.Stats(profile).sort_stats("tottime").print_stats(12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--profile", action="store_true", help="also profile one run of each")
    profiling = parser.parse_args().profile

    minutes_file = written()
    words = all_decision_words()
    size = len(minutes_file.text.encode())
    print(
        f"minutes: {size / 1024:.0f} KB, {len(minutes_file.text.splitlines())} lines, "
        f"{minutes_file.decisions} decisions, {minutes_file.actions} open action items; "
        f"decision words: {', '.join(sorted(words))}"
    )
    totals, items_only = reading_ms(minutes_file, words)
    report("reading (read_document + read_items)", totals, 200)
    print(f"  of which read_items: median {statistics.median(items_only):.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        yardstick = asyncio.run(aiosqlite_round_trip_ms(directory))
        print(f"yardstick: aiosqlite SELECT 1 takes {yardstick:.2f} ms on this machine now")
        found = asyncio.run(circulation(directory, minutes_file, words, profiling))
    for name, measured in found.items():
        made = measured.made
        report(f"circulating, {name}", measured.ms, 100)
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(made.outbox.items()))
        pending = ", ".join(f"{count} {kind}" for kind, count in sorted(made.reminders.items()))
        print(
            f"  per run: {made.statements} statements; outbox {made.outbox.total()} rows "
            f"({kinds}; {made.attachments} with the file, kept {made.files} time(s)); reminders "
            f"pending "
            f"{made.reminders.total()} ({pending})"
        )
    for name, measured in found.items():
        if measured.profile is not None:
            show(measured.profile, f"circulating, {name}")


if __name__ == "__main__":
    main()

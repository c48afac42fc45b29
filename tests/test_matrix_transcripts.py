"""The checked-in transcripts, played in Matrix rooms: the same conversation, the same replies.

As over Telegram (tests/test_telegram_transcripts.py): the console says how many messages
each step should produce; the same steps then go through a real Synapse, and the bot's
Matrix events, in the transcript's output format, must match. People join a channel's room
when they first speak there, as they join a console channel; a tap is a vote in the bot's
poll and an edit an `m.replace` event. The clock stands still between steps, as there;
a private room the bot has just opened holds its messages until the person accepts (the
transport asks to retry in a second), so while it waits the replay moves the clock to the
retry. Beyond what the Telegram test normalises: Matrix user ids, and button rows (a poll's
answers have no rows).
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import DatabaseSettings, NetworkSettings, Settings
from bot.db.models import OutboxMessage
from bot.transports.console.script import (
    DEFAULT_START,
    Restart,
    Say,
    SetNow,
    Step,
    Tap,
    Wait,
    advance,
    local_time,
    parse,
)
from bot.transports.console.transport import same_label
from tests.matrix_running import (
    DEADLINE,
    MatrixBot,
    Person,
    bot_account,
    matrix_settings,
    person,
    start_bot,
)
from tests.synapse import Homeserver
from tests.test_telegram_transcripts import TRANSCRIPTS, _console_run
from tests.test_telegram_transcripts import normalise as normalise_telegram

POLL = "org.matrix.msc3381.poll.start"
BUTTON_ROWS = re.compile(r"^(  \[.*\])\n  (?=\[)", re.M)


class People:
    """Transcript names as Matrix accounts, channels as rooms, bot events in order."""

    def __init__(self, homeserver: Homeserver, store: Path) -> None:
        self.homeserver = homeserver
        self.store = store
        self.bot_id = ""
        self.people: dict[str, Person] = {}
        self.rooms: dict[str | None, dict[str, str]] = {None: {}}  # channel: {name: room}
        self.names: dict[str, str] = {}  # room id: "#channel" or "@person"
        self.said: dict[str, dict[str, Any]] = {}  # the bot's events by id

    async def user(self, name: str) -> Person:
        if name not in self.people:
            someone = await person(self.homeserver, name, self.store)
            await someone.client.set_displayname(name)
            self.people[name] = someone
        return self.people[name]

    async def room(self, name: str, channel: str | None) -> str:
        """The room `name` writes in, made (or joined) when they first write there."""
        someone = await self.user(name)
        if channel is None:
            if name not in self.rooms[None]:
                room = await someone.create_room(invite=self.bot_id, name=None)
                self.rooms[None][name], self.names[room] = room, f"@{name}"
            return self.rooms[None][name]
        rooms = self.rooms.setdefault(channel, {})
        if not rooms:
            room = await someone.create_room(invite=self.bot_id, name=channel)
            self.names[room] = f"#{channel}"
        elif name not in rooms:
            room = next(iter(rooms.values()))
            creator = self.people[next(iter(rooms))]
            await creator.client.room_invite(room, someone.user_id)
            await someone.client.join(room)
            while room not in someone.client.rooms:
                await someone.sync()
        rooms[name] = self.names_room(f"#{channel}")
        return rooms[name]

    def names_room(self, address: str) -> str:
        return next(room for room, name in self.names.items() if name == address)

    async def collect(
        self, events: int, bot: MatrixBot, clock: ManualClock
    ) -> list[dict[str, Any]]:
        """Until the bot has sent `events` events (a file is one of its own), as messages."""
        deadline = time.monotonic() + DEADLINE
        while len(self.said) < events:
            assert time.monotonic() < deadline, f"{len(self.said)} of {events} events"
            await release_held(bot, clock)
            for name, someone in self.people.items():
                await someone.sync()
                for event in someone.seen:
                    greeting = any(event["event_id"] in p.greetings for p in self.people.values())
                    if event.get("sender") == self.bot_id and not greeting:
                        self.said.setdefault(event["event_id"], event)
                        if event["room_id"] not in self.names:  # the bot opened it: private
                            self.names[event["room_id"]] = f"@{name}"
                            self.rooms[None].setdefault(name, event["room_id"])
        return self.messages()

    def messages(self) -> list[dict[str, Any]]:
        """The bot's events in order, a file joined to the text before it in its room."""
        ordered = sorted(self.said.values(), key=lambda e: e["origin_server_ts"])
        merged: list[dict[str, Any]] = []
        for event in ordered:
            if event["content"].get("msgtype") == "m.file":
                at = max(i for i, m in enumerate(merged) if m["room_id"] == event["room_id"])
                merged[at] = {**merged[at], "file": event["content"]["body"]}
            else:
                merged.append(event)
        return merged

    def as_transcript(self, event: dict[str, Any]) -> str:
        content = event["content"]
        if event["type"] == POLL:
            poll = content[POLL]
            lines = poll["question"]["org.matrix.msc1767.text"].split("\n")
            rows = ["  " + " ".join(f"[{a['org.matrix.msc1767.text']}]" for a in poll["answers"])]
        elif "m.new_content" in content:
            lines, rows = ("(edits) " + content["m.new_content"]["body"]).split("\n"), []
        else:
            lines, rows = content["body"].split("\n"), []
        out = [f"bot -> {self.names[event['room_id']]}: {lines[0]}"]
        out += [f"  {line}" for line in lines[1:]] + rows
        if "file" in event:
            out.append(f"  <file: {event['file']}>")
        return "\n".join(out)


def normalise(text: str) -> str:
    text = re.sub(r"(Accounts|Konten): matrix ", r"\1: PLATFORM ", normalise_telegram(text))
    text = re.sub(r"@?([\w.]+)-[0-9a-f]{8}:localhost", r"\1", text)
    # Button rows: a poll's answers are one row.
    while (joined := BUTTON_ROWS.sub(r"\1 ", text)) != text:
        text = joined
    return text


@pytest.mark.parametrize("script", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
async def test_a_transcript_in_matrix_gives_the_same_replies(
    script: Path, settings: Settings, synapse: Homeserver, tmp_path: Path
) -> None:
    steps = parse(script.read_text(encoding="utf-8"))
    console_db = DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/console.db")
    expected, counts = await _console_run(replace(settings, database=console_db), steps)
    people = People(synapse, tmp_path / "people")
    people.bot_id = await bot_account(synapse)
    anna = await people.user("anna")
    network = NetworkSettings(name=settings.network.name, coordinators=(f"matrix:{anna.user_id}",))
    with_matrix = matrix_settings(
        replace(settings, network=network), synapse, people.bot_id, tmp_path / "bot", "*:localhost"
    )
    clock = ManualClock(local_time(DEFAULT_START, settings.network.tz))
    bot = await start_bot(with_matrix, clock)
    try:
        total = events = 0
        for step, count in zip(steps, counts, strict=True):
            bot = await _play(step, bot, people, with_matrix, clock)
            wanted = expected[total : total + count]
            events += count + sum("\n  <file: " in line for line in wanted)
            said = (await people.collect(events, bot, clock))[total:]
            # The same messages; across rooms their order may differ (a private chat can
            # wait for its invitation to be accepted).
            assert sorted(normalise(people.as_transcript(e)) for e in said) == sorted(
                normalise(line) for line in wanted
            ), step
            total += count
    finally:
        await bot.stop()
        for someone in people.people.values():
            await someone.client.close()


async def release_held(bot: MatrixBot, clock: ManualClock) -> None:
    """Move the standing clock to the earliest held message's retry, and send it."""
    async with bot.core.sessions() as session:
        held = await session.scalar(
            select(func.min(OutboxMessage.not_before)).where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                OutboxMessage.parked_at.is_(None),
            )
        )
    if held is not None and held > clock.now():
        clock.set(held)
        bot.core.sender.wake()


async def _play(
    step: Step, bot: MatrixBot, people: People, settings: Settings, clock: ManualClock
) -> MatrixBot:
    match step:
        case Say(_, user, channel, text):
            room = await people.room(user, channel)
            await bot.until_handled(await (await people.user(user)).say(room, text))
        case Tap(_, user, channel, label):
            room = await people.room(user, channel)
            poll, answer = next(
                (e, a["id"])
                for e in reversed(people.messages())
                if e["room_id"] == room and e["type"] == POLL
                for a in e["content"][POLL]["answers"]
                if same_label(a["org.matrix.msc1767.text"], label)
            )
            vote = {
                "m.relates_to": {"rel_type": "m.reference", "event_id": poll["event_id"]},
                "org.matrix.msc3381.poll.response": {"answers": [answer]},
            }
            sent = await (await people.user(user)).send(
                room, vote, kind="org.matrix.msc3381.poll.response"
            )
            await bot.until_handled(sent)
        case Restart():
            await bot.stop()
            return await start_bot(settings, clock)
        case SetNow(_, when):
            clock.set(local_time(when, settings.network.tz))
        case Wait(_, delta):
            await advance(bot.core, clock, delta)
        case _:
            raise AssertionError(f"not playable in Matrix: {step}")
    return bot

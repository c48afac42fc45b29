"""The checked-in transcripts, played over Telegram: the same conversation, the same replies.

Each transcript runs on the console first, which says how many messages every step should
produce; then the same steps go through the fake Bot API to the real PTB client, and the
bot's Telegram messages and edits, rendered back into the transcript's output format, must
match. The bot's clock is a ManualClock that `!now` and `!wait` move as on the console.
What legitimately differs is normalised: time stamps, the message an edit names, the
platform's name in /whoami and the size of files (ids and platform names differ in them).
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import DatabaseSettings, NetworkSettings, Settings
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
from handlers import capabilities
from tests.helpers import Chat
from tests.telegram_fake import FakeBotAPI, Sent
from tests.telegram_running import Running, fake_bot_api, start

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.txt"))


class People:
    """Transcript names and channels as Telegram users and chats."""

    def __init__(self, fake: FakeBotAPI) -> None:
        self.fake = fake
        self.users: dict[str, dict] = {}
        self.groups: dict[str, dict] = {}

    def user(self, name: str) -> dict:
        if name not in self.users:
            self.users[name] = self.fake.user(5000 + len(self.users), name, name, language=None)
        return self.users[name]

    def chat(self, name: str, channel: str | None) -> dict:
        if channel is None:
            return self.fake.private(self.user(name))
        if channel not in self.groups:
            self.groups[channel] = self.fake.group(-(700 + len(self.groups)), channel)
        return self.groups[channel]

    def address(self, chat_id: int) -> str:
        if chat_id > 0:
            return "@" + next(n for n, u in self.users.items() if u["id"] == chat_id)
        return "#" + next(c for c, g in self.groups.items() if g["id"] == chat_id)


def as_transcript(sent: Sent, people: People) -> str:
    """A Telegram message or edit in the transcript's output format, without its time stamp."""
    text = html.unescape(re.sub(r"</?(b|i|code)>", "", sent.text))
    lines = text.split("\n")
    edits = "(edits) " if sent.edited else ""
    out = [f"bot -> {people.address(sent.chat_id)}: {edits}{lines[0]}"] if text else []
    out += [f"  {line}" for line in lines[1:]]
    keyboard = (sent.params.get("reply_markup") or {}).get("inline_keyboard", [])
    out += ["  " + " ".join(f"[{b['text']}]" for b in row) for row in keyboard]
    if sent.method == "sendDocument":
        out += [f"  <file: {sent.params['document_name']}>"]
    return "\n".join(out)


def normalise(text: str) -> str:
    text = re.sub(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d\] ", "", text, flags=re.M)
    text = re.sub(r"<file: ([^,>]+), \d+ bytes>", r"<file: \1>", text)
    text = re.sub(r"^(bot -> \S+: )\(edits b\d+\) ", r"\1(edits) ", text, flags=re.M)
    return re.sub(r"(Accounts|Konten): (console|telegram) ", r"\1: PLATFORM ", text)


@pytest.mark.parametrize("script", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
async def test_a_transcript_over_telegram_gives_the_same_replies(
    script: Path, settings: Settings, tmp_path: Path
) -> None:
    steps = parse(script.read_text(encoding="utf-8"))
    console_db = DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/console.db")
    expected, counts = await _console_run(replace(settings, database=console_db), steps)
    async with fake_bot_api() as fake:
        people = People(fake)
        anna = people.user("anna")
        coordinators = (f"telegram:{anna['id']}",)
        telegram_settings = replace(
            settings,
            network=NetworkSettings(name=settings.network.name, coordinators=coordinators),
        )
        clock = ManualClock(local_time(DEFAULT_START, settings.network.tz))
        bot = await start(telegram_settings, fake, clock=clock)
        try:
            total = 0
            for step, count in zip(steps, counts, strict=True):
                bot = await _play(step, bot, people, telegram_settings, clock)
                await bot.until(partial(_said, fake, total + count), f"{total + count} said")
                await bot.settled()
                said = "\n".join(as_transcript(s, people) for s in fake.log[total:])
                assert normalise(said) == normalise("\n".join(expected[total : total + count]))
                total += count
        finally:
            await bot.stop()


async def _said(fake: FakeBotAPI, count: int) -> bool:
    return len(fake.log) >= count


async def _console_run(settings: Settings, steps: list[Step]) -> tuple[list[str], list[int]]:
    """The console's replies, and how many messages each step produced."""
    counts = []
    async with Chat(settings, capabilities()) as chat:
        for step in steps:
            before = len(chat.lines)
            await chat.run([step])
            counts.append(len(chat.lines) - before)
        return chat.lines, counts


async def _play(
    step: Step, running: Running, people: People, settings: Settings, clock: ManualClock
) -> Running:
    fake = running.fake
    match step:
        case Say(_, user, channel, text):
            fake.message(people.user(user), people.chat(user, channel), text)
        case Tap(_, user, channel, label):
            chat_id = people.chat(user, channel)["id"]
            sent, data = next(
                (s, button["callback_data"])
                for s in reversed(fake.sent)
                if s.chat_id == chat_id
                for row in (s.params.get("reply_markup") or {}).get("inline_keyboard", [])
                for button in row
                if same_label(button["text"], label)
            )
            fake.tap(people.user(user), sent, data)
        case Restart():
            await running.stop()
            return await start(settings, fake, clock=clock)
        case SetNow(_, when):
            clock.set(local_time(when, settings.network.tz))
        case Wait(_, delta):
            await advance(running.core, clock, delta)
        case _:
            raise AssertionError(f"not playable over Telegram: {step}")
    return running

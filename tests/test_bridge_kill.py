"""The bridge's delivery guarantees, tested by killing the bot process (SIGKILL) at random
points of a burst, 20 times each way.

The bot runs as `netzwerkbot run` in a process of its own, with the real python-telegram-bot
client against the fake Bot API (served by this process) and matrix-nio against the real
Synapse, on SQLite. Each kill falls after a random number of the burst's copies were
recorded as delivered, plus a random moment: before the first update was taken, between a
send and its record, or anywhere else.

- Telegram to Matrix: nothing lost, nothing twice, in order. A copy goes to Matrix under a
  transaction id derived from its original's chat and message id, and Synapse takes a
  message once per transaction id.
- Matrix to Telegram: nothing lost, in order, and at most one message twice per kill: the
  Bot API has no idempotency key, so a message that went out just before the kill, not yet
  recorded as sent, goes again after the restart.
- While the bot is down once, more is said in the Matrix room than one sync holds (50
  events): the rest is fetched back from the sync's prev_batch, and all of it is relayed in
  order.

The seed of the kill points is printed; NETZWERKBOT_KILL_SEED=<seed> replays a run's choices.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.paths import ROOT
from tests.matrix_running import DEADLINE, PASSWORD, Person, bot_account, person
from tests.synapse import Homeserver
from tests.telegram_fake import TOKEN, FakeBotAPI
from tests.telegram_running import ANNA, fake_bot_api

KILLS = 20
BURST = 10  # messages said per round, one kill per round
OUTAGE = 60  # said in the Matrix room while the bot is down once: more than a sync holds
GROUP = -100
STOP_SECONDS = 15.0


@dataclass
class BotProcess:
    """`netzwerkbot run` in a process of its own, killed and started again by its pid."""

    config: Path
    database: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0

    def start(self) -> None:
        # The bot reads its settings from the config alone, not from the tests' environment.
        env = {k: v for k, v in os.environ.items() if not k.startswith("NETZWERKBOT_")}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "--config", str(self.config), "run"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        await asyncio.to_thread(self.process.wait)
        self.process = None
        self.kills += 1

    async def stop(self) -> None:
        if self.process is None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            await asyncio.to_thread(self.process.wait, STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            await asyncio.to_thread(self.process.wait)
        self.process = None

    async def delivered(self, platform: str) -> int:
        """Outbox rows recorded as delivered to the bot's chats on `platform`."""
        return await asyncio.to_thread(self._delivered, platform)

    def _delivered(self, platform: str) -> int:
        query = (
            "SELECT count(*) FROM outbox JOIN channels ON channels.id = outbox.channel_id"
            " WHERE channels.platform = ? AND outbox.sent_at IS NOT NULL"
        )
        with closing(sqlite3.connect(self.database, timeout=10)) as db:
            (count,) = db.execute(query, (platform,)).fetchone()
        return int(count)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class KillRig:
    """A circle with a Telegram group and a Matrix room, bridged by a bot to be killed."""

    bot: BotProcess
    fake: FakeBotAPI
    group: dict[str, Any]
    ben: dict[str, Any]  # on Telegram
    anna: Person  # on Matrix
    room: str
    choices: random.Random = field(default_factory=random.Random)

    async def kill_at(self, platform: str, copies: int) -> None:
        """Kill the bot once `copies` copies to `platform` in all are recorded as delivered,
        and then a random moment (up to 50 ms) later."""
        deadline = asyncio.get_running_loop().time() + DEADLINE
        while await self.bot.delivered(platform) < copies:
            assert self.bot.process is not None and self.bot.process.poll() is None, "bot died"
            assert asyncio.get_running_loop().time() < deadline, "the copies never went"
            await asyncio.sleep(0.005)
        await asyncio.sleep(self.choices.uniform(0, 0.05))
        await self.bot.kill()


def _config(fake: FakeBotAPI, synapse: Homeserver, bot_id: str, anna: Person, at: Path) -> str:
    """The bot's config.toml (TOML's basic strings are JSON's)."""
    q = json.dumps
    return f"""
[network]
coordinators = [{q(f"telegram:{ANNA}")}, {q(f"matrix:{anna.user_id}")}]

[database]
url = {q(f"sqlite+aiosqlite:///{at}/bot.db")}

[telegram]
enabled = true
token = {q(TOKEN)}
base_url = {q(fake.base_url)}
base_file_url = {q(fake.base_url.replace("/bot", "/file/bot"))}

[matrix]
enabled = true
homeserver = {q(synapse.base_url)}
user_id = {q(bot_id)}
password = {q(PASSWORD)}
invite_allowlist = [{q(anna.user_id)}]
store_dir = {q(str(at / "matrix"))}
"""


@pytest.fixture
async def rig(synapse: Homeserver, tmp_path: Path) -> AsyncIterator[KillRig]:
    anna = await person(synapse, "anna", tmp_path / "people")
    bot_id = await bot_account(synapse)
    async with fake_bot_api() as fake:
        config = tmp_path / "config.toml"
        config.write_text(_config(fake, synapse, bot_id, anna, tmp_path))
        bot = BotProcess(config, tmp_path / "bot.db", tmp_path / "bot.log")
        bot.start()
        try:
            anna_tg, group = fake.user(ANNA, "Anna", "anna"), fake.group(GROUP, "Plenum TG")
            fake.message(anna_tg, group, "/setup Plenum")
            await asyncio.wait_for(fake.wait_sent(1), DEADLINE)
            room = await anna.create_room(invite=bot_id, name="Plenum Matrix")
            await anna.say(room, "/setup Plenum")
            await anna.receive(room)
            fake.message(anna_tg, group, "/bridge on")
            await anna.receive(room)
            await asyncio.wait_for(fake.wait_sent(2), DEADLINE)
            seed = int(os.environ.get("NETZWERKBOT_KILL_SEED") or random.randrange(2**32))
            print(f"kill points: NETZWERKBOT_KILL_SEED={seed}")
            yield KillRig(bot, fake, group, fake.user(7, "Ben"), anna, room, random.Random(seed))
        except BaseException:
            print(f"the bot's log, last lines:\n{bot.tail()}")
            raise
        finally:
            await bot.stop()
            await anna.client.close()


async def test_telegram_to_matrix_loses_nothing_and_repeats_nothing_across_kills(
    rig: KillRig,
) -> None:
    said = [f"t{n:03d}" for n in range(KILLS * BURST)]
    for round_ in range(KILLS):
        kill_at = await rig.bot.delivered("matrix") + rig.choices.randint(0, BURST)
        for text in said[round_ * BURST : (round_ + 1) * BURST]:
            rig.fake.message(rig.ben, rig.group, text)
        if rig.bot.process is None:
            rig.bot.start()
        await rig.kill_at("matrix", kill_at)
    rig.bot.start()

    tokens = await _until_relayed(rig, said)
    assert tokens == said  # nothing lost, nothing twice, in order
    assert rig.bot.kills == KILLS


async def test_matrix_to_telegram_loses_nothing_and_repeats_at_most_one_per_kill(
    rig: KillRig,
) -> None:
    said: list[str] = []
    for round_ in range(KILLS):
        outage = round_ == KILLS // 2
        texts = [f"m{n:03d}" for n in range(len(said), len(said) + (OUTAGE if outage else BURST))]
        said += texts
        kill_at = await rig.bot.delivered("telegram") + rig.choices.randint(0, BURST)
        down = rig.bot.process is None
        if down and (outage or rig.choices.random() < 0.5):
            await _say(rig, texts)  # while the bot is down: it catches up once started
            rig.bot.start()
        else:
            if down:
                rig.bot.start()
            await _say(rig, texts)
        await rig.kill_at("telegram", kill_at)
    rig.bot.start()

    deadline = asyncio.get_running_loop().time() + 4 * DEADLINE
    firsts, repeats = _telegram_tokens(rig.fake)
    while firsts != said and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
        firsts, repeats = _telegram_tokens(rig.fake)
    assert firsts == said  # nothing lost, in order
    assert repeats <= rig.bot.kills == KILLS
    assert "missed events in" in rig.bot.log.read_text()  # the outage was fetched back
    copies = [s for s in rig.fake.sent if re.search(r"\bm\d{3}\b", s.text or "")]
    assert len(copies) < len(said)  # held back by Telegram's limits, merged per sender


async def _say(rig: KillRig, texts: list[str]) -> None:
    for text in texts:
        await rig.anna.say(rig.room, text)


async def _until_relayed(rig: KillRig, said: list[str]) -> list[str]:
    """The tokens of the copies in the Matrix room, in order, once all of `said` is there."""
    deadline = asyncio.get_running_loop().time() + 4 * DEADLINE
    while True:
        tokens = [
            token
            for event in await rig.anna.history(rig.room)
            for token in re.findall(r"\bt\d{3}\b", event.get("content", {}).get("body", ""))
        ]
        if set(tokens) >= set(said) or asyncio.get_running_loop().time() > deadline:
            return tokens
        await rig.anna.sync()


def _telegram_tokens(fake: FakeBotAPI) -> tuple[list[str], int]:
    """The tokens relayed to the Telegram group, each the first time it came, and how many
    messages came again: a message with a token that came before."""
    firsts: list[str] = []
    seen: set[str] = set()
    repeats = 0
    for sent in fake.sent:
        tokens = re.findall(r"\bm\d{3}\b", sent.text or "") if sent.chat_id == GROUP else []
        if any(token in seen for token in tokens):
            repeats += 1
        firsts += [token for token in tokens if token not in seen]
        seen.update(tokens)
    return firsts, repeats

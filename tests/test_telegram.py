"""The bot in Telegram: the real python-telegram-bot client against a fake Bot API server."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import command_menus, open_core
from bot.clock import ManualClock, SystemClock
from bot.config import Settings
from bot.transports import StartupError
from bot.transports.telegram.limits import SendLimits
from bot.transports.telegram.transport import TelegramTransport
from handlers import capabilities
from tests.telegram_fake import TOKEN
from tests.telegram_running import (
    ANNA,
    Running,
    fake_bot_api,
    running,
    telegram_settings,
)


async def test_private_start_is_answered_in_html(telegram: Running) -> None:
    fake = telegram.fake
    ben = fake.user(7, "Ben <Admin>", "ben", language="en")
    fake.message(ben, fake.private(ben), "/start")
    (reply,) = await telegram.sent(1)
    assert reply.chat_id == 7
    assert reply.params["parse_mode"] == "HTML"
    assert reply.text.startswith("Hello Ben &lt;Admin&gt;! I am the assistant of <b>")


async def test_group_commands_addressed_to_this_bot_only(telegram: Running) -> None:
    fake = telegram.fake
    anna = fake.user(ANNA, "Anna")
    group = fake.group(-100, "Plenum")
    fake.message(anna, group, "/help@someotherbot")
    fake.message(anna, group, "/setup@netzwerkbot Plenum")
    (reply,) = await telegram.sent(1)
    assert reply.chat_id == -100
    assert (
        reply.text
        == "Dieser Chat gehört jetzt zum neuen Gremium <b>Plenum</b>. Sie koordinieren es."
    )
    assert reply.params["reply_parameters"]["message_id"] > 0


async def test_buttons_are_inline_keyboards_and_taps_are_answered(telegram: Running) -> None:
    fake = telegram.fake
    ben = fake.user(7, "Ben")
    fake.message(ben, fake.private(ben), "/language")
    (question,) = await telegram.sent(1)
    keyboard = question.params["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in keyboard] == [
        ["Deutsch"],
        ["Deutsch (Leichte Sprache)"],
        ["العربية"],
        ["English"],
        ["فارسی"],
        ["Русский"],
        ["Türkçe"],
        ["Українська"],
    ]
    data = keyboard[3][0]["callback_data"]
    assert len(data.encode()) <= 64
    fake.tap(ben, question, data)
    answer = (await telegram.sent(2))[1]
    assert answer.text == "From now on I write to you in English."
    assert len(fake.answered_callbacks) == 1


async def test_hostile_text_comes_back_escaped_and_intact(telegram: Running) -> None:
    fake = telegram.fake
    name = '<a href="javascript:alert(1)">*Eve*</a> & _co_ \u202e\u200b 👩‍👩‍👧'
    eve = fake.user(8, name)
    fake.message(eve, fake.private(eve), "/whoami")
    (reply,) = await telegram.sent(1)
    assert "<a href" not in reply.text
    assert (
        '&lt;a href="javascript:alert(1)"&gt;*Eve*&lt;/a&gt; &amp; _co_ \u202e\u200b 👩‍👩‍👧'
        in reply.text
    )


async def test_a_rate_limit_answer_is_waited_out(settings: Settings) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))
    async with fake_bot_api() as fake, running(settings, fake, clock=clock) as bot:
        fake.retry_after.append(1)
        ben = fake.user(7, "Ben")
        fake.message(ben, fake.private(ben), "/start")

        async def held() -> bool:
            return any(row.not_before > clock.now() for row in await bot.waiting())

        await bot.until(held, "the answer held after Telegram's 429")
        assert fake.sent == [] and fake.retry_after == []
        clock.advance(timedelta(seconds=1))  # Telegram's retry_after
        await bot.core.sender.drain()
        (reply,) = await bot.sent(1)
        assert reply.text.startswith("Hallo Ben!")


async def test_updates_taken_before_a_restart_are_handled_once(
    telegram: Running, settings: Settings
) -> None:
    fake = telegram.fake
    ben = fake.user(7, "Ben")
    for n in range(5):
        fake.message(ben, fake.private(ben), f"/start {n}" if n % 2 else "/start")
    await telegram.sent(5)
    await telegram.transport.stop()
    async with running(settings, fake) as restarted:
        fake.message(ben, fake.private(ben), "/whoami")
        sent = await restarted.sent(6)
        await restarted.settled()
        assert len(fake.sent) == 6, [(s.chat_id, s.text[:30]) for s in fake.sent]  # nothing twice
        assert sent[-1].text.startswith("Sie sind <b>Ben</b>.")


async def test_a_wrong_token_stops_start_up_with_a_clear_line(settings: Settings) -> None:
    async with fake_bot_api() as fake:
        transport = TelegramTransport(telegram_settings(fake.base_url, token="1:wrong"))
        core = await open_core(settings, SystemClock(), {"telegram": transport}, capabilities())
        try:
            with pytest.raises(StartupError, match="Telegram refused the bot token"):
                await transport.start(core.dispatcher.handle, core.store)
        finally:
            await core.close()


def test_the_token_never_reaches_the_log(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[telegram]\nenabled = true\nbase_url = 'http://127.0.0.1:9/bot'\n"
        "[logging]\nlevel = 'DEBUG'\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={"NETZWERKBOT_TELEGRAM_TOKEN": TOKEN, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "cannot reach the Telegram Bot API at http://127.0.0.1:9/bot" in result.stderr
    assert TOKEN not in result.stderr and TOKEN.split(":")[1] not in result.stderr


async def test_the_command_menu_per_language_comes_from_the_registry(telegram: Running) -> None:
    await telegram.transport.publish_commands(command_menus(telegram.core.runtime))
    menus = telegram.fake.commands
    # Telegram knows languages by two letters: plain German has no menu of its own.
    assert set(menus) == {"", "ar", "de", "en", "fa", "ru", "tr", "uk"}
    english = {c["command"]: c["description"] for c in menus["en"]}
    assert english["help"] == "Show this list"
    assert "setup" not in english  # coordinators' commands stay out of everyone's menu
    german = {c["command"]: c["description"] for c in menus["de"]}
    assert german["hilfe"] == "Diese Liste anzeigen" and "help" not in german
    assert "yardim" in {c["command"] for c in menus["tr"]}
    assert "help" in {c["command"] for c in menus["ru"]}  # Cyrillic names are not allowed
    assert menus[""] == menus["de"]


async def test_a_second_message_to_a_chat_within_a_second_waits_in_the_outbox(
    settings: Settings,
) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))
    limits = SendLimits(lambda: clock.now().timestamp())
    async with fake_bot_api() as fake, running(settings, fake, limits, clock) as bot:
        ben = fake.user(7, "Ben")
        fake.message(ben, fake.private(ben), "/start")
        await bot.sent(1)
        fake.message(ben, fake.private(ben), "/whoami")
        await bot.settled()
        assert len(fake.sent) == 1  # held back by us: Telegram never had to say 429
        assert await bot.core.sender.next_wake(30) <= 1.05
        clock.advance(timedelta(seconds=1.05))
        await bot.core.sender.drain()
        assert (await bot.sent(2))[1].text.startswith("Sie sind <b>Ben</b>.")
        assert "sendMessage" in fake.calls and fake.retry_after == []


async def test_a_group_that_becomes_a_supergroup_keeps_its_circle(telegram: Running) -> None:
    fake = telegram.fake
    anna = fake.user(ANNA, "Anna")
    group = fake.group(-100, "Plenum")
    fake.message(anna, group, "/setup Plenum")
    await telegram.sent(1)
    supergroup = fake.migrate(anna, group, -1001234)
    fake.message(anna, supergroup, "/members")
    members = (await telegram.sent(2))[1]
    assert members.chat_id == -1001234
    assert members.text.startswith("Mitglieder von <b>Plenum</b> (1):")


async def test_an_edited_command_is_not_run_again(telegram: Running) -> None:
    fake = telegram.fake
    anna = fake.user(ANNA, "Anna")
    group = fake.group(-100, "Plenum")
    first = fake.message(anna, group, "/setup Plenum")
    await telegram.sent(1)
    fake.edit(anna, group, first, "/setup Vorstand")
    fake.message(anna, group, "/circles")
    circles = (await telegram.sent(2))[1]
    assert "Vorstand" not in circles.text and "Plenum" in circles.text


async def test_a_restart_in_a_burst_of_200_handles_each_update_exactly_once(
    telegram: Running, settings: Settings
) -> None:
    fake = telegram.fake
    people = [fake.user(10_000 + n, f"u{n}") for n in range(200)]
    for person in people:
        fake.message(person, fake.private(person), "/start")
    await telegram.sent(60)
    await telegram.transport.stop()  # mid-burst: what is taken but not handled waits
    async with running(settings, fake) as restarted:
        sent = await restarted.sent(200, timeout=60)
        await restarted.settled()  # so that anything doubled would have arrived
        greeted = sorted(s.text.split("!")[0] for s in fake.sent)
        assert greeted == sorted(f"Hallo u{n}" for n in range(200))
        assert len(sent) == 200


async def test_someone_who_never_started_the_bot_is_asked_once_and_served_later(
    telegram: Running,
) -> None:
    fake = telegram.fake
    anna, ben = fake.user(ANNA, "Anna"), fake.user(7, "Ben")
    group = fake.group(-100, "Plenum")
    fake.not_started.add(7)
    fake.message(anna, group, "/setup Plenum")
    fake.message(ben, group, "/mydata")
    fake.message(ben, group, "/forgetme")
    sent = await telegram.sent(4)
    texts = [s.text for s in sent]
    asks = [t for t in texts if "privaten Chat mit mir öffnen: https://t.me/netzwerkbot" in t]
    assert len(asks) == 1 and asks[0].startswith("Ben, ich habe eine Nachricht für Sie.")
    assert all(s.chat_id == -100 for s in sent)  # nothing reached Ben yet, nothing was lost
    fake.not_started.discard(7)
    fake.message(ben, fake.private(ben), "/start")
    private = [s for s in await telegram.sent(7) if s.chat_id == 7]
    assert [s.method for s in private] == ["sendDocument", "sendMessage", "sendMessage"]
    assert private[1].text.startswith("Soll ich alles löschen")
    assert private[2].text.startswith("Hallo Ben!")


async def test_a_start_link_with_a_payload_is_greeted(telegram: Running) -> None:
    fake = telegram.fake
    ben = fake.user(7, "Ben")
    fake.message(ben, fake.private(ben), "/start invite-from-plenum")
    (reply,) = await telegram.sent(1)
    assert reply.text.startswith("Hallo Ben!")

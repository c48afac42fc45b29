"""Webhook mode: Telegram posts the updates to the bot instead of the bot asking for them."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.config import ConfigError, Settings, TelegramSettings, load_settings
from bot.db.models import InboxUpdate
from bot.transports import StartupError
from tests.ports import free_port
from tests.telegram_fake import FakeBotAPI
from tests.telegram_running import fake_bot_api, running, telegram_settings

SECRET = "webhook-secret-for-the-tests-0123"


def webhook_settings(fake: FakeBotAPI, port: int) -> TelegramSettings:
    return replace(
        telegram_settings(fake.base_url),
        webhook_url=f"http://127.0.0.1:{port}/tg",
        webhook_listen=f"127.0.0.1:{port}",
        webhook_path="/tg",
        webhook_secret=SECRET,
    )


async def test_updates_posted_by_telegram_are_answered(settings: Settings) -> None:
    async with fake_bot_api() as fake:
        telegram = webhook_settings(fake, free_port())
        async with running(settings, fake, telegram=telegram) as bot:
            assert fake.webhook["url"] == telegram.webhook_url
            assert fake.webhook["secret_token"] == SECRET
            assert int(fake.webhook["max_connections"]) == 1  # so they come in order
            ben = fake.user(7, "Ben")
            fake.message(ben, fake.private(ben), "/start")
            fake.message(ben, fake.private(ben), "/whoami")
            hello, whoami = await bot.sent(2)
            assert hello.text.startswith("Hallo Ben!") and whoami.text.startswith("Sie sind")
            assert "getUpdates" not in fake.calls and "deleteWebhook" not in fake.calls


async def test_a_post_without_the_secret_is_refused_and_a_repeated_one_handled_once(
    settings: Settings,
) -> None:
    async with fake_bot_api() as fake:
        port = free_port()
        async with running(settings, fake, telegram=webhook_settings(fake, port)) as bot:
            ben = fake.user(7, "Ben")
            fake.message(ben, fake.private(ben), "/start")
            await bot.sent(1)
            update = {
                "update_id": 999,
                "message": {
                    "message_id": 5,
                    "date": 0,
                    "chat": fake.private(ben),
                    "from": ben,
                    "text": "/whoami",
                },
            }
            url = f"http://127.0.0.1:{port}/tg"
            async with aiohttp.ClientSession() as client:
                async with client.post(url, json=update) as refused:
                    assert refused.status == 403
                for _ in range(2):  # Telegram sends again what it thinks was not received
                    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                    async with client.post(url, json=update, headers=headers) as answer:
                        assert answer.status == 200
            await bot.sent(2)
            await bot.settled()
            assert len(fake.sent) == 2
            async with bot.core.sessions() as session:
                assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 2


async def test_a_webhook_address_in_use_stops_start_up_with_a_clear_line(
    settings: Settings,
) -> None:
    async with fake_bot_api() as fake:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = int(taken.getsockname()[1])
            with pytest.raises(StartupError, match=f"cannot listen on 127.0.0.1:{port}"):
                async with running(settings, fake, telegram=webhook_settings(fake, port)):
                    pass


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ("webhook_url = 'bot.example.org'", "webhook_url: expected the public URL"),
        ("webhook_url = 'https://b.example.org/tg'", "webhook_secret: required"),
        (
            "webhook_url = 'https://b.example.org/tg'\nwebhook_secret = 'short'",
            "webhook_secret: expected 16 to 256 letters",
        ),
        (
            f"webhook_url = 'https://b.example.org/tg'\nwebhook_secret = '{SECRET}'\n"
            "webhook_listen = 'everywhere'",
            'webhook_listen: expected an address and port such as "127.0.0.1:8443"',
        ),
    ],
)
def test_webhook_settings_are_checked_at_start(tmp_path: Path, lines: str, problem: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[telegram]\nenabled = true\ntoken = '1:abc'\n{lines}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        load_settings(config, environ={})

"""What the bot takes from Telegram: faults while handling, members, files."""

from __future__ import annotations

from bot.config import Settings
from bot.events import MessageEvent
from tests.telegram_running import Running, fake_bot_api, running


def texts(bot: Running) -> list[str]:
    return [e.text for e in bot.handled if isinstance(e, MessageEvent)]


async def test_an_update_that_fails_is_tried_again_before_the_ones_after_it(
    settings: Settings,
) -> None:
    async with fake_bot_api() as fake, running(settings, fake, retry_delay=0.01) as bot:
        bot.faults += [ConnectionError("database down"), ConnectionError("still down")]
        ben = fake.user(7, "Ben")
        fake.message(ben, fake.private(ben), "/start")
        fake.message(ben, fake.private(ben), "/whoami")
        first, second = await bot.sent(2)
        await bot.settled()
        assert texts(bot) == ["/start", "/start", "/start", "/whoami"]
        assert first.text.startswith("Hallo Ben!") and second.text.startswith("Sie sind")
        assert len(fake.sent) == 2


async def test_an_update_that_keeps_failing_is_set_aside_until_the_next_start(
    settings: Settings,
) -> None:
    async with fake_bot_api() as fake:
        ben = fake.user(7, "Ben")
        async with running(settings, fake, retry_delay=0.01) as bot:
            bot.faults += [RuntimeError(f"broken {n}") for n in range(5)]
            fake.message(ben, fake.private(ben), "/start")
            fake.message(ben, fake.private(ben), "/whoami")
            (reply,) = await bot.sent(1)
            assert reply.text.startswith("Sie sind")  # the rest went on
            assert texts(bot) == ["/start"] * 5 + ["/whoami"]
        async with running(settings, fake) as restarted:
            replies = await restarted.sent(2)
            assert replies[1].text.startswith("Hallo Ben!")  # not lost
            assert texts(restarted) == ["/start"]

"""What the bot takes from Telegram: faults while handling, members, files."""

from __future__ import annotations

from bot.config import Settings
from bot.events import MessageEvent
from bot.transports.telegram.convert import MAX_DOWNLOAD
from tests.telegram_fake import BOT
from tests.telegram_running import ANNA, Running, fake_bot_api, running


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


async def test_files_sent_to_the_bot_are_fetched_and_others_are_left_alone(
    telegram: Running,
) -> None:
    fake = telegram.fake
    ben = fake.user(7, "Ben")
    minutes = b"%PDF-1.7 Protokoll vom 2. M\xc3\xa4rz"
    fake.document(ben, fake.private(ben), "Protokoll.pdf", minutes, caption="/help")
    fake.photo(ben, fake.private(ben), b"\xff\xd8\xff picture bytes", caption="/help")
    fake.document(ben, fake.group(-100, "Plenum"), "Urlaub.pdf", b"not for the bot")
    await telegram.sent(2)
    await telegram.settled()
    document, photo, chatter = [e for e in telegram.handled if isinstance(e, MessageEvent)]
    (received,) = document.files
    assert (received.filename, received.mime_type, received.data) == (
        "Protokoll.pdf",
        "application/pdf",
        minutes,
    )
    assert photo.files[0].data == b"\xff\xd8\xff picture bytes"  # the largest size
    (unfetched,) = chatter.files  # not meant for the bot: a reference, for the bridge
    assert unfetched.data is None and unfetched.ref and fake.calls.count("getFile") == 2


async def test_a_file_too_large_to_fetch_gets_a_translated_answer(telegram: Running) -> None:
    fake = telegram.fake
    ben = fake.user(7, "Ben")
    fake.document(ben, fake.private(ben), "Film.mp4", bytes(MAX_DOWNLOAD + 1), caption="/help")
    (reply,) = await telegram.sent(1)
    assert reply.text.startswith("Diese Datei ist mir zu groß zum Öffnen.")
    assert "getFile" not in fake.calls


async def test_who_joins_a_circles_group_belongs_to_it_and_who_leaves_does_not(
    telegram: Running,
) -> None:
    fake = telegram.fake
    anna, ben, cem = fake.user(ANNA, "Anna"), fake.user(7, "Ben"), fake.user(8, "Cem")
    group = fake.group(-100, "Plenum")
    fake.join(anna, group, BOT)
    fake.message(anna, group, "/setup Plenum")
    fake.join(anna, group, ben, cem)  # added by Anna: neither has said a word yet
    fake.message(anna, group, "/members")
    hello, _, members = await telegram.sent(3)
    assert hello.text.startswith("Hallo! Ich bin der Assistent von <b>")
    assert members.text.startswith("Mitglieder von <b>Plenum</b> (3):")
    fake.leave(ben, group, ben)
    fake.message(anna, group, "/members")
    members = (await telegram.sent(4))[3]
    assert (
        members.text.startswith("Mitglieder von <b>Plenum</b> (2):") and "Ben" not in members.text
    )
    fake.join(anna, group, BOT)  # removed and added again
    assert (await telegram.sent(5))[4].text == (
        "Hallo wieder! Dieser Chat gehört zum Gremium <b>Plenum</b>."
    )

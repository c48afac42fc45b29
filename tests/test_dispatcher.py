"""The unit of work around every handler: permissions, bad input, failures."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from bot.config import Settings
from bot.context import Context
from bot.errors import UserError
from bot.events import ChatAddress, ChatKind, MessageEvent, Reaction, Retracted, Sender
from bot.messages import OutgoingMessage
from bot.registry import Args, Capability, Command, Listener, Registry
from bot.services import circles
from handlers import capabilities
from handlers.basics import help_
from tests.helpers import Chat


async def test_a_coordinator_command_is_refused_politely_and_changes_nothing(chat: Chat) -> None:
    await chat.ask("anna", "plenum", "/setup Plenum")
    before = await chat.rows()
    assert await chat.ask("ben", "plenum", "/setup Geheim") == (
        "[2026-01-05 09:00] bot -> #plenum: Leider darf nur die Koordination /setup verwenden."
    )
    after = await chat.rows()
    # Only ben's first appearance (member, identity, private chat, membership) and the
    # outbox changed.
    for table in ("circles", "networks", "reminders"):
        assert after[table] == before[table]
    assert [c for c in after["channels"] if c["chat_id"] != "@ben"] == before["channels"]
    assert [m["role"] for m in after["circle_memberships"]] == ["coordinator", "member"]


async def test_help_shows_only_what_this_person_may_use(chat: Chat) -> None:
    member_help = await chat.ask("ben", None, "/help")
    coordinator_help = await chat.ask("anna", None, "/help")
    assert "/einrichten" not in member_help and "/koordination" not in member_help
    assert "/einrichten NAME" in coordinator_help and "/koordination" in coordinator_help
    for command in ("/start", "/hilfe", "/sprache", "/mitglieder", "/meinedaten", "/vergissmich"):
        assert command in member_help


async def test_help_is_in_the_readers_language(chat: Chat) -> None:
    await chat.ask("ben", None, "/language en")
    english = await chat.ask("ben", None, "/help")
    assert "Show this list" in english and "/setup" not in english and "/language" in english
    assert "For example: /availability Mon-Thu 18-21" in english
    german = await chat.ask("cem", None, "/help")
    assert "Diese Liste anzeigen" in german and "Zum Beispiel: /aufgabe @ben Flyer" in german


async def test_every_name_of_a_command_works_for_everyone(chat: Chat) -> None:
    await chat.ask("ben", None, "/language en")
    assert "Show this list" in await chat.ask("ben", None, "/hilfe")
    assert "Show this list" in await chat.ask("ben", None, "/yardim")
    assert "Diese Liste anzeigen" in await chat.ask("cem", None, "/help")
    # A wrong use is explained with the name typed, whatever the reader's language.
    assert "/whoami" in await chat.ask("cem", None, "/whoami please")
    assert "/werbinich" in await chat.ask("cem", None, "/werbinich please")


def test_command_names_are_unique_and_as_telegram_allows() -> None:
    registry = Registry(capabilities())
    names = [
        name for command in registry.visible_commands(is_coordinator=True) for name in command.names
    ]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9_]{1,32}", name) for name in names)
    with pytest.raises(ValueError, match="registered twice"):
        Registry([Capability("x", (Command("hilfe", help_, "x"),)), *capabilities()])


async def test_the_platforms_language_is_the_first_guess(chat: Chat, settings: Settings) -> None:
    event = MessageEvent(
        chat=ChatAddress("console", "@eve", ChatKind.PRIVATE),
        sender=Sender("console", "eve", "Eve", language="en-GB"),
        text="/help",
    )
    await chat.core.dispatcher.handle(event)
    await chat.core.sender.drain()
    assert "Show this list" in chat.said()


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("/nonsense", "Den Befehl /nonsense kenne ich nicht."),
        ("/setup", "So geht es: /setup NAME"),
        ("/whoami please", "So geht es: /whoami"),
        ("/language de en", "So geht es: /language [KÜRZEL]"),
        ("/language klingon", "Die Sprache klingon spreche ich nicht."),
        ("/setup <script>alert(1)</script>", "Der Name eines Gremiums hat 1 bis 60 Zeichen"),
        ("/setup " + "x" * 4100, "Diese Nachricht ist zu lang (4107 Zeichen, höchstens 4096)."),
        ("/setup Plen\x00um", "unsichtbare Steuerzeichen"),
        ("/coordinator add bob", "Bitte nennen Sie die Person mit @ davor"),
    ],
)
async def test_bad_input_gets_a_short_translated_answer(chat: Chat, text: str, answer: str) -> None:
    await chat.ask("anna", "plenum", "/setup Plenum")
    before = await chat.rows()
    reply = await chat.ask("anna", "plenum", text)
    assert answer in reply
    assert len(reply) < 400
    after = await chat.rows()
    del before["outbox"], after["outbox"]
    assert after == before


async def test_commands_for_another_bot_are_ignored(chat: Chat) -> None:
    assert await chat.ask("anna", "plenum", "/help@someotherbot") == ""
    assert "/start" in await chat.ask("anna", "plenum", "/help@netzwerkbot")
    assert "/start" in await chat.ask("anna", "plenum", "/HELP")


async def test_chatter_in_groups_is_not_answered_but_private_text_is(chat: Chat) -> None:
    assert await chat.ask("ben", "plenum", "Hallo zusammen") == ""
    assert "/help" in await chat.ask("ben", None, "Hallo")


async def explode(ctx: Context, args: Args) -> None:
    await circles.attach_channel(
        ctx.session, ctx.runtime.network_id, ctx.channel, "Halb Fertig", ctx.member, True, ctx.now
    )
    raise RuntimeError("secret internal detail")


async def refuse(ctx: Context, args: Args) -> None:
    await circles.attach_channel(
        ctx.session, ctx.runtime.network_id, ctx.channel, "Halb Fertig", ctx.member, True, ctx.now
    )
    raise UserError("Not like that.")


async def test_a_crash_is_logged_rolled_back_and_answered_without_details(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    extra = Capability("test", commands=(Command("explode", explode, "test"),))
    async with Chat(settings, (*capabilities(), extra)) as chat:
        with caplog.at_level(logging.ERROR):
            reply = await chat.ask("anna", "plenum", "/explode")
        assert "Entschuldigung, bei mir ist ein Fehler passiert." in reply
        assert "secret internal detail" not in reply and "Traceback" not in reply
        reference = reply.rsplit(" ", 1)[-1].rstrip(".")
        assert any(
            reference in record.getMessage() and record.exc_info for record in caplog.records
        )
        assert (await chat.rows())["circles"] == []


async def test_when_not_even_the_answer_can_be_written_the_transport_hears_of_it(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def database_down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the database is down")

    monkeypatch.setattr(chat.core.runtime.outbox, "queue", database_down)
    # Raised, not swallowed: the transport keeps the update and tries it again later.
    with pytest.raises(ConnectionError):
        await chat.say("anna", "plenum", "/help")
    assert chat.said() == ""


async def test_a_user_error_rolls_back_what_the_handler_did(settings: Settings) -> None:
    extra = Capability("test", commands=(Command("refuse", refuse, "test"),))
    async with Chat(settings, (*capabilities(), extra)) as chat:
        assert "Not like that." in await chat.ask("anna", "plenum", "/refuse")
        assert (await chat.rows())["circles"] == []


async def test_logs_at_info_carry_no_message_texts(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await chat.ask("anna", "plenum", "/setup Geheimrunde Sieben")
        await chat.ask("ben", "plenum", "Meine Telefonnummer ist 0170 1234567")
        await chat.ask("ben", None, "/language Klingonisch")
        await chat.restart()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("Geheimrunde", "0170 1234567", "Klingonisch"):
        assert secret not in logged


async def thank(ctx: Context, event: Reaction) -> OutgoingMessage:
    return ctx.text(f"{event.sender.display_name}: {event.key} on {event.message_id}")


async def test_reactions_and_withdrawn_messages_go_to_whoever_listens(settings: Settings) -> None:
    async def forget(ctx: Context, event: Retracted) -> None:
        withdrawn.append(event.message_id)

    withdrawn: list[str | None] = []
    extra = Capability("test", listeners=(Listener(Reaction, thank), Listener(Retracted, forget)))
    plenum = ChatAddress("console", "#plenum", ChatKind.GROUP, "plenum")
    anna = Sender("console", "anna", "Anna")
    async with Chat(settings, (*capabilities(), extra)) as chat:
        await chat.core.dispatcher.handle(
            Reaction(chat=plenum, sender=anna, message_id="m1", key="👍")
        )
        await chat.core.dispatcher.handle(Retracted(chat=plenum, sender=anna, message_id="m2"))
        await chat.core.sender.drain()
        assert "Anna: 👍 on m1" in chat.said()
        assert withdrawn == ["m2"]
    async with Chat(settings, capabilities()) as chat:  # nobody listens: nothing happens
        await chat.core.dispatcher.handle(
            Reaction(chat=plenum, sender=anna, message_id="m1", key="👍")
        )
        await chat.core.sender.drain()
        assert chat.said() == ""


async def test_a_circle_coordinator_acts_only_on_their_own_circle(chat: Chat) -> None:
    await chat.ask("anna", "vorstand", "/setup Vorstand")
    await chat.ask("anna", "ag", "/setup AG Wohnen")
    await chat.ask("anna", "ag", "/coordinator add @anna")
    await chat.ask("ben", "ag", "Hallo")
    await chat.ask("anna", "ag", "/coordinator add @ben")
    before = await chat.rows()
    assert "Nur die Koordination von Vorstand kann diesen Chat dort hinzufügen." in (
        await chat.ask("ben", "ag", "/setup Vorstand")
    )
    assert "Nur die Koordination des Netzwerks kann ein neues Gremium gründen." in (
        await chat.ask("ben", "ag", "/setup Geheimrat")
    )
    assert "Nur Mitglieder von Vorstand können sehen" in await chat.ask(
        "ben", "ag", "/members Vorstand"
    )
    after = await chat.rows()
    del before["outbox"], after["outbox"]
    assert after == before
    # Coordinating both circles, they may move a chat from one to the other.
    await chat.ask("anna", "vorstand", "/coordinator add @ben")
    assert "Dieser Chat gehört jetzt zum Gremium AG Wohnen." in (
        await chat.ask("ben", "vorstand", "/setup AG Wohnen")
    )


async def test_names_match_whatever_their_case_or_script(chat: Chat) -> None:
    await chat.ask("anna", "plenum", "/setup Arbeitsgruppe Übergänge")
    await chat.ask("Özlem", "plenum", "Merhaba")
    assert "Özlem koordiniert jetzt Arbeitsgruppe Übergänge." in (
        await chat.ask("anna", "plenum", "/coordinator add @özlem")
    )
    decomposed = "U\u0308berga\u0308nge"  # Ü and ä as two code points each
    assert "Mitglieder von Arbeitsgruppe Übergänge (2)" in (
        await chat.ask("anna", None, f"/members arbeitsgruppe {decomposed}")
    )


async def test_language_codes_as_people_write_them(chat: Chat) -> None:
    assert "From now on I write to you in English." in await chat.ask(
        "ben", None, "/language en-US"
    )
    assert "Ab jetzt schreibe ich Ihnen auf Deutsch." in await chat.ask("ben", None, "/language DE")


async def test_one_new_person_in_two_chats_at_once(chat: Chat) -> None:
    await asyncio.gather(
        chat.core.dispatcher.handle(chat.console.message("zoe", "plenum", "/start")),
        chat.core.dispatcher.handle(chat.console.message("zoe", None, "/start")),
    )
    await chat.core.sender.drain()
    said = chat.said()
    assert said.count("Hallo zoe!") == 2 and "Fehler" not in said
    assert len((await chat.rows())["members"]) == 1


def test_errors_in_statements_do_not_carry_their_data_into_logs(chat: Chat) -> None:
    assert chat.core.engine.sync_engine.hide_parameters

"""/bridge: people's messages relayed between the group chats of a circle."""

from __future__ import annotations

from dataclasses import replace

from bot.config import BridgeSettings, Settings
from bot.events import IncomingFile
from handlers import capabilities
from tests.helpers import Chat


async def _bridged(chat: Chat) -> None:
    """Circle Plenum with two group chats, #plenum and #ag, bridged."""
    await chat.ask("anna", "plenum", "/setup Plenum")
    await chat.ask("anna", "ag", "/setup Plenum")
    chat.said()
    await chat.say("anna", "plenum", "/bridge on")


async def test_each_chat_is_told_once_then_messages_go_both_ways(chat: Chat) -> None:
    await _bridged(chat)
    told = chat.said()
    assert "#plenum" in told and "#ag" in told
    assert told.count("Ab jetzt leite ich die Nachrichten") == 2
    relayed = await chat.ask("ben", "plenum", "Hallo zusammen!")
    assert "#ag" in relayed and "ben #" in relayed and "Hallo zusammen!" in relayed
    assert "#plenum" not in relayed
    back = await chat.ask("cem", "ag", "Hallo Ben")
    assert "#plenum" in back and "Hallo Ben" in back and "#ag" not in back
    assert "an ist" not in await chat.ask("anna", "plenum", "/bridge")
    assert "ist an" in await chat.ask("anna", "plenum", "/bridge status")


async def test_commands_answers_and_edits_stay_where_they_are(chat: Chat) -> None:
    await _bridged(chat)
    chat.said()
    answer = await chat.ask("ben", "plenum", "/whoami")
    assert "#ag" not in answer
    assert await chat.ask("ben", "plenum", "   ") == ""


async def test_the_ignore_list_keeps_other_bridges_out(settings: Settings) -> None:
    settings = replace(settings, bridge=BridgeSettings(ignore=("console:relaybot",)))
    async with Chat(settings, capabilities()) as chat:
        await _bridged(chat)
        chat.said()
        assert await chat.ask("relaybot", "plenum", "[tg] Dora: Hallo") == ""
        assert "Hallo" in await chat.ask("ben", "plenum", "Hallo")


async def test_off_stops_relaying_and_tells_each_chat(chat: Chat) -> None:
    await _bridged(chat)
    chat.said()
    off = await chat.ask("anna", "plenum", "/bridge off")
    assert off.count("nicht mehr") == 2
    assert await chat.ask("ben", "plenum", "Noch jemand da?") == ""
    assert "schon aus" in await chat.ask("anna", "plenum", "/bridge off")
    await chat.say("anna", "plenum", "/bridge on")
    assert chat.said().count("Ab jetzt leite ich") == 2  # told again for the new bridge


async def test_bad_bridge_input_is_explained_and_changes_nothing(chat: Chat) -> None:
    await chat.ask("anna", "plenum", "/setup Plenum")
    await chat.ask("ben", "plenum", "Hallo")
    await chat.ask("anna", None, "/start")
    before = {k: v for k, v in (await chat.rows()).items() if k not in ("outbox", "inbox")}
    assert "nur einen Gruppenchat" in await chat.ask("anna", "plenum", "/bridge on")
    assert "So geht es: /bridge an | aus | Stand" in await chat.ask(
        "anna", "plenum", "/bridge vielleicht"
    )
    assert "Koordination" in await chat.ask("ben", "plenum", "/bridge on")
    assert "im Gruppenchat eines Gremiums" in await chat.ask("anna", None, "/bridge on")
    after = {k: v for k, v in (await chat.rows()).items() if k not in ("outbox", "inbox")}
    assert after == before


async def test_files_are_relayed_and_those_too_large_are_named(chat: Chat) -> None:
    await _bridged(chat)
    chat.said()
    agenda = IncomingFile("Tagesordnung.pdf", "application/pdf", b"%PDF agenda")
    relayed = await chat.send_and_read("ben", "plenum", "", agenda)
    assert "#ag" in relayed and "<file: Tagesordnung.pdf, 11 bytes>" in relayed
    film = IncomingFile("Film.mov", "video/quicktime", None)  # not fetched: too large
    relayed = await chat.send_and_read("ben", "plenum", "Seht mal", film)
    assert "Seht mal\n  (Film.mov: zu groß zum Weiterleiten, höchstens 20 MB)" in relayed

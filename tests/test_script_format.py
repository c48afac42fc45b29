"""The transcript format, line by line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.events import ChatAddress, ChatKind
from bot.messages import Button, OutgoingMessage
from bot.transports import Progress
from bot.transports.console.script import (
    Restart,
    Say,
    ScriptError,
    SendFile,
    SetNow,
    Tap,
    Wait,
    parse,
)
from bot.transports.console.transport import ConsoleTransport
from handlers import capabilities
from tests.helpers import Chat


def test_every_form() -> None:
    steps = parse(
        "# a comment\n"
        "\n"
        "!now 2026-03-02 18:00\n"
        "@anna #plenum: /setup Plenum\n"
        "@ben: hello: with a colon\n"
        "@ben #plenum taps Yes, erase everything\n"
        "@ben taps English\n"
        "@anna #plenum sends notes/minutes.md The minutes\n"
        "@anna sends a.txt\n"
        "!wait 1h30m\n"
        "!restart\n"
        "@anna #plenum: <<END\n"
        "first line\n"
        "  second line\n"
        "END\n"
    )
    assert steps == [
        SetNow(3, "2026-03-02 18:00"),
        Say(4, "anna", "plenum", "/setup Plenum"),
        Say(5, "ben", None, "hello: with a colon"),
        Tap(6, "ben", "plenum", "Yes, erase everything"),
        Tap(7, "ben", None, "English"),
        SendFile(8, "anna", "plenum", "notes/minutes.md", "The minutes"),
        SendFile(9, "anna", None, "a.txt", ""),
        Wait(10, timedelta(hours=1, minutes=30)),
        Restart(11),
        Say(12, "anna", "plenum", "first line\n  second line"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("@anna: hi\nanna: hi\n", 2, "cannot read"),
        ("!now 2026-02-30 10:00\n", 1, "no such date and time"),
        ("!wait soon\n", 1, "cannot read"),
        ("\n\n@anna: <<END\nno end\n", 3, "no line END ends this message"),
        ("@anna #plenum:   \n", 1, "the message is empty"),
    ],
)
def test_an_unreadable_line_is_named(text: str, line: int, message: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse(text)
    assert caught.value.line == line
    assert message in str(caught.value)


async def test_tapping_a_missing_button_names_the_line(settings: Settings) -> None:
    async with Chat(settings, capabilities()) as chat:
        with pytest.raises(ScriptError) as caught:
            await chat.run(parse("@anna: /language\n@anna taps Klingon\n"))
    assert str(caught.value) == "line 2: no button [Klingon] in @anna"


async def test_sending_a_file(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# Protokoll", encoding="utf-8")
    async with Chat(settings, capabilities(), base_dir=tmp_path) as chat:
        await chat.run(parse("@anna: /start\n@anna sends notes.md the minutes\n"))
        assert "Ich reagiere nur auf Befehle" in chat.said()
        with pytest.raises(ScriptError) as caught:
            await chat.run(parse("@anna sends missing.md\n"))
        assert "line 1: No such file or directory" in str(caught.value)


async def test_the_console_shows_edits_and_deletions_and_forgets_removed_buttons() -> None:
    lines: list[str] = []
    clock = ManualClock(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    console = ConsoleTransport(clock, ZoneInfo("Europe/Berlin"), lines.append)
    plenum = ChatAddress("console", "#plenum", ChatKind.GROUP, "plenum")
    vote = ((Button("Ja", "vote:1"),),)
    sent = await console.send(plenum, OutgoingMessage.plain("Ja: 0", buttons=vote), Progress())
    assert console.tap("anna", "plenum", "Ja").message_id == sent
    await console.replace(plenum, sent, OutgoingMessage.plain("Ja: 1"))
    await console.replace(plenum, sent, OutgoingMessage.deletion(sent))
    assert lines[1:] == [
        f"[2026-03-02 18:00] bot -> #plenum: (edits {sent}) Ja: 1",
        f"[2026-03-02 18:00] bot -> #plenum: (deletes {sent})",
    ]
    with pytest.raises(LookupError):
        console.tap("anna", "plenum", "Ja")  # the edit took the button away

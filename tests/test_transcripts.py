"""The checked-in transcripts under tests/transcripts/ run exactly as written down.

Set UPDATE_TRANSCRIPTS=1 to rewrite the .out files after an intended change, then read
the diff before committing it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.transports.console.script import parse
from handlers import capabilities
from tests.helpers import Chat

TRANSCRIPTS = Path(__file__).parent / "transcripts"
SCRIPTS = sorted(TRANSCRIPTS.glob("*.txt"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
async def test_transcript(script: Path, settings: Settings) -> None:
    async with Chat(settings, capabilities()) as chat:
        await chat.run(parse(script.read_text(encoding="utf-8")))
        output = "\n".join(chat.lines) + "\n"
    expected = script.with_suffix(".out")
    if os.environ.get("UPDATE_TRANSCRIPTS") == "1":
        expected.write_text(output, encoding="utf-8")
    assert output == expected.read_text(encoding="utf-8")


def test_cli_runs_a_transcript_and_prints_the_bots_side(tmp_path: Path) -> None:
    script = TRANSCRIPTS / "basics.txt"
    config = tmp_path / "config.toml"
    config.write_text('[network]\nname = "Inklusionsnetz Musterstadt"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "chat", "--script", str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == script.with_suffix(".out").read_text(encoding="utf-8")


def test_cli_stops_at_an_unreadable_line_with_its_number(tmp_path: Path) -> None:
    script = tmp_path / "broken.txt"
    script.write_text("@anna: /help\n\n@anna says hello\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--script", str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 1
    assert "line 3" in result.stderr
    assert result.stdout == ""  # nothing ran: the whole script is read first

"""The `netzwerkbot` command as a newcomer uses it: in a fresh folder, with no config."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from bot.paths import ROOT


def netzwerkbot(cwd: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_chat_in_the_terminal_as_several_people(tmp_path: Path) -> None:
    result = netzwerkbot(
        tmp_path,
        "chat",
        stdin="@anna #plenum: /setup Plenum\n@ben #plenum: /language en\n/members\n"
        "@ben: /language\ntaps Deutsch\n!quit\n",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bot -> #plenum: Dieser Chat gehört jetzt zum neuen Gremium Plenum." in out
    assert "bot -> #plenum: Members of Plenum (2):\n  • anna (coordinator)\n  • ben" in out
    assert "  [Deutsch]\n  [Deutsch (Leichte Sprache)]\n  [العربية]\n  [English]" in out
    assert "bot -> @ben: Ab jetzt schreibe ich Ihnen auf Deutsch." in out
    assert "ben #plenum> " in out  # the prompt follows the last speaker and place
    assert (tmp_path / "data" / "netzwerkbot.db").exists()


def test_run_without_config_is_the_console_and_keeps_its_data(tmp_path: Path) -> None:
    first = netzwerkbot(tmp_path, "run", stdin="@anna #plenum: /setup Plenum\n")
    assert first.returncode == 0, first.stderr
    second = netzwerkbot(tmp_path, "run", stdin="@anna #plenum: /circles\n")
    assert "Plenum – 1 Chat, 1 Mitglied" in second.stdout


def test_db_upgrade_by_hand(tmp_path: Path) -> None:
    result = netzwerkbot(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "database is up to date"
    assert (tmp_path / "data" / "netzwerkbot.db").stat().st_size > 0


def test_an_unreachable_matrix_homeserver_stops_start_up_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[matrix]\nenabled = true\nhomeserver = 'http://127.0.0.1:9'\n"
        "user_id = '@bot:example.org'\naccess_token = 'syt_abc_secret'\n",
        encoding="utf-8",
    )
    result = netzwerkbot(tmp_path, "--config", str(config), "run")
    assert result.returncode == 2
    line = result.stderr.strip().splitlines()[-1]  # after the log lines of start-up
    assert line.startswith("netzwerkbot: cannot reach the Matrix homeserver at http://127.0.0.1:9")
    assert "syt_abc_secret" not in result.stderr


def test_messenger_libraries_are_imported_only_by_transports() -> None:
    offenders = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        if "transports" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(ROOT)}: {name}"
                for name in names
                if name.split(".")[0] in ("telegram", "nio")
            ]
    assert offenders == []

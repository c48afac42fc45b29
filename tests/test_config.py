"""Configuration: defaults, the example file, and one clear line for every mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, MatrixSettings, load_settings
from bot.paths import ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_console_and_sqlite_under_data() -> None:
    settings = load_settings(None, environ={})
    assert settings.enabled_platforms == ("console",)
    assert settings.database.url == "sqlite+aiosqlite:///data/netzwerkbot.db"
    assert settings.network.timezone == "Europe/Berlin"
    assert settings.network.language == "de"


def test_the_example_file_is_valid_and_says_the_defaults() -> None:
    assert load_settings(ROOT / "config.example.toml", environ={}) == load_settings(None, {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[network]\ncolour = 'red'\n", "[network] colour: unknown key"),
        ("[networks]\nname = 'x'\n", "unknown section or key networks"),
        ("[network]\nname = 3\n", "[network] name: expected a string"),
        ("[telegram]\nenabled = 'yes'\n", "[telegram] enabled: expected true or false"),
        ("[network]\ncoordinators = 'anna'\n", "[network] coordinators: expected a list"),
        ("[network]\ntimezone = 'Europe/Gotham'\n", "[network] timezone: expected an IANA"),
        (
            "[network]\nlanguage = 'xx'\n",
            "[network] language: expected one of ar, de, de@plain, en",
        ),
        ("[network]\ncoordinators = ['anna']\n", "[network] coordinators: expected entries"),
        ("[telegram]\nenabled = true\n", "[telegram] token: required"),
        (
            "[telegram]\nenabled = true\ntoken = 'CHANGE_ME'\n",
            "[telegram] token: still the placeholder",
        ),
        (
            "[matrix]\nenabled = true\nhomeserver = 'https://m.example'\n"
            "user_id = '@b:m.example'\n",
            "[matrix] password: required",
        ),
        (
            "[matrix]\nenabled = true\nhomeserver = 'm.example'\n",
            "[matrix] homeserver: expected a URL",
        ),
        (
            "[matrix]\nenabled = true\nhomeserver = 'https://m.example'\n"
            "user_id = '@b:m.example'\npassword = 'pw'\ninvite_allowlist = ['anna']\n",
            "[matrix] invite_allowlist: expected user ids",
        ),
        ("[database]\nurl = 'mysql://x'\n", "[database] url: expected sqlite or postgresql"),
        ("[database]\nurl = 'postgresql://u:CHANGE_ME@h/db'\n", "[database] url: the password"),
        ("[logging]\nlevel = 'LOUD'\n", "[logging] level: expected one of"),
        ("[meetings]\nwindow = 'evenings'\n", "[meetings] window: expected days and hours"),
        ("[reminders]\nvolunteer_hours = '20-17'\n", "[reminders] volunteer_hours: expected"),
        ("[reminders]\nquiet_hours = 'nachts'\n", "[reminders] quiet_hours: expected hours"),
        ("[reminders]\ndays_before = 40\n", "[reminders] days_before: expected 0 to 30"),
        ("[meetings]\nslots = 13\n", "[meetings] slots: expected 1 to 12, got 13"),
        ("[meetings]\npoll_days = '3'\n", "[meetings] poll_days: expected a whole number"),
        ("[meetings]\nstate = 'Bayern'\n", "[meetings] state: expected one of BB"),
        ("[network\n", "not valid TOML"),
        ("network = 'x'\n", "[network] must be a table"),
    ],
)
def test_a_mistake_names_file_key_and_expectation(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_secrets_come_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[telegram]\nenabled = true\n")
    settings = load_settings(path, environ={"NETZWERKBOT_TELEGRAM_TOKEN": "123:abc"})
    assert settings.telegram.token == "123:abc"
    assert settings.enabled_platforms == ("telegram",)


def test_a_secret_never_appears_in_the_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[database]\nurl = 'mysql://user:hunter2@host/db'\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert "hunter2" not in str(caught.value)


def test_plain_driver_names_get_the_async_driver(tmp_path: Path) -> None:
    path = write(tmp_path, "[database]\nurl = 'postgresql://u@h/db'\n")
    assert load_settings(path, {}).with_database("sqlite:///x.db").database.url == (
        "sqlite+aiosqlite:///x.db"
    )


def test_start_up_stops_with_one_line_not_a_trace(tmp_path: Path) -> None:
    path = write(tmp_path, "[network]\ntimezone = 'Mars/Olympus'\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "run"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"netzwerkbot: {path}: [network] timezone: expected an IANA time zone such as "
        "\"Europe/Berlin\", got 'Mars/Olympus'"
    ]


def test_secrets_stay_out_of_the_settings_repr(tmp_path: Path) -> None:
    path = write(tmp_path, "[database]\nurl = 'postgresql://u:hunter2@h/db'\n")
    settings = load_settings(path, environ={"NETZWERKBOT_TELEGRAM_TOKEN": "123:sekret"})
    assert "hunter2" not in repr(settings) and "sekret" not in repr(settings)


def test_a_url_with_a_bad_port_is_one_clear_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[database]\nurl = 'postgresql://u@host:notaport/db'\n")
    with pytest.raises(ConfigError, match=r"\[database\] url: expected a URL"):
        load_settings(path, environ={})


def test_secrets_are_masked_in_messages_and_tracebacks() -> None:
    import logging

    from bot.redact import MASK, RedactSecrets

    redact = RedactSecrets(["123456:SECRETTOKEN", "hunter2pw"])
    try:
        raise ConnectionError("GET https://api.example/bot123456:SECRETTOKEN/getMe failed")
    except ConnectionError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "password %s", ("hunter2pw",), sys.exc_info()
        )
    assert redact.filter(record)
    assert record.getMessage() == f"password {MASK}"
    assert record.exc_text is not None and "SECRETTOKEN" not in record.exc_text
    assert f"bot{MASK}/getMe" in record.exc_text


def test_who_may_invite_the_bot_into_a_matrix_room() -> None:
    matrix = MatrixSettings(invite_allowlist=("@anna:stadt.example", "*:verein.example"))
    assert matrix.may_invite("@anna:stadt.example")
    assert matrix.may_invite("@ben:verein.example")
    assert not matrix.may_invite("@cem:stadt.example")
    assert not matrix.may_invite("@anna:stadt.example.evil")

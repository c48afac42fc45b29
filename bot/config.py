"""Typed settings, loaded once from TOML, validated, then passed in.

Every problem is reported as one ConfigError naming the file, the key and what
is expected, so start-up can stop with a single clear line.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.paths import LOCALES_DIR

PLATFORMS = ("console", "telegram", "matrix")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
EMAIL_SECURITY = ("starttls", "tls", "none")
# The subdivisions the `holidays` package knows for Germany.
GERMAN_STATES = (
    "BB", "BE", "BW", "BY", "HB", "HE", "HH", "MV", "NI", "NW", "RP", "SH", "SL", "SN", "ST", "TH",
)  # fmt: skip
_PLACEHOLDERS = (
    "change_me",
    "change-me",
    "changeme",
    "replace_me",
    "replace-me",
    "your-token",
    "your_token",
)


class ConfigError(Exception):
    """A configuration problem; str(error) is the one line shown at start-up."""


def _secret(env: str) -> Any:
    return field(default="", repr=False, metadata={"env": env})


@dataclass(frozen=True)
class NetworkSettings:
    name: str = "Netzwerk"
    timezone: str = "Europe/Berlin"
    language: str = "de"
    # Console identities exist only in the local terminal, so the default is harmless
    # and lets a newcomer try the coordinator commands at once.
    coordinators: tuple[str, ...] = ("console:anna",)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = field(
        default="sqlite+aiosqlite:///data/netzwerkbot.db",
        repr=False,  # may hold a password
        metadata={"env": "NETZWERKBOT_DATABASE_URL"},
    )


@dataclass(frozen=True)
class LoggingSettings:
    level: str = "INFO"


@dataclass(frozen=True)
class TelegramSettings:
    enabled: bool = False
    token: str = _secret("NETZWERKBOT_TELEGRAM_TOKEN")
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    # Webhook mode, when webhook_url is set: Telegram posts updates to that public URL,
    # which a reverse proxy passes on to webhook_listen + webhook_path.
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1:8443"
    webhook_path: str = "/telegram"
    webhook_secret: str = _secret("NETZWERKBOT_TELEGRAM_WEBHOOK_SECRET")

    @property
    def listen_address(self) -> tuple[str, int]:
        host, _, port = self.webhook_listen.rpartition(":")
        return host.strip("[]"), int(port)


@dataclass(frozen=True)
class MatrixSettings:
    enabled: bool = False
    homeserver: str = ""
    user_id: str = ""
    access_token: str = _secret("NETZWERKBOT_MATRIX_ACCESS_TOKEN")
    password: str = _secret("NETZWERKBOT_MATRIX_PASSWORD")
    # Who may invite the bot into a room: user ids, or "*:server.example" for a whole
    # homeserver. Invitations from anyone else are declined.
    invite_allowlist: tuple[str, ...] = ()
    # The bot's encryption keys; keep this folder with the database (a lost one means the
    # bot can no longer read rooms' earlier messages, and people see a new device).
    store_dir: str = "data/matrix"

    def may_invite(self, user_id: str) -> bool:
        server = user_id.partition(":")[2]
        return user_id in self.invite_allowlist or f"*:{server}" in self.invite_allowlist


@dataclass(frozen=True)
class EmailSettings:
    """An SMTP server for the members who get the minutes by email; sending only."""

    enabled: bool = False
    host: str = ""
    port: int = 587
    # "starttls" (usually port 587), "tls" (usually 465), or "none" (a relay on this machine).
    security: str = "starttls"
    username: str = ""  # "": send without logging in
    password: str = _secret("NETZWERKBOT_EMAIL_PASSWORD")
    from_address: str = ""


@dataclass(frozen=True)
class BridgeSettings:
    # People whose messages are never relayed (/bridge), as "platform:user id": other
    # bridges and bots, whose copies would otherwise come back as new messages.
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class MeetingSettings:
    # When meetings may take place, in the plain form /availability reads (English here).
    window: str = "Mon-Fri 16-21"
    slots: int = 5  # proposed by /meeting new, at most MAX_SLOTS
    poll_days: int = 3  # from publishing a poll to its deadline
    duration_minutes: int = 120  # when /meeting new names none
    within_weeks: int = 4  # how far ahead /meeting new looks, unless told
    # The German state whose public holidays are left out ("NW", "BY", …); "" for the
    # nationwide ones only.
    state: str = ""


@dataclass(frozen=True)
class ReminderSettings:
    # When private reminders come, unless people chose other hours with /reminders:
    # volunteers in the evening, staff in office hours.
    volunteer_hours: str = "17-20"
    staff_hours: str = "9-17"
    # When nothing unasked-for is sent to anyone privately; it may run past midnight.
    quiet_hours: str = "21-8"
    days_before: int = 3  # the first reminder of a commitment


@dataclass(frozen=True)
class Settings:
    network: NetworkSettings = NetworkSettings()
    database: DatabaseSettings = DatabaseSettings()
    logging: LoggingSettings = LoggingSettings()
    telegram: TelegramSettings = TelegramSettings()
    matrix: MatrixSettings = MatrixSettings()
    email: EmailSettings = EmailSettings()
    bridge: BridgeSettings = BridgeSettings()
    meetings: MeetingSettings = MeetingSettings()
    reminders: ReminderSettings = ReminderSettings()

    @property
    def enabled_platforms(self) -> tuple[str, ...]:
        enabled = tuple(name for name in ("telegram", "matrix") if getattr(self, name).enabled)
        return enabled or ("console",)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value set, for the log filter that masks them."""
        password = make_url(normalise_database_url(self.database.url)).password
        values = (
            self.telegram.token,
            self.telegram.webhook_secret,
            self.matrix.access_token,
            self.matrix.password,
            self.email.password,
            str(password) if password else "",
        )
        return tuple(value for value in values if value)

    def with_database(self, url: str) -> Settings:
        return dataclasses.replace(self, database=DatabaseSettings(url=normalise_database_url(url)))


def load_settings(path: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read `path` (None: built-in defaults), apply secrets from `environ`, validate."""
    environ = os.environ if environ is None else environ
    source = str(path) if path else "built-in defaults"
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as handle:
                raw = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError(f"{path}: file not found") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML ({error})") from None

    sections: dict[str, Any] = {}
    for section in dataclasses.fields(Settings):
        value = raw.pop(section.name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: [{section.name}] must be a table")
        section_type = typing.get_type_hints(Settings)[section.name]
        sections[section.name] = _build_section(source, section.name, section_type, value, environ)
    if raw:
        unknown = ", ".join(sorted(raw))
        known = ", ".join(f.name for f in dataclasses.fields(Settings))
        raise ConfigError(f"{source}: unknown section or key {unknown} (known sections: {known})")
    settings = Settings(**sections)
    _check(source, settings)
    return settings


def _build_section(
    source: str, name: str, cls: type, values: dict[str, Any], environ: Mapping[str, str]
) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key in values:
        if key not in known:
            raise ConfigError(
                f"{source}: [{name}] {key}: unknown key (known keys: {', '.join(known)})"
            )
    kwargs: dict[str, Any] = {}
    for key, spec in known.items():
        env_name = spec.metadata.get("env")
        if env_name and environ.get(env_name):
            kwargs[key] = environ[env_name]
        elif key in values:
            kwargs[key] = _coerce(source, name, key, hints[key], values[key])
    return cls(**kwargs)


def _coerce(source: str, section: str, key: str, hint: Any, value: Any) -> Any:
    where = f"{source}: [{section}] {key}"
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string in quotes, got {value!r}")
        return value
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f'{where}: expected a list of strings, like ["a", "b"]')
        return tuple(value)
    raise AssertionError(f"unsupported setting type {hint}")  # a programming error


def _check(source: str, settings: Settings) -> None:
    network = settings.network
    try:
        ZoneInfo(network.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{source}: [network] timezone: expected an IANA time zone such as "
            f'"Europe/Berlin", got {network.timezone!r}'
        ) from None
    languages = available_languages()
    if network.language not in languages:
        raise ConfigError(
            f"{source}: [network] language: expected one of {', '.join(languages)}, "
            f"got {network.language!r}"
        )
    for entry in network.coordinators:
        platform, _, user = entry.partition(":")
        if platform not in PLATFORMS or not user:
            raise ConfigError(
                f"{source}: [network] coordinators: expected entries like "
                f'"console:anna", "telegram:12345" or "matrix:@anna:example.org", got {entry!r}'
            )
    for entry in settings.bridge.ignore:
        platform, _, user = entry.partition(":")
        if platform not in PLATFORMS or not user:
            raise ConfigError(
                f"{source}: [bridge] ignore: expected entries like "
                f'"telegram:12345" or "matrix:@otherbridge:example.org", got {entry!r}'
            )
    if settings.logging.level.upper() not in LOG_LEVELS:
        raise ConfigError(
            f"{source}: [logging] level: expected one of {', '.join(LOG_LEVELS)}, "
            f"got {settings.logging.level!r}"
        )
    try:
        url = make_url(normalise_database_url(settings.database.url))
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"{source}: [database] url: expected a URL such as "
            '"sqlite+aiosqlite:///data/netzwerkbot.db" or "postgresql+asyncpg://user@host/db"'
        ) from None
    if url.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise ConfigError(
            f"{source}: [database] url: expected sqlite or postgresql, got {url.drivername!r}"
        )
    if url.password and _is_placeholder(str(url.password)):
        raise ConfigError(
            f"{source}: [database] url: the password is still a placeholder; set the real "
            "one, or the whole URL in NETZWERKBOT_DATABASE_URL"
        )
    _check_meetings(source, settings.meetings)
    _check_reminders(source, settings.reminders)
    if settings.telegram.enabled:
        _require_secret(source, "telegram", "token", settings.telegram.token)
        if settings.telegram.webhook_url:
            _check_webhook(source, settings.telegram)
    if settings.matrix.enabled:
        matrix = settings.matrix
        if not matrix.homeserver.startswith(("http://", "https://")):
            raise ConfigError(
                f"{source}: [matrix] homeserver: expected a URL such as "
                f'"https://matrix.example.org", got {matrix.homeserver!r}'
            )
        if not (matrix.user_id.startswith("@") and ":" in matrix.user_id):
            raise ConfigError(
                f"{source}: [matrix] user_id: expected a Matrix user id such as "
                f'"@netzwerkbot:example.org", got {matrix.user_id!r}'
            )
        for entry in matrix.invite_allowlist:
            if not re.fullmatch(r"(@[^:\s]+|\*):[^:\s]+(:\d+)?", entry):
                raise ConfigError(
                    f"{source}: [matrix] invite_allowlist: expected user ids like "
                    f'"@anna:example.org" or "*:example.org" for a whole server, got {entry!r}'
                )
        if matrix.access_token:
            _require_secret(source, "matrix", "access_token", matrix.access_token)
        else:
            _require_secret(source, "matrix", "password", matrix.password, also="access_token")
    _check_email(source, settings.email)


def _check_meetings(source: str, meetings: MeetingSettings) -> None:
    # Imported here: the parsers need Babel, which nothing else of the config does.
    from bot.availability import Unreadable, english_windows

    where = f"{source}: [meetings]"
    try:
        english_windows(meetings.window)
    except Unreadable:
        raise ConfigError(
            f'{where} window: expected days and hours such as "Mon-Fri 16-21", '
            f"got {meetings.window!r}"
        ) from None
    limits = {
        "slots": (meetings.slots, 1, 12),
        "poll_days": (meetings.poll_days, 1, 60),
        "duration_minutes": (meetings.duration_minutes, 15, 720),
        "within_weeks": (meetings.within_weeks, 1, 26),
    }
    for key, (value, low, high) in limits.items():
        if not low <= value <= high:
            raise ConfigError(f"{where} {key}: expected {low} to {high}, got {value}")
    if meetings.state and meetings.state not in GERMAN_STATES:
        raise ConfigError(
            f'{where} state: expected one of {", ".join(GERMAN_STATES)} or "", '
            f"got {meetings.state!r}"
        )


def _check_reminders(source: str, reminders: ReminderSettings) -> None:
    from bot.availability import hours

    where = f"{source}: [reminders]"
    for key in ("volunteer_hours", "staff_hours", "quiet_hours"):
        value = getattr(reminders, key)
        if hours(value, across_midnight=key == "quiet_hours") is None:
            raise ConfigError(f'{where} {key}: expected hours such as "17-20", got {value!r}')
    if not 0 <= reminders.days_before <= 30:
        raise ConfigError(f"{where} days_before: expected 0 to 30, got {reminders.days_before}")


def _check_email(source: str, email: EmailSettings) -> None:
    where = f"{source}: [email]"
    if email.security not in EMAIL_SECURITY:
        raise ConfigError(
            f"{where} security: expected one of {', '.join(EMAIL_SECURITY)}, got {email.security!r}"
        )
    if not 0 < email.port < 65536:
        raise ConfigError(f"{where} port: expected 1 to 65535, got {email.port}")
    if not email.enabled:
        return
    if not email.host:
        raise ConfigError(
            f"{where} host: required when [email] enabled = true; the SMTP server, such as "
            '"smtp.example.org"'
        )
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", email.from_address):
        raise ConfigError(
            f"{where} from_address: expected the bot's email address, such as "
            f'"netzwerkbot@example.org", got {email.from_address!r}'
        )
    if email.username:
        _require_secret(source, "email", "password", email.password)


def _check_webhook(source: str, telegram: TelegramSettings) -> None:
    where = f"{source}: [telegram]"
    if not telegram.webhook_url.startswith(("https://", "http://")):
        raise ConfigError(
            f"{where} webhook_url: expected the public URL Telegram posts to, such as "
            f'"https://bot.example.org/telegram", got {telegram.webhook_url!r}'
        )
    try:
        host, port = telegram.listen_address
        valid = bool(host) and 0 < port < 65536
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(
            f'{where} webhook_listen: expected an address and port such as "127.0.0.1:8443", '
            f"got {telegram.webhook_listen!r}"
        )
    if not telegram.webhook_path.startswith("/"):
        raise ConfigError(
            f'{where} webhook_path: expected a path such as "/telegram", '
            f"got {telegram.webhook_path!r}"
        )
    _require_secret(source, "telegram", "webhook_secret", telegram.webhook_secret)
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", telegram.webhook_secret):
        raise ConfigError(
            f"{where} webhook_secret: expected 16 to 256 letters, digits, _ or - "
            "(for example from: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )


def _require_secret(source: str, section: str, key: str, value: str, also: str = "") -> None:
    env = f"NETZWERKBOT_{section.upper()}_{key.upper()}"
    alternative = f" or {also}" if also else ""
    if not value:
        raise ConfigError(
            f"{source}: [{section}] {key}: required when [{section}] enabled = true; "
            f"set it{alternative}, or the environment variable {env}"
        )
    if _is_placeholder(value):
        raise ConfigError(
            f"{source}: [{section}] {key}: still the placeholder from config.example.toml; "
            f"set the real value, or the environment variable {env}"
        )


def _is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    return any(marker in lowered for marker in _PLACEHOLDERS)


def normalise_database_url(url: str) -> str:
    """Accept the plain driver names people know and pick the async driver for them."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def available_languages() -> tuple[str, ...]:
    """The languages that have a catalog under locales/."""
    return tuple(
        sorted(p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))
    )


def redacted(url: str) -> str:
    """A database URL fit for a log line."""
    try:
        parsed: URL = make_url(url)
    except (ArgumentError, ValueError):
        return "<unparseable url>"
    return parsed.render_as_string(hide_password=True)

"""The `netzwerkbot` command: run, chat, db, catalogs."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import SystemClock
from bot.config import ConfigError, Settings, load_settings
from bot.redact import RedactSecrets
from bot.transports import StartupError, Transport

if TYPE_CHECKING:
    from bot.registry import Capability

log = logging.getLogger("netzwerkbot")

QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "alembic", "aiosqlite", "asyncio")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(_config_path(args.config))
    except ConfigError as error:
        print(f"netzwerkbot: {error}", file=sys.stderr)
        return 2
    _configure_logging(settings, quiet=args.command == "chat")
    return int(args.func(args, settings) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netzwerkbot", description=__doc__)
    parser.add_argument(
        "--config",
        type=Path,
        help="the TOML config (default: $NETZWERKBOT_CONFIG or ./config.toml"
        " if present, else built-in defaults)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the bot with the transports the config enables")
    run.set_defaults(func=_run)

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--as", dest="user", default="anna", help="who you are at first")
    chat.add_argument(
        "--script", type=Path, help="run a transcript instead and print the bot's side"
    )
    chat.add_argument(
        "--database", help="database URL for --script (default: a throwaway SQLite file)"
    )
    chat.set_defaults(func=_chat)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply all migrations").set_defaults(func=_db_upgrade)
    revision = db_commands.add_parser("revision", help="generate a migration from the models")
    revision.add_argument("message")
    revision.set_defaults(func=_db_revision)

    catalogs = commands.add_parser("catalogs", help="translation catalogs (for developers)")
    catalog_commands = catalogs.add_subparsers(dest="catalog_command", required=True)
    update = catalog_commands.add_parser(
        "update", help="extract messages, merge into every .po (or those of LANGUAGE)"
    )
    update.add_argument("languages", nargs="*", metavar="LANGUAGE")
    update.set_defaults(func=_catalogs_update)
    check = catalog_commands.add_parser("check", help="list missing or broken translations")
    check.add_argument("languages", nargs="*", metavar="LANGUAGE")
    check.set_defaults(func=_catalogs_check)
    return parser


def _config_path(given: Path | None) -> Path | None:
    if given is not None:
        return given
    if env := os.environ.get("NETZWERKBOT_CONFIG"):
        return Path(env)
    default = Path("config.toml")
    return default if default.exists() else None


def _configure_logging(settings: Settings, quiet: bool) -> None:
    level = getattr(logging, settings.logging.level.upper())
    logging.basicConfig(
        level=max(level, logging.WARNING) if quiet else level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs request URLs, which carry the Telegram token; the others are chatty.
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    redact = RedactSecrets(settings.secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


def _capabilities() -> tuple[Capability, ...]:
    from handlers import capabilities  # late: `netzwerkbot db` needs none of it

    return capabilities()


def _run(args: argparse.Namespace, settings: Settings) -> int:
    return _live(settings, user="anna")


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    if args.script is not None:
        return _script(args.script, settings, args.database)
    return _live(settings, user=args.user, console_only=True)


def _live(settings: Settings, user: str, console_only: bool = False) -> int:
    from bot import app
    from bot.transports.console.interactive import InteractiveConsole

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        clock = SystemClock()
        transports: list[Transport] = []
        platforms = ("console",) if console_only else settings.enabled_platforms
        for platform in platforms:
            if platform == "console":
                transports.append(InteractiveConsole(clock, settings.network.tz, stop, user))
            elif platform == "telegram":
                from bot.transports.telegram.transport import TelegramTransport

                transports.append(TelegramTransport(settings.telegram))
            else:
                from bot.transports.matrix.transport import MatrixTransport

                transports.append(MatrixTransport(settings.matrix))
        if settings.email.enabled and not console_only:
            from bot.transports.email.transport import EmailTransport

            transports.append(EmailTransport(settings.email))
        await app.run(settings, clock, transports, _capabilities(), stop)

    try:
        asyncio.run(main())
    except (ConfigError, StartupError) as error:
        print(f"netzwerkbot: {error}", file=sys.stderr)
        return 2
    return 0


def _script(path: Path, settings: Settings, database: str | None) -> int:
    from bot.transports.console.script import ConsoleSession, ScriptError, parse

    try:
        steps = parse(path.read_text(encoding="utf-8"))
    except OSError as error:
        print(f"netzwerkbot: {path}: {error.strerror}", file=sys.stderr)
        return 2
    except ScriptError as error:
        print(f"netzwerkbot: {path}: {error}", file=sys.stderr)
        return 1

    async def main(url: str) -> None:
        session = ConsoleSession(
            settings.with_database(url), _capabilities(), print, base_dir=path.parent
        )
        async with session:
            await session.run(steps)

    try:
        if database:
            asyncio.run(main(database))
        else:
            with tempfile.TemporaryDirectory(prefix="netzwerkbot-") as tmp:
                asyncio.run(main(f"sqlite+aiosqlite:///{tmp}/transcript.db"))
    except ScriptError as error:
        print(f"netzwerkbot: {path}: {error}", file=sys.stderr)
        return 1
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import migrate
    from bot.db.engine import create_engine

    async def main() -> None:
        engine = create_engine(settings.database.url)
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(main())
    print("database is up to date")
    return 0


def _db_revision(args: argparse.Namespace, settings: Settings) -> int:
    from alembic import command

    from bot.db.migrate import alembic_config, head_revision

    command.revision(
        alembic_config(settings.database.url),
        message=args.message,
        autogenerate=True,
        rev_id=f"{int(head_revision()) + 1:04d}",  # numbered, as head_revision() expects
    )
    return 0


def _catalogs_update(args: argparse.Namespace, settings: Settings) -> int:
    from bot import catalogs

    catalogs.update(args.languages or None)
    return _catalogs_check(args, settings)


def _catalogs_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot import catalogs

    problems = catalogs.problems(languages=args.languages or None)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

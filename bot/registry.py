"""Explicit registration of what the bot can do. /help and the command menus are made from it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bot.errors import UserError
from bot.events import Event
from bot.i18n import N_
from bot.messages import OutgoingMessage

if TYPE_CHECKING:
    from bot.context import Context, JobContext
    from bot.db.models import Reminder
    from bot.i18n import Translator

E = TypeVar("E", bound=Event)


class Permission(StrEnum):
    EVERYONE = "everyone"
    COORDINATOR = "coordinator"


@dataclass(frozen=True, slots=True)
class Args:
    raw: str  # everything after the command, trimmed
    words: tuple[str, ...]

    @classmethod
    def parse(cls, raw: str) -> Args:
        raw = raw.strip()
        return cls(raw, tuple(raw.split()))


_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
MAX_ROW_NUMBER = 2**31 - 1  # PostgreSQL's integer: a larger one would fail the query


def row_number(word: str) -> int | None:
    """The number of a task, a slot, a version, as typed or carried by a button; None when
    `word` is not one (not digits, or beyond any row's number)."""
    if not word.isdecimal():  # not isdigit: "²" is a digit, but no number to int()
        return None
    number = int(word)
    return number if number <= MAX_ROW_NUMBER else None


def button_number(params: tuple[str, ...]) -> int:
    """The one number a button carries (a task's, a version's)."""
    number = row_number(params[0]) if len(params) == 1 else None
    if number is None:
        raise UserError(N_("This button no longer works."))
    return number


CommandHandler = Callable[["Context", Args], Awaitable[OutgoingMessage | None]]
ButtonHandler = Callable[["Context", tuple[str, ...]], Awaitable[OutgoingMessage | None]]
ReminderHandler = Callable[["JobContext", "Reminder"], Awaitable[None]]
AnswerHandler = Callable[["Context", tuple[str, ...], str], Awaitable[OutgoingMessage | None]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: CommandHandler
    help: str  # one line, a msgid marked with N_
    usage: str = ""  # the arguments as the reader sees them, a msgid marked with N_
    # The sub-command words the usage names by placeholder: {"add": subcommands.ADD}
    words: Mapping[str, str] = field(default_factory=dict)
    example: str = ""  # what may follow the command, in the reader's words; a msgid
    min_args: int = 0
    max_args: int | None = 0  # None: any number (the handler reads Args.raw)
    permission: Permission = Permission.EVERYONE
    # Its name in other languages, where Telegram allows one (a-z, 0-9, _): {"de": "hilfe"}.
    # Every name works for everyone; /help and each language's command menu show the
    # reader's.
    aliases: Mapping[str, str] = field(default_factory=dict)

    @property
    def names(self) -> set[str]:
        return {self.name, *self.aliases.values()}

    def name_in(self, language: str) -> str:
        return self.aliases.get(language, self.name)


@dataclass(frozen=True, slots=True)
class ButtonAction:
    """Buttons carry `code:arg:arg`; the code picks the handler."""

    code: str
    handler: ButtonHandler
    permission: Permission = Permission.EVERYONE


@dataclass(frozen=True, slots=True)
class AwaitedAnswer:
    """A question the bot asked privately (`Member.awaiting` is `kind:arg:arg`): the
    person's next plain message there is its answer."""

    kind: str
    handler: AnswerHandler


@dataclass(frozen=True, slots=True)
class ReminderKind:
    kind: str
    fire: ReminderHandler


@dataclass(frozen=True, slots=True)
class Listener(Generic[E]):
    """A handler for events that are neither commands nor taps: people joining or leaving
    (MembersChanged), reactions, withdrawn messages."""

    event: type[E]
    handler: Callable[[Context, E], Awaitable[OutgoingMessage | None]]


@dataclass(frozen=True, slots=True)
class Capability:
    name: str
    commands: tuple[Command, ...] = ()
    buttons: tuple[ButtonAction, ...] = ()
    reminders: tuple[ReminderKind, ...] = ()
    listeners: tuple[Listener[Any], ...] = ()
    answers: tuple[AwaitedAnswer, ...] = ()


class Registry:
    def __init__(self, capabilities: Iterable[Capability]) -> None:
        self.commands: dict[str, Command] = {}  # by every name: "help", "hilfe", "yardim"
        self._listed: list[Command] = []
        self.buttons: dict[str, ButtonAction] = {}
        self.reminders: dict[str, ReminderKind] = {}
        self.answers: dict[str, AwaitedAnswer] = {}
        self.listeners: dict[type[Event], list[Listener[Any]]] = {}
        for capability in capabilities:
            for listener in capability.listeners:
                self.listeners.setdefault(listener.event, []).append(listener)
            for command in capability.commands:
                self._listed.append(command)
                for name in command.names:
                    if not _COMMAND_NAME.fullmatch(name):
                        raise ValueError(f"{name!r} is no name Telegram allows for a command")
                    _add(self.commands, name, command)
            for button in capability.buttons:
                if ":" in button.code:
                    raise ValueError(f"button code {button.code!r} may not contain ':'")
                _add(self.buttons, button.code, button)
            for reminder in capability.reminders:
                _add(self.reminders, reminder.kind, reminder)
            for answer in capability.answers:
                _add(self.answers, answer.kind, answer)

    def listening(self, event: Event) -> list[Listener[Any]]:
        return self.listeners.get(type(event), [])

    def visible_commands(self, is_coordinator: bool) -> list[Command]:
        """The commands this person may use, in registration order."""
        return [
            command
            for command in self._listed
            if is_coordinator or command.permission is Permission.EVERYONE
        ]


def usage_line(command: Command, t: Translator, typed: str | None = None) -> str:
    """`/name ARGS`, with the argument names and sub-command words in the reader's
    language; named as the reader `typed` it, if they did, else in their language."""
    name = typed if typed in command.names else command.name_in(t.language)
    if not command.usage:
        return f"/{name}"
    words = {key: t.word(msgid) for key, msgid in command.words.items()}
    return f"/{name} {t(command.usage, **words)}"


def _add(table: dict[str, Any], key: str, value: Any) -> None:
    if key in table:
        raise ValueError(f"{key!r} is registered twice")
    table[key] = value

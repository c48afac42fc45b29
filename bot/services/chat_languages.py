"""The languages of a group chat: its posts speak the chat's language (or, where it has
none, that of whoever caused them), and a bilingual chat's posts carry a second one too.
What the bot says to one person speaks that person's language instead."""

from __future__ import annotations

from collections.abc import Callable

from bot.db.models import Channel
from bot.i18n import Catalogs, Translator
from bot.messages import OutgoingMessage, bilingual


def translators(catalogs: Catalogs, chat: Channel, fallback: str | None) -> list[Translator]:
    """The chat's language, else `fallback` (else the network's); then its second one."""
    first = catalogs.translator(chat.language or fallback)
    second = catalogs.translator(chat.second_language) if chat.second_language else None
    return [first] if second is None or second.code == first.code else [first, second]


def post(
    languages: list[Translator], build: Callable[[Translator], OutgoingMessage]
) -> OutgoingMessage:
    """`build` in the chat's language, or in both of a bilingual chat's."""
    message = build(languages[0])
    return bilingual(message, build(languages[1])) if len(languages) > 1 else message


def set_languages(chat: Channel, first: str | None, second: str | None) -> None:
    chat.language, chat.second_language = first, second if second != first else None

"""Neutral rich text to Telegram HTML, split to Telegram's message size."""

from __future__ import annotations

from bot.messages import RichText
from bot.transports import pieces
from bot.transports.html import to_html

__all__ = ["MAX_CAPTION", "MAX_TEXT", "split", "to_html", "units"]

MAX_TEXT = 4096  # in UTF-16 code units of the text as shown, after Telegram parsed the HTML
MAX_CAPTION = 1024


def split(text: RichText, limit: int = MAX_TEXT) -> list[RichText]:
    return pieces.split(text, limit)


units = pieces.units

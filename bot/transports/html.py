"""Neutral rich text as HTML, as Telegram and Matrix both take it."""

from __future__ import annotations

import html

from bot.messages import RichText, Style

_TAGS = {Style.BOLD: "b", Style.ITALIC: "i", Style.CODE: "code"}


def to_html(text: RichText) -> str:
    """Every character people wrote is escaped; only our own spans become tags."""
    parts = []
    for span in text.spans:
        escaped = html.escape(span.text, quote=False)
        tag = _TAGS.get(span.style)
        parts.append(f"<{tag}>{escaped}</{tag}>" if tag else escaped)
    return "".join(parts)

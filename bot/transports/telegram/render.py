"""Neutral rich text to Telegram HTML, split to Telegram's message size."""

from __future__ import annotations

from bot.messages import RichText, Span
from bot.transports.html import to_html

__all__ = ["MAX_CAPTION", "MAX_TEXT", "split", "to_html", "units"]

MAX_TEXT = 4096  # in UTF-16 code units of the text as shown, after Telegram parsed the HTML
MAX_CAPTION = 1024


def split(text: RichText, limit: int = MAX_TEXT) -> list[RichText]:
    """Pieces of at most `limit` characters, cut at line ends where a line allows it."""
    lines: list[list[Span]] = [[]]
    for span in text.spans:
        for index, fragment in enumerate(span.text.split("\n")):
            if index:
                lines.append([])
            if fragment:
                lines[-1].append(Span(fragment, span.style))
    chunks: list[list[Span]] = []
    size = 0
    for line in lines:
        for piece in _hard_wrap(line, limit):
            length = sum(units(s.text) for s in piece)
            if chunks and size + 1 + length <= limit:
                chunks[-1] += [Span("\n"), *piece]
                size += 1 + length
            else:
                chunks.append(list(piece))
                size = length
    # Telegram refuses a message of blanks only: such a piece (a trailing "\n") is dropped.
    pieces = [RichText(tuple(chunk)) for chunk in chunks]
    return [piece for piece in pieces if piece.plain.strip()] or [RichText()]


def units(text: str) -> int:
    """Length as Telegram counts it: characters beyond the BMP (most emoji) count twice."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _hard_wrap(line: list[Span], limit: int) -> list[list[Span]]:
    """A line longer than `limit` is cut into `limit`-sized pieces; others stay whole."""
    pieces: list[list[Span]] = [[]]
    size = 0
    for span in line:
        taken: list[str] = []
        for char in span.text:
            width = 2 if ord(char) > 0xFFFF else 1
            if size + width > limit:
                if taken:
                    pieces[-1].append(Span("".join(taken), span.style))
                pieces.append([])
                taken, size = [], 0
            taken.append(char)
            size += width
        if taken:
            pieces[-1].append(Span("".join(taken), span.style))
    return pieces

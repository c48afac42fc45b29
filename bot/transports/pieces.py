"""Long texts in pieces a platform accepts, cut at line ends where a line allows it."""

from __future__ import annotations

from bot.messages import RichText, Span


def split(text: RichText, limit: int) -> list[RichText]:
    """Pieces of at most `limit` characters (as `units` counts), cut at line ends where a
    line allows it."""
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
    # A message of blanks only is refused (Telegram): such a piece (a trailing "\n") is dropped.
    pieces = [RichText(tuple(chunk)) for chunk in chunks]
    return [piece for piece in pieces if piece.plain.strip()] or [RichText()]


def units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts it: characters beyond the BMP (most
    emoji) count twice. A safe measure for other platforms too."""
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

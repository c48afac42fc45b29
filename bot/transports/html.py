"""Neutral rich text as HTML, as Telegram and Matrix both take it, and Matrix's HTML back."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from bot.messages import RichText, Span, Style

_TAGS = {Style.BOLD: "b", Style.ITALIC: "i", Style.CODE: "code"}
_STYLE_OF = {
    "b": Style.BOLD,
    "strong": Style.BOLD,
    "i": Style.ITALIC,
    "em": Style.ITALIC,
    "code": Style.CODE,
    "pre": Style.CODE,
}
_BLOCKS = {"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre"}


def to_html(text: RichText) -> str:
    """Every character people wrote is escaped; only our own spans become tags."""
    parts = []
    for span in text.spans:
        escaped = html.escape(span.text, quote=False)
        tag = _TAGS.get(span.style)
        parts.append(f"<{tag}>{escaped}</{tag}>" if tag else escaped)
    return "".join(parts)


def from_html(markup: str) -> RichText | None:
    """A person's formatted message (Matrix's formatted_body) as spans, or None if it has
    no style both platforms have. Links keep their text, a reply's quote goes, and a style
    inside another one takes the outer one's place."""
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    spans = reader.spans
    if not any(span.style is not Style.PLAIN for span in spans):
        return None
    while spans and not spans[-1].text.strip():
        spans.pop()
    if spans:
        spans[-1] = Span(spans[-1].text.rstrip(), spans[-1].style)
    return RichText(tuple(spans))


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.spans: list[Span] = []
        self._open: list[tuple[str, Style]] = []
        self._in_reply = 0  # inside <mx-reply>: the quoted message, not this one
        self._in_pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "mx-reply":
            self._in_reply += 1
        elif tag == "br":
            self._add("\n")
        elif tag == "li":
            self._add("- ")
        if tag == "pre":
            self._in_pre += 1
        if tag in _STYLE_OF:
            self._open.append((tag, _STYLE_OF[tag]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "mx-reply":
            self._in_reply = max(0, self._in_reply - 1)
            return
        if tag == "pre":
            self._in_pre = max(0, self._in_pre - 1)
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index]
                break
        if tag in _BLOCKS:
            self._add("\n")

    def handle_data(self, data: str) -> None:
        if not self._in_pre:
            # A line break after a tag only lays out the HTML; in text it is a space.
            data = data.lstrip("\n").replace("\n", " ")
        self._add(data)

    def _add(self, text: str) -> None:
        if self._in_reply or not text:
            return
        style = self._open[0][1] if self._open else Style.PLAIN
        if self.spans and self.spans[-1].style is style:
            self.spans[-1] = Span(self.spans[-1].text + text, style)
        else:
            self.spans.append(Span(text, style))

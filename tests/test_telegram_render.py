"""Telegram HTML and message splitting: escaped, intact, within the limit."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.messages import RichText, Span, Style, bold
from bot.transports.telegram.render import MAX_TEXT, split, to_html, units

HOSTILE = st.lists(
    st.one_of(
        st.sampled_from(
            [
                '<a href="javascript:alert(1)">',
                "</b>",
                "&amp;",
                "**",
                "_",
                "`",
                "[x](y)",
                "\n",
                "\u202e",
                "\u200b",
                "\u200f",
                "👩‍👩‍👧",
                "ﷺ",
                "x" * 500,
            ]
        ),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
    ),
    max_size=60,
).map("".join)


def shown(markup: str) -> str:
    """What a reader sees: our tags gone, entities decoded."""
    return html.unescape(re.sub(r"</?(b|i|code)>", "", markup))


@settings(max_examples=300, deadline=None)
@given(text=HOSTILE, style=st.sampled_from(list(Style)))
def test_any_text_comes_back_escaped_intact_and_within_the_limit(text: str, style: Style) -> None:
    rich = RichText.of("Name: ", Span(text, style), "\nEnde")
    chunks = split(rich)
    for chunk in chunks:
        assert units(chunk.plain) <= MAX_TEXT
        markup = to_html(chunk)
        assert "<" not in re.sub(r"</?(b|i|code)>", "", markup)  # only our own tags
    assert "".join(shown(to_html(c)) for c in chunks).replace("\n", "") == (
        rich.plain.replace("\n", "")
    )


def test_long_texts_are_cut_at_line_ends() -> None:
    lines = [f"Zeile {n}: " + "x" * 90 for n in range(100)]
    chunks = split(RichText.of("\n".join(lines)))
    assert len(chunks) == 3
    assert all(len(c.plain) <= MAX_TEXT for c in chunks)
    assert chunks[1].plain.startswith("Zeile 40: ")  # a whole line starts each piece


def test_emoji_count_twice() -> None:
    chunks = split(RichText.of("😀" * 3000))
    assert [units(c.plain) for c in chunks] == [4096, 1904]


def test_styles_become_tags_and_everything_else_is_escaped() -> None:
    assert to_html(RichText.of("a < b & ", bold("<Gremium>"))) == (
        "a &lt; b &amp; <b>&lt;Gremium&gt;</b>"
    )


def test_no_piece_of_only_blanks() -> None:
    chunks = split(RichText.of("a" * 4096 + "\n\n"))
    assert [len(c.plain) for c in chunks] == [4096]

"""Platform-neutral outgoing messages: formatted text, buttons, files, replies.

Formatting is kept as spans of plain text, never as markup, so whatever a user
typed is escaped by construction when a transport renders it (HTML for
Telegram and Matrix, plain text for the console).
"""

from __future__ import annotations

import base64
import string
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

MAX_BUTTON_DATA_BYTES = 64


class Style(StrEnum):
    PLAIN = "plain"
    BOLD = "bold"
    ITALIC = "italic"
    CODE = "code"


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: Style = Style.PLAIN


def bold(text: str) -> Span:
    return Span(text, Style.BOLD)


def code(text: str) -> Span:
    return Span(text, Style.CODE)


@dataclass(frozen=True, slots=True)
class RichText:
    spans: tuple[Span, ...] = ()

    @classmethod
    def of(cls, *parts: str | Span) -> RichText:
        return cls(tuple(p if isinstance(p, Span) else Span(p) for p in parts if p))

    @classmethod
    def format(cls, template: str, **values: str | Span | RichText) -> RichText:
        """Fill a translated template; Span and RichText values keep their styles, strings
        stay plain."""
        parts: list[str | Span] = []
        for literal, name, _spec, _conversion in string.Formatter().parse(template):
            parts.append(literal)
            if name is not None:
                value = values[name]
                parts.extend(value.spans if isinstance(value, RichText) else (value,))
        return cls.of(*parts)

    def __add__(self, other: RichText | str | Span) -> RichText:
        if isinstance(other, RichText):
            return RichText(self.spans + other.spans)
        return RichText(self.spans + RichText.of(other).spans)

    @property
    def plain(self) -> str:
        return "".join(span.text for span in self.spans)

    def to_json(self) -> list[list[str]]:
        return [[span.text, span.style.value] for span in self.spans]

    @classmethod
    def from_json(cls, data: list[list[str]]) -> RichText:
        return cls(tuple(Span(text, Style(style)) for text, style in data))


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str

    def __post_init__(self) -> None:
        if not 1 <= len(self.data.encode()) <= MAX_BUTTON_DATA_BYTES:
            raise ValueError(f"button data must be 1-64 bytes, got {self.data!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """A file still on the platform it was sent on (a relayed photo, say): fetched by that
    platform's transport only when the message is sent, so it is never kept here."""

    platform: str
    ref: str
    filename: str
    mime_type: str


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    text: RichText
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachments: tuple[Attachment, ...] = ()
    remote_files: tuple[RemoteFile, ...] = ()  # sent after the attachments
    reply_to: str | None = None  # the platform's id of the message this answers
    # The platform's id of a message the bot sent that this one takes the place of: its
    # text and buttons change (a live tally); with no text and no buttons it is deleted.
    replaces: str | None = None

    @classmethod
    def plain(cls, text: str, **kwargs: Any) -> OutgoingMessage:
        return cls(RichText.of(text), **kwargs)

    @classmethod
    def deletion(cls, message_id: str) -> OutgoingMessage:
        return cls(RichText(), replaces=message_id)

    @property
    def is_deletion(self) -> bool:
        return self.replaces is not None and not self.text.plain and not self.buttons

    def to_json(self, first_data_elsewhere: bool = False) -> dict[str, Any]:
        """With `first_data_elsewhere`, the first attachment's data is left out (None):
        the outbox keeps it once for all the rows that send it."""
        return {
            "text": self.text.to_json(),
            "buttons": [[[b.label, b.data] for b in row] for row in self.buttons],
            "attachments": [
                [
                    a.filename,
                    a.mime_type,
                    None if first_data_elsewhere and n == 0 else base64.b64encode(a.data).decode(),
                ]
                for n, a in enumerate(self.attachments)
            ],
            "remote_files": [
                [f.platform, f.ref, f.filename, f.mime_type] for f in self.remote_files
            ],
            "reply_to": self.reply_to,
            "replaces": self.replaces,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], first_data: bytes | None = None) -> OutgoingMessage:
        """`first_data`: the first attachment's data, if to_json left it out."""
        return cls(
            text=RichText.from_json(data["text"]),
            buttons=tuple(
                tuple(Button(label, value) for label, value in row) for row in data["buttons"]
            ),
            attachments=tuple(
                Attachment(name, mime, _data(blob, first_data))
                for name, mime, blob in data["attachments"]
            ),
            remote_files=tuple(RemoteFile(*fields) for fields in data.get("remote_files", ())),
            reply_to=data["reply_to"],
            replaces=data.get("replaces"),  # absent in rows queued before edits existed
        )


def bilingual(first: OutgoingMessage, second: OutgoingMessage) -> OutgoingMessage:
    """One post that says a message in two languages: the second under the first, and
    each button labelled in both ("ja / evet"). Files, replies and edits are the first's."""
    buttons = first.buttons
    if [len(row) for row in first.buttons] == [len(row) for row in second.buttons]:
        buttons = tuple(
            tuple(
                one
                if one.label == other.label
                else Button(f"{one.label} / {other.label}", one.data)
                for one, other in zip(row, other_row, strict=True)
            )
            for row, other_row in zip(first.buttons, second.buttons, strict=True)
        )
    if not second.text.plain:
        return replace(first, buttons=buttons)
    return replace(first, text=first.text + "\n\n" + second.text, buttons=buttons)


def _data(blob: str | None, elsewhere: bytes | None) -> bytes:
    if blob is not None:
        return base64.b64decode(blob)
    if elsewhere is None:
        raise ValueError("an attachment's data is missing")
    return elsewhere

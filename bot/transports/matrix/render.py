"""Neutral messages as Matrix event contents.

The bot talks in m.notice (clients show it as a bot's words, and other bots do not answer
it); formatting goes as HTML with users' text escaped. Buttons become a poll: in Element a
poll is a row of answers to tap, the closest thing Matrix has to a keyboard.
"""

from __future__ import annotations

from typing import Any

from bot.messages import Button, RichText
from bot.transports.html import to_html

POLL_START = "org.matrix.msc3381.poll.start"
TEXT = "org.matrix.msc1767.text"


def notice(text: RichText, reply_to: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": text.plain,
        "format": "org.matrix.custom.html",
        "formatted_body": to_html(text).replace("\n", "<br>"),
    }
    if reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
    return content


def poll(text: RichText, buttons: tuple[tuple[Button, ...], ...]) -> dict[str, Any]:
    """A poll whose answer ids are the buttons' data; a person's vote comes back as a tap."""
    answers = [button for row in buttons for button in row]
    fallback = "\n".join([text.plain, *(f"{n}. {b.label}" for n, b in enumerate(answers, 1))])
    return {
        POLL_START: {
            "question": {TEXT: text.plain},
            "kind": "org.matrix.msc3381.poll.disclosed",
            "max_selections": 1,
            "answers": [{"id": button.data, TEXT: button.label} for button in answers],
        },
        TEXT: fallback,  # for clients that do not show polls
    }


def edit(event_id: str, text: RichText) -> dict[str, Any]:
    new = notice(text)
    return {
        **new,
        "body": f"* {new['body']}",
        "formatted_body": f"* {new['formatted_body']}",
        "m.new_content": new,
        "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
    }


def file(filename: str, mime_type: str, size: int, url: str) -> dict[str, Any]:
    kinds = {"image": "m.image", "audio": "m.audio", "video": "m.video"}
    kind = kinds.get(mime_type.partition("/")[0], "m.file")
    return {
        "msgtype": kind,
        "body": filename,
        "url": url,
        "info": {"mimetype": mime_type, "size": size},
    }

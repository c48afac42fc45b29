"""Which Telegram updates become events."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.events import MessageEvent
from bot.transports.telegram.convert import to_event

GROUP = {"id": -100, "type": "supergroup", "title": "Plenum"}


def update(**message: Any) -> Update:
    base = {"message_id": 1, "date": 0, "chat": GROUP, "text": "Hallo"}
    return Update.de_json({"update_id": 1, "message": {**base, **message}}, None)


def test_a_person_writing_is_a_message_event() -> None:
    event = to_event(update(**{"from": {"id": 7, "is_bot": False, "first_name": "Ben"}}), 1, "b")
    assert isinstance(event, MessageEvent) and event.sender.display_name == "Ben"


def test_channel_posts_and_telegrams_own_forwards_are_not_people() -> None:
    service = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
    channel = {"id": -200, "type": "channel", "title": "News"}
    assert to_event(update(**{"from": service, "is_automatic_forward": True}), 1, "b") is None
    assert to_event(update(**{"from": service, "sender_chat": channel}), 1, "b") is None
    assert (
        to_event(update(**{"from": {"id": 9, "is_bot": True, "first_name": "X"}}), 1, "b") is None
    )


def test_formatting_becomes_spans_counted_in_utf16_and_nested_styles_take_the_outer() -> None:
    ben = {"id": 7, "is_bot": False, "first_name": "Ben"}
    entities = [
        {"type": "bold", "offset": 0, "length": 9},  # "👋 fett x": the emoji is two units
        {"type": "italic", "offset": 5, "length": 2},  # inside the bold one
        {"type": "url", "offset": 10, "length": 4},  # no style of its own
        {"type": "pre", "offset": 15, "length": 4},
    ]
    message = {"from": ben, "text": "👋 fett x a.de code", "entities": entities}
    event = to_event(update(**message), 1, "b")
    assert isinstance(event, MessageEvent) and event.formatted is not None
    assert [(span.text, span.style.value) for span in event.formatted.spans] == [
        ("👋 fett x", "bold"),
        (" a.de ", "plain"),
        ("code", "code"),
    ]
    plain = to_event(update(**{"from": ben}), 1, "b")
    assert isinstance(plain, MessageEvent) and plain.formatted is None

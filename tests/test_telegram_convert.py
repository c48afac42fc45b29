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

"""Matrix events, as recorded in the inbox, to neutral events.

A recorded update is the event's own JSON plus what the sync knew about its room then:
{"room_id", "room_name", "direct", "sender_name", "event"}.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from bot.events import (
    ButtonEvent,
    ChatAddress,
    ChatKind,
    Event,
    MembersChanged,
    MessageEvent,
    Reaction,
    Retracted,
    Sender,
    Unreadable,
)
from bot.messages import RichText
from bot.transports.html import from_html

PLATFORM = "matrix"
DIRECT = "direct:"  # a private chat's id: "direct:@anna:example.org"
FILE_MESSAGES = ("m.file", "m.image", "m.audio", "m.video")
# The largest file the bot fetches: Telegram's limit for bots, so that the bot's answer
# ("at most 20 MB") holds on both.
_QUOTED_AUTHOR = re.compile(r"^> <(@[^>\s]+)>")
_PILL = re.compile(
    r'<a\s[^>]*href="https://matrix\.to/#/(?P<id>(?:@|%40)[^"/?]+)[^"]*"[^>]*>(?P<name>.*?)</a>',
    re.IGNORECASE | re.DOTALL,
)
MAX_DOWNLOAD = 20 * 1024 * 1024
POLL_STARTS = ("m.poll.start", "org.matrix.msc3381.poll.start")
POLL_RESPONSES = ("m.poll.response", "org.matrix.msc3381.poll.response")
# Reactions Element offers for numbers, 1 to 10, with and without the emoji variation mark.
KEYCAPS = {
    **{f"{n}\ufe0f\u20e3": n for n in range(10)},
    **{f"{n}\u20e3": n for n in range(10)},
    "\U0001f51f": 10,
}


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file in a Matrix message, not fetched yet."""

    url: str  # mxc://server/id
    filename: str
    mime_type: str
    size: int | None
    # In an encrypted room, the file is encrypted too: the "file" object (key, iv, hash).
    encryption: dict[str, Any] | None = None


def direct_chat(user_id: str, display_name: str | None = None) -> ChatAddress:
    """A person's private chat with the bot, by the person: the transport finds (or makes)
    the room, so that it stays one chat whichever direct room they use."""
    return ChatAddress(PLATFORM, DIRECT + user_id, ChatKind.PRIVATE, display_name or user_id)


def chat_address(payload: dict[str, Any]) -> ChatAddress:
    if payload.get("direct"):
        author = payload["event"]["sender"]
        return direct_chat(author, payload.get("sender_name"))
    return ChatAddress(PLATFORM, payload["room_id"], ChatKind.GROUP, payload.get("room_name"))


def sender(user_id: str, display_name: str | None) -> Sender:
    return Sender(
        PLATFORM,
        user_id,
        display_name or user_id,
        username=user_id.removeprefix("@"),  # mentioned as @anna:example.org
        private_chat=direct_chat(user_id, display_name),
    )


def to_event(payload: dict[str, Any], receipt: int, own_user_id: str) -> Event | None:
    """The neutral event for a recorded Matrix event, or None for what the bot ignores."""
    source: dict[str, Any] = payload.get("event") or {}
    kind, author = source.get("type"), source.get("sender")
    if author == own_user_id:
        return _bot_joined(payload, source, receipt)
    if not isinstance(author, str):
        return None
    chat = chat_address(payload)
    person = sender(author, payload.get("sender_name"))
    content = source.get("content")
    if not isinstance(content, dict):
        return None
    common: dict[str, Any] = {"chat": chat, "receipt": receipt, "raw": source}
    if kind == "m.room.message":
        return _message(content, source, person, common, own_user_id)
    if kind == "m.sticker":  # a picture; its body only describes it
        return MessageEvent(
            sender=person, message_id=str(source.get("event_id")), text="", **common
        )
    if kind in POLL_RESPONSES:
        return _poll_answer(kind, content, person, common)
    if kind == "m.room.member":
        return _membership(content, source, person, common)
    if kind == "m.reaction":
        relation = content.get("m.relates_to") or {}
        target, key = relation.get("event_id"), relation.get("key")
        if relation.get("rel_type") != "m.annotation" or not target or not isinstance(key, str):
            return None
        return Reaction(sender=person, message_id=str(target), key=key, **common)
    if kind == "m.room.redaction":
        # Room versions before 11 name the redacted event outside the content.
        target = content.get("redacts") or source.get("redacts")
        return Retracted(sender=person, message_id=str(target), **common) if target else None
    if kind == "m.room.encrypted":  # still encrypted after the sync: no key for it
        return Unreadable(sender=person, message_id=source.get("event_id"), **common)
    return None


def _message(
    content: dict[str, Any],
    source: dict[str, Any],
    person: Sender,
    common: dict[str, Any],
    own_user_id: str,
) -> MessageEvent | None:
    if content.get("msgtype") == "m.notice":
        return None  # bots talk in notices; answering them would start a loop
    relation = content.get("m.relates_to") or {}
    if relation.get("rel_type") == "m.replace":
        new = content.get("m.new_content") or {}
        return MessageEvent(
            sender=person,
            message_id=str(relation.get("event_id")),
            text=str(new.get("body", "")),
            formatted=_formatted(new),
            edited=True,
            **common,
        )
    reply = (relation.get("m.in_reply_to") or {}).get("event_id")
    body = str(content.get("body", ""))
    if content.get("msgtype") in FILE_MESSAGES:
        # The body is the file's name, or its caption when a "filename" is given too.
        filename = content.get("filename")
        body = body if isinstance(filename, str) and filename != body else ""
    replied_to = _replied_to(content, body) if reply else None
    if replied_to == own_user_id:
        replied_to = None  # an answer to the bot: nobody's task
    text = without_reply_fallback(body) if reply else body
    formatted = content.get("formatted_body")
    return MessageEvent(
        sender=person,
        message_id=str(source.get("event_id")),
        text=with_mentioned_ids(text, formatted) if isinstance(formatted, str) else text,
        formatted=_formatted(content) if body else None,
        reply_to=str(reply) if reply else None,
        reply_to_sender=sender(replied_to, None) if replied_to else None,
        **common,
    )


def _formatted(content: dict[str, Any]) -> RichText | None:
    markup = content.get("formatted_body")
    if content.get("format") != "org.matrix.custom.html" or not isinstance(markup, str):
        return None
    return from_html(markup)


def _replied_to(content: dict[str, Any], body: str) -> str | None:
    """Who wrote the message replied to: clients mention them (m.mentions), older ones
    quote them in the body ("> <@ben:example.org> ...")."""
    mentioned = (content.get("m.mentions") or {}).get("user_ids")
    if isinstance(mentioned, list) and mentioned and isinstance(mentioned[0], str):
        return mentioned[0]
    quoted = _QUOTED_AUTHOR.match(body)
    return quoted[1] if quoted else None


def with_mentioned_ids(text: str, formatted: str) -> str:
    """A mention (pill) shows a display name in the body; its link in the HTML names the
    user id, which is what the text gets, so "@Ben Meyer" becomes "@ben:example.org"."""
    for found in _PILL.finditer(formatted):
        user_id = unquote(found["id"])
        name = html.unescape(re.sub(r"<[^>]*>", "", found["name"])).strip()
        if not name or not user_id.startswith("@"):
            continue
        for shown in (f"@{name}", name):
            if shown in text:
                text = text.replace(shown, user_id, 1)
                break
    return text


def attached_file(payload: dict[str, Any]) -> FileRef | None:
    source = payload.get("event") or {}
    content = source.get("content") or {}
    if content.get("msgtype") not in FILE_MESSAGES and source.get("type") != "m.sticker":
        return None
    encrypted: dict[str, Any] | None = content.get("file")
    if not isinstance(encrypted, dict):
        encrypted = None
    url = (encrypted or content).get("url")
    if not isinstance(url, str) or not url.startswith("mxc://"):
        return None
    info = content.get("info")
    if not isinstance(info, dict):
        info = {}
    size = info.get("size")
    filename = content.get("filename") or content.get("body") or "file"
    if source.get("type") == "m.sticker":
        filename = "sticker"
    return FileRef(
        url=url,
        filename=str(filename)[:255],
        mime_type=str(info.get("mimetype") or "application/octet-stream"),
        size=size if isinstance(size, int) else None,
        encryption=encrypted,
    )


def _poll_answer(
    kind: str, content: dict[str, Any], person: Sender, common: dict[str, Any]
) -> ButtonEvent | None:
    """A tap on one of the bot's polls: its answer ids are the buttons' data."""
    answers = (content.get(kind) or {}).get("answers") or []
    poll = (content.get("m.relates_to") or {}).get("event_id")
    if not answers or not isinstance(answers[0], str) or not poll:
        return None
    return ButtonEvent(sender=person, message_id=str(poll), data=answers[0], **common)


def _membership(
    content: dict[str, Any], source: dict[str, Any], person: Sender, common: dict[str, Any]
) -> MembersChanged | None:
    member = source.get("state_key")
    membership = content.get("membership")
    previous = ((source.get("unsigned") or {}).get("prev_content") or {}).get("membership")
    if not isinstance(member, str) or membership == previous:
        return None  # a new display name or avatar, not a join or a leave
    changed = sender(member, content.get("displayname"))
    if membership == "join":
        return MembersChanged(sender=person, joined=(changed,), **common)
    if membership in ("leave", "ban") and previous == "join":
        return MembersChanged(sender=person, left=(changed,), **common)
    return None


def chosen_number(event: Event) -> tuple[str, int] | None:
    """(the message, n) if the event may pick answer n of a poll there: a number reaction
    to it, or a reply that is just a number. That is how people vote in clients that show
    a poll as its fallback text, a numbered list."""
    if isinstance(event, Reaction) and event.key in KEYCAPS and event.message_id:
        return event.message_id, KEYCAPS[event.key]
    if isinstance(event, MessageEvent) and event.reply_to and not event.edited:
        text = event.text.strip()
        if text.isascii() and text.isdigit() and len(text) <= 2:
            return event.reply_to, int(text)
    return None


def vote(event: Event, poll: dict[str, Any], number: int, own_user_id: str) -> ButtonEvent | None:
    """Answer `number` of `poll` (an event's JSON) as a tap, if it is one of the bot's polls."""
    kind = poll.get("type")
    if poll.get("sender") != own_user_id or kind not in POLL_STARTS:
        return None
    answers = ((poll.get("content") or {}).get(kind) or {}).get("answers") or []
    if not 1 <= number <= len(answers) or not isinstance(answers[number - 1], dict):
        return None
    data = answers[number - 1].get("id")
    if not isinstance(data, str):
        return None
    return ButtonEvent(
        chat=event.chat,
        sender=event.sender,
        message_id=poll.get("event_id"),
        data=data,
        receipt=event.receipt,
        raw=event.raw,
    )


def _bot_joined(payload: dict[str, Any], source: dict[str, Any], receipt: int) -> Event | None:
    """The bot's own join to a group it was invited to, in the name of who invited it (for
    the greeting's language); its other events, which come back in every sync, are None."""
    unsigned = source.get("unsigned") or {}
    inviter = unsigned.get("prev_sender")  # Synapse's; without it, no greeting
    joined = (
        source.get("type") == "m.room.member"
        and source.get("state_key") == source.get("sender")
        and (source.get("content") or {}).get("membership") == "join"
        and (unsigned.get("prev_content") or {}).get("membership") == "invite"
    )
    if not joined or payload.get("direct") or not isinstance(inviter, str):
        return None
    return MembersChanged(
        chat=chat_address(payload),
        sender=sender(inviter, payload.get("inviter_name")),
        bot_joined=True,
        receipt=receipt,
        raw=source,
    )


def without_reply_fallback(body: str) -> str:
    """Older clients start a reply's body with the quoted message: "> <@user:server> ..."
    lines, then a blank line. Newer ones do not, and a person's own quote stays."""
    lines = body.split("\n")
    if not lines[0].startswith("> <@"):
        return body
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index == len(lines) or lines[index] != "":
        return body
    return "\n".join(lines[index + 1 :])

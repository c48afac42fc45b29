"""Matrix events to neutral events, and the homeserver's errors to the outbox's terms."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nio import RoomSendError

from bot.events import ButtonEvent, ChatKind, MembersChanged, MessageEvent, Reaction, Retracted
from bot.messages import RichText
from bot.transports import PermanentFailure, RetryLater
from bot.transports.matrix.convert import (
    attached_file,
    chosen_number,
    to_event,
    vote,
    without_reply_fallback,
)
from bot.transports.matrix.transport import _check, _notices

BOT = "@netzwerkbot:example.org"


def recorded(event: dict[str, Any], direct: bool = False) -> dict[str, Any]:
    base = {"event_id": "$e1", "sender": "@anna:example.org", "origin_server_ts": 0}
    return {
        "room_id": "!room:example.org",
        "room_name": "Plenum",
        "direct": direct,
        "sender_name": "Anna",
        "event": {**base, **event},
    }


def text(body: str, **content: Any) -> dict[str, Any]:
    return {"type": "m.room.message", "content": {"msgtype": "m.text", "body": body, **content}}


def test_a_reply_loses_its_quote_and_knows_what_it_answers() -> None:
    body = "> <@ben:example.org> Wann treffen wir uns?\n> Bitte bald\n\n/members"
    reply = {"m.relates_to": {"m.in_reply_to": {"event_id": "$q"}}}
    event = to_event(recorded(text(body, **reply)), 1, BOT)
    assert isinstance(event, MessageEvent)
    assert (event.text, event.reply_to) == ("/members", "$q")
    quoting = "> Wer kommt?\n\nIch komme."  # a newer client's reply: no quote to remove
    assert without_reply_fallback(quoting) == quoting


def test_a_reply_names_whom_it_answers_and_pills_become_user_ids() -> None:
    quoted = "> <@ben:example.org> Ich kann die Flyer drucken\n\n/task Flyer bis Freitag"
    reply = {"m.relates_to": {"m.in_reply_to": {"event_id": "$q"}}}
    event = to_event(recorded(text(quoted, **reply)), 1, BOT)
    assert isinstance(event, MessageEvent) and event.reply_to_sender is not None
    assert event.reply_to_sender.user_id == "@ben:example.org"
    mentioned = {**reply, "m.mentions": {"user_ids": ["@cem:example.org"]}}
    event = to_event(recorded(text("/task Raum buchen bis Montag", **mentioned)), 1, BOT)
    assert isinstance(event, MessageEvent) and event.reply_to_sender is not None
    assert event.reply_to_sender.user_id == "@cem:example.org"
    to_the_bot = {**reply, "m.mentions": {"user_ids": [BOT]}}
    event = to_event(recorded(text("/task x bis Montag", **to_the_bot)), 1, BOT)
    assert isinstance(event, MessageEvent) and event.reply_to_sender is None
    pill = (
        '/task <a href="https://matrix.to/#/%40ben%3Aexample.org">Ben &amp; Co</a> Flyer '
        'Vertretung <a href="https://matrix.to/#/@cem:example.org?via=x">@Cem</a>'
    )
    body = "/task Ben & Co Flyer Vertretung @Cem"
    event = to_event(
        recorded(text(body, formatted_body=pill, format="org.matrix.custom.html")), 1, BOT
    )
    assert isinstance(event, MessageEvent)
    assert event.text == "/task @ben:example.org Flyer Vertretung @cem:example.org"


def test_an_edit_is_marked_as_one_of_the_message_it_replaces() -> None:
    edit = {
        "m.new_content": {"msgtype": "m.text", "body": "/setup Vorstand"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": "$original"},
    }
    event = to_event(recorded(text("* /setup Vorstand", **edit)), 1, BOT)
    assert isinstance(event, MessageEvent)
    assert (event.edited, event.message_id, event.text) == (True, "$original", "/setup Vorstand")


def test_notices_and_the_bots_own_events_are_not_answered() -> None:
    notice = {"type": "m.room.message", "content": {"msgtype": "m.notice", "body": "/help"}}
    assert to_event(recorded(notice), 1, BOT) is None
    assert to_event(recorded({**text("/help"), "sender": BOT}), 1, BOT) is None


def test_a_direct_room_is_the_persons_private_chat() -> None:
    event = to_event(recorded(text("/help"), direct=True), 1, BOT)
    assert event is not None
    assert event.chat.kind is ChatKind.PRIVATE
    assert event.chat.chat_id == "direct:@anna:example.org"
    assert event.sender.private_chat == event.chat


def test_joins_and_leaves_but_not_new_names() -> None:
    def member(membership: str, previous: str | None) -> dict[str, Any]:
        unsigned = {"prev_content": {"membership": previous}} if previous else {}
        return {
            "type": "m.room.member",
            "state_key": "@ben:example.org",
            "content": {"membership": membership, "displayname": "Ben"},
            "unsigned": unsigned,
        }

    joined = to_event(recorded(member("join", "invite")), 1, BOT)
    assert isinstance(joined, MembersChanged) and joined.joined[0].user_id == "@ben:example.org"
    left = to_event(recorded(member("leave", "join")), 1, BOT)
    assert isinstance(left, MembersChanged) and left.left[0].display_name == "Ben"
    assert to_event(recorded(member("join", "join")), 1, BOT) is None


def test_reactions_and_redactions() -> None:
    thumbs = {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$minutes", "key": "👍"}}
    reaction = to_event(recorded({"type": "m.reaction", "content": thumbs}), 1, BOT)
    assert isinstance(reaction, Reaction)
    assert (reaction.message_id, reaction.key) == ("$minutes", "👍")
    # Room version 11 names the redacted event in the content, older ones beside it.
    for redaction in (
        {"type": "m.room.redaction", "content": {"redacts": "$oops"}},
        {"type": "m.room.redaction", "content": {}, "redacts": "$oops"},
    ):
        retracted = to_event(recorded(redaction), 1, BOT)
        assert isinstance(retracted, Retracted)
        assert retracted.message_id == "$oops"
    odd = {"m.relates_to": {"rel_type": "m.reference", "event_id": "$x", "key": "👍"}}
    assert to_event(recorded({"type": "m.reaction", "content": odd}), 1, BOT) is None
    assert to_event(recorded({"type": "m.room.redaction", "content": {}}), 1, BOT) is None


def test_a_number_reaction_or_a_numbered_reply_to_the_bots_poll_is_a_tap() -> None:
    kind = "org.matrix.msc3381.poll.start"
    answers = [{"id": "lang:de", "org.matrix.msc1767.text": "Deutsch"}, {"id": "lang:en"}]
    poll = {
        "type": kind,
        "sender": BOT,
        "event_id": "$poll",
        "content": {kind: {"answers": answers}},
    }

    def react(key: str) -> dict[str, Any]:
        relation = {"rel_type": "m.annotation", "event_id": "$poll", "key": key}
        return recorded({"type": "m.reaction", "content": {"m.relates_to": relation}})

    reply = {"m.relates_to": {"m.in_reply_to": {"event_id": "$poll"}}}
    for payload, number in [
        (react("2️⃣"), 2),
        (react("2\u20e3"), 2),
        (recorded(text("> <@netzwerkbot:example.org> Sprache?\n\n 1 ", **reply)), 1),
    ]:
        event = to_event(payload, 7, BOT)
        assert event is not None
        assert chosen_number(event) == ("$poll", number)
        tap = vote(event, poll, number, BOT)
        assert isinstance(tap, ButtonEvent)
        assert (tap.data, tap.message_id, tap.receipt) == (answers[number - 1]["id"], "$poll", 7)
    for not_a_choice in (react("👍"), recorded(text("12a", **reply)), recorded(text("1"))):
        event = to_event(not_a_choice, 1, BOT)
        assert event is not None and chosen_number(event) is None
    event = to_event(react("🔟"), 1, BOT)
    assert event is not None and chosen_number(event) == ("$poll", 10)
    assert vote(event, poll, 10, BOT) is None  # no tenth answer
    assert vote(event, {**poll, "sender": "@mallory:example.org"}, 1, BOT) is None
    assert vote(event, {**poll, "type": "m.room.message"}, 1, BOT) is None


def test_a_file_message_names_its_file_and_its_caption_is_the_text() -> None:
    plain = recorded(text("Foto.jpg", msgtype="m.image", url="mxc://example.org/abc"))
    event = to_event(plain, 1, BOT)
    assert isinstance(event, MessageEvent) and event.text == ""  # the body is the name
    file = attached_file(plain)
    assert file is not None and (file.url, file.filename, file.mime_type, file.size) == (
        "mxc://example.org/abc",
        "Foto.jpg",
        "application/octet-stream",
        None,
    )
    captioned = recorded(
        text("/help", msgtype="m.file", filename="a.pdf", file={"url": "mxc://example.org/x"})
    )
    event = to_event(captioned, 1, BOT)
    assert isinstance(event, MessageEvent) and event.text == "/help"
    file = attached_file(captioned)
    assert file is not None and file.encryption == {"url": "mxc://example.org/x"}
    for odd in (
        text("a.pdf", msgtype="m.file", url="https://elsewhere.example/a.pdf"),
        text("a.pdf", msgtype="m.file"),
        text("/help"),
    ):
        assert attached_file(recorded(odd)) is None


def test_the_bots_own_join_after_an_invitation_greets_in_the_inviters_name() -> None:
    join = {
        "type": "m.room.member",
        "sender": BOT,
        "state_key": BOT,
        "content": {"membership": "join"},
        "unsigned": {"prev_content": {"membership": "invite"}, "prev_sender": "@anna:example.org"},
    }
    event = to_event({**recorded(join), "inviter_name": "Anna"}, 1, BOT)
    assert isinstance(event, MembersChanged) and event.bot_joined
    assert (event.sender.user_id, event.sender.display_name) == ("@anna:example.org", "Anna")
    assert event.joined == () and event.chat.kind is ChatKind.GROUP
    assert to_event(recorded(join, direct=True), 1, BOT) is None  # a private chat: no hello
    unknown = {**join, "unsigned": {"prev_content": {"membership": "invite"}}}
    assert to_event(recorded(unknown), 1, BOT) is None  # nobody to greet in the name of
    created = {**join, "unsigned": {}}  # a room the bot made itself
    assert to_event(recorded(created), 1, BOT) is None


def test_the_homeservers_errors_in_the_outboxs_terms() -> None:
    with pytest.raises(RetryLater) as limited:
        _check(RoomSendError("Too many requests", "M_LIMIT_EXCEEDED", retry_after_ms=2500))
    assert limited.value.seconds == 2.5
    with pytest.raises(PermanentFailure):
        _check(RoomSendError("You are not in this room", "M_FORBIDDEN"))
    with pytest.raises(ConnectionError):  # anything else: tried again
        _check(RoomSendError("Internal error", "M_UNKNOWN_ERROR"))


def test_a_long_text_goes_in_pieces_each_under_the_homeservers_limit() -> None:
    lines = [f"{n}. Aufgabe & <Nummer> {n} – Ünïcödé 👩‍👩‍👧 «{'&' * 20}»" for n in range(1, 2001)]
    contents = _notices(RichText.of("\n".join(lines)), reply_to="$q")
    assert len(contents) > 1
    assert all(len(json.dumps(c, ensure_ascii=False).encode()) <= 60_000 for c in contents)
    assert "\n".join(c["body"] for c in contents).split("\n") == lines  # none lost
    assert "m.relates_to" in contents[0] and "m.relates_to" not in contents[1]


def test_formatted_html_becomes_spans_without_the_quoted_reply() -> None:
    html = (
        "<mx-reply><blockquote>old <b>words</b></blockquote></mx-reply>"
        "<p><strong>Wichtig:</strong> <em>heute <b>nicht</b></em><br />\n"
        '<a href="https://matrix.to/#/@ben:example.org">Ben</a> &lt;3</p>'
        "<ul><li><code>x</code></li></ul><pre><code>a\n  b\n</code></pre>"
    )
    content = {"msgtype": "m.text", "body": "…", "format": "org.matrix.custom.html"}
    event = to_event(
        recorded({"type": "m.room.message", "content": {**content, "formatted_body": html}}), 1, BOT
    )
    assert isinstance(event, MessageEvent) and event.formatted is not None
    assert [(span.text, span.style.value) for span in event.formatted.spans] == [
        ("Wichtig:", "bold"),
        (" ", "plain"),
        ("heute nicht", "italic"),
        ("\nBen <3\n- ", "plain"),
        ("x", "code"),
        ("\n", "plain"),
        ("a\n  b", "code"),
    ]
    unstyled = {**content, "formatted_body": "<p>nur Text</p>"}
    event = to_event(recorded({"type": "m.room.message", "content": unstyled}), 1, BOT)
    assert isinstance(event, MessageEvent) and event.formatted is None


def test_a_sticker_is_a_message_with_its_picture() -> None:
    content = {"body": "thumbs up", "url": "mxc://example.org/s", "info": {"mimetype": "image/png"}}
    payload = recorded({"type": "m.sticker", "content": content})
    event = to_event(payload, 1, BOT)
    assert isinstance(event, MessageEvent) and event.text == ""
    found = attached_file(payload)
    assert found is not None and found.url == "mxc://example.org/s"
    assert (found.filename, found.mime_type) == ("sticker", "image/png")

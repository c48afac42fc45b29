"""What the bridge says: the relayed copy of a person's message, and what each chat is told."""

from __future__ import annotations

from collections.abc import Sequence

from bot.db.models import Channel, Member, Relay
from bot.events import IncomingFile
from bot.i18n import N_, Translator
from bot.messages import Attachment, OutgoingMessage, RemoteFile, RichText, bold


def chat_name(chat: Channel) -> str:
    """How people know a chat: its title, and where it is."""
    return f"{chat.title or chat.chat_id} ({chat.platform.capitalize()})"


def copy(
    t: Translator,
    person: Member,
    text: RichText,
    platform: str = "",
    files: Sequence[IncomingFile] = (),
) -> OutgoingMessage:
    """A person's message in the other chats: their name in bold, and their member number
    so that two people of the same name are told apart. `files` were sent on `platform`:
    those too large to fetch are named instead."""
    too_large = [file.filename for file in files if file.data is None and file.ref is None]
    if too_large:
        note = t(N_("({files}: too large for me to pass on, at most 20 MB)"),
                 files=t.listing(too_large))  # fmt: skip
        text = text + ("\n" if text.plain else "") + note
    return OutgoingMessage(
        RichText.format(
            t(N_("{name} #{number}: {text}")),
            name=bold(person.display_name),
            number=str(person.id),
            text=text,
        ),
        attachments=tuple(
            Attachment(file.filename, file.mime_type, file.data)
            for file in files
            if file.data is not None
        ),
        remote_files=tuple(
            RemoteFile(platform, file.ref, file.filename, file.mime_type)
            for file in files
            if file.data is None and file.ref is not None
        ),
    )


def relayed_to(t: Translator, others: Sequence[Channel]) -> OutgoingMessage:
    return OutgoingMessage.plain(
        t(
            N_(
                "From now on I relay the messages in this chat to {chats}, and theirs to "
                "here, with the writer's name. Commands to me and my answers stay where "
                "they are."
            ),
            chats=t.listing([chat_name(chat) for chat in others]),
        )
    )


def no_longer_relayed(t: Translator) -> OutgoingMessage:
    return OutgoingMessage.plain(
        t(N_("I no longer relay the messages in this chat to the circle's other chats."))
    )


def status(t: Translator, circle: str, chats: Sequence[Channel], on: bool) -> OutgoingMessage:
    listed = t.listing([chat_name(chat) for chat in chats])
    if on:
        text = t(N_("The bridge of {circle} is on: I relay between {chats}."), circle=circle,
                 chats=listed)  # fmt: skip
    else:
        text = t(N_("The bridge of {circle} is off. Its group chats: {chats}."), circle=circle,
                 chats=listed)  # fmt: skip
    return OutgoingMessage.plain(text)


def undelivered(t: Translator, kind: Relay, target: Channel) -> OutgoingMessage:
    """Said in answer to a message whose copy (or the change to it) did not reach `target`."""
    chat = chat_name(target)
    if kind is Relay.EDIT:
        text = t(N_("I could not pass on the change to this message to {chat}."), chat=chat)
    elif kind is Relay.DELETION:
        text = t(N_("I could not delete the copy of this message in {chat}. Please ask "
                    "someone there who may delete messages."), chat=chat)  # fmt: skip
    else:
        text = t(N_("I could not pass on this message to {chat}."), chat=chat)
    return OutgoingMessage.plain(text)

"""Minutes by email: members who gave an address get the version and the record through a
real SMTP server on loopback; /email and its bad input."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from bot.config import EmailSettings, Settings
from bot.transports.email.transport import EmailTransport
from handlers import capabilities
from tests.helpers import Chat
from tests.smtp_running import FROM, Mailbox
from tests.test_minutes import MINUTES, markdown
from tests.test_minutes_approval import _plenum


@pytest.fixture
async def mailing(
    settings: Settings, mailbox: tuple[Mailbox, int]
) -> AsyncIterator[tuple[Chat, Mailbox]]:
    box, port = mailbox
    email = EmailSettings(
        enabled=True, host="127.0.0.1", port=port, security="none", from_address=FROM
    )
    with_email = dataclasses.replace(settings, email=email)
    async with Chat(with_email, capabilities(), others=(EmailTransport(email),)) as chat:
        yield chat, box


def _emails(box: Mailbox) -> list[EmailMessage]:
    found = []
    for envelope in box.received:
        content = envelope.original_content
        assert isinstance(content, bytes)
        parsed = message_from_bytes(content.replace(b"\r\n", b"\n"), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


async def test_who_asked_gets_the_minutes_and_the_record_by_email(
    mailing: tuple[Chat, Mailbox],
) -> None:
    chat, box = mailing
    await _plenum(chat, "mehrheit")
    said = await chat.ask("cem", None, "/email cem@verein.example")
    assert "Ab jetzt schicke ich Ihnen die Protokolle auch per E-Mail" in said
    assert "cem@verein.example" in await chat.ask("cem", None, "/email")
    await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES))
    (version,) = _emails(box)
    assert version["To"] == "cem@verein.example" and version["From"] == FROM
    assert version["Subject"] == "Protokoll von Plenum im November am 21.11.2026, Version 1"
    body = version.get_body(("plain",))
    assert body is not None and "Wir mieten den Saal im Rathaus." in body.get_content()
    (attached,) = version.iter_attachments()
    assert attached.get_filename() == "protokoll.md"
    assert attached.get_payload(decode=True) == MINUTES.encode()

    await chat.tap_and_read("ben", None, "Zustimmen")
    _, record = _emails(box)
    assert record["Subject"].endswith("Version 1: freigegeben.")
    assert "- cem: keine Antwort" in record.get_content()

    assert "keine E-Mails mehr" in await chat.ask("cem", None, "/email aus")
    await chat.send_and_read("anna", "plenum", "/minutes", markdown(MINUTES + "\nNachtrag"))
    assert len(box.received) == 2


async def test_bad_email_addresses_are_explained(mailing: tuple[Chat, Mailbox]) -> None:
    chat, _ = mailing
    await _plenum(chat)
    await chat.ask("ben", None, "/email ben@verein.example")
    before = (await chat.rows())["channels"]
    for user, channel, text, expected in [
        ("cem", None, "/email cem", "„cem“ ist keine E-Mail-Adresse"),
        ("cem", None, "/email cem@@x.de", "ist keine E-Mail-Adresse"),
        ("cem", None, "/email " + "a" * 250 + "@x.de", "ist keine E-Mail-Adresse"),
        ("cem", "plenum", "/email cem@verein.example", "in unserem privaten Chat"),
        ("cem", None, "/email ben@verein.example", "hat schon jemand anderes angegeben"),
        ("cem", None, "/email a@b.de c@d.de", "So geht es: /email"),
    ]:
        said = await chat.ask(user, channel, text)
        assert expected in said, (text, said)
    assert (await chat.rows())["channels"] == before


async def test_without_an_smtp_server_there_is_no_email(chat: Chat) -> None:
    said = await chat.ask("anna", None, "/email anna@verein.example")
    assert "Dieses Netzwerk verschickt keine E-Mails." in said

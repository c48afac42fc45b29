"""The email transport against a real SMTP server (aiosmtpd) on loopback, and its config."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, EmailSettings, load_settings
from bot.events import ChatAddress, ChatKind
from bot.messages import Attachment, Button, OutgoingMessage, RichText, bold
from bot.transports import PermanentFailure, Progress, RetryLater
from bot.transports.email.transport import MAX_SUBJECT, EmailTransport, MailNotSent, subject
from tests.ports import free_port
from tests.smtp_running import FROM, PASSWORD, Mailbox

ANNA = ChatAddress("email", "anna@stadt.example", ChatKind.EMAIL, "Anna")
PDF = bytes(range(256)) * 40  # every byte value, so any mangling shows


def transport(port: int, **changes: Any) -> EmailTransport:
    values: dict[str, Any] = {
        "enabled": True,
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from_address": FROM,
    }
    return EmailTransport(EmailSettings(**(values | changes)))


MINUTES = OutgoingMessage(
    RichText.of(bold("Protokoll Plenum 12.03."), "\n\nBeschlüsse:\n1. Sommerfest am 5.7."),
    buttons=((Button("Gelesen", "read:1"),),),
    attachments=(Attachment("protokoll.pdf", "application/pdf", PDF),),
)


async def test_the_minutes_arrive_with_their_attachment_intact(
    mailbox: tuple[Mailbox, int],
) -> None:
    box, port = mailbox
    progress = Progress(key="outbox-7")
    message_id = await transport(port).send(ANNA, MINUTES, progress)

    assert message_id == "<outbox-7@verein.example>"
    assert progress.parts_done == 1
    envelope = box.received[0]
    assert (envelope.mail_from, envelope.rcpt_tos) == (FROM, ["anna@stadt.example"])
    mail = box.only_email()
    assert mail["From"] == FROM
    assert mail["To"] == "anna@stadt.example"
    assert mail["Subject"] == "Protokoll Plenum 12.03."
    assert mail["Message-ID"] == message_id
    assert mail["Date"] is not None
    body = mail.get_body(("plain",))
    assert body is not None
    assert body.get_content().rstrip("\n") == MINUTES.text.plain
    assert "Gelesen" not in body.get_content()  # buttons cannot work in an email
    [attachment] = mail.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "protokoll.pdf"
    assert attachment.get_payload(decode=True) == PDF


async def test_umlauts_and_arabic_survive(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    text = "Einladung für Jürgen – Grüße\nمرحبا بكم في اجتماع الشبكة\nÄÖÜß"
    message = OutgoingMessage.plain(
        text, attachments=(Attachment("Übersicht_مرحبا.txt", "text/plain", text.encode()),)
    )
    await transport(port).send(ANNA, message, Progress(key="outbox-8"))

    mail = box.only_email()
    assert mail["Subject"] == "Einladung für Jürgen – Grüße"
    body = mail.get_body(("plain",))
    assert body is not None and body.get_content().rstrip("\n") == text
    [attachment] = mail.iter_attachments()
    assert attachment.get_filename() == "Übersicht_مرحبا.txt"
    assert attachment.get_payload(decode=True) == text.encode()


async def test_a_delivered_email_is_not_sent_again(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    email = transport(port)
    progress = Progress(key="outbox-9")
    await email.send(ANNA, MINUTES, progress)
    assert await email.send(ANNA, MINUTES, progress) is None
    assert len(box.received) == 1


@pytest.mark.parametrize(
    ("stage", "answer"),
    [
        ("rcpt", "550 5.1.1 <anna@stadt.example>: no such user"),
        ("data", "554 5.7.1 rejected as spam"),
    ],
)
async def test_a_refusal_is_final(mailbox: tuple[Mailbox, int], stage: str, answer: str) -> None:
    box, port = mailbox
    setattr(box, f"{stage}_answer", answer)
    progress = Progress(key="outbox-10")
    with pytest.raises(PermanentFailure) as caught:
        await transport(port).send(ANNA, MINUTES, progress)
    assert "anna@" not in str(caught.value)  # it is logged at WARNING and kept with the row
    assert progress.parts_done == 0


@pytest.mark.parametrize(
    ("stage", "answer"),
    [
        ("data", "451 4.3.0 try again later"),
        ("rcpt", "450 4.2.0 greylisted, come back in 5 minutes"),
    ],
)
async def test_a_temporary_answer_is_retried(
    mailbox: tuple[Mailbox, int], stage: str, answer: str
) -> None:
    box, port = mailbox
    setattr(box, f"{stage}_answer", answer)
    progress = Progress(key="outbox-11")
    with pytest.raises(Exception) as caught:
        await transport(port).send(ANNA, MINUTES, progress)
    assert not isinstance(caught.value, PermanentFailure | RetryLater)
    assert progress.parts_done == 0


async def test_no_server_is_retried() -> None:
    with pytest.raises(Exception) as caught:
        await transport(free_port()).send(ANNA, MINUTES, Progress(key="outbox-12"))
    assert not isinstance(caught.value, PermanentFailure | RetryLater)


async def test_login_keeps_password_and_text_out_of_the_log(
    mailbox: tuple[Mailbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    box, port = mailbox
    caplog.set_level(logging.DEBUG)
    await transport(port, username="bot", password=PASSWORD).send(ANNA, MINUTES, Progress())

    assert box.logins == [b"bot"]
    # No key to derive it from (not from the outbox): a fresh one, still of our domain.
    assert box.only_email()["Message-ID"].endswith("@verein.example>")
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    assert "anna@stadt.example" in ours  # at DEBUG only
    assert PASSWORD not in ours and "Sommerfest" not in ours


async def test_a_wrong_password_is_retried_not_final(mailbox: tuple[Mailbox, int]) -> None:
    # The account is at fault, not the email: mended in time, the email still goes.
    box, port = mailbox
    with pytest.raises(MailNotSent, match="535"):
        await transport(port, username="bot", password="wrong").send(ANNA, MINUTES, Progress())
    assert box.received == []


@pytest.mark.parametrize("chat_id", ["", "anna", "anna@x.example\nBcc: ben@x.example", "a@x, b@y"])
async def test_anything_but_one_address_is_final(chat_id: str) -> None:
    chat = ChatAddress("email", chat_id, ChatKind.EMAIL)
    with pytest.raises(PermanentFailure):
        await transport(free_port()).send(chat, MINUTES, Progress())


async def test_a_sent_email_cannot_be_changed() -> None:
    with pytest.raises(PermanentFailure):
        await transport(free_port()).replace(ANNA, "<outbox-7@verein.example>", MINUTES)


def test_the_subject_is_the_first_line_on_one_line() -> None:
    assert subject("\n  Protokoll \t vom   Plenum  \nmehr") == "Protokoll vom Plenum"
    long = subject("Wort " * 100)
    assert len(long) == MAX_SUBJECT and long.endswith("…")
    assert subject("") == ""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[email]\nenabled = true\nfrom_address = 'bot@x.example'\n", "[email] host: required"),
        ("[email]\nenabled = true\nhost = 'smtp.x.example'\n", "[email] from_address: expected"),
        (
            "[email]\nenabled = true\nhost = 'smtp.x.example'\nfrom_address = 'bot'\n",
            "[email] from_address: expected",
        ),
        ("[email]\nsecurity = 'ssl'\n", "[email] security: expected one of starttls, tls, none"),
        ("[email]\nport = 0\n", "[email] port: expected 1 to 65535"),
        (
            "[email]\nenabled = true\nhost = 'smtp.x.example'\nfrom_address = 'bot@x.example'\n"
            "username = 'bot'\n",
            "[email] password: required",
        ),
    ],
)
def test_an_email_mistake_is_one_clear_line(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_the_email_password_comes_from_the_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[email]\nenabled = true\nhost = 'smtp.x.example'\nport = 465\nsecurity = 'tls'\n"
        "username = 'bot'\nfrom_address = 'bot@x.example'\n",
    )
    settings = load_settings(path, environ={"NETZWERKBOT_EMAIL_PASSWORD": PASSWORD})
    assert settings.email.password == PASSWORD
    assert PASSWORD in settings.secrets
    assert PASSWORD not in repr(settings)
    # Email only sends: with no messenger on, people still talk to the bot at the console.
    assert settings.enabled_platforms == ("console",)

"""Sending the outbox's messages as plain-text emails through an SMTP server.

Nothing arrives this way: an address only gets copies. smtplib blocks, so each email is
sent in a worker thread, on a connection of its own.
"""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from bot.config import EmailSettings
from bot.events import ChatAddress
from bot.inbox import TransportStore
from bot.messages import OutgoingMessage
from bot.transports import EventHandler, PermanentFailure, Progress

log = logging.getLogger(__name__)

PLATFORM = "email"
TIMEOUT_SECONDS = 30
MAX_SUBJECT = 120
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")


class MailNotSent(Exception):
    """The server could not take the email now (down, busy, greylisting); the outbox
    tries again later."""


class EmailTransport:
    platform = PLATFORM

    def __init__(self, settings: EmailSettings) -> None:
        self._settings = settings
        self.started = False

    async def start(self, on_event: EventHandler, store: TransportStore) -> None:
        self.started = True  # nothing to receive

    async def stop(self) -> None:
        pass

    def private_link(self) -> str | None:
        return None

    async def publish_commands(self, menus: Mapping[str, Sequence[tuple[str, str]]]) -> None:
        pass  # no commands by email

    async def replace(self, chat: ChatAddress, message_id: str, message: OutgoingMessage) -> None:
        raise PermanentFailure("a sent email cannot be changed or deleted")

    async def fetch(self, ref: str) -> bytes:
        raise PermanentFailure("email brings no files in")

    async def send(
        self, chat: ChatAddress, message: OutgoingMessage, progress: Progress
    ) -> str | None:
        if progress.parts_done >= 1:
            return None  # an earlier attempt delivered it
        recipient = _recipient(chat.chat_id)
        email = self.compose(recipient, message, progress.key)
        try:
            await asyncio.to_thread(self._submit, email, recipient)
        except smtplib.SMTPRecipientsRefused as error:
            [(code, text)] = error.recipients.values()  # the one recipient's answer
            log.debug("email to %s refused: %s %r", recipient, code, text)
            if 500 <= code < 600:
                raise PermanentFailure(f"the mail server refused the recipient ({code})") from None
            # 4xx: a full mailbox, or greylisting, which turns away every first try.
            raise MailNotSent(f"the mail server put off the recipient ({code})") from None
        except smtplib.SMTPResponseException as error:
            log.debug(
                "email to %s: the mail server answered %s %r",
                recipient,
                error.smtp_code,
                error.smtp_error,
            )
            # Only a refusal of this very email is final; a refused login or greeting is
            # about our account or the server, and may be mended before the retries end.
            about_this_email = isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError)
            if about_this_email and 500 <= error.smtp_code < 600:
                raise PermanentFailure(
                    f"the mail server refused the email ({error.smtp_code})"
                ) from None
            # The server's text may name the recipient, so it stays in the debug log.
            raise MailNotSent(f"the mail server answered {error.smtp_code}") from None
        except OSError as error:  # smtplib's other errors are OSErrors too
            raise MailNotSent(f"no delivery to the mail server: {error!r}") from error
        progress.parts_done = 1
        message_id = str(email["Message-ID"])
        log.debug("email to %s sent as %s", recipient, message_id)
        return message_id

    def compose(self, recipient: str, message: OutgoingMessage, key: str) -> EmailMessage:
        """The email for `message`; buttons are left out, as an email cannot have them."""
        text = message.text.plain
        domain = self._settings.from_address.rpartition("@")[2]
        email = EmailMessage()
        email["From"] = self._settings.from_address
        email["To"] = recipient
        email["Subject"] = subject(text)
        email["Date"] = format_datetime(datetime.now(UTC))
        # The same on every attempt: should an email go twice (the server took it, but
        # its answer was lost), mail programs show it once.
        email["Message-ID"] = f"<{key}@{domain}>" if key else make_msgid(domain=domain)
        # Quoted-printable keeps every line 7-bit and short, whatever the server accepts.
        email.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
        for attachment in message.attachments:
            mime_type = attachment.mime_type.lower()
            if not _MIME_TYPE.fullmatch(mime_type) or mime_type.startswith("multipart/"):
                mime_type = "application/octet-stream"
            maintype, _, subtype = mime_type.partition("/")
            email.add_attachment(
                attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        return email

    def _submit(self, email: EmailMessage, recipient: str) -> None:
        """Runs in a worker thread: connect, log in, hand over the email."""
        settings = self._settings
        # Verified certificates: smtplib on its own would take any.
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if settings.security == "tls":
            smtp = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
        try:
            if settings.security == "starttls":
                smtp.starttls(context=context)
            if settings.username:
                smtp.login(settings.username, settings.password)
            smtp.send_message(email, from_addr=settings.from_address, to_addrs=[recipient])
            # The server has the email: a failed goodbye must not make it a failure.
            with suppress(OSError):
                smtp.quit()
        finally:
            smtp.close()


def subject(text: str) -> str:
    """The first line that says something, on one line and at most MAX_SUBJECT long."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    collapsed = " ".join(first.split())
    if len(collapsed) <= MAX_SUBJECT:
        return collapsed
    return collapsed[: MAX_SUBJECT - 1].rstrip() + "…"


def _recipient(chat_id: str) -> str:
    """One plain address, so a stored value can never add headers or recipients."""
    try:
        return Address(addr_spec=chat_id).addr_spec
    except (ValueError, IndexError, HeaderParseError):
        raise PermanentFailure("the recipient is not an email address") from None

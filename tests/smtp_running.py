"""A real SMTP server (aiosmtpd) on loopback that keeps what it accepts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.ports import free_port

FROM = "netzwerkbot@verein.example"
PASSWORD = "smtp-pw-7f3k9q"


class Mailbox:
    """An SMTP handler that keeps what it accepts; the answers can be set per test."""

    def __init__(self) -> None:
        self.received: list[Envelope] = []
        self.logins: list[bytes | None] = []  # who sent each accepted email
        self.rcpt_answer = "250 OK"
        self.data_answer = "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.rcpt_answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_answer

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_answer.startswith("250"):
            self.received.append(envelope)
            self.logins.append(session.login_data)
        return self.data_answer

    def only_email(self) -> EmailMessage:
        assert len(self.received) == 1
        content = self.received[0].original_content
        assert isinstance(content, bytes)
        # SMTP ends lines with CRLF; the parser keeps them, and the text has LF.
        parsed = message_from_bytes(content.replace(b"\r\n", b"\n"), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def check_login(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"bot",
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=data)  # not handled: it answers 535


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    port = free_port()
    # Logins need TLS unless told otherwise; the tests' traffic never leaves loopback.
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=check_login,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()

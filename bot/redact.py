"""Keeping secrets out of every log line, whoever writes it.

Libraries log what they like: python-telegram-bot logs its API URL, which contains the
bot token, at DEBUG, and httpx errors quote request URLs. A filter on the log handlers
replaces each secret before any line is written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "[secret]"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:
            return True  # a broken log call: logging reports it; its arguments are not ours
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True

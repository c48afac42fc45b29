"""The one exception type whose message reaches the user."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Something the person can fix. `message` is an untranslated msgid (mark it with N_)."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

"""The one exception type whose message reaches the user."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_


class UserError(Exception):
    """Something the person can fix. `message` is an untranslated msgid (mark it with N_)."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def check_length(text: str, maximum: int) -> None:
    """Refuse a text longer than `maximum` characters, saying by how much."""
    if len(text) > maximum:
        raise UserError(
            N_("That is too long ({length} characters, at most {max})."),
            length=len(text),
            max=maximum,
        )

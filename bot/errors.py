"""The one exception type whose message reaches the user."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, Translator


class UserError(Exception):
    """Something the person can fix. `message` is an untranslated msgid (mark it with N_);
    with `plural`, the two are the forms of a message counted by the parameter `n`."""

    def __init__(self, message: str, plural: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.plural = plural
        self.params = params

    def text(self, t: Translator) -> str:
        """The message in the reader's language."""
        if self.plural is None:
            return t(self.message, **self.params)
        params = dict(self.params)
        return t.plural(self.message, self.plural, params.pop("n"), **params)


def check_length(text: str, maximum: int) -> None:
    """Refuse a text longer than `maximum` characters, saying by how much."""
    if len(text) > maximum:
        raise UserError(
            N_("That is too long ({length} characters, at most {max})."),
            length=len(text),
            max=maximum,
        )

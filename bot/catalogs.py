"""Keeping the translation catalogs in step with the code (a developer's tool).

`netzwerkbot catalogs update` extracts every message from bot/ and handlers/ into
locales/messages.pot and merges it into each language's .po file;
`netzwerkbot catalogs check` (and the test suite) lists what is missing or broken.
"""

from __future__ import annotations

import string
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN
from bot.paths import LOCALES_DIR, ROOT

# Calls whose string arguments are messages: ctx.t("..."), t.plural("...", "...", n), N_("..."),
# NP_("...", "...")
KEYWORDS = {"t": None, "plural": (1, 2), "N_": None, "NP_": (1, 2)}
SOURCES = ("bot", "handlers")


def extract() -> Catalog:
    catalog = Catalog(
        project="netzwerkbot",
        domain=DOMAIN,
        fuzzy=False,
        creation_date=datetime(2026, 1, 1, tzinfo=UTC),  # a fixed date keeps diffs quiet
    )
    for source in SOURCES:
        for filename, lineno, message, comments, _context in extract_from_dir(
            ROOT / source,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
        ):
            catalog.add(
                message,
                locations=[(f"{source}/{filename}", lineno)],
                auto_comments=comments,
                flags=("python-brace-format",) if _has_placeholders(message) else (),
            )
    return catalog


def _has_placeholders(message: str | tuple[str, ...]) -> bool:
    return any(placeholders(form) for form in _forms(message))


def update(languages: Sequence[str] | None = None) -> None:
    """The template made anew from the code, and merged into each catalog (or into those
    of `languages`)."""
    template = extract()
    with (LOCALES_DIR / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, omit_header=False, sort_output=False, width=100)
    for path in sorted(LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        code = path.parent.parent.name
        if languages is not None and code not in languages:
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=code, domain=DOMAIN)
        catalog.update(template, update_header_comment=False)
        with path.open("wb") as handle:
            write_po(handle, catalog, ignore_obsolete=True, width=100)


def _forms(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """A message's forms: one, or singular and plural(s)."""
    if value is None:
        return ("",)
    return (value,) if isinstance(value, str) else tuple(value)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def problems(
    locales: Path = LOCALES_DIR,
    template: Catalog | None = None,
    languages: Collection[str] | None = None,
) -> list[str]:
    """Every message missing, untranslated, fuzzy, with different placeholders or without
    all its plural forms, per language (or in those of `languages`); against the messages
    in the code, or those of `template`."""
    found: list[str] = []
    if template is None:
        template = extract()
        with (locales / f"{DOMAIN}.pot").open("rb") as handle:
            pot_ids = {m.id for m in read_po(handle) if m.id}
        if pot_ids != {m.id for m in template if m.id}:
            found.append("locales/messages.pot is out of date: run `netzwerkbot catalogs update`")
    for path in sorted(locales.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        code = path.parent.parent.name
        if languages is not None and code not in languages:
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=code, domain=DOMAIN)
        for message in template:
            if not message.id:
                continue
            translated = catalog.get(message.id)
            label = f"{code}: {_forms(message.id)[0]!r}"
            if translated is None:
                found.append(f"{label} is missing")
                continue
            if translated.fuzzy:
                found.append(f"{label} is marked fuzzy")
            ids, strings = _forms(translated.id), _forms(translated.string)
            plural = len(ids) > 1
            if plural and len(strings) != catalog.num_plurals:
                found.append(f"{label} has {len(strings)} plural forms, not {catalog.num_plurals}")
            allowed = set().union(*(placeholders(i) for i in ids)) | ({"n"} if plural else set())
            # A plural form may leave out the number ("one member"), nothing else.
            required = allowed - {"n"} if plural else allowed
            for text in strings:
                if not text:
                    found.append(f"{label} is not translated")
                elif not required <= placeholders(text) <= allowed:
                    found.append(
                        f"{label}: placeholders {sorted(placeholders(text))} "
                        f"instead of {sorted(allowed)}"
                    )
    return found

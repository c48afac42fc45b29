"""A submitted meeting-minutes document ("Protokoll"), read into its text.

Everything here is the sender's to choose, so every format is read with limits:
size, unpacked size, number of zip entries and pages, and XML without entities.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from bot.errors import UserError
from bot.i18n import N_, NP_

MAX_BYTES = 20 * 1024 * 1024  # a file over this is refused
MAX_UNPACKED = 50 * 1024 * 1024  # total bytes read out of an ODT/DOCX zip; more: a zip bomb
MAX_ENTRIES = 10_000
MAX_PAGES = 500
_MAX_SPACES = 100  # text:c is the sender's number: uncapped, one tiny element asks for gigabytes
_CHUNK = 64 * 1024
_MB = 1024 * 1024

EMPTY = N_("The file is empty. Please send the minutes with their text.")
TOO_LARGE = N_(
    "The file is too large ({megabytes} MB, at most {limit} MB). "
    "Please send a smaller file, for example without pictures."
)
TOO_LARGE_UNKNOWN = N_(
    "The file is too large (at most {limit} MB). "
    "Please send a smaller file, for example without pictures."
)
NOT_SUPPORTED = N_(
    "I cannot read files of this type ({name}). Please send Markdown, plain text, PDF, ODT or DOCX."
)
NOT_UTF8 = N_(
    "I cannot read this text: it is not saved as UTF-8. Please save it as UTF-8 and send it."
)
UNREADABLE = N_(
    "I cannot read this file: it seems damaged or is not what its name says. "
    "Please save it again and send it."
)
ZIP_BOMB = N_("This file unpacks to more than {limit} MB; I do not open it. Please send it as PDF.")
TOO_MANY_PAGES = NP_(
    "The file has more than {n} page. Please send only the minutes.",
    "The file has more than {n} pages. Please send only the minutes.",
)
PASSWORD = N_("The PDF is protected by a password. Please send it without a password.")


class Kind(StrEnum):
    MARKDOWN = "markdown"
    TEXT = "text"
    PDF = "pdf"
    ODT = "odt"
    DOCX = "docx"


_BY_EXTENSION = {
    ".md": Kind.MARKDOWN,
    ".markdown": Kind.MARKDOWN,
    ".txt": Kind.TEXT,
    ".pdf": Kind.PDF,
    ".odt": Kind.ODT,
    ".docx": Kind.DOCX,
}
_BY_MIME_TYPE = {
    "text/markdown": Kind.MARKDOWN,
    "text/x-markdown": Kind.MARKDOWN,
    "text/plain": Kind.TEXT,
    "application/pdf": Kind.PDF,
    "application/vnd.oasis.opendocument.text": Kind.ODT,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": Kind.DOCX,
}


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    mime_type: str
    kind: Kind
    data: bytes
    text: str | None  # None only for a PDF without a text layer
    sha256: str  # hex of data


def read_document(filename: str, mime_type: str, data: bytes | None) -> Document:
    """Read a submitted file, or raise UserError saying what is wrong with it.

    `data` is None when the platform would not fetch the file for its size. Reading a
    large PDF or office file takes seconds of CPU: async callers run this with
    `asyncio.to_thread`.
    """
    return _document(filename, mime_type, _kind(filename, mime_type), data)


def pasted(text: str, filename: str = "minutes.md") -> Document:
    """Text pasted into the chat, kept as a Markdown document."""
    # A lone surrogate (legal in a JSON string) cannot be encoded and would crash here.
    return _document(filename, "text/markdown", Kind.MARKDOWN, text.encode("utf-8", "replace"))


def _kind(filename: str, mime_type: str) -> Kind:
    extension = PurePath(filename).suffix.lower()
    essence = mime_type.partition(";")[0].strip().lower()  # "text/plain; charset=utf-8"
    kind = _BY_EXTENSION.get(extension) or _BY_MIME_TYPE.get(essence)
    if kind is None:
        raise UserError(NOT_SUPPORTED, name=filename or mime_type)
    return kind


def _document(filename: str, mime_type: str, kind: Kind, data: bytes | None) -> Document:
    limit = MAX_BYTES // _MB
    if data is None:
        raise UserError(TOO_LARGE_UNKNOWN, limit=limit)
    if len(data) > MAX_BYTES:
        # Whole megabytes, rounded up: no decimal point to write the reader's way.
        raise UserError(TOO_LARGE, megabytes=-(-len(data) // _MB), limit=limit)
    if not data:
        raise UserError(EMPTY)
    text = _text(kind, data).replace("\r\n", "\n").replace("\r", "\n")
    blank = not text.strip()
    if blank and kind is not Kind.PDF:
        raise UserError(EMPTY)
    # A scanned PDF has no text, but the caller may still keep the file itself.
    sha256 = hashlib.sha256(data).hexdigest()
    return Document(filename, mime_type, kind, data, None if blank else text, sha256)


def _text(kind: Kind, data: bytes) -> str:
    match kind:
        case Kind.MARKDOWN | Kind.TEXT:
            return _decoded(data)
        case Kind.PDF:
            return _pdf_text(data)
        case Kind.ODT:
            return "\n".join(_lines(_xml(_unpacked(data, "content.xml")), _ODT))
        case Kind.DOCX:
            return "\n".join(_lines(_xml(_unpacked(data, "word/document.xml")), _DOCX))


def _decoded(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # No guessing at Latin-1: a wrong guess gives minutes with garbled umlauts.
        raise UserError(NOT_UTF8) from error
    if "\x00" in text:  # binary, or UTF-16 without a BOM
        raise UserError(UNREADABLE)
    return text


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader  # slow to import, and only PDFs need it

    try:
        reader = PdfReader(io.BytesIO(data))
        # Many PDFs are encrypted with an empty password only to forbid printing or copying.
        if reader.is_encrypted and not reader.decrypt(""):
            raise UserError(PASSWORD)
        if len(reader.pages) > MAX_PAGES:
            raise UserError(*TOO_MANY_PAGES, n=MAX_PAGES)
        return "\n".join(page.extract_text() for page in reader.pages)
    except UserError:
        raise
    except Exception as error:  # pypdf fails on damaged files with any kind of error
        raise UserError(UNREADABLE) from error


def _unpacked(data: bytes, member: str) -> bytes:
    """One member of a zip, counting what comes out: the sizes in the zip may lie."""
    chunks: list[bytes] = []
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if len(archive.infolist()) > MAX_ENTRIES:
                raise UserError(UNREADABLE)  # no office file has that many parts
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    if total > MAX_UNPACKED:
                        raise UserError(ZIP_BOMB, limit=MAX_UNPACKED // _MB)
                    chunks.append(chunk)
    except (
        zipfile.BadZipFile,  # also a wrong CRC, as when the sizes lie
        KeyError,  # no such member
        NotImplementedError,  # an unknown compression method
        RuntimeError,  # an encrypted member
        EOFError,
        OSError,
        ValueError,
        zlib.error,
        lzma.LZMAError,
    ) as error:
        raise UserError(UNREADABLE) from error
    return b"".join(chunks)


def _xml(data: bytes) -> Element:
    try:
        root: Element = fromstring(data)  # defusedxml: entity bombs and external entities fail
    except (ParseError, DefusedXmlException) as error:
        raise UserError(UNREADABLE) from error
    return root


@dataclass(frozen=True, slots=True)
class _Markup:
    paragraphs: frozenset[str]  # each becomes one line
    skipped: frozenset[str]  # with everything inside
    special: Callable[[Element], str | None]  # the text an element stands for, if it does
    mixed: bool  # whether text between the tags is content (ODF), or only inside w:t (Word)


def _lines(root: Element, markup: _Markup) -> list[str]:
    lines: list[str] = []

    def blocks(element: Element) -> None:
        for child in element:
            if child.tag in markup.paragraphs:
                paragraph(child)
            elif child.tag not in markup.skipped:
                blocks(child)

    def paragraph(element: Element) -> None:
        index = len(lines)
        lines.append("")  # the line's place, before the lines of text boxes inside it
        parts: list[str] = []
        inline(element, parts)
        lines[index] = "".join(parts)

    def inline(element: Element, parts: list[str]) -> None:
        if markup.mixed and element.text:
            parts.append(_collapsed(element.text))
        for child in element:
            if child.tag in markup.paragraphs:
                paragraph(child)
            elif (text := markup.special(child)) is not None:
                parts.append(text)
            elif child.tag not in markup.skipped:
                inline(child, parts)
            if markup.mixed and child.tail:
                parts.append(_collapsed(child.tail))

    try:
        blocks(root)
    except RecursionError as error:  # only a hostile file nests that deep
        raise UserError(UNREADABLE) from error
    return lines


def _collapsed(text: str) -> str:
    # ODF collapses white space like HTML; spaces that count are written as text:s.
    return re.sub(r"[ \t\r\n]+", " ", text)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _docx_special(element: Element) -> str | None:
    if element.tag == f"{_W}t":
        return element.text or ""
    if element.tag == f"{_W}tab":
        return "\t"
    if element.tag in (f"{_W}br", f"{_W}cr"):
        return "\n"
    return None


def _odt_special(element: Element) -> str | None:
    if element.tag == f"{_TEXT}s":
        try:
            count = int(element.get(f"{_TEXT}c", "1"))
        except ValueError:
            count = 1
        return " " * max(1, min(count, _MAX_SPACES))
    if element.tag == f"{_TEXT}tab":
        return "\t"
    if element.tag == f"{_TEXT}line-break":
        return "\n"
    return None


_DOCX = _Markup(
    paragraphs=frozenset({f"{_W}p"}),
    # Tracked deletions and moves are not the text; a text box's fallback repeats it.
    skipped=frozenset({f"{_W}del", f"{_W}delText", f"{_W}moveFrom", f"{_MC}Fallback"}),
    special=_docx_special,
    mixed=False,
)
_ODT = _Markup(
    paragraphs=frozenset({f"{_TEXT}p", f"{_TEXT}h"}),
    # Footnotes, comments, and the deleted text that tracked changes keep aside.
    skipped=frozenset({f"{_TEXT}note", f"{_OFFICE}annotation", f"{_TEXT}tracked-changes"}),
    special=_odt_special,
    mixed=True,
)

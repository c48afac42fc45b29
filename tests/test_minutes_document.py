"""Submitted minutes are read into text, and hostile or broken files are refused."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile

import pytest
from pypdf import PdfReader, PdfWriter

from bot import minutes_document as md
from bot.errors import UserError
from bot.minutes_document import Kind, pasted, read_document

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_MIME = "application/vnd.oasis.opendocument.text"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MB = 1024 * 1024


def zipped(members: dict[str, bytes], level: int | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx_xml(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    ).encode()


def docx(document_xml: bytes) -> bytes:
    return zipped(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns='
            b'"http://schemas.openxmlformats.org/package/2006/content-types"/>',
            "word/document.xml": document_xml,
        }
    )


def odt(text_body: str) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        "<office:document-content"
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' office:version="1.3">'
        f"<office:body><office:text>{text_body}</office:text></office:body>"
        "</office:document-content>"
    ).encode()
    return zipped({"mimetype": ODT_MIME.encode(), "content.xml": content})


def pdf(content: bytes) -> bytes:
    """A one-page PDF drawing `content` (a content stream) in Helvetica."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


TEXT_PDF = pdf(b"BT /F1 12 Tf 72 760 Td (Protokoll der Sitzung) Tj 0 -20 Td (TOP 1: Flyer) Tj ET")


def written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def refused(filename: str, data: bytes | None, mime_type: str = "") -> UserError:
    with pytest.raises(UserError) as caught:
        read_document(filename, mime_type, data)
    return caught.value


@pytest.fixture(scope="module")
def sixty_mb_of_spaces() -> bytes:
    # Level 1 packs it in a fifth of a second (to ~270 KB); the default takes twice as long.
    return zipped({"word/document.xml": b" " * (60 * MB)}, level=1)


# Markdown and plain text


def test_markdown_loses_its_bom_and_crlf() -> None:
    data = "\ufeff# Protokoll\r\n\r\n- Flyer für Dora\rEnde\n".encode()
    document = read_document("Protokoll.MD", "application/octet-stream", data)
    assert document.kind is Kind.MARKDOWN
    assert document.text == "# Protokoll\n\n- Flyer für Dora\nEnde\n"
    assert document.data == data
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.filename == "Protokoll.MD"
    assert document.mime_type == "application/octet-stream"


def test_plain_text() -> None:
    document = read_document("notes.txt", "text/plain", b"Anwesend: Ben, Cem")
    assert (document.kind, document.text) == (Kind.TEXT, "Anwesend: Ben, Cem")


def test_latin_1_is_refused_not_guessed() -> None:
    error = refused("minutes.md", "Größe".encode("latin-1"))
    assert error.message == md.NOT_UTF8


def test_nul_bytes_are_refused() -> None:
    assert refused("minutes.txt", b"Protokoll\x00\x01\x02").message == md.UNREADABLE


def test_an_empty_file_is_refused() -> None:
    error = refused("minutes.md", b"")
    assert error.message == "The file is empty. Please send the minutes with their text."


def test_only_white_space_is_refused_as_empty() -> None:
    assert refused("minutes.md", b" \r\n\t\n").message == md.EMPTY
    blank = docx(docx_xml("<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>"))
    assert refused("minutes.docx", blank).message == md.EMPTY


# The kind of file


@pytest.mark.parametrize(
    ("filename", "mime_type"),
    [("minutes.doc", "application/msword"), ("setup.exe", ""), ("photo", "image/png"), ("", "")],
)
def test_other_types_are_refused(filename: str, mime_type: str) -> None:
    error = refused(filename, b"MZ\x90\x00", mime_type)
    assert error.message == md.NOT_SUPPORTED
    assert error.params == {"name": filename or mime_type}


@pytest.mark.parametrize(
    ("mime_type", "kind"),
    [
        ("text/markdown", Kind.MARKDOWN),
        ("text/plain; charset=utf-8", Kind.TEXT),
        ("application/pdf", Kind.PDF),
        (ODT_MIME, Kind.ODT),
        (DOCX_MIME, Kind.DOCX),
    ],
)
def test_without_a_known_extension_the_mime_type_decides(mime_type: str, kind: Kind) -> None:
    data = {
        Kind.MARKDOWN: b"# TOP 1",
        Kind.TEXT: b"TOP 1",
        Kind.PDF: TEXT_PDF,
        Kind.ODT: odt("<text:p>TOP 1</text:p>"),
        Kind.DOCX: docx(docx_xml("<w:p><w:r><w:t>TOP 1</w:t></w:r></w:p>")),
    }[kind]
    document = read_document("upload", mime_type, data)
    assert document.kind is kind
    assert document.text is not None and "TOP 1" in document.text


def test_the_extension_wins_over_the_mime_type() -> None:
    assert read_document("minutes.md", "text/plain", b"# TOP").kind is Kind.MARKDOWN


# Size


def test_a_file_the_platform_would_not_fetch_is_too_large() -> None:
    error = refused("minutes.pdf", None, "application/pdf")
    assert error.message == md.TOO_LARGE_UNKNOWN
    assert error.params == {"limit": 20}


def test_a_file_over_the_limit_is_refused() -> None:
    error = refused("minutes.md", b"#" * (md.MAX_BYTES + 1))
    assert error.message == md.TOO_LARGE
    assert error.params == {"megabytes": 21, "limit": 20}


def test_a_file_at_the_limit_is_read() -> None:
    document = read_document("minutes.txt", "", b"a" * md.MAX_BYTES)
    assert document.text is not None and len(document.text) == md.MAX_BYTES


# DOCX


def test_docx_paragraphs_tabs_and_breaks() -> None:
    body = (
        "<w:p><w:r><w:t>Protokoll</w:t></w:r></w:p>"
        "<w:p/>"
        '<w:p><w:r><w:t xml:space="preserve">TOP 1: </w:t></w:r>'
        "<w:r><w:t>Flyer</w:t><w:tab/><w:t>Ben</w:t><w:br/><w:t>bis Freitag</w:t></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Zelle</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:sectPr/>"
    )
    document = read_document("minutes.docx", DOCX_MIME, docx(docx_xml(body)))
    assert document.kind is Kind.DOCX
    assert document.text == "Protokoll\n\nTOP 1: Flyer\tBen\nbis Freitag\nZelle"


def test_docx_deleted_text_is_skipped() -> None:
    body = (
        "<w:p><w:r><w:t>Flyer drucken </w:t></w:r>"
        '<w:del w:id="1" w:author="Ben"><w:r><w:delText>am Montag</w:delText></w:r></w:del>'
        '<w:ins w:id="2" w:author="Ben"><w:r><w:t>bis Freitag</w:t></w:r></w:ins></w:p>'
        '<w:p><w:moveFrom w:id="3" w:author="Cem"><w:r><w:t>verschoben</w:t></w:r></w:moveFrom>'
        "<w:r><w:t>Ende</w:t></w:r></w:p>"
    )
    document = read_document("minutes.docx", DOCX_MIME, docx(docx_xml(body)))
    assert document.text == "Flyer drucken bis Freitag\nEnde"


def test_docx_entity_bomb_is_refused() -> None:
    laughs = (
        '<?xml version="1.0"?>'
        '<!DOCTYPE w:document [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'
            for n in range(1, 10)
        )
        + "]>"
        f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    ).encode()
    assert refused("minutes.docx", docx(laughs)).message == md.UNREADABLE


def test_docx_zip_bomb_is_refused(sixty_mb_of_spaces: bytes) -> None:
    error = refused("minutes.docx", sixty_mb_of_spaces)
    assert error.message == md.ZIP_BOMB
    assert error.params == {"limit": 50}


def test_a_zip_that_understates_its_size_is_refused(sixty_mb_of_spaces: bytes) -> None:
    lying = _with_stated_size(sixty_mb_of_spaces, 1000)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("word/document.xml").file_size == 1000
    assert refused("minutes.docx", lying).message == md.UNREADABLE


def test_a_zip_that_overstates_its_size_is_read_by_what_comes_out() -> None:
    xml = docx_xml("<w:p><w:r><w:t>TOP 1</w:t></w:r></w:p>")
    lying = _with_stated_size(zipped({"word/document.xml": xml}), 2**31 - 1)
    assert read_document("minutes.docx", "", lying).text == "TOP 1"


def _with_stated_size(archive: bytes, size: int) -> bytes:
    """The archive's one member, with a false uncompressed size in both of its headers."""
    data = bytearray(archive)
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, size)
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


def test_a_zip_with_too_many_entries_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # stored, not deflated: three times faster
        archive.writestr("word/document.xml", docx_xml("<w:p><w:r><w:t>TOP</w:t></w:r></w:p>"))
        for n in range(md.MAX_ENTRIES):
            archive.writestr(f"word/media/{n}", b"")
    assert refused("minutes.docx", buffer.getvalue()).message == md.UNREADABLE


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04 this is no zip at all",
        docx(docx_xml("<w:p><w:r><w:t>TOP</w:t></w:r></w:p>"))[:-30],  # cut short
        zipped({"word/other.xml": docx_xml("")}),  # no document.xml
        docx(b"<w:document><w:body>"),  # malformed XML
        TEXT_PDF,  # not what its name says
    ],
)
def test_damaged_docx_is_refused(data: bytes) -> None:
    assert refused("minutes.docx", data).message == md.UNREADABLE


# ODT


def test_odt_headings_paragraphs_lists_tables_spaces() -> None:
    body = (
        '<text:h text:outline-level="1">Protokoll</text:h>'
        '<text:p>TOP<text:s/>1:<text:s text:c="3"/>Flyer'
        '<text:span text:style-name="T1"> für <text:span>Dora</text:span></text:span>'
        "<text:tab/>bis<text:line-break/>Freitag</text:p>"
        "<text:list><text:list-item><text:p>Punkt</text:p></text:list-item></text:list>"
        "<table:table><table:table-row><table:table-cell>"
        "<text:p>Zelle</text:p></table:table-cell></table:table-row></table:table>"
        "<text:p>Siehe<text:note><text:note-citation>1</text:note-citation>"
        "<text:note-body><text:p>Fußnote</text:p></text:note-body></text:note> Anhang</text:p>"
    )
    document = read_document("minutes.odt", ODT_MIME, odt(body))
    assert document.kind is Kind.ODT
    assert document.text == (
        "Protokoll\nTOP 1:   Flyer für Dora\tbis\nFreitag\nPunkt\nZelle\nSiehe Anhang"
    )


def test_odt_three_spaces() -> None:
    document = read_document("minutes.odt", "", odt('<text:p>a<text:s text:c="3"/>b</text:p>'))
    assert document.text == "a   b"


def test_odt_white_space_in_the_xml_is_collapsed() -> None:
    document = read_document("minutes.odt", "", odt("<text:p>\n  TOP 1\n  Flyer</text:p>"))
    assert document.text == " TOP 1 Flyer"


def test_odt_zip_bomb_is_refused() -> None:
    bomb = zipped({"content.xml": b" " * (md.MAX_UNPACKED + 1)}, level=1)
    assert refused("minutes.odt", bomb).message == md.ZIP_BOMB


def test_odt_without_content_is_refused() -> None:
    assert refused("minutes.odt", zipped({"mimetype": ODT_MIME.encode()})).message == md.UNREADABLE


# PDF


def test_pdf_text() -> None:
    document = read_document("minutes.pdf", "application/pdf", TEXT_PDF)
    assert document.kind is Kind.PDF
    assert document.text == "Protokoll der Sitzung\nTOP 1: Flyer"


def test_a_pdf_without_text_has_none() -> None:
    document = read_document("scan.pdf", "", pdf(b"0 0 m 100 100 l S"))
    assert document.text is None
    assert document.sha256 == hashlib.sha256(document.data).hexdigest()


def test_a_pdf_locked_only_against_printing_is_read() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(TEXT_PDF)))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    document = read_document("minutes.pdf", "", written(writer))
    assert document.text == "Protokoll der Sitzung\nTOP 1: Flyer"


def test_a_pdf_with_a_password_is_refused() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(TEXT_PDF)))
    writer.encrypt(user_password="geheim", algorithm="RC4-128")
    assert refused("minutes.pdf", written(writer)).message == md.PASSWORD


def test_a_pdf_with_more_than_500_pages_is_refused() -> None:
    writer = PdfWriter()
    for _ in range(md.MAX_PAGES + 1):
        writer.add_blank_page(width=100, height=100)
    error = refused("minutes.pdf", written(writer))
    assert (error.message, error.plural) == md.TOO_MANY_PAGES
    assert error.params == {"n": 500}


@pytest.mark.parametrize(
    "data", [b"%PDF-1.4\n garbage", b"\x89PNG\r\n\x1a\n", TEXT_PDF[: len(TEXT_PDF) // 2]]
)
def test_damaged_pdf_is_refused(data: bytes) -> None:
    assert refused("minutes.pdf", data).message == md.UNREADABLE


# Pasted text


def test_pasted_text_is_a_markdown_document() -> None:
    document = pasted("# Protokoll\r\nTOP 1: Flyer für Dora")
    assert document == md.Document(
        filename="minutes.md",
        mime_type="text/markdown",
        kind=Kind.MARKDOWN,
        data="# Protokoll\r\nTOP 1: Flyer für Dora".encode(),
        text="# Protokoll\nTOP 1: Flyer für Dora",
        sha256=hashlib.sha256("# Protokoll\r\nTOP 1: Flyer für Dora".encode()).hexdigest(),
    )
    assert pasted("TOP", filename="sitzung.txt").kind is Kind.MARKDOWN


def test_pasted_text_with_a_lone_surrogate_does_not_crash() -> None:
    assert pasted("TOP \ud800 1").text == "TOP ? 1"


def test_pasted_white_space_is_refused() -> None:
    with pytest.raises(UserError) as caught:
        pasted("  \n ")
    assert caught.value.message == md.EMPTY

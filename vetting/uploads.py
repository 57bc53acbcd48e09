"""Checking an uploaded file by its content, never by its name.

Only a short allow-list is accepted: PDF, PNG, JPEG and the Office Open XML
documents (Word .docx, Excel .xlsx) that vendors send certificates and reports in.
HTML, SVG and anything scriptable are refused whatever they are called; so are Office
files with macros, ActiveX controls, embedded OLE objects or links that fetch outside
content. A file keeps its uploader's name for display, with the extension of what it is:
the computer that downloads it opens it by that extension ("CoA.html" holding a PDF is
downloaded as "CoA.html.pdf").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from vetting.services.errors import InvalidInput

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_LABEL = "PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx)"
# Shown inline (under a sandboxing CSP); everything else is served as an attachment.
INLINE_TYPES = frozenset({PDF, PNG, JPEG})
EXTENSIONS = {PDF: (".pdf",), PNG: (".png",), JPEG: (".jpg", ".jpeg"), DOCX: (".docx",),
              XLSX: (".xlsx",)}

# An Office document is a zip: opening one reads every entry's header, so the count is read
# first (a document has tens of parts; a zip of a million empty entries takes seconds).
MAX_ZIP_ENTRIES = 5_000
MAX_ZIP_DIRECTORY_BYTES = 1_000_000  # the entries' headers (the count can be forged)
MAX_RELATIONSHIPS_BYTES = 2_000_000  # the parts' lists of links (.rels), all together
# Parts that run code or hold other programs' objects: macros, ActiveX, OLE embeddings.
ACTIVE_PART = re.compile(
    r"(?:^|/)(?:vbaProject\.bin|vbaData\.xml|activeX/.*|embeddings/[^/]*\.bin)$", re.IGNORECASE)
# A link that fetches outside content when the file opens (a remote template, frame or OLE
# object: the "Follina" pattern); an external hyperlink opens only when clicked.
RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
EXTERNAL = re.compile(rb"\bTargetMode\s*=\s*[\"']External[\"']")
LINK_TYPE = re.compile(rb"\bType\s*=\s*[\"']([^\"']*)[\"']")
LINK_TARGET = re.compile(rb"\bTarget\s*=\s*[\"']([^\"']*)[\"']")
# Relationship types (their last part) and content types of code and foreign objects.
ACTIVE_LINK_TYPES = {b"vbaproject", b"oleobject", b"control", b"activexcontrol",
                     b"activexcontrolbinary", b"wordvbadata"}
ACTIVE_CONTENT_TYPE = re.compile(
    rb"vbaProject|macroEnabled|activeX|oleObject|vbaData", re.IGNORECASE)
ACTIVE_CONTENT = ("This Word or Excel file has macros, ActiveX controls, embedded objects or "
                  "links that load outside content, which are not accepted: save it as PDF, "
                  "or as a plain .docx or .xlsx, and upload that.")


@dataclass(frozen=True)
class UploadInfo:
    name: str
    content_type: str
    size: int
    sha256: str


def safe_name(name: str) -> str:
    """The file's own name without folders or control characters, for display only."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable())
    base = base.strip().lstrip(".") or "document"
    return base[-200:]


def download_name(name: str, content_type: str) -> str:
    """The name with the extension of the content type (added when it has another one)."""
    extensions = EXTENSIONS.get(content_type)
    if not extensions or name.lower().endswith(extensions):
        return name
    return f"{name}{extensions[0]}"


def _zip_directory(upload: UploadedFile) -> tuple[int, int] | None:
    """(entries, bytes) of a zip's central directory, from its end record (None: no zip)."""
    tail_size = min(upload.size, 22 + 65_535)  # the record, and a comment of at most 64 kB
    upload.seek(upload.size - tail_size)
    tail = upload.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    if at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07":
        # A ZIP64 locator: the real count and size are elsewhere (and a document of a few
        # megabytes never needs ZIP64). Taken as too many, whatever the classic record says.
        return 0xFFFF, 0xFFFFFFFF
    return (int.from_bytes(tail[at + 10:at + 12], "little"),
            int.from_bytes(tail[at + 12:at + 16], "little"))


def _office_type(upload: UploadedFile) -> str | None:
    directory = _zip_directory(upload)
    if directory is None:
        return None
    entries, size = directory
    # 0xFFFF entries or 0xFFFFFFFF bytes: more, recorded in a ZIP64 record.
    if entries >= min(MAX_ZIP_ENTRIES, 0xFFFF) or size > MAX_ZIP_DIRECTORY_BYTES:
        raise InvalidInput(f"This file holds more than {MAX_ZIP_ENTRIES:,} parts: it is not "
                           "a Word or Excel document that can be accepted.", field="file")
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" not in names:
                return None
            content_type = (DOCX if "word/document.xml" in names
                            else XLSX if "xl/workbook.xml" in names else None)
            if content_type and _has_active_content(archive, entries):
                raise InvalidInput(ACTIVE_CONTENT, field="file")
            return content_type
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return None


def _has_active_content(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> bool:
    """By part name, by the content types declared, and by relationship type (Office finds
    a part through its relationship, whatever it is called)."""
    budget = MAX_RELATIONSHIPS_BYTES
    for entry in entries:
        name = entry.filename.lower()  # part names are case-insensitive
        if ACTIVE_PART.search(entry.filename):
            return True
        if name.endswith(".rels") or name == "[content_types].xml":
            budget -= entry.file_size
            if budget < 0:  # no document has megabytes of links: not read, refused
                return True
            text = archive.read(entry)  # no more than its declared size
            if name == "[content_types].xml":
                if ACTIVE_CONTENT_TYPE.search(text):
                    return True
                continue
            for link in RELATIONSHIP.finditer(text):
                tag = link.group(0)
                kind = LINK_TYPE.search(tag)
                kind = kind[1].rsplit(b"/", 1)[-1].lower() if kind else b""
                if kind in ACTIVE_LINK_TYPES:
                    return True
                target = LINK_TARGET.search(tag)
                if (EXTERNAL.search(tag) and kind != b"hyperlink"
                        and not (target and target[1].lower().startswith(b"file:///"))):
                    return True  # fetched from elsewhere when the file opens
    return False


def detect_type(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(16)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office_type(upload)
    return None


def inspect_upload(upload: UploadedFile) -> UploadInfo:
    """Size, type and SHA-256 of an upload, or InvalidInput naming what is wrong."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size == 0:
        raise InvalidInput("The file is empty.", field="file")
    if upload.size > limit:
        size, most = filesizeformat(upload.size), filesizeformat(limit)
        if size == most:  # just over the limit: both round to the same figure
            size, most = f"{upload.size:,} bytes", f"{limit:,} bytes"
        raise InvalidInput(f"The file is {size}, larger than the limit of {most}.",
                           field="file")
    content_type = detect_type(upload)
    if content_type is None:
        raise InvalidInput(
            f"This file's content is not an accepted type ({ALLOWED_LABEL}), "
            "whatever its name says.",
            field="file",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = download_name(safe_name(upload.name), content_type)
    return UploadInfo(name, content_type, upload.size, digest.hexdigest())

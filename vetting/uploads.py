"""Checking an uploaded file by its content, never by its name.

Only a short allow-list is accepted: PDF, PNG, JPEG and the Office Open XML
documents (Word .docx, Excel .xlsx) that vendors send certificates and reports in.
HTML, SVG and anything scriptable are refused whatever they are called.
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


def _office_type(upload: UploadedFile) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


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
    return UploadInfo(safe_name(upload.name), content_type, upload.size, digest.hexdigest())

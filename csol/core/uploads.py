"""The one upload validator: size, count and type checked by content, not by the file's name."""

from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class UploadPolicy:
    max_bytes: int = 10 * MEGABYTE
    max_files: int = 5
    # MIME types recognised from the bytes; text types (CSV) are checked separately.
    allowed_types: frozenset = frozenset({"application/pdf", "image/png", "image/jpeg"})
    allow_csv: bool = False
    allow_spreadsheet: bool = False


DOCUMENTS = UploadPolicy()
CSV_FILE = UploadPolicy(max_files=1, allowed_types=frozenset(), allow_csv=True)
SERVICE_ATTACHMENTS = UploadPolicy(allow_csv=True, allow_spreadsheet=True)
SPREADSHEET_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",  # xlsx files are zip archives; the name must also say .xlsx
}


def _looks_like_csv(head: bytes) -> bool:
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = head.decode("latin-1")
        except UnicodeDecodeError:
            return False
    return "\x00" not in text and ("," in text or ";" in text or "\n" in text)


def detected_type(upload, policy: UploadPolicy) -> str:
    """The content type read from the file's first bytes; ValidationError when not allowed."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    name = (upload.name or "").lower()
    if kind is not None and kind.mime in policy.allowed_types:
        return kind.mime
    if policy.allow_spreadsheet and kind is not None and kind.mime in SPREADSHEET_TYPES and name.endswith(".xlsx"):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if policy.allow_csv and kind is None and name.endswith(".csv") and _looks_like_csv(head):
        return "text/csv"
    if policy.allow_csv and not policy.allowed_types and not policy.allow_spreadsheet:
        raise ValidationError(_("%(name)s is not a CSV file.") % {"name": upload.name}, code="file_type")
    raise ValidationError(
        _("%(name)s is not an accepted file type (PDF, PNG or JPEG%(extra)s).")
        % {"name": upload.name, "extra": _(", CSV or Excel") if policy.allow_csv else ""},
        code="file_type",
    )


def validate_uploads(files, policy: UploadPolicy = DOCUMENTS) -> list[str]:
    """Check every file of one submission; returns their detected content types."""
    files = list(files)
    if len(files) > policy.max_files:
        raise ValidationError(
            ngettext("Attach at most %(count)d file.", "Attach at most %(count)d files.", policy.max_files)
            % {"count": policy.max_files},
            code="file_count",
        )
    types = []
    for upload in files:
        if upload.size > policy.max_bytes:
            raise ValidationError(
                _("%(name)s is larger than %(size)d MB.") % {"name": upload.name, "size": policy.max_bytes // MEGABYTE},
                code="file_size",
            )
        if upload.size == 0:
            raise ValidationError(_("%(name)s is empty.") % {"name": upload.name}, code="file_empty")
        types.append(detected_type(upload, policy))
    return types


def safe_download_name(name: str) -> str:
    """A file name safe for Content-Disposition: no path, no quotes or control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"\r\n;')
    return cleaned or "download"


def attachment_disposition(name: str) -> str:
    """`Content-Disposition` of a download: the safe name, in its UTF-8 form when it has accents
    (`filename*=`, RFC 6266), as FileResponse(as_attachment=True) does."""
    return content_disposition_header(True, safe_download_name(name))

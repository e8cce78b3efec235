"""Checking an uploaded project file: size, a type from an allow-list confirmed by the file's first bytes,
and a harmless file name. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext

MAX_FILE_BYTES = 5 * 1024 * 1024
# extension -> (content type, magic prefixes; empty: must be UTF-8 text)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "txt": ("text/plain; charset=utf-8", ()),
    "md": ("text/plain; charset=utf-8", ()),
    "csv": ("text/plain; charset=utf-8", ()),
}


class UploadRejected(ValueError):
    """The file cannot be kept; the message says why and what to do."""


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    data: bytes


def safe_file_name(name: str) -> str:
    """The base name with anything but letters, digits, dot, dash and underscore replaced; never empty."""
    base = re.split(r"[\\/]", name)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "file"
    stem, _, extension = cleaned.rpartition(".")
    if not stem:
        return cleaned[:100]
    return f"{stem[:90]}.{extension[:10]}"


def file_check(name: str, data: bytes) -> CheckedFile:
    """Accept a file whose extension is allowed and whose bytes match it; else ``UploadRejected``."""
    if len(data) > MAX_FILE_BYTES:
        raise UploadRejected(
            gettext("The file is larger than {megabytes} MB. Upload a smaller one.").format(
                megabytes=MAX_FILE_BYTES // (1024 * 1024)
            )
        )
    if not data:
        raise UploadRejected(gettext("The file is empty."))
    safe = safe_file_name(name)
    extension = safe.rpartition(".")[2].lower() if "." in safe else ""
    allowed = ", ".join(sorted(ALLOWED))
    if extension not in ALLOWED:
        raise UploadRejected(
            gettext("Files of this type cannot be uploaded. Allowed: {allowed}.").format(allowed=allowed)
        )
    content_type, magic = ALLOWED[extension]
    if magic:
        if not data.startswith(magic):
            raise UploadRejected(
                gettext("The file's contents are not a .{extension} file. Allowed: {allowed}.").format(
                    extension=extension, allowed=allowed
                )
            )
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise UploadRejected(gettext("A text file must be UTF-8 text.")) from None
        if b"\x00" in data:
            raise UploadRejected(gettext("A text file must not hold NUL bytes."))
    return CheckedFile(name=safe, content_type=content_type, data=data)

"""Photos: real images only, size-capped, re-encoded (which drops EXIF and GPS)."""

from __future__ import annotations

import io
import secrets
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from redprop.core.errors import ApplicationError
from redprop.requests.errors import RequestError

MAX_PHOTOS = 9
MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
Image.MAX_IMAGE_PIXELS = 40_000_000  # refuse decompression bombs


def clean_photo(upload: Any, *, field: str = "photos") -> tuple[ContentFile, int, int]:
    """Validate an uploaded file as an image and return a clean JPEG of it.

    The image is decoded (so a renamed text file fails), orientation applied,
    downscaled to at most 2048 px and re-encoded: the result carries no EXIF.
    """
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    if size > MAX_BYTES:
        raise ApplicationError(
            RequestError.IMAGE_TOO_LARGE, _("照片不能超过 10 MB"), field=field, status=413
        )
    try:
        with Image.open(upload) as probe:
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as original:
            img = ImageOps.exif_transpose(original).convert("RGB")
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=85, optimize=True)
            width, height = img.size
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
    ) as exc:
        raise ApplicationError(
            RequestError.INVALID_IMAGE, _("上传的文件不是有效的图片"), field=field
        ) from exc
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(8)}.jpg"), width, height


def new_token() -> str:
    return secrets.token_hex(8)

"""What every vote service shares: the input limits and the checks of text, documents,
choices and unit ids. Imports none of the other service modules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from redprop.core.errors import ApplicationError
from redprop.core.inputs import text_problem
from redprop.votes import counting, selectors
from redprop.votes.errors import VoteError, counting_error, vote_error

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from redprop.votes.models import Vote

MAX_WINDOW = dt.timedelta(days=90)
DEFAULT_WINDOW = dt.timedelta(days=14)
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
TITLE_MAX = 120
DESCRIPTION_MAX = 2000
ORIGIN_MAX = 200
NOTE_MAX = 200
PROXY_NAME_MAX = 64


def _text(value: str, field: str, max_length: int, *, required: bool = False) -> str:
    value = value or ""
    problem = text_problem(value, required=required)
    if problem or len(value) > max_length:
        raise ApplicationError(
            "validation_error",
            _("不能为空，且不能超过 %(max)s 个字符") % {"max": max_length},
            field=field,
        )
    return value.strip()


def _item(item: Any) -> int:
    try:
        return int(counting.Item(int(item)))
    except (TypeError, ValueError):
        raise counting_error(
            counting.CountingError(VoteError.INVALID_ITEM, "item"), field="item"
        ) from None


def _visible(user: Any) -> QuerySet[Vote]:
    return selectors.vote_list(user=user)


def _document(upload: Any, field: str) -> Any:
    """A scan or an authorisation: PDF, JPEG or PNG (checked by content), ≤ 10 MB."""
    if upload is None:
        raise vote_error(VoteError.DOCUMENT_REQUIRED, field=field)
    size = getattr(upload, "size", None) or 0
    head = upload.read(8)
    upload.seek(0)
    kinds = {b"%PDF-": "pdf", b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
    ext = next((e for magic, e in kinds.items() if head.startswith(magic)), None)
    if ext is None or size > MAX_DOCUMENT_BYTES or size == 0:
        raise vote_error(VoteError.INVALID_DOCUMENT, field=field)
    upload.name = f"doc.{ext}"
    return upload


def _choice(value: Any, field: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise vote_error(VoteError.INVALID_CHOICE, field=field)
    return str(value)


def _unit_id(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 2**63 - 1 else None

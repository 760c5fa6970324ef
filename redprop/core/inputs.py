"""Input limits shared by the JSON API and the web forms (docs/adr/0009-input-limits.md).

Every text field has a maximum, every integer a range, every body a size limit
(``config.settings``: ``DATA_UPLOAD_MAX_MEMORY_SIZE``, ``REDPROP_MAX_UPLOAD_BYTES``).
Over-long text is refused, never cut; text may not carry NUL, other C0 control
characters or lone UTF-16 surrogates (PostgreSQL and UTF-8 cannot store them); a
required text of only whitespace or invisible characters (zero-width spaces, word
joiners, BOM) is refused. The table of limits is in docs/api.md, section "Limits".
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

# --- integers ------------------------------------------------------------------------
# Primary keys are BigAutoField (64-bit signed): an id outside 1..2^63-1 names nothing
# and would overflow the driver (SQLite's OverflowError was a 500).
MAX_ID = 2**63 - 1
# Counters and versions are PositiveIntegerField (32-bit signed in PostgreSQL).
MAX_INT32 = 2**31 - 1

# --- texts (characters, not bytes) ---------------------------------------------------
DESCRIPTION_MAX = 2000  # a request's description, a plan
NOTE_MAX = 1000  # notes, reasons, comments of the workflow
LOCATION_MAX = 128  # ServiceRequest.location_text
EXTERNAL_REF_MAX = 64  # ServiceRequest.external_ref
CODE_MAX = 32  # category codes, status and other vocabulary words, person tags
NAME_MAX = 32  # a person's name (Person.name)
LABEL_MAX = 32  # a unit's label (Unit.label)
QUERY_MAX = 100  # a search box
SHORT_MAX = 32  # mobile, ID number, month, group_by, field names
IDEMPOTENCY_KEY_MAX = 128

# --- lists ---------------------------------------------------------------------------
IDS_MAX = 500  # ids in one body (mark read, owners)
TAGS_MAX = 20

# C0 controls except tab, newline and carriage return; DEL; lone surrogates.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def is_invisible(text: str) -> bool:
    """True when nothing in ``text`` would show: whitespace and format characters
    (Unicode category Cf: U+200B zero-width space, U+200D joiner, U+2060, U+FEFF)."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cf", "Zs", "Cc") for ch in text)


def clean_text(value: str, *, required: bool = False) -> str:
    """Strip surrounding whitespace; refuse forbidden characters; an invisible-only
    text is empty (refused when ``required``). Raises ``ValueError`` subclasses that
    pydantic and Django forms both understand through :func:`text_problem`."""
    problem = text_problem(value, required=required)
    if problem == "invalid_characters":
        raise PydanticCustomError("invalid_characters", "text holds a forbidden character")
    if problem == "blank":
        raise PydanticCustomError("blank", "text is empty or invisible")
    return "" if is_invisible(value) else value.strip()


def text_problem(value: str, *, required: bool = False) -> str | None:
    """``"invalid_characters"``, ``"blank"`` or None (the form fields use this too)."""
    if _FORBIDDEN.search(value):
        return "invalid_characters"
    if required and is_invisible(value):
        return "blank"
    return None


def checked_text(
    value: Any,
    *,
    field: str,
    max_length: int,
    required: bool = False,
    blank_code: str = "validation_error",
    blank_message: str | None = None,
) -> str:
    """A service's text input, stripped: refused (``ApplicationError`` on ``field``) when
    it holds forbidden characters, is blank while ``required`` (``blank_code`` and
    ``blank_message``, default "不能为空"), or is longer than ``max_length``."""
    from django.utils.translation import gettext as _

    from redprop.core.errors import ApplicationError, ErrorCode

    text = "" if value is None else str(value)
    problem = text_problem(text, required=required)
    if problem == "blank" or (required and not text.strip()):
        raise ApplicationError(blank_code, blank_message or _("不能为空"), field=field)
    if problem:
        raise ApplicationError(
            ErrorCode.VALIDATION, _("含有不允许的字符（如 NUL、控制字符）"), field=field
        )
    text = text.strip()
    if len(text) > max_length:
        raise ApplicationError(
            ErrorCode.VALIDATION, _("不能超过 %(max)s 个字符") % {"max": max_length}, field=field
        )
    return text


def parse_id(value: object) -> int | None:
    """An id typed into a query string or a form (ASCII digits in 1..2^63-1), else None.

    ``str.isdigit`` alone lets through "²" and fullwidth digits, and any length."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def _optional(value: str) -> str:
    return clean_text(value, required=False)


def _required(value: str) -> str:
    return clean_text(value, required=True)


def Text(max_length: int, *, required: bool = False) -> Any:
    """A string type for API schemas: at most ``max_length`` characters, cleaned."""
    # Constraints, not a Field(): a Field inside Annotated would drop the parameter's
    # default in django-ninja's query and form parameters.
    return Annotated[
        str,
        MinLen(1 if required else 0),
        MaxLen(max_length),
        AfterValidator(_required if required else _optional),
    ]


def Int(low: int, high: int) -> Any:
    """An integer type for API schemas in ``low..high``."""
    return Annotated[int, Ge(low), Le(high)]


# An id in a query, a body or a list. (An id in a path out of this range is a 404:
# Django answers an out-of-range lookup with no rows.)
Id = Annotated[int, Ge(1), Le(MAX_ID)]
# Floor areas, m² (DecimalField(max_digits=8, decimal_places=2)). The range is
# documented here and judged by territory.services (``invalid_area``, as the pages get).
Area = Annotated[Decimal, Field(json_schema_extra={"exclusiveMinimum": 0, "maximum": 999999.99})]

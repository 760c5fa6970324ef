"""Duplicate suggestions ("me too"): similar open requests nearby.

Chinese text has no spaces, so the text is segmented with jieba and compared as
token sets with rapidfuzz; only open requests of the same compound and category
filed in the last 30 days are candidates (one indexed query).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import jieba
from rapidfuzz import fuzz

from redprop.core import clock
from redprop.requests.choices import CLOSED_STATES
from redprop.requests.models import ServiceRequest

THRESHOLD = 55.0
COMPARE_CHARS = 300
WINDOW = dt.timedelta(days=30)
_STOP = set("的了在是我和就都而及与着或一个没有我们你们他们这那有也很吗呢吧啊请")

jieba.setLogLevel(60)  # silence jieba's start-up chatter


@lru_cache(maxsize=4096)
def tokens(text: str) -> str:
    words = [w.strip() for w in jieba.lcut(text or "")]
    return " ".join(sorted({w for w in words if w and w not in _STOP and not w.isspace()}))


def similarity(a: str, b: str) -> float:
    # The opening words decide whether two reports are the same problem; comparing
    # only them bounds the work (jieba's cost grows with the text, and up to 200
    # candidates are segmented) whatever length was filed (docs/adr/0009).
    return float(fuzz.token_set_ratio(tokens(a[:COMPARE_CHARS]), tokens(b[:COMPARE_CHARS])))


def similar_requests(
    *,
    scope: Any,
    compound_id: int | None,
    category_id: int,
    description: str,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[tuple[ServiceRequest, float]]:
    if compound_id is None:
        return []
    qs = scope.filter(
        ServiceRequest.objects.filter(
            compound_id=compound_id,
            category_id=category_id,
            created_at__gte=clock.now() - WINDOW,
        ).exclude(status__in=CLOSED_STATES)
    ).only("id", "description", "status", "created_at", "compound_id", "category_id", "reporter_id")
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    scored = [(r, similarity(description, r.description)) for r in qs.order_by("-id")[:200]]
    scored = [(r, s) for r, s in scored if s >= THRESHOLD]
    scored.sort(key=lambda x: -x[1])
    return scored[:limit]


def own_open_duplicate(
    *, person_id: int | None, compound_id: int | None, category_id: int, description: str
) -> ServiceRequest | None:
    """The reporter's own open request that this new one repeats, if any: the same
    person, compound and category within the window, and a similar description."""
    if not person_id or compound_id is None:
        return None
    qs = (
        ServiceRequest.objects.filter(
            reporter_id=person_id,
            compound_id=compound_id,
            category_id=category_id,
            created_at__gte=clock.now() - WINDOW,
        )
        .exclude(status__in=CLOSED_STATES)
        .only("id", "description", "status", "created_at", "compound_id", "category_id")
        .order_by("-id")[:20]
    )
    return next((r for r in qs if similarity(description, r.description) >= THRESHOLD), None)

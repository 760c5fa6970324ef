"""The API's token auth: ``Authorization: Bearer <token>`` for machine clients.

Wired into the API root in ``config/api.py`` beside core's session auth.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from redprop.accounts.selectors import token_with_user
from redprop.core.errors import ApplicationError

TOKEN_TOUCH_EVERY = dt.timedelta(minutes=5)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` for machine clients."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        digest = hashlib.sha256(token.encode()).hexdigest()
        row = token_with_user(key_hash=digest)
        if row is None:
            return None
        if getattr(row, "scope", "write") != "write" and request.method not in SAFE_METHODS:
            raise ApplicationError(
                "token_read_only", _("该令牌为只读令牌，不能修改数据"), status=403
            )
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_EVERY:
            # At most one write per token per interval: the hot path stays read-only.
            type(row).objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user

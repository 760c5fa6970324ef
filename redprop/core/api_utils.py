"""Small helpers shared by the app routers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from redprop.core.errors import PermissionDenied


def require_perm(request: HttpRequest, perm: str, obj: Any = None) -> None:
    """403 unless the user's roles allow ``perm`` (and ``obj`` is in scope)."""
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied()

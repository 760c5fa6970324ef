"""Who may open which page: login, a role for the page, and the object's scope.

* not logged in → the login page (an htmx call gets ``HX-Redirect`` to it, so an
  expired session never swaps the login form into a fragment);
* logged in without any role → the "no role yet" page (403);
* a role, but not one this page is for → 403;
* an object outside the user's scope → 404 (its existence is not revealed).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render, resolve_url

from redprop.requests import selectors as request_selectors
from redprop.requests.models import ServiceRequest


def role_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., Any]]:
    """Allow users holding one of ``roles`` (any role at all when none is given)."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            names = request.user.role_names()  # type: ignore[union-attr]
            if not names:
                return render(request, "web/no_role.html", status=403)
            if roles and not names & set(roles):
                return forbidden(request)
            return view(request, *args, **kwargs)

        page = login_required(checked)

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated and getattr(request, "htmx", False):
                login = redirect_to_login(
                    request.htmx.current_url_abs_path or "/",  # type: ignore[attr-defined]
                    resolve_url(settings.LOGIN_URL),
                )
                response = HttpResponse(status=401)
                response["HX-Redirect"] = login["Location"]
                return response
            return page(request, *args, **kwargs)

        return wrapped

    return decorator


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, "403.html", {"message": message}, status=403)


def viewable_request(user: Any, request_id: int) -> ServiceRequest:
    """The request with its timeline and photos if ``user`` may see it, else 404.

    The person a request is assigned to (指定处理人) may open it even outside their
    own scope: a dispatcher may name any worker of the unit in the community (and
    the routing policy's least-loaded pick may too), and ``can_handle`` lets them
    act on it, so the page must not hide it from them.
    """
    obj = request_selectors.request_for_user(user=user, request_id=request_id)
    if obj is None:
        raise Http404
    return obj

"""Log in by username or by mobile number (found through its blind index)."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from redprop.accounts.models import User
from redprop.core.errors import ApplicationError
from redprop.people.models import mobile_bidx
from redprop.people.validation import clean_mobile, looks_like_mobile


def user_for_identifier(identifier: str) -> User | None:
    """The account a login identifier names: a mobile known to exactly one account, else a
    username. The login lockout counts failures by this account, whichever was typed."""
    user = None
    if looks_like_mobile(identifier):
        try:
            bidx = mobile_bidx(clean_mobile(identifier))
        except ApplicationError:
            bidx = None
        if bidx:
            # A mobile shared by two accounts identifies neither: use the username.
            matches = list(User.objects.filter(person__mobile_bidx=bidx)[:2])
            user = matches[0] if len(matches) == 1 else None
    if user is None:
        user = User.objects.filter(username=identifier).first()
    return user


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in ``AUTHENTICATION_BACKENDS``.

    Every login that comes over HTTP (the login page, the admin's) passes its request
    and is checked. A call with no request (Django's test ``Client.login``, code run
    in the shell) has no address to count and nothing to lock: it is let through to
    the password check instead of raising, as axes' own backend would.
    """

    def authenticate(self, request: Any, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)  # type: ignore[no-any-return]


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        user = user_for_identifier(username)
        if user is None:
            User().set_password(password)  # same cost as a real check (timing)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

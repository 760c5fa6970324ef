"""What the permission matrix shares with the apps' own matrix modules.

An app adds its URLs to the matrix in ``redprop/<app>/tests/matrix_cases.py``:

* ``TABLE: dict[str, list[Case]]``: its pages' and API operations' entries;
* ``build(fx) -> None``: builds its objects of scope A through its services, after
  the shared world (``fx.w``, its users ``fx.w.users``) and the other fixtures exist,
  and keeps them in ``fx.extra["<app>"]`` for the cases' ``args``/``body``;
* optionally ``ADMIN_MODELS: dict[str, AdminModel]`` and ``BODY_IDS: list[BodyId]``.

``plugins()`` finds those modules among the installed apps; the matrix refuses two
entries for one key. An app that adds its cases here never edits the big table, so
branches that add apps do not collide in one file.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.apps import apps as django_apps

from redprop.accounts.choices import Role

Fx = Any  # redprop.tests.test_permission_matrix.Fx (objects in fx.extra[app])

MISSING = 987654321  # an id no fixture ever reaches
MARKER = b"MXA-"  # written into every request of scope A

# --- principals ------------------------------------------------------------------------

ROLES = [r.value for r in Role]
SIBLING = "@b"
PRINCIPALS = [
    "anonymous",
    "nobody",
    *ROLES,
    *(f"{r}{SIBLING}" for r in ROLES if r != Role.SYSADMIN),
]

# Role groups, as the product names them.
RESIDENT = frozenset({Role.RESIDENT})
GRID_STAFF = frozenset({Role.GRID_BUTLER, Role.MAINTENANCE_WORKER})
DISPATCHERS = frozenset({Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN})
REGION_DESKS = DISPATCHERS | {Role.HOUSING_BUREAU}
ADMIN_STAFF = REGION_DESKS | {Role.COMPANY_STAFF}  # is_staff
ALL_STAFF = REGION_DESKS | GRID_STAFF | {Role.COMPANY_STAFF, Role.UNIT_STAFF}
EVERY_ROLE = frozenset(ROLES)
# Handlers of a property company's order in grid A: the company, the grid's staff.
HANDLERS = GRID_STAFF | {Role.COMPANY_STAFF, Role.SYSADMIN}
# Who sees a request of grid A handled by company A (can_view).
VIEWERS = RESIDENT | ALL_STAFF - {Role.UNIT_STAFF}
# The hotline role is Open311's service account: it may file in its street, nothing else.
FILERS = RESIDENT | GRID_STAFF | DISPATCHERS | {Role.HOTLINE}
SYSADMIN = frozenset({Role.SYSADMIN})
POLICY_EDITORS = frozenset({Role.HOUSING_BUREAU, Role.SYSADMIN})
NOT_COMPANY = ADMIN_STAFF - {Role.COMPANY_STAFF}
NONE: frozenset[str] = frozenset()

# Mediation (docs/subsystems/mediation.md): the supervising roles over the case's place
# (the fixture's mediator is community A's desk officer); the parties are the resident
# (applicant) and company A (respondent).
MED_SUPERVISORS = frozenset(
    {Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU, Role.SYSADMIN}
)
MED_PARTIES = frozenset({Role.RESIDENT, Role.COMPANY_STAFF})
MED_VIEWERS = MED_SUPERVISORS | MED_PARTIES

# Who may read a person's (masked) record: accounts.rules.view_people.
PEOPLE_VIEWERS = REGION_DESKS | {Role.GRID_BUTLER} | RESIDENT

# Who opens a star-rating assessment of company A (ratings.permissions.can_view).
RATING_VIEWERS = frozenset(
    {
        Role.COMPANY_STAFF,
        Role.COMMUNITY_STAFF,
        Role.STREET_OFFICER,
        Role.HOUSING_BUREAU,
        Role.SYSADMIN,
    }
)

PUBLIC = "public"  # anonymous and role-less users too
AUTHENTICATED = "authenticated"  # any logged-in user, with or without a role


# --- the table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One probe of one URL pattern, asked of every principal."""

    allow: frozenset[str]  # roles that may, inside the scope of the objects probed
    method: str = "GET"
    args: Callable[[Fx], dict[str, Any]] | None = None  # URL kwargs from the fixtures
    body: Callable[[Fx], Any] | None = None  # POST body (form dict, or JSON for the API)
    query: str = ""
    ok: tuple[int, ...] = (200,)
    # False: the URL's object belongs to no scope (a category, a tag): a sibling is
    # judged like the role inside the scope.
    scoped: bool = True
    # Where a refusal redirects, besides the login pages (e.g. the inbox).
    refuse_to: str = ""
    multipart: bool = False
    label: str = ""
    # Roles that may see the URL's object (in scope) though not act on it: their
    # refusal may say "not allowed" (403) where a missing object says 404.
    seen_by: frozenset[str] = NONE
    # A form whose refusal is a 400 on its field (a place or unit not offered).
    refuse_400: bool = False
    empty_is_refusal: bool = False  # an empty 200 is this URL's refusal
    names_a: bool = False  # the query or the body names an object of scope A
    logs_out: bool = False  # the probe ends the session: log in again after it
    pending: str = ""  # the branch that makes this case pass (reported, not failed)
    path: Callable[[Fx], str] | None = None  # for patterns reverse() cannot build


def api(*cases: Case) -> list[Case]:
    return list(cases)


@dataclass(frozen=True)
class AdminModel:
    """A model's admin pages: who may list/open (view), add and delete, and which
    object of scope A to open. ``scoped`` False: the rows belong to no scope."""

    view: frozenset[str]
    obj: Callable[[Fx], Any]
    add: frozenset[str] = NONE
    delete: frozenset[str] = SYSADMIN
    change: frozenset[str] | None = None  # who sees the change form (default: view)
    scoped: bool = True


@dataclass(frozen=True)
class BodyId:
    """A write whose body names an object: ``body(fx, id)`` with the id of an object
    of the sibling scope, and again with an id that does not exist."""

    principal: str
    path: Callable[[Fx], str]
    body: Callable[[Fx, Any], dict[str, Any]]
    foreign: Callable[[Fx], Any]
    label: str


def plugins() -> list[ModuleType]:
    """The installed apps' matrix modules (``<app>.tests.matrix_cases``), in app order."""
    found = []
    for config in django_apps.get_app_configs():
        if not config.name.startswith("redprop."):
            continue
        name = f"{config.name}.tests.matrix_cases"
        if importlib.util.find_spec(f"{config.name}.tests") is None:
            continue
        if importlib.util.find_spec(name) is None:
            continue
        found.append(importlib.import_module(name))
    return found

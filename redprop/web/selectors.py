"""Reads the pages need that the apps' selectors do not offer (yet). Scope first.

Each function takes the acting user (whose ``scope_set`` is the scope) or an
already scope-checked object; nothing here reads outside what the user may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.core.inputs import parse_id
from redprop.orgs.choices import OrgKind
from redprop.orgs.models import Org
from redprop.requests import policies as request_policies
from redprop.requests import selectors as request_selectors
from redprop.requests.models import Category, ServiceRequest
from redprop.requests.permissions import DISPATCHERS, FILERS
from redprop.territory import selectors as territory_selectors
from redprop.territory.models import Building, Compound, Grid, Unit

# Staff roles that file what they see (the resident files for their own home).
STAFF_FILERS = tuple(r for r in FILERS if r != Role.RESIDENT)
GRID_STAFF = (Role.GRID_BUTLER, Role.MAINTENANCE_WORKER)
WORKERS = (Role.GRID_BUTLER, Role.MAINTENANCE_WORKER, Role.COMPANY_STAFF, Role.UNIT_STAFF)
# The console's tabs: (queue name in requests.selectors.queue_q, label).
QUEUES: list[tuple[str, Any]] = [
    ("new", gettext_lazy("新诉求")),
    ("returned", gettext_lazy("退单")),
    ("warning", gettext_lazy("临期")),
    ("breached", gettext_lazy("超时")),
    ("reopened", gettext_lazy("重办")),
    ("escalated", gettext_lazy("上报")),
]
QUEUE_NAMES = [name for name, _label in QUEUES]
# Tabs whose oldest request waits longest (shown first); the deadline tabs show the newest first.
ASCENDING_QUEUES = frozenset({"new", "returned", "reopened", "escalated"})
QUEUE_PAGE = 50  # rows per page of a console tab
QUEUE_MAX_ROWS = 500  # rows one polling refresh re-reads at most (10 loaded pages, ~350 KB)
# Places listed in the patrol place picker (a street officer's street is large).
PLACE_LIMIT = 400


def household_units(*, user: User) -> QuerySet[Unit]:
    """The units the user lives in or owns (resident scope), with compound and community."""
    if not user.has_role(Role.RESIDENT):
        return Unit.objects.none()
    return (
        territory_selectors.unit_list(scope=user.scope_set(Role.RESIDENT))
        .select_related("compound__company", "compound__community", "building")
        .distinct()
        .order_by("compound_id", "label")
    )


@dataclass(frozen=True)
class PlaceOption:
    """One entry of the filing form's place picker: ``u:12``, ``b:3`` or ``c:5``."""

    value: str
    label: str
    group: str
    own: bool = False  # the user's own home (or its compound), not a place on patrol


def filing_places(*, user: User) -> list[PlaceOption]:
    """Where this user may file: their own units and compounds, and staff places in scope.

    Mirrors ``requests.permissions.can_file_at``: a resident files for their
    household's compound; staff for a compound or building inside their scope (a
    grid's staff see buildings, since a compound spans grids).
    """
    options: list[PlaceOption] = []
    units = list(household_units(user=user))
    seen_compounds: set[int] = set()
    for unit in units:
        options.append(
            PlaceOption(
                f"u:{unit.pk}",
                _("%(compound)s %(unit)s（我家）")
                % {"compound": unit.compound.name, "unit": unit.label},
                _("我的房屋"),
                own=True,
            )
        )
    for unit in units:
        if unit.compound_id not in seen_compounds:
            seen_compounds.add(unit.compound_id)
            options.append(
                PlaceOption(
                    f"c:{unit.compound_id}",
                    _("%(compound)s 公共区域") % {"compound": unit.compound.name},
                    _("我的房屋"),
                    own=True,
                )
            )
    if user.has_role(*STAFF_FILERS):
        scope = user.scope_set(*STAFF_FILERS)
        compounds = territory_selectors.compound_list(scope=scope)[:PLACE_LIMIT]
        for compound in compounds:
            if compound.pk in seen_compounds:
                continue
            options.append(
                PlaceOption(
                    f"c:{compound.pk}",
                    _("%(compound)s（整个小区）") % {"compound": compound.name},
                    _("辖区小区"),
                )
            )
        buildings = territory_selectors.building_list(scope=scope).order_by("compound__name", "id")[
            :PLACE_LIMIT
        ]
        for building in buildings:
            options.append(
                PlaceOption(
                    f"b:{building.pk}",
                    f"{building.compound.name} {building.name}",
                    _("辖区楼栋"),
                )
            )
    return options


def resolve_place(*, user: User, value: str) -> tuple[dict[str, Any], bool] | None:
    """Turn a picker value back into the place kwargs of ``request_file`` and whether
    it is the user's own home (None if unknown).

    Only values the picker offered this user are accepted, so a forged value for
    a place outside the user's scope is treated as unknown.
    """
    offered = {o.value: o for o in filing_places(user=user)}
    if value not in offered:
        return None
    return _place_kwargs(value), offered[value].own


def _place_kwargs(value: str) -> dict[str, Any]:
    kind, _sep, raw = value.partition(":")
    pk = int(raw)
    if kind == "u":
        unit = Unit.objects.select_related("building", "compound__company", "grid").get(pk=pk)
        return {"unit": unit, "building": None, "compound": None}
    if kind == "b":
        building = Building.objects.select_related("compound__company", "grid").get(pk=pk)
        return {"unit": None, "building": building, "compound": None}
    compound = Compound.objects.select_related("company").get(pk=pk)
    return {"unit": None, "building": None, "compound": compound}


def category_groups() -> list[tuple[Category | None, list[Category]]]:
    """Active categories as (parent, children); parents without children form a last group."""
    cats = list(Category.objects.filter(is_active=True).select_related("parent"))
    parents = [c for c in cats if c.parent_id is None]
    children: dict[int, list[Category]] = {}
    for c in cats:
        if c.parent_id is not None:
            children.setdefault(c.parent_id, []).append(c)
    groups: list[tuple[Category | None, list[Category]]] = []
    lonely: list[Category] = []
    for p in parents:
        if children.get(p.pk):
            groups.append((p, children[p.pk]))
        else:
            lonely.append(p)
    if lonely:
        groups.append((None, lonely))
    return groups


# The units a request may be sent to: one rule, in requests.policies (the service
# refuses any other, whichever edge it comes from).
dispatch_units = request_policies.dispatch_units


@dataclass(frozen=True)
class QueuePage:
    """Rows of one console tab and where the next page starts (keyset on id)."""

    rows: list[ServiceRequest]
    next_cursor: int | None  # the id after which the next page starts; None: nothing more
    remaining: int  # how many rows follow (0 on the last page)

    @property
    def last_id(self) -> int | None:
        return self.rows[-1].pk if self.rows else None


def _queue_qs(*, user: User, name: str) -> QuerySet[ServiceRequest]:
    qs = request_selectors.request_list(
        scope=user.scope_set(*DISPATCHERS),
        filters=request_selectors.RequestFilters(queue=name),
    )
    qs = qs.select_related("building", "unit").distinct()
    return qs.order_by("id" if name in ASCENDING_QUEUES else "-id")


def queue(
    *,
    user: User,
    name: str,
    after: int | None = None,
    through: int | None = None,
    limit: int = QUEUE_PAGE,
) -> QueuePage:
    """One console tab: requests in the dispatcher's scope, a page at a time.

    Oldest waiting first for new, returned, reopened and escalated; newest first
    for the deadline tabs. ``after`` is the cursor of a following page (keyset on
    id, never OFFSET). ``through`` re-reads what the page already shows: every row
    up to that id (at least one page, at most ``QUEUE_MAX_ROWS``), so the polling
    refresh keeps the rows the dispatcher loaded.
    """
    qs = _queue_qs(user=user, name=name)
    ascending = name in ASCENDING_QUEUES
    if through:
        rows, nxt = request_selectors.through_cursor(
            qs, through, at_least=limit, at_most=QUEUE_MAX_ROWS, after=after, ascending=ascending
        )
    else:
        rows, nxt = request_selectors.after_cursor(qs, after, limit, ascending=ascending)
    remaining = 0
    if nxt is not None:
        remaining = (qs.filter(pk__gt=nxt) if ascending else qs.filter(pk__lt=nxt)).count()
    return QueuePage(rows, nxt, remaining)


@dataclass(frozen=True)
class PersonOption:
    """Someone a dispatcher may name as the handler of an order (指定处理人)."""

    user: User
    roles: tuple[str, ...]  # Role values, e.g. maintenance_worker
    grids: tuple[str, ...]  # the grids they serve (grid staff)
    open_orders: int  # orders assigned to them and not yet resolved
    suggested: bool  # the request's grid's own maintenance worker


# The order people are listed in after the suggested one.
_ROLE_RANK: dict[str, int] = {
    Role.MAINTENANCE_WORKER: 0,
    Role.GRID_BUTLER: 1,
    Role.UNIT_STAFF: 2,
    Role.COMPANY_STAFF: 2,
    Role.COMMUNITY_STAFF: 3,
}


def dispatch_people(*, request: ServiceRequest, org: Org | None) -> list[PersonOption]:
    """Who in ``org`` may be named as the handler of ``request`` (scope-checked by
    the caller, who may dispatch it), as options for the dispatch form. Three queries.

    The rule is ``requests.policies.eligible_assignees`` (the dispatch service
    refuses anyone else); for a property company the request's grid's own
    maintenance worker comes first, marked as suggested.
    """
    if org is None:
        return []
    roles = request_policies.eligible_assignees(request=request, org=org)
    suggested_id = None
    if org.kind == OrgKind.PROPERTY_COMPANY and request.grid_id:
        suggested_id = (
            Grid.objects.filter(pk=request.grid_id)
            .values_list("maintenance_worker_id", flat=True)
            .first()
        )
    found: dict[int, tuple[User, set[str], list[str]]] = {}
    for ra in roles.select_related("user", "grid").order_by("user_id", "grid__code", "id"):
        _user, names, grids = found.setdefault(ra.user_id, (ra.user, set(), []))
        names.add(ra.role)
        if ra.grid is not None and ra.grid.name not in grids:
            grids.append(ra.grid.name)
    load = request_policies.open_orders(list(found))
    people = [
        PersonOption(
            user=user,
            roles=tuple(sorted(names, key=lambda r: _ROLE_RANK.get(r, 9))),
            grids=tuple(grids),
            open_orders=load.get(pk, 0),
            suggested=pk == suggested_id,
        )
        for pk, (user, names, grids) in found.items()
    ]
    people.sort(
        key=lambda p: (
            not p.suggested,
            min(_ROLE_RANK.get(r, 9) for r in p.roles),
            str(p.user),
            p.user.pk,
        )
    )
    return people


def queue_counts(*, user: User) -> dict[str, int]:
    scope = user.scope_set(*DISPATCHERS)
    now = timezone.now()
    base = request_selectors.request_list(scope=scope)
    return {
        name: base.filter(request_selectors.queue_q(name, now)).distinct().count()
        for name in QUEUE_NAMES
    }


def request_by_number(*, user: User, text: str) -> ServiceRequest | None:
    """A request in the user's scope by its number (RP00000012) or id."""
    text = (text or "").strip().upper()
    if text.startswith("RP"):
        text = text[2:]
    pk = parse_id(text)
    if pk is None:
        return None
    return request_selectors.request_get(scope=user.scope_set(), request_id=pk)

"""Reads of the service list, scope first (docs/subsystems/service_lists.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from redprop.core.roles import Role
from redprop.core.scope import ScopeSet
from redprop.service_lists import permissions
from redprop.service_lists.choices import (
    CLAIMED_STATES,
    OPEN_STATES,
    VIEW_ROLES,
    Care,
    Side,
    Status,
)
from redprop.service_lists.models import ServiceItem, cobuilding_q

LIST_MAX = 200


def visible_q(user: Any) -> Q:
    """The items ``user`` may read: their territory, their grids' and homes'
    communities, the communities their units build with (an empty Q matches nothing)."""
    none = Q(pk__in=[])
    if not (user and user.is_authenticated and user.is_active) or not user.has_role(*VIEW_ROLES):
        return none
    q = none
    for s in user.scope_set(*permissions.TERRITORY_VIEW_ROLES):
        if s.kind == "all":
            return Q()
        if s.is_territory:
            q |= Q(**{f"{s.kind}_id": s.node_id})
    communities = permissions.grid_communities(user) | permissions.resident_communities(user)
    if communities:
        q |= Q(community_id__in=sorted(communities))
    for org_id in permissions.unit_orgs(user):
        q |= cobuilding_q(org_id) | Q(offered_by_id=org_id) | Q(claimed_org_id=org_id)
    return q


def visible_items(user: Any) -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(visible_q(user))


_STATUS_ORDER = Case(
    When(status=Status.OPEN, then=Value(0)),
    When(status=Status.CLAIMED, then=Value(1)),
    When(status=Status.IN_PROGRESS, then=Value(2)),
    When(status=Status.DONE, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)


def item_list(
    *,
    user: Any,
    side: str = "",
    service_class: str = "",
    status: str = "",
    care: str = "",
    community_id: int | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
) -> QuerySet[ServiceItem]:
    """The service list as ``user`` sees it, filtered: open items first, the nearest
    due date first, then the newest. ``care``: ``old`` (一老), ``young`` (一小), or a
    care kind."""
    qs = visible_items(user)
    if side:
        qs = qs.filter(side=side)
    if service_class:
        qs = qs.filter(service_class=service_class)
    if status == "active":
        qs = qs.filter(status__in=OPEN_STATES)
    elif status:
        qs = qs.filter(status=status)
    if care == "old":
        qs = qs.filter(care__in=[Care.ELDERLY_ALONE, Care.ELDERLY])
    elif care == "young":
        qs = qs.filter(care=Care.CHILD)
    elif care:
        qs = qs.filter(care=care)
    if community_id:
        qs = qs.filter(community_id=community_id)
    if overdue:
        qs = qs.filter(status__in=OPEN_STATES, due_on__lt=today or timezone.localdate())
    return qs.select_related("offered_by", "claimed_org", "compound").order_by(
        _STATUS_ORDER.asc(), "due_on", "-created_at", "-id"
    )


def counts(*, user: Any) -> dict[str, int]:
    """Open needs, open resources and overdue items in the user's lists."""
    from django.db.models import Count

    today = timezone.localdate()
    qs = visible_items(user)
    return qs.aggregate(
        needs=Count("pk", filter=Q(side="need", status=Status.OPEN)),
        resources=Count("pk", filter=Q(side="resource", status=Status.OPEN)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATES, due_on__lt=today)),
    )


def may_see_names(user: Any) -> bool:
    """Whether ``user``'s roles are ever allowed people's tags (the rest never see a
    named care recipient)."""
    from redprop.people.choices import SensitiveField
    from redprop.people.policies import REVEAL_ROLES

    return bool(user.role_names() & REVEAL_ROLES[SensitiveField.SENSITIVE_TAGS]) or (
        user.has_role(Role.SYSADMIN)
    )


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def claims_by(
    *, scope: ScopeSet, level: str, month: dt.date, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Dashboards: the items posted in ``month`` (by creation time) by street or
    community (``level``) of ``scope``, for needs, resources and both: posted; claimed
    (now 已认领, 服务中 or 已完成); completed (已完成); overdue (still open past the due
    date, as of ``today``); and the claim rate, claimed / posted. One grouped query."""
    from django.db.models import Count

    today = today or timezone.localdate()
    first = month.replace(day=1)
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(following, dt.time.min))
    column, name = f"{level}_id", f"{level}__name"
    rows = (
        scope.filter(ServiceItem.objects.filter(created_at__gte=start, created_at__lt=end))
        .exclude(**{f"{column}__isnull": True})
        .values(column, name, f"{level}__code", "side")
        .annotate(
            posted=Count("pk"),
            claimed=Count("pk", filter=Q(status__in=CLAIMED_STATES)),
            done=Count("pk", filter=Q(status=Status.DONE)),
            overdue=Count("pk", filter=Q(status__in=OPEN_STATES, due_on__lt=today)),
        )
        .order_by(f"{level}__code", column)
    )
    keys = ("posted", "claimed", "done", "overdue")
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = out.setdefault(
            r[column],
            {
                "id": r[column],
                "name": r[name],
                **{side: dict.fromkeys(keys, 0) for side in (*Side.values, "total")},
            },
        )
        for k in keys:
            entry[r["side"]][k] += r[k]
            entry["total"][k] += r[k]
    for entry in out.values():
        for side in (*Side.values, "total"):
            entry[side]["rate"] = _rate(entry[side]["claimed"], entry[side]["posted"])
    return list(out.values())

"""Reads of campaigns: lists by scope, progress by compound and by unit, and the
dashboards' progress by community and street. Nothing here writes."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from redprop.campaigns.choices import ItemStatus
from redprop.campaigns.models import Campaign, CampaignItem
from redprop.core.scope import ScopeSet

_COUNTS = {
    "total": Count("pk"),
    "found": Count("pk", filter=Q(status=ItemStatus.FOUND)),
    "assigned": Count("pk", filter=Q(status=ItemStatus.ASSIGNED)),
    "fixed": Count("pk", filter=Q(status=ItemStatus.FIXED)),
    "verified": Count("pk", filter=Q(status=ItemStatus.VERIFIED)),
    "refound": Count("pk", filter=Q(refound_of__isnull=False)),
}


def _containing_q(user: Any) -> Q:
    """Campaigns whose area holds one of the user's places (a grid's butler reads the
    community's campaign), or that the user's unit takes part in, or inside the scope."""
    from redprop.campaigns.choices import READER_ROLES
    from redprop.core.scope import TERRITORY_LEVELS
    from redprop.territory.models import Building, Grid, Region

    scope = user.scope_set(*READER_ROLES)
    q = scope.q_for(Campaign) if scope else Q(pk__in=[])
    for s in scope:
        if s.kind == "all":
            return Q()
        if s.kind == "org":
            q |= Q(units__org_id=s.node_id)
        elif s.kind in TERRITORY_LEVELS:
            node = (Grid if s.kind == "grid" else Region).objects.filter(pk=s.node_id).first()
            if node is None:
                continue
            for level in ("street", "community"):
                value = node.pk if s.kind == level else getattr(node, f"{level}_id", None)
                if value:
                    q |= Q(area_level=level, area_id=value)
            if s.kind == "grid":
                q |= Q(
                    area_level="compound",
                    area_id__in=Building.objects.filter(grid_id=node.pk).values("compound_id"),
                )
    return q


def campaigns_visible(*, user: Any) -> QuerySet[Campaign]:
    if not (user and user.is_authenticated and user.is_active):
        return Campaign.objects.none()
    return Campaign.objects.filter(pk__in=Campaign.objects.filter(_containing_q(user)).values("pk"))


def campaign_list(*, user: Any) -> QuerySet[Campaign]:
    return (
        campaigns_visible(user=user)
        .annotate(
            items_total=Count("items", distinct=True),
            items_verified=Count(
                "items", filter=Q(items__status=ItemStatus.VERIFIED), distinct=True
            ),
        )
        .order_by("-starts_on", "-id")
    )


def item_list(
    *, campaign: Campaign, scope: ScopeSet, status: str | None = None
) -> QuerySet[CampaignItem]:
    qs = scope.filter(
        CampaignItem.objects.filter(campaign=campaign).select_related(
            "compound", "building", "assigned_org"
        )
    )
    return qs.filter(status=status) if status else qs


def _rows(qs: QuerySet[CampaignItem], key: str, name: str) -> list[dict[str, Any]]:
    out = []
    for row in qs.values(key, name).annotate(**_COUNTS).order_by(name):
        row["id"], row["name"] = row.pop(key), row.pop(name)
        row["rate"] = round(100 * row["verified"] / row["total"], 1) if row["total"] else None
        out.append(row)
    return out


def progress(*, campaign: Campaign) -> dict[str, Any]:
    """The whole campaign, by compound and by participating unit (one query each)."""
    qs = CampaignItem.objects.filter(campaign=campaign)
    total = qs.aggregate(**_COUNTS)
    total["rate"] = round(100 * total["verified"] / total["total"], 1) if total["total"] else None
    return {
        "total": total,
        "by_compound": _rows(qs, "compound_id", "compound__name"),
        "by_unit": _rows(
            qs.filter(assigned_org__isnull=False), "assigned_org_id", "assigned_org__name"
        ),
    }


def progress_by(*, scope: ScopeSet, level: str) -> list[dict[str, Any]]:
    """Dashboards: campaign items by community or street of the scope."""
    column = f"{level}_id"
    qs = scope.filter(CampaignItem.objects.all()).exclude(**{f"{column}__isnull": True})
    return _rows(qs, column, f"{level}__name")

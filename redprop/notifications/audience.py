"""Who a fan-out message is for (接收范围), resolved by the relay, not by the writer.

A service that changes something writes one ``FANOUT`` outbox row naming its
audience; the relay turns it into one row per recipient and channel. So the
writer's transaction never queries for recipients, however many there are, and
the recipients are those holding the roles when the message is delivered.

An audience is a JSON object with any of:

* ``"users"``: user ids;
* ``"persons"``: person ids, reached through their logins;
* ``"org_roles"``: ``{"org": id, "roles": [...]}``, the active holders of those
  roles anchored at the organisation;
* ``"region_roles"``: ``{"region": id, "roles": [...]}``, the same for a region;
* ``"residents"``: ``{"column": "building_id", "id": 7}``, the people living in or
  owning a unit whose territory column (street, community, compound, grid or
  building) is that id, reached through their logins: resolved in SQL as a
  subquery, never person by person, so a street of 100,000 residents is one query
  (the relay then writes their rows in chunks, ``services._expand``);
* ``"groups"``: ``[{"name": "volunteers.community", "id": 7}, ...]``, a group that a
  higher app defines and registers with :func:`register_group` (this app may not
  import it): e.g. the volunteers registered in a community. The group's resolver
  returns a ``Q`` over ``User`` (a subquery, so still one query), evaluated on
  delivery like the other parts; a group nobody registered fails the delivery (it is
  retried, then kept as a dead letter) rather than reaching nobody in silence;
* ``"place"``: the object's scope columns, and ``"org"``: its handling unit —
  these pick the webhook endpoints (see ``services.outbox_enqueue``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from redprop.accounts.models import User


def audience(
    *,
    users: list[int | None] | None = None,
    persons: list[int | None] | None = None,
    org_roles: tuple[int | None, tuple[str, ...]] | None = None,
    region_roles: tuple[int | None, tuple[str, ...]] | None = None,
    place: dict[str, int | None] | None = None,
    org_id: int | None = None,
    residents: tuple[str, int] | None = None,
    groups: list[tuple[str, int | None]] | None = None,
) -> dict[str, Any]:
    """Build an audience object (drops empty parts)."""
    out: dict[str, Any] = {}
    ids = sorted({u for u in users or () if u})
    if ids:
        out["users"] = ids
    person_ids = sorted({p for p in persons or () if p})
    if person_ids:
        out["persons"] = person_ids
    if org_roles and org_roles[0]:
        out["org_roles"] = {"org": org_roles[0], "roles": list(org_roles[1])}
    if region_roles and region_roles[0]:
        out["region_roles"] = {"region": region_roles[0], "roles": list(region_roles[1])}
    if residents and residents[1]:
        if residents[0] not in RESIDENT_COLUMNS:
            raise ValueError(f"not a unit place column: {residents[0]!r}")
        out["residents"] = {"column": residents[0], "id": residents[1]}
    named = [{"name": name, "id": pk} for name, pk in groups or () if pk]
    if named:
        out["groups"] = named
    if place:
        out["place"] = place
    if org_id:
        out["org"] = org_id
    return out


RESIDENT_COLUMNS = frozenset({"street_id", "community_id", "compound_id", "grid_id", "building_id"})

GroupResolver = Callable[[int], Q]
_GROUPS: dict[str, GroupResolver] = {}


def register_group(name: str, resolver: GroupResolver) -> None:
    """Add (or replace) the audience group ``name`` (an app's ``ready``):
    ``resolver(id)`` is a ``Q`` over ``User`` naming its members, e.g.
    ``Q(person_id__in=Volunteer.objects.filter(community_id=id).values("person_id"))``."""
    if not name or len(name) > 64:
        raise ValueError("a group name is 1-64 characters")
    _GROUPS[name] = resolver


def group_names() -> list[str]:
    return sorted(_GROUPS)


def resolve(spec: dict[str, Any]) -> list[User]:
    """The active users an audience names, each once, in id order (one query)."""
    return list(resolve_query(spec))


def resolve_query(spec: dict[str, Any]) -> QuerySet[User]:
    """The same as :func:`resolve`, unevaluated: the relay reads it in chunks."""
    where = Q(pk__in=[])
    part = spec.get("residents")
    if part and part.get("column") in RESIDENT_COLUMNS:
        from redprop.territory.models import Occupancy, Ownership, Unit

        units = Unit.objects.filter(**{part["column"]: part["id"]}).values("pk")
        where |= Q(person_id__in=Occupancy.objects.filter(unit__in=units).values("person_id"))
        where |= Q(
            person_id__in=Ownership.objects.filter(unit__in=units, person__isnull=False).values(
                "person_id"
            )
        )
    for group in spec.get("groups") or ():
        resolver = _GROUPS.get(group.get("name"))
        if resolver is None:
            raise LookupError(f"audience group not registered: {group.get('name')!r}")
        where |= resolver(int(group["id"]))
    if spec.get("users"):
        where |= Q(pk__in=spec["users"])
    if spec.get("persons"):
        where |= Q(person_id__in=spec["persons"])
    for key, anchor in (("org_roles", "org"), ("region_roles", "region")):
        part = spec.get(key)
        if part:
            where |= Q(
                roles__role__in=part["roles"],
                roles__revoked_at__isnull=True,
                **{f"roles__{anchor}_id": part[anchor]},
            )
    qs = User.objects.filter(where, is_active=True)
    if spec.get("org_roles") or spec.get("region_roles"):
        qs = qs.distinct()  # the role joins repeat a user holding two of the roles
    return qs.order_by("pk")

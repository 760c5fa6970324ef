"""Who hears about a service-list item's steps (through the notification outbox).

Called by the services inside the transaction of the step, so a step that rolls back
tells nobody. Each is one fan-out row; the relay resolves the recipients on delivery.

* ``service_item.claimed``, ``.released``, ``.completed`` — the poster: the user who
  posted the item and, for a resource, the staff of the unit that offers it;
* ``service_item.cancelled`` — the holder of a claimed item: the user who claimed it
  and the staff of the claiming unit (nobody when the item was still open);
* a hand-back by the community (not by the holder) tells the holder too.

The user who acts is left out of the users named (a unit's staff are reached by
their role, and the acting user is never of the unit told: poster and holder differ).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from redprop.notifications.audience import audience
from redprop.notifications.services import outbox_fanout
from redprop.notifications.texts import Text
from redprop.service_lists.choices import UNIT_ROLES
from redprop.service_lists.models import ServiceItem

SUBJECTS = {
    "claimed": gettext_noop("服务清单：您发布的“%(title)s”已被认领"),
    "released": gettext_noop("服务清单：“%(title)s”已被退回，重新等待认领"),
    "completed": gettext_noop("服务清单：您发布的“%(title)s”已完成"),
    "cancelled": gettext_noop("服务清单：您认领的“%(title)s”已取消"),
}
BODIES = {
    # Only a unit is named: a person who claimed is shown on the item page, to those
    # who may see them, not copied into messages.
    "claimed": gettext_noop("认领单位：%(org)s。请到事项页面查看进展。"),
    "released": gettext_noop("退回原因：%(note)s"),
    "completed": gettext_noop("完成情况：%(note)s"),
    "cancelled": gettext_noop("取消原因：%(note)s"),
}
CLAIMED_BY_PERSON = gettext_noop("请到事项页面查看认领情况和进展。")


def poster_audience(item: ServiceItem, *, acting_user: Any) -> dict[str, Any]:
    return audience(
        users=[item.posted_by_id if item.posted_by_id != acting_user.pk else None],
        org_roles=(item.offered_by_id, UNIT_ROLES) if item.offered_by_id else None,
    )


def holder_audience(
    *, claimed_by_id: int | None, claimed_org_id: int | None, acting_user: Any
) -> dict[str, Any]:
    return audience(
        users=[claimed_by_id if claimed_by_id != acting_user.pk else None],
        org_roles=(claimed_org_id, UNIT_ROLES) if claimed_org_id else None,
    )


def notify(
    item: ServiceItem,
    step: str,
    who: dict[str, Any],
    *,
    note: str = "",
) -> None:
    """One fan-out about ``item``'s ``step`` (a key of ``SUBJECTS``) to ``who``."""
    if not who:
        return
    subject = Text(SUBJECTS[step], {"title": item.title})
    if step == "claimed":
        org = item.claimed_org.name if item.claimed_org_id and item.claimed_org else ""
        body = Text(BODIES[step], {"org": org}) if org else Text(CLAIMED_BY_PERSON)
    else:
        body = Text(BODIES[step], {"note": note[:200]})
    outbox_fanout(
        kind=f"service_item.{step}",
        subject=subject,
        body=body,
        link=item.get_absolute_url(),
        audience=who,
        payload={"item": item.pk, "side": item.side, "status": item.status},
        target=item,
    )

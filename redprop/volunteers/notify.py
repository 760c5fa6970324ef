"""Who hears about volunteer activities and hours (through the notification outbox).

Called by the services inside the transaction of the change, so a change that rolls
back tells nobody.

* ``volunteer.activity_published`` — every volunteer registered (在册) in the
  activity's community: one fan-out row naming the audience group
  ``volunteers.community``; the relay resolves it on delivery in one query, however
  many volunteers (280 in 海景北, DOMAIN.md), so publishing costs one INSERT;
* ``volunteer.activity_cancelled`` — the volunteers still signed up (group
  ``volunteers.signed_up``), with the reason;
* ``volunteer.hours_approved`` / ``volunteer.hours_rejected`` — the volunteer whose
  hours they are (the reason with a rejection). A bulk approval ("全部认定") tells each
  volunteer once, with their count and total hours, not once per record.

The groups are registered with ``notifications.audience.register_group`` in
``VolunteersConfig.ready``: the notifications app sits below this one and may not
import it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from redprop.notifications.audience import audience
from redprop.notifications.services import fanout_message, outbox_fanout, outbox_fanout_many
from redprop.notifications.texts import Text
from redprop.volunteers.choices import SignupStatus
from redprop.volunteers.models import Activity, HoursRecord, Signup, Volunteer

GROUP_COMMUNITY = "volunteers.community"
GROUP_SIGNED_UP = "volunteers.signed_up"


def community_volunteers(community_id: int) -> Q:
    """The users whose person is a volunteer in the community's register (在册)."""
    return Q(
        person_id__in=Volunteer.objects.filter(community_id=community_id, active=True).values(
            "person_id"
        )
    )


def signed_up_volunteers(activity_id: int) -> Q:
    """The users whose person holds a place (not withdrawn) in the activity."""
    return Q(
        person_id__in=Signup.objects.filter(
            activity_id=activity_id, status=SignupStatus.SIGNED
        ).values("volunteer__person_id")
    )


def register_groups() -> None:
    from redprop.notifications.audience import register_group

    register_group(GROUP_COMMUNITY, community_volunteers)
    register_group(GROUP_SIGNED_UP, signed_up_volunteers)


def _when(a: Activity) -> str:
    return f"{timezone.localtime(a.starts_at):%Y-%m-%d %H:%M}"


def activity_published(a: Activity) -> None:
    outbox_fanout(
        kind="volunteer.activity_published",
        subject=Text(gettext_noop("志愿活动招募：%(title)s"), {"title": a.title}),
        body=Text(
            gettext_noop("时间：%(when)s；地点：%(place)s；名额 %(capacity)s 人。欢迎报名。"),
            {"when": _when(a), "place": a.place, "capacity": a.capacity},
        ),
        link=reverse("volunteers:detail", args=[a.pk]),
        audience=audience(groups=[(GROUP_COMMUNITY, a.community_id)]),
        payload={"activity": a.pk, "starts_at": a.starts_at.isoformat()},
        target=a,
    )


def activity_cancelled(a: Activity, reason: str) -> None:
    outbox_fanout(
        kind="volunteer.activity_cancelled",
        subject=Text(gettext_noop("志愿活动已取消：%(title)s"), {"title": a.title}),
        body=Text(
            gettext_noop("您报名的活动（%(when)s）已取消。原因：%(reason)s"),
            {"when": _when(a), "reason": reason[:200]},
        ),
        link=reverse("volunteers:detail", args=[a.pk]),
        audience=audience(groups=[(GROUP_SIGNED_UP, a.pk)]),
        payload={"activity": a.pk},
        target=a,
    )


def hours_decided(r: HoursRecord, action: str, reason: str) -> None:
    title = r.activity.title
    if action == "approve":
        kind = "volunteer.hours_approved"
        subject = Text(gettext_noop("服务时长已认定：%(title)s"), {"title": title})
        body = Text(gettext_noop("认定 %(hours)s 小时。"), {"hours": str(r.hours)})
    else:
        kind = "volunteer.hours_rejected"
        subject = Text(gettext_noop("服务时长未获认定：%(title)s"), {"title": title})
        body = Text(
            gettext_noop("申报 %(hours)s 小时被驳回。原因：%(reason)s"),
            {"hours": str(r.hours), "reason": reason[:200]},
        )
    outbox_fanout(
        kind=kind,
        subject=subject,
        body=body,
        link=reverse("volunteers:me"),
        audience=audience(persons=[r.person_id]),
        payload={"record": r.pk, "activity": r.activity_id, "hours": str(r.hours)},
        target=r,
    )


def hours_approved_bulk(rows: Iterable[HoursRecord]) -> int:
    """One message per volunteer (person) for a batch of approved records, with their
    count and total, all queued in one INSERT. Returns how many messages."""
    by_person: dict[int, list[HoursRecord]] = defaultdict(list)
    for r in rows:
        by_person[r.person_id].append(r)
    link = reverse("volunteers:me")
    messages = []
    for person_id, records in by_person.items():
        total = sum((r.hours for r in records), Decimal(0))
        payload: dict[str, Any] = {"records": [r.pk for r in records], "hours": str(total)}
        messages.append(
            fanout_message(
                kind="volunteer.hours_approved",
                subject=Text(gettext_noop("%(n)s 条服务时长已认定"), {"n": len(records)}),
                body=Text(gettext_noop("共认定 %(hours)s 小时。"), {"hours": str(total)}),
                link=link,
                audience=audience(persons=[person_id]),
                payload=payload,
            )
        )
    outbox_fanout_many(messages)
    return len(messages)

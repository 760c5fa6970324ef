"""How a request is shown: deadline countdowns, the handler's contact, timeline rows.

Pure functions of already-loaded objects (no queries unless noted), so list
pages stay at a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from redprop.accounts.models import User
from redprop.requests import sla
from redprop.requests.choices import Clock, EventKind, Satisfaction, Status

# Icons of the SVG sprite (static/redprop/icons.svg) for the default categories;
# a category added in the admin falls back to its parent's icon, then a dot.
CATEGORY_ICONS = {
    "repair",
    "paid_repair",
    "public_repair",
    "pipe_dredging",
    "ac_dripping",
    "seepage",
    "utilities",
    "heating",
    "water_supply",
    "power_supply",
    "gas_supply",
    "environment",
    "sanitation",
    "greenery",
    "gate_camera",
    "parking",
    "fire_lane",
    "public_security",
    "community_affairs",
    "neighbour_dispute",
    "consultation",
    "complaint",
    "suggestion",
}


def category_icon(category: Any) -> str:
    if category is None:
        return "dot"
    if category.code in CATEGORY_ICONS:
        return category.code
    # Only a parent already loaded (select_related): a list must not query per row.
    parent = category._state.fields_cache.get("parent")
    if parent is not None and parent.code in CATEGORY_ICONS:
        return parent.code
    return "dot"


def duration_text(delta: dt.timedelta) -> str:
    """ "3 天 2 小时", "1 小时 5 分钟", "12 分钟" (never seconds)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = ngettext("%(n)d 天", "%(n)d 天", days) % {"n": days}
        if hours:
            text += " " + ngettext("%(n)d 小时", "%(n)d 小时", hours) % {"n": hours}
        return text
    if hours:
        text = ngettext("%(n)d 小时", "%(n)d 小时", hours) % {"n": hours}
        if mins:
            text += " " + ngettext("%(n)d 分钟", "%(n)d 分钟", mins) % {"n": mins}
        return text
    if minutes == 0:
        return _("不到 1 分钟")
    return ngettext("%(n)d 分钟", "%(n)d 分钟", mins) % {"n": mins}


@dataclass(frozen=True)
class Due:
    """The deadline that matters now, and how close it is."""

    at: dt.datetime
    level: str  # ok / warn / bad
    text: str
    clock_label: str
    used: float  # share of the allowed time used (0..1+)

    @property
    def css(self) -> str:
        return f"due-{self.level}"


_CLOCK_LABELS: dict[str, Any] = {
    Clock.RESPOND: gettext_lazy("到场"),
    Clock.RESOLVE: gettext_lazy("办结"),
    Clock.PLAN: gettext_lazy("出方案"),
}


def _active_clock(request: Any) -> str | None:
    if request.status in {Status.DISPATCHED, Status.ACCEPTED} and request.responded_at is None:
        return Clock.RESPOND
    if request.status == Status.PLAN_REQUIRED:
        return Clock.PLAN
    if request.status in {Status.ON_SITE, Status.ACCEPTED, Status.PLAN_SUBMITTED}:
        return Clock.RESOLVE
    return None


def due_of(
    request: Any, *, now: dt.datetime | None = None, events: list[Any] | None = None
) -> Due | None:
    """The countdown of ``request.active_due_at``: warn once the policy's share (80 % in
    5341) of the allowed time is used, bad once the deadline has passed.

    With the timeline (``events``) the warning instant is the SLA clock's own (it
    knows pauses and working hours); without it, wall time since the clock started.
    """
    due_at = request.active_due_at
    clock = _active_clock(request)
    if due_at is None or clock is None:
        return None
    now = now or timezone.now()
    ratio = float((request.sla or {}).get("warn_ratio", 0.8))
    warn_at: dt.datetime | None = None
    start: dt.datetime | None = request.clock_started_at
    if events is not None:
        state = sla.clocks(request, events).get(clock)
        if state is not None:
            warn_at, start = state.warn_at, state.started_at or start
    start = start or request.created_at
    total = (due_at - start).total_seconds()
    used = (now - start).total_seconds() / total if total > 0 else 1.0
    label = str(_CLOCK_LABELS[clock])
    if now > due_at:  # at the due instant itself it is still on time (requests.sla)
        return Due(
            due_at,
            "bad",
            _("%(clock)s已超时 %(d)s") % {"clock": label, "d": duration_text(now - due_at)},
            label,
            used,
        )
    warned = now >= warn_at if warn_at is not None else used >= ratio
    return Due(
        due_at,
        "warn" if warned else "ok",
        _("距%(clock)s时限 %(d)s") % {"clock": label, "d": duration_text(due_at - now)},
        label,
        used,
    )


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    org: str


def handler_contact(request: Any) -> Contact | None:
    """Who handles the request: the assignee (masked mobile) or the unit's service phone."""
    org = request.handling_org
    if org is None and request.assignee_id is None:
        return None
    phone = ""
    name = ""
    if request.assignee_id:
        assignee = request.assignee
        name = str(assignee)
        person = assignee.person if assignee.person_id else None
        phone = person.mobile_masked if person is not None else ""
    if not phone and org is not None:
        phone = org.service_phone
    return Contact(name=name, phone=phone, org=org.name if org is not None else "")


@dataclass(frozen=True)
class TimelineRow:
    at: dt.datetime
    label: str
    actor: str
    org: str
    note: str
    extra: str
    kind: str


# Events a unit's staff take: the timeline names the unit next to the person.
_UNIT_STEPS = {
    EventKind.ACCEPTED,
    EventKind.ASSIGNED,
    EventKind.ARRIVED,
    EventKind.PLAN_REQUIRED,
    EventKind.PLAN_SUBMITTED,
    EventKind.PAUSED,
    EventKind.RESUMED,
    EventKind.RESOLVED,
    EventKind.RETURNED,
}


def timeline(request: Any, *, viewer: Any = None, staff_view: bool = True) -> list[TimelineRow]:
    """The request's events as the timeline shows them (prefetched by request_get).

    A resident who follows a neighbour's request (一起关注) sees what the units did,
    but not the neighbour: other residents' names become "居民" and their words
    (a rating comment, a reopening reason) are left out.
    """
    residents: set[int] = set()
    if not staff_view:
        residents = {request.reporter_id, *request.followers.values_list("person_id", flat=True)}
        residents.discard(None)
    own_person = getattr(viewer, "person_id", None)
    events = list(request.events.all())
    # Who each dispatch named as the handler (one query, only if any did).
    assignee_ids = {
        int(e.data["assignee"])
        for e in events
        if e.kind == EventKind.DISPATCHED and e.data.get("assignee")
    }
    assignees: dict[int, str] = {}
    if assignee_ids:
        assignees = {u.pk: str(u) for u in User.objects.filter(pk__in=assignee_ids)}
    rows = []
    for e in events:
        actor = e.actor if e.actor_id else None
        neighbour = (
            actor is not None
            and actor.person_id is not None
            and actor.person_id in residents
            and actor.person_id != own_person
        )
        extra = ""
        if e.kind in (EventKind.RATED, EventKind.REVISITED):
            parts = []
            if e.data.get("score") is not None:
                parts.append(str(Satisfaction(int(e.data["score"])).label))
            if e.data.get("solved") is not None:
                parts.append(_("问题已解决") if e.data["solved"] else _("问题未解决"))
            extra = " · ".join(parts)
        elif e.kind == EventKind.PLAN_SUBMITTED and e.data.get("resolve_by"):
            by = timezone.localtime(dt.datetime.fromisoformat(e.data["resolve_by"]))
            extra = _("承诺 %(when)s 前办结") % {"when": cn_datetime(by)}
        elif e.kind == EventKind.DISPATCHED and e.org_id:
            extra = _("派至 %(org)s") % {"org": e.org.name}
            who_handles = assignees.get(int(e.data.get("assignee") or 0))
            if who_handles:
                extra = _("派至 %(org)s · 处理人 %(person)s") % {
                    "org": e.org.name,
                    "person": who_handles,
                }
        elif e.kind == EventKind.MERGED and e.data.get("into"):
            extra = _("并入 RP%(n)08d") % {"n": int(e.data["into"])}
        if actor is None:
            who = _("系统")
        elif neighbour:
            who = _("居民")
        else:
            who = str(actor)
        rows.append(
            TimelineRow(
                at=e.at,
                label=e.get_kind_display(),
                actor=who,
                org=e.org.name if e.org_id and e.kind in _UNIT_STEPS else "",
                note="" if neighbour else (_system_note(e) if actor is None else e.note),
                extra=extra,
                kind=e.kind,
            )
        )
    return rows


# What the SLA clock escalates to, by level (the note stored on the event is Chinese).
_ESCALATION_TARGETS = {1: gettext_lazy("网格"), 2: gettext_lazy("社区"), 3: gettext_lazy("街道")}


def _system_note(e: Any) -> str:
    """A note the system wrote (stored in the platform language), in the reader's.

    The fixed texts of redprop.requests.services are catalogue entries, so gettext
    finds them; an automatic escalation is rebuilt from its level. Anything else
    (an older or free text) is shown as stored.
    """
    if e.kind == EventKind.AUTO_ESCALATED and e.data.get("level") in _ESCALATION_TARGETS:
        target = _ESCALATION_TARGETS[e.data["level"]]
        return _("超时未办结，自动上报%(target)s") % {"target": target}
    return _(e.note) if e.note else ""


def cn_datetime(value: dt.datetime | None, *, now: dt.datetime | None = None) -> str:
    """ "11月25日 14:30" in Asia/Shanghai; the year is added when it is not this year."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    today = timezone.localtime(now or timezone.now())
    if local.year != today.year:
        return _("%(y)d年%(m)d月%(d)d日 %(hm)s") % {
            "y": local.year,
            "m": local.month,
            "d": local.day,
            "hm": local.strftime("%H:%M"),
        }
    return _("%(m)d月%(d)d日 %(hm)s") % {
        "m": local.month,
        "d": local.day,
        "hm": local.strftime("%H:%M"),
    }

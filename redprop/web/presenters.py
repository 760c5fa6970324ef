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
from redprop.requests.disclosure import Reader
from redprop.requests.permissions import View

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


def place_text(obj: Any) -> str:
    """Where a request is, each part once: "稻香苑 1栋1单元102", not "稻香苑 1栋 1栋1单元102".

    A unit's label (门牌) usually starts with its building ("3栋2单元501"), so the
    building is named only when the label does not already say it.
    """
    compound = obj.compound.name if obj.compound_id else ""
    building = obj.building.name if obj.building_id else ""
    unit = obj.unit.label if obj.unit_id else ""
    parts = [compound]
    if building and not unit.startswith(building):
        parts.append(building)
    parts.append(unit)
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    org: str


def handler_contact(
    request: Any, *, named: bool = True, show_work_phone: bool = True
) -> Contact | None:
    """Who handles the request and a number to call about it: the assignee's work
    phone in the handling unit (工作电话), else the unit's service phone; never a
    personal mobile (ADR 0014). ``show_work_phone`` is false for a reader who may
    not reach the handler (a follower, or once the order is no longer open): they
    get the unit's service phone only. ``named=False`` (a follower's view): the unit
    and its service phone only, not the person handling it (ADR 0008)."""
    from redprop.contact.selectors import handler_phone

    org = request.handling_org
    if org is None and request.assignee_id is None:
        return None
    name = str(request.assignee) if request.assignee_id and named else ""
    phone = org.service_phone if org is not None else ""
    if show_work_phone and named and org is not None:
        phone = handler_phone(request=request)
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


def timeline(request: Any, *, viewer: Any = None, view: View = View.STAFF) -> list[TimelineRow]:
    """The request's events as the timeline shows them (prefetched by request_get),
    as ``view`` may read them (``requests.disclosure``, the same rules as the API).

    A resident who follows a neighbour's request (一起关注) sees what happened and
    which unit did it, but no person's name and no one's words; the reporter sees
    the staff by name, but not the neighbours who follow.
    """
    reader = Reader(request, view=view, viewer=viewer)
    events = list(request.events.all())
    # Who each dispatch named as the handler (one query, only if any did and the
    # reader may see names).
    assignee_ids = {
        int(e.data["assignee"])
        for e in events
        if e.kind == EventKind.DISPATCHED and e.data.get("assignee")
    }
    assignees: dict[int, str] = {}
    if assignee_ids and view != View.PUBLIC:
        assignees = {
            u.pk: (str(u) if view == View.STAFF else u.display_name)
            for u in User.objects.filter(pk__in=assignee_ids)
        }
    rows = []
    for e in events:
        data = reader.data(e)
        extra = ""
        if e.kind in (EventKind.RATED, EventKind.REVISITED):
            parts = []
            if data.get("score") is not None:
                parts.append(str(Satisfaction(int(data["score"])).label))
            if data.get("solved") is not None:
                parts.append(_("问题已解决") if data["solved"] else _("问题未解决"))
            extra = " · ".join(parts)
        elif e.kind == EventKind.PLAN_SUBMITTED and data.get("resolve_by"):
            by = timezone.localtime(dt.datetime.fromisoformat(data["resolve_by"]))
            extra = _("承诺 %(when)s 前办结") % {"when": cn_datetime(by)}
        elif e.kind == EventKind.DISPATCHED and e.org_id:
            extra = _("派至 %(org)s") % {"org": e.org.name}
            who_handles = assignees.get(int(data.get("assignee") or 0))
            if who_handles:
                extra = _("派至 %(org)s · 处理人 %(person)s") % {
                    "org": e.org.name,
                    "person": who_handles,
                }
        elif e.kind == EventKind.MERGED and data.get("into"):
            extra = _("并入 RP%(n)08d") % {"n": int(data["into"])}
        note = ""
        if reader.shows_note(e):
            note = _system_note(e) if not e.actor_id else e.note
        rows.append(
            TimelineRow(
                at=e.at,
                label=e.get_kind_display(),
                actor=reader.actor(e),
                org=e.org.name if e.org_id and e.kind in _UNIT_STEPS else "",
                note=note,
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

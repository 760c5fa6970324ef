"""Reads of the meetings app, scope first. Selectors never write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext as _

from redprop.core import clock
from redprop.core.scope import ScopeSet
from redprop.meetings import recurrence
from redprop.meetings.choices import (
    OPEN_ISSUE_STATES,
    Attendance,
    FeedKind,
    IssueStatus,
    MeetingStatus,
    Party,
)
from redprop.meetings.models import (
    AgendaItem,
    CalendarFeed,
    Issue,
    Meeting,
    MeetingSeries,
    Participant,
    Resolution,
)


def meetings_visible(*, scope: ScopeSet) -> QuerySet[Meeting]:
    return scope.filter(Meeting.objects.all())


def meeting_for_user(*, user: Any, meeting_id: int) -> Meeting | None:
    """The meeting if ``user`` may see it (their scope), else None."""
    if not user.is_authenticated:
        return None
    return (
        meetings_visible(scope=user.scope_set())
        .select_related("series", "convener", "compound")
        .filter(pk=meeting_id)
        .first()
    )


def meeting_list(
    *, scope: ScopeSet, upcoming: bool | None = None, limit: int = 50
) -> list[Meeting]:
    qs = meetings_visible(scope=scope).select_related("compound")
    now = clock.now()
    if upcoming is True:
        qs = (
            qs.filter(ends_at__gte=now)
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("starts_at", "pk")
        )
    elif upcoming is False:
        qs = qs.filter(starts_at__lt=now).order_by("-starts_at", "-pk")
    return list(qs[:limit])


def series_list(*, scope: ScopeSet) -> list[MeetingSeries]:
    return list(scope.filter(MeetingSeries.objects.filter(is_active=True)).order_by("name")[:50])


def issues_visible(*, scope: ScopeSet) -> QuerySet[Issue]:
    return scope.filter(Issue.objects.all())


def issue_pool(*, scope: ScopeSet, community_id: int | None = None) -> list[Issue]:
    """Collected issues waiting for an agenda, most supported first."""
    qs = issues_visible(scope=scope).filter(status__in=OPEN_ISSUE_STATES)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return list(
        qs.select_related("raised_by", "compound", "request").order_by(
            "status", "-supporters", "created_at"
        )[:200]
    )


def my_issues(*, user: Any) -> list[Issue]:
    if not user.person_id and not user.pk:
        return []
    return list(
        Issue.objects.filter(Q(raised_by=user) | Q(raised_by_person_id=user.person_id or 0))
        .select_related("meeting")
        .order_by("-created_at")[:50]
    )


def agenda(*, meeting: Meeting) -> list[AgendaItem]:
    """The agenda in order, each with its issue, who raised it, and its resolution."""
    return list(
        meeting.items.select_related(
            "issue",
            "issue__raised_by",
            "issue__raised_by_person",
            "issue__request",
            "resolution",
            "resolution__responsible_org",
            "resolution__responsible_person",
        )
        .prefetch_related("resolution__updates", "resolution__followups")
        .order_by("position", "pk")
    )


def resolutions_of_issue(issue_ids: Iterable[int]) -> dict[int, Resolution]:
    """The latest resolution of each issue (a carried item follows it)."""
    out: dict[int, Resolution] = {}
    for r in (
        Resolution.objects.filter(issue_id__in=list(issue_ids))
        .select_related("responsible_org", "responsible_person")
        .prefetch_related("updates", "followups")
        .order_by("created_at", "pk")
    ):
        out[r.issue_id] = r
    return out


def attendance_by_party(*, meeting: Meeting) -> dict[str, dict[str, Any]]:
    """Party → {label, invited, present, absent}: attendance by party (三方/四方)."""
    out: dict[str, dict[str, Any]] = {
        p.value: {"label": str(p.label), "invited": 0, "present": 0, "absent": 0} for p in Party
    }
    rows = (
        Participant.objects.filter(meeting=meeting)
        .values("party", "attendance")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        slot = out[row["party"]]
        slot["invited"] += row["n"]
        if row["attendance"] == Attendance.PRESENT:
            slot["present"] += row["n"]
        elif row["attendance"] == Attendance.ABSENT:
            slot["absent"] += row["n"]
    return out


def participants(*, meeting: Meeting) -> list[Participant]:
    return list(
        meeting.participants.select_related("org", "person", "user").order_by("party", "pk")
    )


def series_occurrences(
    *, series: MeetingSeries, start: dt.date, end: dt.date
) -> list[tuple[recurrence.Occurrence, Meeting | None]]:
    """The series' occurrences in the window, each with its meeting when made."""
    made = {
        m.occurrence_date: m
        for m in Meeting.objects.filter(
            series=series, occurrence_date__gte=start - dt.timedelta(days=400)
        )
    }
    return [(o, made.get(o.rule_date)) for o in recurrence.expand(series, start, end)]


# --- counts ---------------------------------------------------------------------------------

COUNT_KEYS = ("meetings", "collected", "on_agenda", "resolved", "done", "carried")


@dataclass
class CountRow:
    region_id: int
    name: str
    year: int
    month: int | None
    figures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))


def meeting_counts(
    *, scope: ScopeSet, level: str, year: int, month: int | None = None, by_month: bool = False
) -> list[CountRow]:
    """Per community or street (``level``), for a year or one month (or each month of a
    year with ``by_month``): meetings held, issues collected, put on an agenda (issues
    first put on one), resolved (resolutions adopted), done (resolutions done) and
    carried over (agenda items carried). Scope first."""
    from redprop.territory.models import Region

    if level not in ("community", "street"):
        raise ValueError(level)
    col = f"{level}_id"
    tz = recurrence.zone()
    start = dt.datetime(year, month or 1, 1, tzinfo=tz)
    if month:
        end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    else:
        end = dt.datetime(year + 1, 1, 1, tzinfo=tz)

    def group(qs: QuerySet[Any], when: str, prefix: str = "") -> list[tuple[int, int, int]]:
        qs = qs.filter(**{f"{when}__gte": start, f"{when}__lt": end})
        keys = [f"{prefix}{col}"]
        if by_month:
            qs = qs.annotate(_m=ExtractMonth(when, tzinfo=tz))
            keys.append("_m")
        return [
            (r[keys[0]], r.get("_m") or 0, r["n"])
            for r in qs.values(*keys).annotate(n=Count("pk", distinct=True)).order_by()
        ]

    issues = scope.filter(Issue.objects.all())
    meetings = scope.filter(Meeting.objects.all())
    sources = {
        "meetings": group(
            meetings.filter(status__in=[MeetingStatus.HELD, MeetingStatus.CLOSED]), "starts_at"
        ),
        "collected": group(issues.exclude(status=IssueStatus.MERGED), "created_at"),
        "on_agenda": group(
            scope.filter(AgendaItem.objects.filter(carried_count=0), "issue__"),
            "created_at",
            "issue__",
        ),
        "resolved": group(
            scope.filter(Resolution.objects.all(), "issue__"), "created_at", "issue__"
        ),
        "done": group(
            scope.filter(Resolution.objects.filter(done_at__isnull=False), "issue__"),
            "done_at",
            "issue__",
        ),
        "carried": group(
            scope.filter(AgendaItem.objects.filter(carried_count__gt=0), "issue__"),
            "created_at",
            "issue__",
        ),
    }
    rows: dict[tuple[int, int], CountRow] = {}
    ids = {rid for triples in sources.values() for rid, _m, _n in triples if rid}
    names = dict(Region.objects.filter(pk__in=ids).values_list("pk", "name"))
    for key, triples in sources.items():
        for rid, m, n in triples:
            if not rid:
                continue
            row = rows.setdefault((rid, m), CountRow(rid, names.get(rid, "?"), year, m or month))
            row.figures[key] += n
    return sorted(rows.values(), key=lambda r: (r.name, r.month or 0))


def count_totals(rows: Iterable[CountRow]) -> dict[str, int]:
    out = dict.fromkeys(COUNT_KEYS, 0)
    for r in rows:
        for k in COUNT_KEYS:
            out[k] += r.figures[k]
    return out


def count_labels() -> dict[str, str]:
    return {
        "meetings": _("召开会议"),
        "collected": _("收集议题"),
        "on_agenda": _("上会议题"),
        "resolved": _("形成决议"),
        "done": _("办结"),
        "carried": _("结转"),
    }


# --- feeds ------------------------------------------------------------------------------------

FEED_BACK = dt.timedelta(days=92)
FEED_AHEAD = dt.timedelta(days=366)


def feed_by_token(*, token: str) -> CalendarFeed | None:
    if not token or len(token) > 64:
        return None
    return (
        CalendarFeed.objects.select_related("user", "community")
        .filter(token=token, revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def feeds_of(*, user: Any) -> list[CalendarFeed]:
    return list(
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).select_related("community")
    )


def _feed_meetings(feed: CalendarFeed, start: dt.datetime, end: dt.datetime) -> QuerySet[Meeting]:
    user = feed.user
    qs = Meeting.objects.filter(starts_at__gte=start, starts_at__lt=end)
    if feed.kind == FeedKind.COMMUNITY:
        return user.scope_set().filter(qs.filter(community_id=feed.community_id))
    orgs = [s.node_id for s in user.scope_set() if s.kind == "org"]
    mine = Q(convener=user) | Q(participants__user=user)
    if user.person_id:
        mine |= Q(participants__person_id=user.person_id)
    if orgs:
        mine |= Q(participants__org_id__in=orgs)
    return qs.filter(mine).distinct()


def feed_ical(*, feed: CalendarFeed) -> bytes:
    """The feed as iCalendar: the meetings (made or still to be made from their series)
    from three months back to a year ahead. Each occurrence keeps one UID whether or
    not its meeting has been made, so a subscribed calendar updates it in place."""
    from icalendar import Calendar, Event

    now = clock.now()
    start, end = now - FEED_BACK, now + FEED_AHEAD
    cal = Calendar()
    cal.add("prodid", "-//RedProp//meetings//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", str(feed.community or feed.user) + " · " + _("议事协商"))
    cal.add("x-wr-timezone", "Asia/Shanghai")
    made = list(_feed_meetings(feed, start, end).select_related("series"))
    seen = set()

    def add(
        uid: str,
        title: str,
        s: dt.datetime,
        e: dt.datetime,
        place: str,
        cancelled: bool,
        url: str = "",
    ) -> None:
        ev = Event()
        ev.add("uid", uid)
        ev.add("summary", title)
        ev.add("dtstart", s)
        ev.add("dtend", e)
        ev.add("dtstamp", now)
        ev.add("location", place)
        ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        if url:
            ev.add("url", url)
        cal.add_component(ev)

    for m in made:
        uid = (
            f"series-{m.series_id}-{cast(dt.date, m.occurrence_date).isoformat()}@redprop"
            if m.series_id
            else f"meeting-{m.pk}@redprop"
        )
        seen.add(uid)
        add(
            uid,
            m.title,
            m.starts_at,
            m.ends_at,
            m.place,
            m.status == MeetingStatus.CANCELLED,
            m.get_absolute_url(),
        )
    if feed.kind == FeedKind.COMMUNITY:
        series_qs = (
            feed.user.scope_set()
            .filter(MeetingSeries.objects.filter(community_id=feed.community_id, is_active=True))
            .prefetch_related("overrides")
        )
        for series in series_qs:
            for occ in recurrence.expand(series, start.date(), end.date(), flag_holidays=False):
                if occ.uid in seen:
                    continue
                add(occ.uid, series.name, occ.starts_at, occ.ends_at, series.place, occ.cancelled)
    return cast(bytes, cal.to_ical())

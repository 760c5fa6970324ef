"""Forms and helpers of the 议事协商 pages (web.views.meetings): the service-backed
forms, the lookups and the detail page's context. Imports nothing from the pages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy

from redprop.accounts.choices import Role
from redprop.core.errors import ApplicationError
from redprop.meetings import permissions, selectors
from redprop.meetings.choices import (
    UNFINISHED_RESOLUTION_STATES,
    MeetingStatus,
    ResolutionStatus,
)
from redprop.meetings.models import (
    MINUTES_MAX,
    TEXT_MAX,
    TITLE_MAX,
)
from redprop.meetings.workflow import MEETING, RESOLUTION

ORGANISER_ROLES = permissions.DESKS


# --- forms ------------------------------------------------------------------------------------


class ServiceForm(forms.Form):
    """A form whose ``save`` calls a service; an ApplicationError lands on its field."""

    error_status = 400

    def fail(self, err: ApplicationError) -> None:
        self.error_status = err.status
        self.add_error(err.field if err.field in self.fields else None, err.message)


class IssueForm(ServiceForm):
    place = forms.ChoiceField(label=gettext_lazy("社区或小区"))
    title = forms.CharField(label=gettext_lazy("议题"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=gettext_lazy("具体情况"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, places: list[tuple[str, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["place"].choices = places  # type: ignore[attr-defined]


class MinutesForm(ServiceForm):
    discussion = forms.CharField(
        label=gettext_lazy("讨论情况"),
        max_length=MINUTES_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deferred = forms.BooleanField(label=gettext_lazy("暂缓，下次会议再议"), required=False)


class ResolutionForm(ServiceForm):
    text = forms.CharField(
        label=gettext_lazy("决议"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    responsible = forms.ChoiceField(label=gettext_lazy("责任单位"))
    deadline = forms.DateField(
        label=gettext_lazy("完成时限"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, orgs: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.orgs = {str(o.pk): o for o in orgs}
        self.fields["responsible"].choices = [("", "—")] + [
            (k, o.name) for k, o in self.orgs.items()
        ]  # type: ignore[attr-defined]


class ProgressForm(ServiceForm):
    note = forms.CharField(
        label=gettext_lazy("进展情况"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photo = forms.ImageField(label=gettext_lazy("现场照片"), required=False)


class VoteLaunchForm(ServiceForm):
    """发起业主表决 from a resolution (Civil Code art. 278 items)."""

    item = forms.TypedChoiceField(
        label=gettext_lazy("表决事项（民法典第二百七十八条）"), coerce=int, choices=()
    )
    title = forms.CharField(label=gettext_lazy("表决标题"), max_length=TITLE_MAX)
    days = forms.IntegerField(
        label=gettext_lazy("表决期（天）"), min_value=1, max_value=60, initial=14
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        from redprop.votes.choices import ItemChoice

        self.fields["item"].choices = [(int(v), label) for v, label in ItemChoice.choices]


class SpawnRequestForm(ServiceForm):
    """转为工单: the resolution files a service request (the 5341 workflow does the rest)."""

    category = forms.ChoiceField(label=gettext_lazy("工单分类"), choices=())
    description = forms.CharField(
        label=gettext_lazy("工单内容"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        from redprop.requests.models import Category

        self.fields["category"].choices = [
            (c.code, c.name)
            for c in Category.objects.filter(is_active=True, parent__isnull=False).order_by(
                "sort", "code"
            )
        ]


class CancelForm(ServiceForm):
    reason = forms.CharField(label=gettext_lazy("取消原因"), max_length=200)


# --- helpers ----------------------------------------------------------------------------------


def _meeting(request: HttpRequest, pk: int) -> Any:
    m = selectors.meeting_for_user(user=request.user, meeting_id=pk)
    if m is None:
        raise Http404
    return m


def _orgs_for(meeting: Any) -> list[Any]:
    from django.db.models import Q

    from redprop.orgs.models import Org

    return list(
        Org.objects.filter(is_active=True)
        .filter(
            Q(community_id=meeting.community_id)
            | Q(street_id=meeting.street_id, community__isnull=True)
        )
        .order_by("kind", "name")[:100]
    )


def _places(user: Any) -> list[tuple[str, str]]:
    """Where ``user`` may raise an issue: their communities and compounds."""
    from redprop.territory.models import Compound, Region

    out: list[tuple[str, str]] = []
    if user.has_role(Role.RESIDENT) and user.person_id:
        from redprop.meetings.models import _resident_communities

        ids = list(_resident_communities(user.person_id).values_list("community_id", flat=True))
        for c in Compound.objects.filter(community_id__in=ids).order_by("name")[:50]:
            if permissions.can_propose(user, c):
                out.append((f"c:{c.pk}", c.name))
    for r in Region.objects.filter(level="community").order_by("name")[:500]:
        if len(out) >= 50:
            break
        if permissions.can_propose(user, r) and (f"r:{r.pk}", r.name) not in out:
            out.append((f"r:{r.pk}", r.name))
    return out


def _place_of(value: str) -> Any:
    from redprop.territory.models import Compound, Region

    kind, _sep, pk = (value or "").partition(":")
    if not pk.isdigit():
        return None
    if kind == "c":
        return Compound.objects.filter(pk=int(pk)).first()
    return Region.objects.filter(pk=int(pk), level="community").first()


def detail_context(request: HttpRequest, m: Any, **extra: Any) -> dict[str, Any]:
    user: Any = request.user
    items = selectors.agenda(meeting=m)
    latest = selectors.resolutions_of_issue(i.issue_id for i in items)
    organiser = permissions.is_organiser(user, m)
    orgs = _orgs_for(m) if organiser else []
    rows = []
    for item in items:
        res = getattr(item, "resolution", None) or latest.get(item.issue_id)
        steps = sorted(RESOLUTION.available(user, res)) if res is not None else []
        rows.append(
            {
                "item": item,
                "res": res,
                "own_res": hasattr(item, "resolution"),
                "steps": steps,
                "minutes_form": extra.get("bound_minutes", {}).get(item.pk)
                or MinutesForm(prefix=f"m{item.pk}", initial={"discussion": item.discussion}),
                "resolution_form": extra.get("bound_resolution", {}).get(item.pk)
                or ResolutionForm(prefix=f"r{item.pk}", orgs=orgs),
                "progress_form": ProgressForm(prefix=f"p{res.pk}") if res is not None else None,
                "vote_form": VoteLaunchForm(prefix=f"v{res.pk}")
                if res is not None and organiser and res.status in UNFINISHED_RESOLUTION_STATES
                else None,
                "spawn_form": SpawnRequestForm(
                    prefix=f"s{res.pk}", initial={"description": res.text[:TEXT_MAX]}
                )
                if res is not None and organiser and res.status in UNFINISHED_RESOLUTION_STATES
                else None,
            }
        )
    pool = (
        [
            i
            for i in selectors.issue_pool(scope=user.scope_set(), community_id=m.community_id)
            if i.status == "collected"
        ]
        if organiser and m.status in ("planned", "convened")
        else []
    )
    return {
        "m": m,
        "rows": rows,
        "organiser": organiser,
        "actions": MEETING.available(user, m),
        "attendance": selectors.attendance_by_party(meeting=m),
        "participants": selectors.participants(meeting=m) if organiser else [],
        "pool": pool,
        "minutes_open": m.status in (MeetingStatus.IN_PROGRESS, MeetingStatus.HELD),
        "show_qr": organiser and m.status == MeetingStatus.IN_PROGRESS,
        "cancel_form": CancelForm(prefix="cancel"),
        "ResolutionStatus": ResolutionStatus,
        **{k: v for k, v in extra.items() if not k.startswith("bound_")},
    }

"""业主表决 pages, phone first: the owner votes (and changes their vote); organisers
create, open, close and publish, enter paper and proxy ballots, import a sheet; the
owners' committee sees who took part; anyone reads a published result (tallies only).
Every write is a service of ``redprop.votes``; the buttons come from its workflow table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redprop.core.errors import ApplicationError
from redprop.votes import counting, permissions, selectors, services, workflow
from redprop.votes.choices import OWNER_CHOICES, BallotChoice, Channel, ItemChoice, VoteState
from redprop.votes.models import Vote
from redprop.web.access import role_required

DONE = {
    "open": gettext_lazy("表决已开始，表决权人与面积已冻结"),
    "close": gettext_lazy("表决已截止"),
    "publish": gettext_lazy("表决结果已公布"),
    "cancel": gettext_lazy("表决已取消"),
}
SELECT_UNITS_MAX = 400  # past this, the paper form takes a unit number instead of a list


def _vote(request: HttpRequest, pk: int) -> Vote:
    vote = (
        selectors.vote_list(user=request.user)
        .filter(pk=pk)
        .select_related("compound", "building")
        .first()
    )
    if vote is None or not permissions.can_view(request.user, vote):
        raise Http404
    return vote


def _threshold_text(item: int) -> str:
    if counting.Item(item) in counting.SUPERMAJORITY_ITEMS:
        return _("双四分之三：参与表决的专有面积和人数均须四分之三以上同意")
    return _("双过半：参与表决的专有面积和人数均须过半数同意")


@require_GET
@role_required()
def vote_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    rows = [
        v
        for v in selectors.vote_list(user=user).select_related("compound", "building")[:100]
        if permissions.can_view(user, v)
    ]
    return render(
        request,
        "web/votes/list.html",
        {"rows": rows, "may_create": user.has_role(*permissions.ORGANISERS)},
    )


class VoteForm(forms.Form):
    compound = forms.ModelChoiceField(queryset=None, label=gettext_lazy("小区"))  # type: ignore[arg-type]
    item = forms.TypedChoiceField(
        choices=ItemChoice.choices,
        coerce=int,
        label=gettext_lazy("表决事项（民法典第二百七十八条）"),
    )
    title = forms.CharField(max_length=services.TITLE_MAX, label=gettext_lazy("标题"))
    description = forms.CharField(
        max_length=services.DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("说明"),
    )
    days = forms.IntegerField(
        min_value=1, max_value=90, initial=14, label=gettext_lazy("投票期（天）")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from redprop.territory.models import Compound

        self.fields["compound"].queryset = user.scope_set(*permissions.ORGANISERS).filter(
            Compound.objects.order_by("name")
        )


@require_http_methods(["GET", "POST"])
@role_required(*permissions.ORGANISERS)
def vote_new(request: HttpRequest) -> HttpResponse:
    form = VoteForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                vote = services.vote_create(
                    acting_user=request.user,
                    scope=d["compound"],
                    item=d["item"],
                    title=d["title"],
                    description=d["description"],
                    closes_at=timezone.now() + dt.timedelta(days=d["days"]),
                )
            except ApplicationError as err:
                form.add_error(err.field if err.field in form.fields else None, err.message)
            else:
                return redirect("web:vote_detail", pk=vote.pk)
        status = 400
    return render(request, "web/votes/new.html", {"form": form}, status=status)


def _detail_context(request: HttpRequest, vote: Vote, **extra: Any) -> dict[str, Any]:
    user: Any = request.user
    organiser = permissions.is_organiser(user, vote)
    available = workflow.available(user, vote)
    ctx: dict[str, Any] = {
        "vote": vote,
        "threshold": _threshold_text(vote.item),
        "heads": selectors.my_heads(vote=vote, user=user),
        "can_cast": "cast" in available,
        "owner_choices": [(c.value, c.label) for c in OWNER_CHOICES],
        "buttons": [(a, workflow.ACTIONS[a].verb) for a in workflow.BUTTONS if a in available],
        "organiser": organiser,
        "may_enter": "enter" in available or "enter_received" in available,
        "participants": selectors.participants(vote=vote)
        if permissions.can_see_participants(user, vote)
        else None,
        "turnout": selectors.turnout(vote=vote)
        if vote.opened_at and (organiser or permissions.is_committee(user, vote))
        else None,
        "all_choices": BallotChoice.choices,
        "published": vote.state == VoteState.PUBLISHED,
        "error": None,
    }
    if ctx["may_enter"]:
        units = list(
            vote.units.order_by("label").values_list("unit_id", "label")[: SELECT_UNITS_MAX + 1]
        )
        ctx["unit_options"] = units if len(units) <= SELECT_UNITS_MAX else None
    ctx.update(extra)
    return ctx


@require_GET
@role_required()
def vote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "web/votes/detail.html", _detail_context(request, _vote(request, pk)))


def _refused(request: HttpRequest, vote: Vote, err: ApplicationError, form: str) -> HttpResponse:
    fresh = _vote(request, vote.pk)
    ctx = _detail_context(
        request,
        fresh,
        error={
            "form": form,
            "field": err.field,
            "message": err.message,
            "rows": err.extra.get("rows"),
        },
    )
    return render(request, "web/votes/detail.html", ctx, status=err.status)


@require_POST
@role_required()
def vote_cast(request: HttpRequest, pk: int) -> HttpResponse:
    vote = _vote(request, pk)
    try:
        services.ballot_cast(
            vote=vote,
            acting_user=request.user,
            ballots=[(request.POST.get("unit", ""), request.POST.get("choice", ""))],
        )
    except ApplicationError as err:
        return _refused(request, vote, err, "cast")
    messages.success(request, _("已投票。投票期内可以修改，以最后一次为准。"))
    return redirect("web:vote_detail", pk=pk)


@require_POST
@role_required(*permissions.ORGANISERS)
def vote_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in workflow.BUTTONS:
        raise Http404
    vote = _vote(request, pk)
    service = getattr(services, f"vote_{action}")
    try:
        service(vote=vote, acting_user=request.user)
    except ApplicationError as err:
        return _refused(request, vote, err, action)
    messages.success(request, DONE[action])
    return redirect("web:vote_detail", pk=pk)


def _when(raw: str) -> dt.datetime | None:
    if not raw:
        return None
    try:
        return timezone.make_aware(dt.datetime.fromisoformat(raw))
    except ValueError:
        raise ApplicationError(
            "validation_error", _("日期时间格式不正确"), field="cast_at"
        ) from None


@require_POST
@role_required(*permissions.ORGANISERS)
def vote_paper(request: HttpRequest, pk: int) -> HttpResponse:
    vote = _vote(request, pk)
    try:
        services.ballot_enter(
            vote=vote,
            acting_user=request.user,
            unit_id=request.POST.get("unit", ""),
            choice=request.POST.get("choice", ""),
            channel=request.POST.get("channel", Channel.PAPER),
            cast_at=_when(request.POST.get("cast_at", "")),
            proxy_name=request.POST.get("proxy_name", ""),
            note=request.POST.get("note", ""),
            document=request.FILES.get("document"),
        )
    except ApplicationError as err:
        return _refused(request, vote, err, "paper")
    messages.success(request, _("选票已录入"))
    return redirect("web:vote_detail", pk=pk)


@require_POST
@role_required(*permissions.ORGANISERS)
def vote_import(request: HttpRequest, pk: int) -> HttpResponse:
    vote = _vote(request, pk)
    try:
        if "file" not in request.FILES:
            raise ApplicationError("invalid_spreadsheet", _("请选择填好的 xlsx 文件"), field="file")
        n = services.ballots_import(
            vote=vote,
            acting_user=request.user,
            upload=request.FILES["file"],
            document=request.FILES.get("document"),
        )
    except ApplicationError as err:
        return _refused(request, vote, err, "import")
    messages.success(request, _("已导入 %(n)s 张纸质选票") % {"n": n})
    return redirect("web:vote_detail", pk=pk)


@require_GET
@role_required(*permissions.ORGANISERS)
def vote_template(request: HttpRequest, pk: int) -> HttpResponse:
    vote = _vote(request, pk)
    if not permissions.is_organiser(request.user, vote) or vote.opened_at is None:
        raise Http404
    response = HttpResponse(
        services.import_template(vote=vote),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="vote-{vote.pk}-ballots.xlsx"'
    return response


@require_GET
def vote_result(request: HttpRequest, pk: int) -> HttpResponse:
    """The published result, public: the tallies and the tests, never who voted how."""
    vote = (
        Vote.objects.filter(pk=pk, state=VoteState.PUBLISHED)
        .select_related("compound", "building")
        .first()
    )
    if vote is None:
        raise Http404
    return render(
        request,
        "web/votes/result.html",
        {"vote": vote, "r": vote.result, "threshold": _threshold_text(vote.item)},
    )


# --- how each owner voted, and the scans (organisers only, every read logged) ---------------

DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}


@require_http_methods(["GET", "POST"])
@role_required(*permissions.ORGANISERS)
def vote_ballots(request: HttpRequest, pk: int) -> HttpResponse:
    """表决明细: how each head voted, with its history and the scans of paper and proxy
    ballots. Shown only after the organiser gives a reason; the read is logged (748),
    and each scan link carries that reason, signed, for a quarter of an hour."""
    vote = _vote(request, pk)
    if not permissions.is_organiser(request.user, vote) or vote.opened_at is None:
        raise Http404
    ctx: dict[str, Any] = {"vote": vote, "rows": None, "error": None, "reason": ""}
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        ctx["reason"] = reason
        try:
            rows = services.ballots_reveal(vote=vote, acting_user=request.user, reason=reason)
        except ApplicationError as err:
            ctx["error"] = err
            return render(request, "web/votes/ballots.html", ctx, status=err.status)
        ctx["rows"] = [
            (
                b,
                services.document_link_token(vote_id=vote.pk, ballot_id=b.pk, reason=reason)
                if b.document
                else "",
            )
            for b in rows
        ]
    return render(request, "web/votes/ballots.html", ctx)


@require_GET
@role_required(*permissions.ORGANISERS)
def vote_ballot_document(request: HttpRequest, pk: int, ballot_id: int) -> HttpResponse:
    """One ballot's scan, through a link from 表决明细 (signed, 15 minutes); logged."""
    vote = _vote(request, pk)
    reason = services.document_link_reason(
        token=request.GET.get("t", ""), vote_id=vote.pk, ballot_id=ballot_id
    )
    if reason is None:
        raise Http404
    try:
        ballot = services.ballot_document(
            vote=vote, ballot_id=ballot_id, acting_user=request.user, reason=reason
        )
    except ApplicationError:
        raise Http404 from None
    ext = ballot.document.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(
        ballot.document.open("rb"), content_type=DOCUMENT_TYPES.get(ext, "application/octet-stream")
    )
    response["Content-Disposition"] = f'inline; filename="ballot-{ballot.pk}.{ext}"'
    response["Cache-Control"] = "private, no-store"
    return response

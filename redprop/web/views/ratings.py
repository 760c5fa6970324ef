"""星级评定 pages: the list, one assessment (sheet, figures, evidence, timeline, the
stage's buttons from the workflow table), and the public list of certified companies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from redprop.core.errors import ApplicationError, NotFound
from redprop.ratings import permissions, selectors, services
from redprop.ratings.choices import Metric, Stage
from redprop.ratings.workflow import NEEDS_REASON, WORKFLOW
from redprop.web.access import forbidden, role_required

MAX_SCORES = 200  # criteria on one sheet (the form refuses more fields)


@require_GET
@role_required(*permissions.PAGE_ROLES)
def ratings_index(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "web/ratings/index.html",
        {
            "assessments": list(selectors.assessments_for(user=user)[:500]),
            "cycles": list(selectors.cycles_for(user=user)),
            "cities": _cities(user),
            "year": timezone.localdate().year,
        },
    )


def _cities(user: Any) -> list[Any]:
    from redprop.territory.models import Region

    cities = Region.objects.filter(level="city")
    ids = set()
    for s in user.scope_set(*permissions.CYCLE_ROLES):
        if s.kind == "all":
            return list(cities)
        if s.kind == "city":
            ids.add(s.node_id)
    return list(cities.filter(pk__in=ids))


@require_POST
@role_required(*permissions.CYCLE_ROLES)
def ratings_cycle_open(request: HttpRequest) -> HttpResponse:
    try:
        city_id = int(request.POST.get("city", "0"))
        year = int(request.POST.get("year", "0"))
    except ValueError:
        messages.error(request, _("请选择城市和年度"))
        return redirect("web:ratings")
    try:
        cycle = services.cycle_open(acting_user=request.user, city_id=city_id, year=year)
    except NotFound:
        raise Http404 from None
    except ApplicationError as err:
        messages.error(request, err.message)
        return redirect("web:ratings")
    messages.success(request, _("已开启：%(name)s") % {"name": cycle.name})
    return redirect("web:ratings")


def _page(
    request: HttpRequest, pk: int, *, error: ApplicationError | None = None, posted: Any = None
) -> HttpResponse:
    user: Any = request.user
    try:
        a = selectors.assessment_get(user=user, assessment_id=pk)
    except NotFound:
        raise Http404 from None
    sheet = selectors.sheet(assessment=a, user=user)
    if posted:  # show what was typed, next to the error
        for block in sheet.blocks:
            for line in block.lines:
                code = line.criterion.code
                if f"score_{code}" in posted:
                    line.prefill = posted.get(f"score_{code}", "")[:10]
                    line.prefill_note = posted.get(f"note_{code}", "")[:300]
    actions = []
    for name in WORKFLOW.available(user, a):
        act = WORKFLOW[name]
        actions.append({"name": name, "verb": act.verb, "reason": name in NEEDS_REASON})
    metrics = [
        {"label": m.label, "value": _percent((a.figures.get("metrics") or {}).get(m.value))}
        for m in Metric
    ]
    return render(
        request,
        "web/ratings/detail.html",
        {
            "a": a,
            "sheet": sheet,
            "actions": actions,
            "metrics": metrics,
            "counts": a.figures.get("counts") or {},
            "behind": selectors.requests_behind(assessment=a),
            "evidence": selectors.evidence_of(assessment=a),
            "events": selectors.timeline(assessment=a),
            "error": error,
            "posted": posted or {},
            "stages": [(s.value, s.label) for s in (Stage.SELF, Stage.COMMUNITY, Stage.BUREAU)],
        },
        status=error.status if error else 200,
    )


@require_GET
@role_required(*permissions.PAGE_ROLES)
def rating_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


def _run(request: HttpRequest, pk: int, fn: Any, ok: str) -> HttpResponse:
    try:
        fn()
    except NotFound:
        raise Http404 from None
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        return _page(request, pk, error=err, posted=request.POST)
    messages.success(request, ok)
    return redirect("web:rating_detail", pk=pk)


@require_POST
@role_required(*permissions.PAGE_ROLES)
def rating_scores(request: HttpRequest, pk: int) -> HttpResponse:
    scores = {
        k.removeprefix("score_"): v
        for k, v in request.POST.items()
        if k.startswith("score_") and v.strip()
    }
    notes = {k.removeprefix("note_"): v for k, v in request.POST.items() if k.startswith("note_")}
    if len(scores) > MAX_SCORES:
        scores = {}
    return _run(
        request,
        pk,
        lambda: services.scores_save(
            acting_user=request.user, assessment_id=pk, scores=scores, notes=notes
        ),
        _("评分已保存"),
    )


@require_POST
@role_required(*permissions.PAGE_ROLES)
def rating_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        pk,
        lambda: services.evidence_add(
            acting_user=request.user,
            assessment_id=pk,
            note=request.POST.get("note", ""),
            criterion_code=request.POST.get("criterion", ""),
            file=request.FILES.get("file"),
            link=request.POST.get("link", ""),
        ),
        _("佐证材料已上传"),
    )


@require_POST
@role_required(*permissions.PAGE_ROLES)
def rating_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in WORKFLOW.actions:
        raise Http404
    return _run(
        request,
        pk,
        lambda: services.transition(
            acting_user=request.user,
            assessment_id=pk,
            action=action,
            reason=request.POST.get("reason", ""),
        ),
        _("已办理：%(verb)s") % {"verb": WORKFLOW[action].verb},
    )


@require_GET
@role_required(*permissions.PAGE_ROLES)
def rating_evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        ev = selectors.evidence_get(user=request.user, evidence_id=pk)
    except NotFound:
        raise Http404 from None
    response = FileResponse(
        ev.file.open("rb"), content_type=ev.content_type or "application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if ev.content_type == "application/pdf":
        response["Content-Disposition"] = f'attachment; filename="evidence-{ev.pk}.pdf"'
    return response


def _percent(value: str | None) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value) * 100:.1f}%"


PUBLIC_METRICS = (Metric.SATISFACTION_RATE, Metric.COMPLIANCE_RATE, Metric.RESPONSE_RATE)


@require_GET
def ratings_public(request: HttpRequest) -> HttpResponse:
    """Open to everyone, logged in or not: certified companies, their stars and rates."""
    rows = [
        {
            "e": e,
            "star_range": range(e.stars),
            "metrics": [(m.label, _percent(e.metrics.get(m.value))) for m in PUBLIC_METRICS],
        }
        for e in selectors.public_list()
    ]
    return render(request, "web/ratings/public.html", {"rows": rows})

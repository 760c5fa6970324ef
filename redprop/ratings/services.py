"""Writes of the star rating: open a cycle, score, add evidence, hand over, certify,
withdraw. Each is atomic and audited; bad input is an ApplicationError and writes
nothing (docs/subsystems/ratings.md)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from redprop.accounts.choices import Role
from redprop.core.audit import audit, snapshot
from redprop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from redprop.core.models import AuditEvent
from redprop.notifications.audience import audience
from redprop.notifications.services import outbox_fanout
from redprop.notifications.texts import Text
from redprop.orgs.choices import OrgKind
from redprop.orgs.models import Org
from redprop.ratings import permissions, quality
from redprop.ratings.choices import CycleStatus, EventKind, Stage
from redprop.ratings.errors import RatingError
from redprop.ratings.models import (
    Assessment,
    AssessmentEvent,
    Criterion,
    Evidence,
    RatingCycle,
    Score,
    ScoreChange,
)
from redprop.ratings.template import DEFAULT_CRITERIA, DEFAULT_THRESHOLDS
from redprop.ratings.workflow import NEEDS_REASON, SCORERS, WORKFLOW
from redprop.territory.models import Compound, Region

REASON_MAX = 500
NOTE_MAX = 300
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
LINK_RE = re.compile(r"^/[A-Za-z0-9/_\-]{1,198}$")
_SNIFF = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"%PDF-": "application/pdf",
}


def _stored(msgid: str) -> str:
    """A text stored as data: in the platform language, whoever is acting."""
    from django.conf import settings

    with override(settings.LANGUAGE_CODE):
        return _(msgid)


# --- opening a cycle --------------------------------------------------------------------


def _assessing_communities(companies: list[Org], city: Region) -> dict[int, int]:
    """Company id → the community where it serves the most compounds of the city (lowest
    id on a tie). One grouped query for all companies."""
    rows = (
        Compound.objects.filter(city=city, company__in=companies, community__isnull=False)
        .values("company_id", "community_id")
        .annotate(n=Count("id"))
    )
    best: dict[int, tuple[int, int]] = {}
    for row in rows:
        key = (-row["n"], row["community_id"])
        if row["company_id"] not in best or key < best[row["company_id"]]:
            best[row["company_id"]] = key
    return {company: k[1] for company, k in best.items()}


def cycle_open(
    *,
    acting_user: Any,
    city_id: int,
    year: int,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> RatingCycle:
    """The bureau opens its city's rating of ``year``: the default sheet is copied into
    the cycle, and every property company serving a compound of the city gets an
    assessment in the self-assessment stage."""
    city = Region.objects.filter(pk=city_id, level="city").first()
    if city is None or not any(
        s.kind == "all" or (s.kind == "city" and s.node_id == city.pk)
        for s in acting_user.scope_set(*permissions.CYCLE_ROLES)
    ):
        raise NotFound()
    if not 2000 <= year <= 2100:
        raise ApplicationError(RatingError.CYCLE_CLOSED, _("年度超出范围"), field="year")
    start = period_start or dt.date(year, 1, 1)
    end = period_end or dt.date(year, 12, 31)
    if end < start:
        raise ApplicationError(
            RatingError.CYCLE_CLOSED, _("数据截止日不能早于起始日"), field="period_end"
        )
    companies = list(
        Org.objects.filter(
            kind=OrgKind.PROPERTY_COMPANY, is_active=True, served_compounds__city=city
        ).distinct()
    )
    if not companies:
        raise ApplicationError(RatingError.NO_COMPANIES, _("本市没有在管小区的物业企业"))
    with transaction.atomic():
        if RatingCycle.objects.filter(city=city, year=year).exists():
            raise Conflict(
                RatingError.CYCLE_EXISTS, _("%(year)s 年度的评定已经开启") % {"year": year}
            )
        cycle = RatingCycle(
            year=year,
            name=_stored(gettext_noop("%(city)s %(year)s 年度星级物业企业评定"))
            % {"city": city.name, "year": year},
            period_start=start,
            period_end=end,
            thresholds=dict(DEFAULT_THRESHOLDS),
            opened_by=acting_user,
        )
        cycle.set_place(city)
        try:
            with transaction.atomic():
                cycle.save()
        except IntegrityError as exc:
            raise Conflict(
                RatingError.CYCLE_EXISTS, _("%(year)s 年度的评定已经开启") % {"year": year}
            ) from exc
        Criterion.objects.bulk_create(
            Criterion(
                cycle=cycle,
                dimension=dim,
                code=code,
                text=text,  # stored in the platform language, like every data row
                max_points=Decimal(points),
                order=i,
                metric=metric,
                floor=Decimal(floor) if floor else None,
                target=Decimal(target) if target else None,
            )
            for i, (dim, code, text, points, metric, floor, target) in enumerate(DEFAULT_CRITERIA)
        )
        placed = _assessing_communities(companies, city)
        communities = Region.objects.in_bulk(set(placed.values()))
        assessments = []
        for company in companies:
            a = Assessment(cycle=cycle, company=company)
            cid = placed.get(company.pk)
            a.set_place(communities[cid] if cid else city)
            assessments.append(a)
        Assessment.objects.bulk_create(assessments, batch_size=1000)
        created = Assessment.objects.filter(cycle=cycle).values_list("pk", flat=True)
        AssessmentEvent.objects.bulk_create(
            (
                AssessmentEvent(
                    assessment_id=pk, kind=EventKind.OPENED, actor=acting_user, to_stage=Stage.SELF
                )
                for pk in created
            ),
            batch_size=1000,
        )
        audit(
            actor=acting_user,
            event=AuditEvent.RATING_CYCLE_OPENED,
            target=cycle,
            companies=len(companies),
        )
    return cycle


# --- helpers ---------------------------------------------------------------------------


def _event(
    a: Assessment, kind: str, actor: Any, *, frm: str = "", to: str = "", note: str = ""
) -> None:
    AssessmentEvent.objects.create(
        assessment=a, kind=kind, actor=actor, from_stage=frm, to_stage=to, note=note[:REASON_MAX]
    )


def _visible(acting_user: Any) -> QuerySet[Assessment]:
    return cast(
        QuerySet[Assessment],
        acting_user.scope_set(*permissions.PAGE_ROLES).filter(Assessment.objects.all()),
    )


def _locked(acting_user: Any, assessment_id: int) -> Assessment:
    a = _visible(acting_user).select_for_update().filter(pk=assessment_id).first()
    if a is None or not permissions.can_view(acting_user, a):
        raise NotFound()
    return a


def _scorer_check(acting_user: Any, a: Assessment) -> str:
    """The stage ``acting_user`` may score now: the stage's own scorer only (403 for
    everyone else, whatever their relationship: another stage's scores are not theirs);
    nothing is scored once certified or withdrawn (409)."""
    if a.stage not in SCORERS:
        raise Conflict(
            RatingError.INVALID_TRANSITION,
            _("当前环节为“%(stage)s”，不能再修改评分") % {"stage": Stage(a.stage).label},
        )
    if not WORKFLOW.relationships[SCORERS[Stage(a.stage)]](acting_user, a):
        raise PermissionDenied(
            _("当前环节为“%(stage)s”，不由您评分") % {"stage": Stage(a.stage).label}
        )
    return a.stage


def _points(raw: Any, criterion: Criterion) -> Decimal:
    field = f"score_{criterion.code}"
    if isinstance(raw, (float, bool)):
        raise ApplicationError(
            RatingError.SCORE_NOT_NUMBER, _('分数请以文本形式提交（如 "7.5"）'), field=field
        )
    text = str(raw).strip()
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or len(text) > 6:
        raise ApplicationError(RatingError.SCORE_NOT_NUMBER, _("请输入数字分数"), field=field)
    if value.as_tuple().exponent < -1:  # type: ignore[operator]
        raise ApplicationError(RatingError.SCORE_NOT_NUMBER, _("分数最多保留一位小数"), field=field)
    if not Decimal(0) <= value <= criterion.max_points:
        raise ApplicationError(
            RatingError.SCORE_OUT_OF_RANGE,
            _("“%(text)s”的得分应在 0 到 %(max)s 分之间")
            % {"text": criterion.text, "max": criterion.max_points},
            field=field,
        )
    return value


# --- scoring ---------------------------------------------------------------------------


def scores_save(
    *,
    acting_user: Any,
    assessment_id: int,
    scores: Mapping[str, Any],
    notes: Mapping[str, str] | None = None,
) -> Assessment:
    """Record the current stage's points for the criteria given (criterion code →
    points as a decimal string). All or nothing; every change is a ScoreChange row."""
    notes = notes or {}
    with transaction.atomic():
        a = _locked(acting_user, assessment_id)
        stage = _scorer_check(acting_user, a)
        criteria = {c.code: c for c in Criterion.objects.filter(cycle_id=a.cycle_id)}
        if not scores:
            raise ApplicationError(
                RatingError.UNKNOWN_CRITERION, _("没有提交任何评分"), field="scores"
            )
        parsed: dict[str, Decimal] = {}
        for code, raw in scores.items():
            c = criteria.get(code)
            if c is None:
                raise ApplicationError(
                    RatingError.UNKNOWN_CRITERION,
                    _("评分标准不存在：%(code)s") % {"code": code[:40]},
                    field="scores",
                )
            if c.computed:
                raise ApplicationError(
                    RatingError.CRITERION_COMPUTED,
                    _("“%(text)s”由平台数据计算，不能手工评分") % {"text": c.text},
                    field=f"score_{code}",
                )
            parsed[code] = _points(raw, c)
        for code, note in notes.items():
            if code in parsed and len(note or "") > NOTE_MAX:
                raise ApplicationError(
                    RatingError.SCORE_NOT_NUMBER,
                    _("说明不能超过 %(n)s 个字") % {"n": NOTE_MAX},
                    field=f"note_{code}",
                )
        existing = {s.criterion_id: s for s in Score.objects.filter(assessment=a, stage=stage)}
        changed = 0
        for code, value in parsed.items():
            c = criteria[code]
            note = (notes.get(code) or "").strip()
            score = existing.get(c.pk)
            old_points = score.points if score is not None else None
            if score is not None and old_points == value and score.note == note:
                continue
            if score is None:
                Score.objects.create(
                    assessment=a, criterion=c, stage=stage, points=value, note=note
                )
            else:
                score.points, score.note = value, note
                score.save(update_fields=["points", "note", "updated_at"])
            ScoreChange.objects.create(
                assessment=a,
                criterion=c,
                stage=stage,
                old_points=old_points,
                new_points=value,
                note=note,
                actor=acting_user,
            )
            changed += 1
        if changed:
            _event(a, EventKind.SCORED, acting_user, note=_("评分 %(n)s 项") % {"n": changed})
            audit(
                actor=acting_user,
                event=AuditEvent.RATING_SCORED,
                target=a,
                stage=stage,
                changed=changed,
            )
    return a


# --- evidence --------------------------------------------------------------------------


def _sniff(upload: UploadedFile) -> str:
    head = upload.read(8)
    upload.seek(0)
    for magic, content_type in _SNIFF.items():
        if head.startswith(magic):
            return content_type
    raise ApplicationError(
        RatingError.EVIDENCE_TYPE, _("佐证文件只接受 JPEG、PNG 图片或 PDF"), field="file"
    )


def evidence_add(
    *,
    acting_user: Any,
    assessment_id: int,
    note: str,
    criterion_code: str = "",
    file: UploadedFile | None = None,
    link: str = "",
) -> Evidence:
    """Whoever scores the current stage attaches a file (JPEG, PNG, PDF; 5 MB) or a link
    to a record of the platform (``/r/123/``) to the assessment or to one criterion."""
    note = (note or "").strip()
    link = (link or "").strip()
    if not note:
        raise ApplicationError(RatingError.EVIDENCE_EMPTY, _("请说明佐证内容"), field="note")
    if len(note) > NOTE_MAX:
        raise ApplicationError(
            RatingError.EVIDENCE_EMPTY, _("说明不能超过 %(n)s 个字") % {"n": NOTE_MAX}, field="note"
        )
    if file is None and not link:
        raise ApplicationError(
            RatingError.EVIDENCE_EMPTY, _("请上传文件或填写平台记录链接"), field="file"
        )
    if link and not LINK_RE.match(link):
        raise ApplicationError(
            RatingError.EVIDENCE_TYPE, _("链接应为本平台的页面地址，如 /r/123/"), field="link"
        )
    content_type = ""
    if file is not None:
        if file.size is None or file.size > EVIDENCE_MAX_BYTES:
            raise ApplicationError(
                RatingError.EVIDENCE_TYPE, _("佐证文件不能超过 5 MB"), field="file"
            )
        content_type = _sniff(file)
    with transaction.atomic():
        a = _locked(acting_user, assessment_id)
        _scorer_check(acting_user, a)
        criterion = None
        if criterion_code:
            criterion = Criterion.objects.filter(cycle_id=a.cycle_id, code=criterion_code).first()
            if criterion is None:
                raise ApplicationError(
                    RatingError.UNKNOWN_CRITERION, _("评分标准不存在"), field="criterion"
                )
        ev = Evidence(
            assessment=a,
            criterion=criterion,
            link=link,
            note=note,
            uploaded_by=acting_user,
            content_type=content_type,
        )
        if file is not None:
            ev.file.save(file.name or "evidence", file, save=False)
        ev.save()
        _event(a, EventKind.EVIDENCE, acting_user, note=note)
        audit(actor=acting_user, event=AuditEvent.RATING_EVIDENCE_ADDED, target=ev)
    return ev


# --- the stages ------------------------------------------------------------------------


def _missing(a: Assessment, stage: str) -> Criterion | None:
    """The first typed criterion the stage has not scored."""
    scored = set(
        Score.objects.filter(assessment=a, stage=stage).values_list("criterion_id", flat=True)
    )
    for c in Criterion.objects.filter(cycle_id=a.cycle_id, metric="").order_by("order", "id"):
        if c.pk not in scored:
            return c
    return None


def _require_complete(a: Assessment, stage: str) -> None:
    c = _missing(a, stage)
    if c is not None:
        raise ApplicationError(
            RatingError.SCORE_OUT_OF_RANGE,
            _("请先为“%(text)s”评分") % {"text": c.text},
            field=f"score_{c.code}",
        )


def _refresh_figures(a: Assessment) -> None:
    cycle = a.cycle
    a.figures = quality.compute(
        company_id=a.company_id,
        period_start=cycle.period_start,
        period_end=cycle.period_end,
        criteria=Criterion.objects.filter(cycle=cycle),
    )


def stage_total(a: Assessment, stage: str) -> Decimal:
    """The stage's typed points plus the computed ones (from the stored figures)."""
    typed = sum((s.points for s in Score.objects.filter(assessment=a, stage=stage)), Decimal(0))
    computed = sum((Decimal(p) for p in (a.figures.get("points") or {}).values()), Decimal(0))
    return typed + computed


def transition(
    *, acting_user: Any, assessment_id: int, action: str, reason: str = ""
) -> Assessment:
    """submit, send_back, forward, certify or withdraw, by the table in workflow.py."""
    if action not in WORKFLOW.actions:
        raise NotFound()
    reason = (reason or "").strip()
    if action in NEEDS_REASON and not reason:
        raise ApplicationError(RatingError.REASON_REQUIRED, _("请填写原因"), field="reason")
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            RatingError.REASON_REQUIRED,
            _("原因不能超过 %(n)s 个字") % {"n": REASON_MAX},
            field="reason",
        )
    qs = _visible(acting_user)
    with transaction.atomic():
        fields = {"version"}
        # The step locks the row (404 outside the user's assessments), then 403 / 409.
        with WORKFLOW.step(action, acting_user, qs, assessment_id, update_fields=fields) as a:
            frm = a.stage
            before = snapshot(a)
            a.version += 1
            if action in {"submit", "forward", "certify"}:
                _require_complete(a, frm)
                _refresh_figures(a)
                fields.add("figures")
            if action == "certify":
                if a.cycle.status != CycleStatus.OPEN:
                    raise Conflict(RatingError.CYCLE_CLOSED, _("本年度评定已结束"))
                a.total = stage_total(a, Stage.BUREAU)
                a.stars = quality.stars_for(a.total, a.cycle.thresholds)
                a.certified_at = timezone.now()
                fields |= {"total", "stars", "certified_at"}
            if action == "withdraw":
                a.withdrawn_at = timezone.now()
                a.withdraw_reason = reason
                fields |= {"withdrawn_at", "withdraw_reason"}
            (new,) = WORKFLOW[action].targets
            kind = WORKFLOW[action].event
            _event(a, kind, acting_user, frm=frm, to=new, note=reason)
            event = {
                "certify": AuditEvent.RATING_CERTIFIED,
                "withdraw": AuditEvent.RATING_WITHDRAWN,
            }.get(action, AuditEvent.RATING_STAGE_CHANGED)
        audit(
            actor=acting_user,
            event=event,
            target=a,
            before=before,
            after=snapshot(a),
            action=action,
            reason=reason,
        )
        _notify(a, action, reason)
    return a


def _notify(a: Assessment, action: str, reason: str) -> None:
    """Tell whoever now holds the assessment (inbox, through the outbox, in the same
    transaction); the company hears of its certification and of a withdrawal."""
    if a.stage == Stage.SELF or action in {"certify", "withdraw"}:
        who = audience(org_roles=(a.company_id, (Role.COMPANY_STAFF,)))
    elif a.stage == Stage.COMMUNITY:
        who = audience(region_roles=(a.community_id, (Role.COMMUNITY_STAFF,)))
    else:
        who = audience(region_roles=(a.city_id, (Role.HOUSING_BUREAU,)))
    with override("zh-hans"):  # stored as the msgid; rendered per reader
        stage = str(Stage(a.stage).label)
    subject = Text(
        gettext_noop("星级评定：%(company)s 进入“%(stage)s”"),
        {"company": a.company.name, "stage": stage},
        translated=("stage",),
    )
    body = Text(gettext_noop("原因：%(reason)s"), {"reason": reason[:200]}) if reason else subject
    outbox_fanout(
        kind=f"rating.{action}",
        subject=subject,
        body=body,
        link=f"/ratings/a/{a.pk}/",
        audience=who,
        payload={"assessment": a.pk, "stage": a.stage, "stars": a.stars},
        target=a,
    )

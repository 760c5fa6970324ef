"""The star rating's cycle: three stages, send-backs, certification, withdrawal, the
figures computed from request data, and bad input that writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from redprop.conftest import build_siblings
from redprop.core.chain import AppendOnlyError
from redprop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from redprop.ratings import quality, selectors, services
from redprop.ratings.choices import Stage
from redprop.ratings.models import Assessment, AssessmentEvent, Criterion, Score, ScoreChange
from redprop.ratings.template import DEFAULT_CRITERIA
from redprop.requests import services as request_services
from redprop.requests.models import Category

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def _open(world):
    return services.cycle_open(
        acting_user=world.users["housing_bureau"], city_id=world.city.pk, year=YEAR
    )


def _typed(cycle):
    return list(Criterion.objects.filter(cycle=cycle, metric="").order_by("order"))


def _score_all(world, role, a, points_of=lambda c: c.max_points - 1):
    services.scores_save(
        acting_user=world.users[role],
        assessment_id=a.pk,
        scores={c.code: str(points_of(c)) for c in _typed(a.cycle)},
    )


def _go(world, role, a, action, reason=""):
    return services.transition(
        acting_user=world.users[role], assessment_id=a.pk, action=action, reason=reason
    )


def _a(world, cycle):
    return Assessment.objects.get(cycle=cycle, company=world.company)


def test_opening_a_cycle_copies_the_sheet_and_places_each_company_at_its_committee(world):
    cycle = _open(world)
    assert Criterion.objects.filter(cycle=cycle).count() == len(DEFAULT_CRITERIA)
    assert sum(c.max_points for c in Criterion.objects.filter(cycle=cycle)) == Decimal(100)
    a = _a(world, cycle)
    b = Assessment.objects.get(cycle=cycle, company=world.company_b)
    assert (a.community_id, a.stage) == (world.community.pk, Stage.SELF)
    assert b.community_id == world.community_b.pk
    with pytest.raises(Conflict):
        _open(world)
    # Only the bureau over the city opens it.
    with pytest.raises(NotFound):
        services.cycle_open(
            acting_user=world.users["street_officer"], city_id=world.city.pk, year=YEAR + 1
        )


def test_the_full_cycle_with_send_backs_certifies_and_the_star_can_be_withdrawn(world):
    cycle = _open(world)
    a = _a(world, cycle)
    _score_all(world, "company_staff", a)
    a = _go(world, "company_staff", a, "submit")
    assert a.stage == Stage.COMMUNITY
    # The committee sends it back with a reason; the company resubmits.
    with pytest.raises(ApplicationError) as err:
        _go(world, "community_staff", a, "send_back")
    assert err.value.code == "rating_reason_required"
    a = _go(world, "community_staff", a, "send_back", "队伍培训记录缺失")
    assert a.stage == Stage.SELF
    a = _go(world, "company_staff", a, "submit")
    _score_all(world, "community_staff", a, lambda c: c.max_points - 2)
    a = _go(world, "community_staff", a, "forward")
    assert a.stage == Stage.BUREAU
    a = _go(world, "housing_bureau", a, "send_back_review", "请社区复核日常管理得分")
    assert a.stage == Stage.COMMUNITY
    a = _go(world, "community_staff", a, "forward")
    _score_all(world, "housing_bureau", a, lambda c: c.max_points)
    a = _go(world, "housing_bureau", a, "certify")
    assert a.stage == Stage.CERTIFIED
    # No request data: the computed service-quality lines score 0 → 80 typed points.
    assert a.total == Decimal(80)
    assert a.stars == 4
    assert [e.company for e in selectors.public_list()] == [world.company.name]
    a = _go(world, "housing_bureau", a, "withdraw", "发生重大安全责任事故")
    assert a.stage == Stage.WITHDRAWN
    assert selectors.public_list() == []
    kinds = list(AssessmentEvent.objects.filter(assessment=a).values_list("kind", flat=True))
    assert kinds.count("send_back") == 2 and kinds[-1] == "withdraw"


def test_every_score_change_is_on_the_record(world):
    cycle = _open(world)
    a = _a(world, cycle)
    c = _typed(cycle)[0]
    services.scores_save(
        acting_user=world.users["company_staff"], assessment_id=a.pk, scores={c.code: "5"}
    )
    services.scores_save(
        acting_user=world.users["company_staff"],
        assessment_id=a.pk,
        scores={c.code: "6.5"},
        notes={c.code: "补充了党员亮牌照片"},
    )
    rows = list(ScoreChange.objects.filter(assessment=a).values_list("old_points", "new_points"))
    assert rows == [(None, Decimal(5)), (Decimal(5), Decimal("6.5"))]
    change = ScoreChange.objects.filter(assessment=a).last()
    assert change.actor == world.users["company_staff"] and change.note == "补充了党员亮牌照片"
    with pytest.raises(AppendOnlyError):
        ScoreChange.objects.filter(assessment=a).update(new_points=0)
    with pytest.raises(AppendOnlyError):
        change.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_score_changes_are_append_only_in_the_database(world):
    from django.db import DatabaseError, transaction

    cycle = _open(world)
    a = _a(world, cycle)
    c = _typed(cycle)[0]
    services.scores_save(
        acting_user=world.users["company_staff"], assessment_id=a.pk, scores={c.code: "5"}
    )
    assert ScoreChange._meta.db_table == "ratings_scorechange"
    for sql in ("UPDATE ratings_scorechange SET new_points = 0", "DELETE FROM ratings_scorechange"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert ScoreChange.objects.filter(assessment=a, new_points=5).count() == 1


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("99", "rating_score_out_of_range"),
        ("-1", "rating_score_out_of_range"),
        ("abc", "rating_score_not_number"),
        ("5.25", "rating_score_not_number"),
        ("NaN", "rating_score_not_number"),
        (5.5, "rating_score_not_number"),
    ],
)
def test_a_bad_score_is_refused_with_its_field_and_writes_nothing(world, value, code):
    cycle = _open(world)
    a = _a(world, cycle)
    good, bad = _typed(cycle)[:2]
    with pytest.raises(ApplicationError) as err:
        services.scores_save(
            acting_user=world.users["company_staff"],
            assessment_id=a.pk,
            scores={good.code: "3", bad.code: value},
        )
    assert err.value.code == code
    assert err.value.field == f"score_{bad.code}"
    assert not Score.objects.filter(assessment=a).exists()
    assert not ScoreChange.objects.filter(assessment=a).exists()


def test_computed_and_unknown_criteria_cannot_be_typed(world):
    cycle = _open(world)
    a = _a(world, cycle)
    computed = Criterion.objects.filter(cycle=cycle).exclude(metric="").first()
    with pytest.raises(ApplicationError) as err:
        services.scores_save(
            acting_user=world.users["company_staff"],
            assessment_id=a.pk,
            scores={computed.code: "1"},
        )
    assert err.value.code == "rating_criterion_computed"
    with pytest.raises(ApplicationError) as err:
        services.scores_save(
            acting_user=world.users["company_staff"], assessment_id=a.pk, scores={"nope": "1"}
        )
    assert err.value.code == "rating_unknown_criterion"


def test_a_stage_acted_on_out_of_order_or_by_the_wrong_role_is_refused(world):
    cycle = _open(world)
    a = _a(world, cycle)
    # Submitting an incomplete self-assessment names the first missing line.
    with pytest.raises(ApplicationError) as err:
        _go(world, "company_staff", a, "submit")
    assert err.value.field == f"score_{_typed(cycle)[0].code}"
    assert Assessment.objects.get(pk=a.pk).stage == Stage.SELF
    # The committee cannot forward what the company has not submitted (409), nor certify
    # (403: never theirs); the company cannot certify; the street reads, acts on nothing.
    with pytest.raises(Conflict):
        _go(world, "community_staff", a, "forward")
    with pytest.raises(PermissionDenied):
        _go(world, "community_staff", a, "certify")
    with pytest.raises(PermissionDenied):
        _go(world, "company_staff", a, "certify")
    with pytest.raises(PermissionDenied):
        _go(world, "street_officer", a, "submit")
    # The committee scores only in its own stage.
    with pytest.raises(PermissionDenied):
        _score_all(world, "community_staff", a)
    # Another company's staff and another community's do not even see it.
    build_siblings(world)
    for other in ("company_staff", "community_staff"):
        with pytest.raises(NotFound):
            services.transition(
                acting_user=world.siblings[other], assessment_id=a.pk, action="submit"
            )


def test_service_quality_comes_from_the_companys_requests(world):
    """Two orders of company A in the period: one rated 5★, one 2★ and reopened."""
    staff, worker = world.users["community_staff"], world.users["maintenance_worker"]
    cat = Category.objects.get(code="pipe_dredging")
    for score in (5, 2):
        r = request_services.request_file(
            acting_user=world.users["resident"],
            category=cat,
            description="下水道堵塞",
            unit=world.unit,
        )
        request_services.request_dispatch(request=r, org=world.company, acting_user=staff)
        request_services.request_accept(request=r, acting_user=worker)
        request_services.request_resolve(request=r, note="已疏通", acting_user=worker)
        request_services.request_rate(
            request=r, score=score, solved=score > 2, acting_user=world.users["resident"]
        )
        if score == 2:
            request_services.request_reopen(
                request=r, reason="又堵了", acting_user=world.users["resident"]
            )
    cycle = _open(world)
    a = _a(world, cycle)
    _score_all(world, "company_staff", a)
    a = _go(world, "company_staff", a, "submit")
    m = a.figures["metrics"]
    assert m["satisfaction_rate"] == "0.5000"
    assert m["complaint_rate"] == "0.5000"
    assert a.figures["counts"]["rated"] == 2
    # 满意率 0.5 is under the 0.8 floor: 0 points; complaints 0.5 over 0.15: 0.
    assert a.figures["points"]["svc_satisfaction"] == "0.0"
    behind = selectors.requests_behind(assessment=a)
    assert len(behind) == 1 and behind[0].reopen_count == 1
    # Company B's figures are its own (no orders): nothing.
    b = Assessment.objects.get(cycle=cycle, company=world.company_b)
    assert selectors.requests_behind(assessment=b) == []


@pytest.mark.parametrize(
    ("value", "floor", "target", "expected"),
    [
        ("0.98", "0.80", "0.98", "5.0"),
        ("0.89", "0.80", "0.98", "2.5"),
        ("0.70", "0.80", "0.98", "0.0"),
        ("1.00", "0.80", "0.98", "5.0"),
        ("0.05", "0.10", "0.00", "2.5"),  # lower is better
        ("0.00", "0.10", "0.00", "5.0"),
        (None, "0.80", "0.98", "0"),
    ],
)
def test_the_formula_is_linear_between_floor_and_target(value, floor, target, expected):
    got = quality.points_for(
        None if value is None else Decimal(value),
        max_points=Decimal(5),
        floor=Decimal(floor),
        target=Decimal(target),
    )
    assert got == Decimal(expected)


@pytest.mark.parametrize(
    ("total", "stars"), [("90", 5), ("89.9", 4), ("80", 4), ("70", 3), ("69.9", 0)]
)
def test_stars_by_thresholds_inclusive(total, stars):
    assert quality.stars_for(Decimal(total), {"5": "90", "4": "80", "3": "70"}) == stars


def test_evidence_files_are_sniffed_and_links_must_be_the_platforms(world):
    cycle = _open(world)
    a = _a(world, cycle)
    user = world.users["company_staff"]
    pdf = SimpleUploadedFile("制度.pdf", b"%PDF-1.4 demo", content_type="application/pdf")
    ev = services.evidence_add(acting_user=user, assessment_id=a.pk, note="培训制度", file=pdf)
    assert ev.content_type == "application/pdf"
    services.evidence_add(acting_user=user, assessment_id=a.pk, note="一张工单", link="/r/12/")
    for kwargs, field in (
        ({"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="image/png")}, "file"),
        ({"link": "https://example.com/x"}, "link"),
        ({}, "file"),
    ):
        with pytest.raises(ApplicationError) as err:
            services.evidence_add(acting_user=user, assessment_id=a.pk, note="说明", **kwargs)
        assert err.value.field == field
    assert a.evidence.count() == 2


def test_period_of_the_figures_is_the_cycles(world):
    cycle = _open(world)
    assert cycle.period_start == dt.date(YEAR, 1, 1) and cycle.period_end == dt.date(YEAR, 12, 31)

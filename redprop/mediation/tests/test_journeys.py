"""The issue's journeys: a dispute from a service request to a signed agreement and its
follow-up; a petition answered within its deadline; one that breaches and escalates."""

import datetime as dt

import pytest
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.calendars.selectors import is_working_day
from redprop.core import clock
from redprop.core.models import AuditLog
from redprop.mediation import policies, services
from redprop.mediation.models import CaseCheckpoint, CaseEvent
from redprop.mediation.tests.helpers import jpeg, petition
from redprop.requests import services as rs
from redprop.requests.models import Category

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
TZ = timezone.get_fixed_timezone(8 * 60)


def test_dispute_from_request_two_sessions_signed_agreement_and_follow_up(world, relay):
    from redprop.notifications.models import InboxItem

    staff = world.users[Role.COMMUNITY_STAFF]
    request = rs.request_file(
        acting_user=world.users[Role.RESIDENT],
        category=Category.objects.get(code="pipe_dredging"),
        description="楼上装修后我家天花板渗水，物业推诿",
        unit=world.unit,
    )
    request = rs.request_dispatch(request=request, org=world.company, acting_user=staff)
    case = services.case_from_request(request=request, dispute_type="seepage", acting_user=staff)
    # Linked both ways.
    assert case.request_id == request.pk
    assert list(request.mediation_cases.all()) == [case]
    assert case.kind == "dispute" and case.source == "service_request"
    sides = {(p.side, p.kind) for p in case.parties.all()}
    assert sides == {("applicant", "resident"), ("respondent", "company")}
    assert case.mediators.get().user == staff
    # A second escalation of the same request is refused.
    with pytest.raises(Exception) as exc:
        services.case_from_request(request=request, acting_user=staff)
    assert getattr(exc.value, "code", "") == "already_escalated"

    services.case_accept(case=case, acting_user=staff)
    now = clock.now() + dt.timedelta(hours=2)
    sim = clock.SimulatedClock(now)
    travel = clock.travel(sim)
    travel.__enter__()
    s1 = services.case_session(
        case=case,
        held_at=now - dt.timedelta(minutes=90),
        place="红色物业议事厅",
        attendance="王建国；径河红色物业项目经理；社区调解员",
        notes="双方陈述，物业同意上门查勘。",
        acting_user=staff,
    )
    s2 = services.case_session(
        case=case,
        held_at=now - dt.timedelta(minutes=5),
        place="红色物业议事厅",
        attendance="王建国；径河红色物业项目经理",
        notes="查勘确认为公共管道渗漏，物业承担维修。",
        acting_user=staff,
    )
    assert case.sessions.count() == 2 and s1.held_at < s2.held_at
    follow = timezone.localdate() + dt.timedelta(days=30)
    case = services.case_agree(
        case=case,
        text="物业公司于 15 日内修复公共管道并赔偿吊顶损失 800 元。",
        follow_up_on=follow,
        acting_user=staff,
    )
    assert case.status == "agreed" and case.follow_up_on == follow
    for party in case.parties.all():
        services.case_sign(case=case, party_id=party.pk, upload=jpeg(), acting_user=staff)
    assert case.signatures.count() == 2
    # The resident rates; a mediator may not.
    services.case_rate(case=case, score=5, acting_user=world.users[Role.RESIDENT])
    with pytest.raises(Exception) as exc:
        services.case_rate(case=case, score=5, acting_user=staff)
    assert getattr(exc.value, "status", 0) in (403, 409)
    sim.advance(dt.timedelta(days=30))
    case = services.case_follow_up(
        case=case, kept=True, note="回访：已修复，已赔偿。", acting_user=staff
    )
    travel.__exit__(None, None, None)
    assert case.status == "closed" and case.agreement_kept is True and case.closed_at
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [
        "registered",
        "accepted",
        "session",
        "session",
        "agreed",
        "signed",
        "signed",
        "rated",
        "followed_up",
    ]
    assert AuditLog.objects.filter(event_type__in=[791, 792, 795]).count() >= 3
    relay()
    assert InboxItem.objects.filter(
        user=world.users[Role.RESIDENT], link=f"/mediation/{case.pk}/"
    ).exists()


def test_petition_answered_within_its_deadline(world):
    t0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday
    sim = clock.SimulatedClock(t0)
    staff = world.users[Role.COMMUNITY_STAFF]
    with clock.travel(sim):
        case = petition(world, received_at=t0)
        # 15 calendar days, the start day not counted: 24:00 of 17 March.
        assert timezone.localtime(case.accept_due_at) == dt.datetime(2026, 3, 18, 0, 0, tzinfo=TZ)
        sim.advance(2 * DAY)
        case = services.case_accept(case=case, acting_user=staff)
        # 60 days from 4 March: 3 May is in the Labour Day holiday → the next working day.
        due = timezone.localtime(case.answer_due_at)
        assert due.date() > dt.date(2026, 5, 3)
        sim.advance(20 * DAY)
        assert services.deadline_sweep() == 0
        case = services.case_answer(
            case=case, text="经核查，调价已于 2 月公示，现补充公示明细。", acting_user=staff
        )
    assert case.status == "answered"
    answered = case.events.get(kind="answered")
    assert answered.data["on_time"] is True
    assert not case.breached and case.next_check_at is None
    assert not CaseCheckpoint.objects.filter(case=case).exists()


def test_petition_breaches_and_escalates_to_street_then_bureau(world, relay):
    from redprop.notifications.models import InboxItem

    t0 = dt.datetime(2026, 9, 1, 9, 0, tzinfo=TZ)
    sim = clock.SimulatedClock(t0)
    staff = world.users[Role.COMMUNITY_STAFF]
    with clock.travel(sim):
        case = petition(world, received_at=t0)
        services.case_accept(case=case, acting_user=staff)
        case.refresh_from_db()
        due = case.answer_due_at
        # Warning 3 days before.
        assert services.deadline_sweep(now=due - 2 * DAY) == 1
        assert set(CaseCheckpoint.objects.filter(case=case).values_list("key", flat=True)) == {
            "warn:answer"
        }
        # At the due instant itself nothing is breached.
        assert services.deadline_sweep(now=due) == 0
        services.deadline_sweep(now=due + dt.timedelta(hours=1))
        case.refresh_from_db()
        assert case.breached and case.escalation_level == 1
        services.deadline_sweep(now=due + 6 * DAY)
        case.refresh_from_db()
        assert case.escalation_level == 2
        # Idempotent: again fires nothing.
        n = CaseEvent.objects.filter(case=case).count()
        services.deadline_sweep(now=due + 7 * DAY)
        assert CaseEvent.objects.filter(case=case).count() == n
        assert case.next_check_at is None
    keys = set(CaseCheckpoint.objects.filter(case=case).values_list("key", flat=True))
    assert keys == {"warn:answer", "breach:answer", "escalate:answer:1", "escalate:answer:2"}
    relay()
    street = world.users[Role.STREET_OFFICER]
    bureau = world.users[Role.HOUSING_BUREAU]
    assert InboxItem.objects.filter(user=street, link=f"/mediation/{case.pk}/").exists()
    assert InboxItem.objects.filter(user=bureau, link=f"/mediation/{case.pk}/").exists()


def test_extension_once_up_to_30_days_with_reason(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    case = petition(world)
    services.case_accept(case=case, acting_user=staff)
    case.refresh_from_db()
    before = case.answer_due_at
    with pytest.raises(Exception) as exc:
        services.case_extend(case=case, days=31, reason="情况复杂", acting_user=staff)
    assert exc.value.code == "extension_invalid"
    case.refresh_from_db()
    assert case.extended_days == 0
    services.case_extend(case=case, days=30, reason="涉及多个部门，需联合调查", acting_user=staff)
    case.refresh_from_db()
    assert case.extended_days == 30 and case.extension_reason
    # 60 + 30 calendar days after acceptance, the last day moved past any days off
    # (the 60-day deadline may itself have been moved, so the gap to it can be < 30).
    nominal = timezone.localtime(case.accepted_at).date() + dt.timedelta(days=90)
    after_day = timezone.localtime(case.answer_due_at - dt.timedelta(microseconds=1)).date()
    assert after_day >= nominal and case.answer_due_at > before
    skipped = [nominal + dt.timedelta(days=i) for i in range((after_day - nominal).days)]
    assert not any(is_working_day(d) for d in skipped)
    assert is_working_day(after_day)
    with pytest.raises(Exception) as exc:
        services.case_extend(case=case, days=5, reason="再延", acting_user=staff)
    assert exc.value.code in ("extension_used", "invalid_transition")
    # The mediator who is not a supervisor may not extend (the 负责人 approves).
    assert AuditLog.objects.filter(event_type=794).count() == 1


def test_deadline_calendar_vs_working_days():
    start = dt.datetime(2026, 9, 28, 10, 0, tzinfo=TZ)  # before the National Day week
    cal = policies.deadline(start, 3, "calendar")
    # 1 October is a statutory day off: the last day moves past the holiday.
    assert timezone.localtime(cal).date() > dt.date(2026, 10, 1)
    work = policies.deadline(start, 3, "working")
    assert timezone.localtime(work) >= timezone.localtime(cal)

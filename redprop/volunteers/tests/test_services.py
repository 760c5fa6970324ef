"""志愿服务 services: the workflow on the action table, sign-up under capacity, QR
check-in and check-out, hours credited once and approved by the organiser."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import signing
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent, AuditLog
from redprop.people.services import person_create
from redprop.volunteers import selectors
from redprop.volunteers import services as vs
from redprop.volunteers.choices import ActivityStatus, HoursStatus, TeamKind
from redprop.volunteers.models import Activity, ActivityEvent, HoursRecord, Signup
from redprop.volunteers.tests.helpers import published, volunteer_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def vw(world):
    return volunteer_world(world)


def _counts():
    return (
        Signup.objects.count(),
        HoursRecord.objects.count(),
        ActivityEvent.objects.count(),
        AuditLog.objects.count(),
    )


def _raises(code: str, fn, *, status: int | None = None, field: str | None = None):
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        fn()
    assert exc.value.code == code, exc.value.as_dict()
    if status is not None:
        assert exc.value.status == status
    if field is not None:
        assert exc.value.field == field
    assert _counts() == before, "nothing is written"
    return exc.value


def test_announcement_to_approved_hours(world, vw):
    """The whole journey: sign-up, check-in, check-out, pending hours, approval; the
    approved hours reach hours_by_person and the record."""
    resident, staff, a = world.users[Role.RESIDENT], vw["staff"], vw["activity"]
    s = vs.signup_create(activity_id=a.pk, acting_user=resident)
    a.refresh_from_db()
    assert a.signed_up == 1
    vs.checkin(activity_id=a.pk, acting_user=resident)
    # Pretend the volunteer served 95 minutes (check-in moved back).
    Signup.objects.filter(pk=s.pk).update(checked_in_at=timezone.now() - dt.timedelta(minutes=95))
    rec = vs.checkout(activity_id=a.pk, acting_user=resident)
    # From the start (5 minutes ago, not the earlier check-in) to now: under a quarter.
    assert rec.status == HoursStatus.PENDING
    assert rec.hours == Decimal("0.00")
    assert (
        selectors.hours_by_person(world.resident.pk, dt.date(2000, 1, 1), dt.date(2100, 1, 1)) == 0
    )
    r = vs.hours_decide(record_id=rec.pk, action="approve", acting_user=staff)
    assert r.status == HoursStatus.APPROVED
    assert AuditLog.objects.filter(event_type=AuditEvent.VOLUNTEER_HOURS_APPROVED).count() == 1
    kinds = list(ActivityEvent.objects.filter(activity=a).values_list("kind", flat=True))
    assert kinds == ["created", "publish", "signup", "checkin", "checkout", "credit", "approve"]


def test_hours_counted_from_start_in_quarters(world, vw):
    a = vw["activity"]
    start = a.starts_at
    assert vs.hours_between(
        a, start - dt.timedelta(minutes=20), start + dt.timedelta(minutes=74)
    ) == Decimal("1.00")
    assert vs.hours_between(
        a, start + dt.timedelta(minutes=10), start + dt.timedelta(minutes=100)
    ) == Decimal("1.50")
    assert vs.hours_between(a, start, start - dt.timedelta(minutes=5)) == Decimal("0.00")


def test_hours_by_person_counts_only_approved_in_range(world, vw):
    staff = vw["staff"]
    a = vw["activity"]
    vs.signup_create(activity_id=a.pk, acting_user=world.users[Role.RESIDENT])
    vs.checkin(activity_id=a.pk, acting_user=world.users[Role.RESIDENT])
    s = Signup.objects.get(activity=a)
    rec = vs.hours_credit(signup_id=s.pk, hours="2.5", acting_user=staff)
    today = timezone.localdate()
    assert selectors.hours_by_person(world.resident.pk, today, today) == Decimal("0.00")
    vs.hours_decide(record_id=rec.pk, action="approve", acting_user=staff)
    assert selectors.hours_by_person(world.resident.pk, today, today) == Decimal("2.50")
    assert selectors.hours_by_person(
        world.resident.pk, today + dt.timedelta(days=1), today + dt.timedelta(days=9)
    ) == Decimal("0.00")


def test_approved_hours_reach_the_party_members_record_of_service(world, vw):
    """The party app's 三岗联创 record asks its sources; this app registered one."""
    from redprop.party import records

    staff, a = vw["staff"], vw["activity"]
    vs.signup_create(activity_id=a.pk, acting_user=world.users[Role.RESIDENT])
    vs.checkin(activity_id=a.pk, acting_user=world.users[Role.RESIDENT])
    rec = vs.hours_credit(
        signup_id=Signup.objects.get(activity=a).pk, hours="3.25", acting_user=staff
    )

    def volunteers_line(**bounds):
        lines = records.service_record(person_id=world.resident.pk, **bounds)
        return {ln.name: ln.value for ln in lines}["volunteers"]

    assert volunteers_line() == Decimal("0.00")  # pending hours are not counted
    vs.hours_decide(record_id=rec.pk, action="approve", acting_user=staff)
    today = timezone.localdate()
    assert volunteers_line() == Decimal("3.25")
    assert volunteers_line(since=today, until=today) == Decimal("3.25")
    assert volunteers_line(since=today + dt.timedelta(days=1)) == Decimal("0.00")


def test_hours_credited_twice_for_one_checkin_is_refused(world, vw):
    resident, staff, a = world.users[Role.RESIDENT], vw["staff"], vw["activity"]
    s = vs.signup_create(activity_id=a.pk, acting_user=resident)
    vs.checkin(activity_id=a.pk, acting_user=resident)
    vs.checkout(activity_id=a.pk, acting_user=resident)
    _raises(
        "volunteer_hours_already_credited",
        lambda: vs.hours_credit(signup_id=s.pk, acting_user=staff),
        status=409,
        field="signup",
    )
    _raises(
        "volunteer_already_checked_out",
        lambda: vs.checkout(activity_id=a.pk, acting_user=resident),
        status=409,
    )
    assert HoursRecord.objects.filter(signup=s).count() == 1


def test_checkin_before_the_early_window_is_refused(world):
    vw = volunteer_world(world, starts_in=dt.timedelta(hours=3))
    resident, a = world.users[Role.RESIDENT], vw["activity"]
    vs.signup_create(activity_id=a.pk, acting_user=resident)
    err = _raises(
        "volunteer_activity_not_started",
        lambda: vs.checkin(activity_id=a.pk, acting_user=resident),
        status=409,
        field="starts_at",
    )
    assert "签到" in err.message


def test_checkin_inside_the_early_window_is_allowed(world):
    vw = volunteer_world(world, starts_in=dt.timedelta(minutes=20))
    resident, a = world.users[Role.RESIDENT], vw["activity"]
    vs.signup_create(activity_id=a.pk, acting_user=resident)
    s = vs.checkin(activity_id=a.pk, acting_user=resident)
    assert s.checked_in_at is not None


def test_checkout_before_checkin_is_refused(world, vw):
    resident, a = world.users[Role.RESIDENT], vw["activity"]
    vs.signup_create(activity_id=a.pk, acting_user=resident)
    _raises(
        "volunteer_not_checked_in",
        lambda: vs.checkout(activity_id=a.pk, acting_user=resident),
        status=409,
        field="checked_in_at",
    )


def test_signup_past_capacity_is_refused(world, vw):
    staff = vw["staff"]
    a = published(world, vw["team"], capacity=1, title="探访独居老人")
    vs.signup_create(activity_id=a.pk, acting_user=world.users[Role.RESIDENT])
    other = person_create(name="赵志愿", acting_user=None, place=world.unit)
    vs.volunteer_register(person_id=other.pk, community_id=world.community.pk, acting_user=staff)
    from redprop.accounts.services import role_grant, user_create

    u = user_create(username="t_vol2", password="pw-for-tests-123", person=other, acting_user=None)
    role_grant(user=u, role=Role.RESIDENT, person=other, acting_user=None)
    u.forget_roles()
    _raises(
        "volunteer_activity_full",
        lambda: vs.signup_create(activity_id=a.pk, acting_user=u),
        status=409,
        field="capacity",
    )
    a.refresh_from_db()
    assert a.signed_up == 1


def test_withdraw_frees_the_place_and_resign_reuses_the_row(world, vw):
    resident, a = world.users[Role.RESIDENT], vw["activity"]
    vs.signup_create(activity_id=a.pk, acting_user=resident)
    vs.signup_withdraw(activity_id=a.pk, acting_user=resident)
    a.refresh_from_db()
    assert a.signed_up == 0
    vs.signup_create(activity_id=a.pk, acting_user=resident)
    a.refresh_from_db()
    assert a.signed_up == 1
    assert Signup.objects.filter(activity=a).count() == 1
    _raises(
        "volunteer_already_signed_up",
        lambda: vs.signup_create(activity_id=a.pk, acting_user=resident),
        status=409,
    )


def test_non_volunteer_cannot_sign_up(world, vw):
    """Community staff see the activity but are not volunteers: 403."""
    _raises(
        "volunteer_not_registered",
        lambda: vs.signup_create(activity_id=vw["activity"].pk, acting_user=vw["staff"]),
        status=403,
    )


def test_qr_tokens_both_ways(world, vw):
    """The volunteer scans the activity's code; the organiser scans the volunteer's."""
    resident, staff, a = world.users[Role.RESIDENT], vw["staff"], vw["activity"]
    s = vs.signup_create(activity_id=a.pk, acting_user=resident)
    act, none = vs.token_read(vs.activity_token(a))
    assert act.pk == a.pk and none is None
    act, signup = vs.token_read(vs.signup_token(s))
    assert signup.pk == s.pk
    vs.checkin(activity_id=a.pk, signup=signup, acting_user=staff)
    assert AuditLog.objects.filter(event_type=AuditEvent.VOLUNTEER_ATTENDANCE_BY_ORGANISER).exists()
    # The volunteer may not use someone's sign-up code.
    from redprop.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        vs.checkout(activity_id=a.pk, signup=signup, acting_user=resident)


def test_forged_and_expired_tokens(world, vw, settings):
    a = vw["activity"]
    _raises("volunteer_token_invalid", lambda: vs.token_read("a.1.x:abc:def"), status=400)
    token = vs.activity_token(a)
    Activity.objects.filter(pk=a.pk).update(checkin_nonce="renewed")
    _raises("volunteer_token_invalid", lambda: vs.token_read(token))
    a.refresh_from_db()
    old = signing.TimestampSigner(salt=vs.QR_SALT)
    stamp = old.sign(f"a.{a.pk}.{a.checkin_nonce}")
    settings.REDPROP_VOLUNTEER_QR_SECONDS = -1
    _raises("volunteer_token_expired", lambda: vs.token_read(stamp))


def test_volunteer_never_approves_own_hours(world, vw):
    """A community worker who volunteered cannot approve their own hours (403)."""
    from redprop.accounts.services import role_grant
    from redprop.core.errors import PermissionDenied

    resident, a = world.users[Role.RESIDENT], vw["activity"]
    role_grant(user=resident, role=Role.COMMUNITY_STAFF, region=world.community, acting_user=None)
    resident.forget_roles()
    vs.signup_create(activity_id=a.pk, acting_user=resident)
    vs.checkin(activity_id=a.pk, acting_user=resident)
    rec = vs.checkout(activity_id=a.pk, acting_user=resident)
    with pytest.raises(PermissionDenied):
        vs.hours_decide(record_id=rec.pk, action="approve", acting_user=resident)
    rec.refresh_from_db()
    assert rec.status == HoursStatus.PENDING


def test_activity_workflow_on_the_table(world, vw):
    staff, a = vw["staff"], vw["activity"]
    _raises(
        "volunteer_invalid_transition",
        lambda: vs.activity_transition(activity_id=a.pk, action="publish", acting_user=staff),
        status=409,
    )
    _raises(
        "volunteer_reason_required",
        lambda: vs.activity_transition(activity_id=a.pk, action="cancel", acting_user=staff),
        field="reason",
    )
    vs.activity_transition(activity_id=a.pk, action="start", acting_user=staff)
    vs.activity_transition(activity_id=a.pk, action="finish", acting_user=staff)
    a.refresh_from_db()
    assert a.status == ActivityStatus.FINISHED
    assert (
        AuditLog.objects.filter(event_type=AuditEvent.VOLUNTEER_ACTIVITY_STATUS_CHANGED).count()
        == 3
    )
    # Finished: no more sign-ups.
    _raises(
        "volunteer_signup_closed",
        lambda: vs.signup_create(activity_id=a.pk, acting_user=world.users[Role.RESIDENT]),
        status=409,
    )


def test_sibling_staff_cannot_touch_the_activity(world, vw):
    from redprop.conftest import build_siblings
    from redprop.core.errors import NotFound

    build_siblings(world)
    with pytest.raises(NotFound):
        vs.activity_transition(
            activity_id=vw["activity"].pk,
            action="start",
            acting_user=world.siblings[Role.COMMUNITY_STAFF],
        )


def test_bulk_approval_is_all_or_nothing(world, vw):
    resident, staff, a = world.users[Role.RESIDENT], vw["staff"], vw["activity"]
    vs.signup_create(activity_id=a.pk, acting_user=resident)
    vs.checkin(activity_id=a.pk, acting_user=resident)
    rec = vs.checkout(activity_id=a.pk, acting_user=resident)
    assert vs.hours_approve_bulk(record_ids=[rec.pk], acting_user=staff) == 1
    rec.refresh_from_db()
    assert rec.status == HoursStatus.APPROVED
    _raises(
        "volunteer_hours_invalid_transition",
        lambda: vs.hours_approve_bulk(record_ids=[rec.pk], acting_user=staff),
        status=409,
    )


def test_counts_by_community(world, vw):
    staff = vw["staff"]
    vs.team_create(
        community_id=world.community.pk,
        name="党员先锋队",
        kind=TeamKind.VANGUARD,
        acting_user=staff,
    )
    rows = selectors.counts_by_community(user=world.users[Role.STREET_OFFICER])
    assert [(r.community, r.volunteers, r.by_team["alliance"]) for r in rows] == [
        ("红星社区", 1, 1)
    ]
    assert selectors.counts_by_community(user=world.users[Role.RESIDENT]) == []


@pytest.mark.parametrize(
    ("field", "kwargs", "code"),
    [
        ("capacity", {"capacity": 0}, "volunteer_bad_capacity"),
        ("capacity", {"capacity": 501}, "volunteer_bad_capacity"),
        ("ends_at", {"ends_in": dt.timedelta(hours=-1)}, "volunteer_bad_times"),
        ("title", {"title": "长" * 65}, "validation_error"),
        ("skills", {"skills": ["nope"]}, "volunteer_unknown_skill"),
    ],
)
def test_activity_create_bad_input(world, vw, field, kwargs, code):
    start = timezone.now() + dt.timedelta(days=1)
    args = {
        "team_id": vw["team"].pk,
        "title": kwargs.get("title", "清扫"),
        "place": "广场",
        "starts_at": start,
        "ends_at": start + kwargs.get("ends_in", dt.timedelta(hours=2)),
        "capacity": kwargs.get("capacity", 5),
        "skills": kwargs.get("skills", []),
        "acting_user": vw["staff"],
    }
    before = Activity.objects.count()
    with pytest.raises(ApplicationError) as exc:
        vs.activity_create(**args)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert Activity.objects.count() == before

"""Roster writes: what the services refuse (with a Chinese message and a field),
who may write, and the audit row each write leaves."""

from __future__ import annotations

import datetime as dt

import pytest

from redprop.accounts.choices import Role
from redprop.core.errors import ApplicationError, PermissionDenied
from redprop.core.models import AuditEvent, AuditLog
from redprop.duty import selectors, services
from redprop.duty.choices import DayRule, ShiftKind
from redprop.duty.errors import DutyError
from redprop.duty.models import Shift
from redprop.duty.tests.helpers import MONDAY, shift, worker

pytestmark = pytest.mark.django_db


def refused(code: str, field: str | None = None):
    class Ctx:
        def __enter__(self):
            self.cm = pytest.raises(ApplicationError)
            self.info = self.cm.__enter__()
            return self.info

        def __exit__(self, *exc):
            self.cm.__exit__(*exc)
            assert self.info.value.code == code, self.info.value.as_dict()
            if field is not None:
                assert self.info.value.field == field
            assert Shift.objects.count() == before
            return True

    before = Shift.objects.count()
    return Ctx()


def test_a_shift_is_created_placed_and_audited(world):
    lee = worker(world, "lee", grid=world.grid)
    staff = world.users[Role.COMPANY_STAFF]
    s = shift(world, lee, world.grid, "08:00", "20:00", acting_user=staff)
    assert (s.grid_id, s.community_id, s.street_id) == (
        world.grid.pk,
        world.community.pk,
        world.street.pk,
    )
    log = AuditLog.objects.get(event_type=AuditEvent.SHIFT_CREATED)
    assert log.actor == staff and log.target_id == str(s.pk)
    assert log.after["starts_at"] == "08:00:00"


def test_a_street_on_call_shift_has_no_community_or_grid(world):
    lee = worker(world, "lee")
    s = shift(world, lee, world.street, "20:00", "08:00", kind=ShiftKind.ON_CALL)
    assert (s.grid_id, s.community_id, s.street_id) == (None, None, world.street.pk)
    assert s.place_level == "street" and s.crosses_midnight and "次日" in s.span_label


def test_end_equal_to_start_is_refused(world):
    lee = worker(world, "lee")
    with refused(DutyError.SAME_START_END, "ends_at") as info:
        shift(world, lee, world.grid, "08:00", "08:00")
    assert "下班时间不能与上班时间相同" in info.value.message


def test_a_person_not_on_the_company_staff_is_refused(world):
    outsider = worker(world, "outsider", org=world.company_b)
    with refused(DutyError.NOT_STAFF, "user") as info:
        shift(world, outsider, world.grid, "08:00", "20:00")
    assert "不是" in info.value.message and "在职人员" in info.value.message
    # A role anchored to the grid does not make anyone the company's staff.
    with refused(DutyError.NOT_STAFF, "user"):
        shift(world, world.users[Role.MAINTENANCE_WORKER], world.grid, "08:00", "20:00")


def test_a_membership_that_ended_no_longer_counts(world):
    from redprop.orgs.models import OrgMembership

    lee = worker(world, "lee")
    OrgMembership.objects.filter(person=lee.person).update(ended_on=dt.date(2020, 1, 1))
    with refused(DutyError.NOT_STAFF):
        shift(world, lee, world.grid, "08:00", "20:00")


def test_company_staff_role_counts_as_staff(world):
    staff = world.users[Role.COMPANY_STAFF]
    assert selectors.is_staff_of(staff, world.company)
    assert not selectors.is_staff_of(staff, world.company_b)


def test_overlapping_shifts_of_one_worker_are_refused(world):
    lee = worker(world, "lee")
    shift(world, lee, world.grid, "08:00", "20:00")
    with refused(DutyError.OVERLAP, "starts_at") as info:
        shift(world, lee, world.community, "19:00", "07:00", kind=ShiftKind.ON_CALL)
    assert "重叠" in info.value.message and "2026-01-05" in info.value.message
    # Back to back is fine; so is the same hours on other days.
    shift(world, lee, world.community, "20:00", "08:00", kind=ShiftKind.ON_CALL)
    bob = worker(world, "bob")
    shift(world, bob, world.grid, "08:00", "20:00", weekdays=0b0011111)
    shift(world, bob, world.grid_2, "08:00", "20:00", weekdays=0b1100000)
    # …and two people may share a grid and hours.
    shift(world, worker(world, "amy"), world.grid, "08:00", "20:00")


def test_shifts_in_different_periods_do_not_overlap(world):
    lee = worker(world, "lee")
    shift(world, lee, world.grid, "08:00", "20:00", effective_to=dt.date(2026, 1, 31))
    shift(world, lee, world.grid_2, "08:00", "20:00", effective_from=dt.date(2026, 2, 1))
    with refused(DutyError.OVERLAP):
        shift(world, lee, world.grid_2, "07:00", "09:00", effective_from=dt.date(2026, 1, 31))


@pytest.mark.parametrize(
    ("kind", "place", "code"),
    [
        (ShiftKind.REGULAR, "street", DutyError.PLACE_LEVEL),
        (ShiftKind.ON_CALL, "grid", DutyError.PLACE_LEVEL),
        (ShiftKind.REGULAR, "grid_b", DutyError.PLACE_NOT_SERVED),
        (ShiftKind.ON_CALL, "street_b", DutyError.PLACE_NOT_SERVED),
        (ShiftKind.REGULAR, "city", DutyError.PLACE_LEVEL),
    ],
)
def test_the_place_must_fit_the_kind_and_be_served(world, kind, place, code):
    lee = worker(world, "lee")
    with refused(code, "place") as info:
        shift(world, lee, getattr(world, place), "08:00", "20:00", kind=kind)
    assert info.value.message


def test_only_property_companies_keep_a_maintenance_roster(world):
    lee = worker(world, "lee", org=world.water)
    with refused(DutyError.NOT_A_COMPANY, "org"):
        shift(world, lee, world.grid, "08:00", "20:00", org=world.water)


@pytest.mark.parametrize(
    ("kw", "code", "field"),
    [
        ({"weekdays": 0}, DutyError.NO_WEEKDAY, "weekdays"),
        ({"every_weeks": 9}, DutyError.EVERY_WEEKS, "every_weeks"),
        ({"effective_to": MONDAY - dt.timedelta(days=1)}, DutyError.DATES, "effective_to"),
    ],
)
def test_pattern_errors(world, kw, code, field):
    lee = worker(world, "lee")
    with refused(code, field):
        shift(world, lee, world.grid, "08:00", "20:00", **kw)


@pytest.mark.parametrize(
    "role", [Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.MAINTENANCE_WORKER]
)
def test_only_the_company_desk_or_a_sysadmin_may_roster(world, role):
    lee = worker(world, "lee")
    with pytest.raises(PermissionDenied):
        shift(world, lee, world.grid, "08:00", "20:00", acting_user=world.users[role])
    assert not Shift.objects.exists()
    shift(world, lee, world.grid, "08:00", "20:00", acting_user=world.users[Role.SYSADMIN])


def test_another_companys_desk_may_not_roster(world):
    from redprop.accounts.services import role_grant, user_create

    other = user_create(username="b_desk", password=None, acting_user=None)
    role_grant(user=other, role=Role.COMPANY_STAFF, org=world.company_b, acting_user=None)
    lee = worker(world, "lee")
    with pytest.raises(PermissionDenied):
        shift(world, lee, world.grid, "08:00", "20:00", acting_user=other)


def test_update_end_and_delete_are_checked_and_audited(world):
    staff = world.users[Role.COMPANY_STAFF]
    lee = worker(world, "lee")
    s = shift(world, lee, world.grid, "08:00", "20:00", acting_user=staff)
    s = services.shift_update(
        shift=s, place=world.community, ends_at=dt.time(18), day_rule=DayRule.WORKING,
        acting_user=staff,
    )  # fmt: skip
    assert (s.grid_id, s.community_id, s.ends_at) == (None, world.community.pk, dt.time(18))
    with pytest.raises(ApplicationError) as info:
        services.shift_update(shift=s, ends_at=dt.time(8), acting_user=staff)
    assert info.value.code == DutyError.SAME_START_END
    with pytest.raises(ApplicationError):
        services.shift_update(shift=s, user=world.users[Role.SYSADMIN], acting_user=staff)
    with pytest.raises(PermissionDenied):
        services.shift_update(
            shift=s, ends_at=dt.time(19), acting_user=world.users[Role.COMMUNITY_STAFF]
        )
    s.refresh_from_db()
    assert s.ends_at == dt.time(18)
    with pytest.raises(ApplicationError):
        services.shift_end(shift=s, last_day=MONDAY - dt.timedelta(days=1), acting_user=staff)
    s = services.shift_end(shift=s, last_day=dt.date(2026, 3, 31), acting_user=staff)
    assert s.effective_to == dt.date(2026, 3, 31)
    services.shift_delete(shift=s, acting_user=staff)
    assert not Shift.objects.exists()
    events = list(
        AuditLog.objects.filter(target_type="duty.shift")
        .order_by("id")
        .values_list("event_type", flat=True)
    )
    assert events == [
        AuditEvent.SHIFT_CREATED,
        AuditEvent.SHIFT_CHANGED,
        AuditEvent.SHIFT_ENDED,
        AuditEvent.SHIFT_DELETED,
    ]


def test_an_update_does_not_overlap_with_itself(world):
    """Moving a shift inside its own hours is no overlap: the shift is not compared with
    its old self, so the update is saved and audited instead of refused."""
    lee = worker(world, "lee")
    s = shift(world, lee, world.grid, "08:00", "20:00")
    services.shift_update(shift=s, starts_at=dt.time(7), acting_user=None)
    s.refresh_from_db()
    assert (s.starts_at, s.ends_at) == (dt.time(7), dt.time(20))
    assert Shift.objects.filter(user=lee).count() == 1
    assert AuditLog.objects.filter(
        event_type=AuditEvent.SHIFT_CHANGED, target_id=str(s.pk)
    ).exists()


def test_scoped_lists_and_the_day_roster(world):
    lee, bob = worker(world, "lee"), worker(world, "bob")
    shift(world, lee, world.grid, "08:00", "20:00")
    shift(world, bob, world.street, "20:00", "08:00", kind=ShiftKind.ON_CALL)
    community = world.users[Role.COMMUNITY_STAFF].scope_set()
    company = world.users[Role.COMPANY_STAFF].scope_set()
    other = world.users["street_b"].scope_set()
    assert selectors.shift_list(scope=community).count() == 1  # the street shift is above it
    assert selectors.shift_list(scope=company).count() == 2
    assert selectors.shift_list(scope=other).count() == 0
    day = selectors.roster_day(scope=company, org_id=world.company.pk, day=dt.date(2026, 1, 6))
    # Monday's night shift runs into Tuesday, then Tuesday's day and night shifts.
    assert [(e.shift.user.username, e.from_yesterday, e.into_tomorrow) for e in day] == [
        ("bob", True, False),
        ("lee", False, False),
        ("bob", False, True),
    ]
    first = selectors.roster_day(scope=company, org_id=world.company.pk, day=MONDAY)
    assert [e.shift.user.username for e in first] == ["lee", "bob"]


def test_no_person_is_an_error_not_a_crash(world):
    with refused(DutyError.NOT_STAFF, "user"):
        shift(world, None, world.grid, "08:00", "20:00")

"""The office rota (轮值坐班) and the shift hand-over (交接班), through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from dateutil import rrule

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.accounts.services import role_grant, user_create
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditLog
from redprop.duty import rota as rota_math
from redprop.duty import selectors, services
from redprop.duty.choices import Duty, HandOverStatus, RotaMode
from redprop.duty.models import HandOver, HandOverEvent, Rota, Shift
from redprop.duty.recurrence import SHANGHAI
from redprop.duty.tests.helpers import MONDAY, shift, worker
from redprop.orgs.choices import OrgKind
from redprop.orgs.models import Org

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendars_data")]

NINE, FIVE = dt.time(9), dt.time(17)


def cadre(world: Any, name: str, community: Any = None) -> User:
    user = user_create(username=name, password=None, display_name=name, acting_user=None)
    role_grant(
        user=user, role=Role.COMMUNITY_STAFF, region=community or world.community, acting_user=None
    )
    return User.objects.get(pk=user.pk)


def committee(world: Any) -> Org:
    return Org.objects.get(kind=OrgKind.RESIDENTS_COMMITTEE, community=world.community)


def office_rota(world: Any, members: list[User], **kw: Any) -> Rota:
    return services.rota_create(
        org=kw.pop("org", None) or committee(world),
        community=kw.pop("community", world.community),
        office="红星社区物业服务站",
        members=members,
        starts_at=NINE,
        ends_at=FIVE,
        effective_from=kw.pop("effective_from", MONDAY),
        acting_user=kw.pop("acting_user", world.users[Role.COMMUNITY_STAFF]),
        **kw,
    )


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("mode", "weekdays", "n"),
    [
        (RotaMode.DAILY, 0b0011111, 3),
        (RotaMode.DAILY, 0b0011111, 2),
        (RotaMode.DAILY, 0b1111111, 4),
        (RotaMode.WEEKLY, 0b0011111, 3),
        (RotaMode.DAILY, 0b0010101, 8),
    ],
)
def test_rota_matches_an_rrule_expansion(world: Any, mode: str, weekdays: int, n: int) -> None:
    """Each day of 20 weeks goes to the member an RFC 5545 expansion (rrule, weekly by
    the ticked days from the Monday of the start week) counts to, slot by slot; the
    generated shifts put exactly that member in the office that day."""
    members = [world.users[Role.COMMUNITY_STAFF]] + [
        cadre(world, f"cadre{i}") for i in range(n - 1)
    ]
    start = MONDAY + dt.timedelta(days=2)  # a Wednesday: week 0 is partial
    office_rota(world, members, mode=mode, weekdays=weekdays, effective_from=start, day_rule="all")
    monday = start - dt.timedelta(days=start.weekday())
    last = monday + dt.timedelta(weeks=20)
    days = [
        d.date()
        for d in rrule.rrule(
            rrule.WEEKLY,
            dtstart=dt.datetime.combine(monday, dt.time()),
            until=dt.datetime.combine(last, dt.time()),
            byweekday=[d for d in range(7) if weekdays & (1 << d)],
            wkst=rrule.MO,
        )
    ]
    expected: dict[dt.date, int] = {}
    for slot, day in enumerate(days):
        week = (day - monday).days // 7
        member = week % n if mode == RotaMode.WEEKLY else slot % n
        if day >= start:
            expected[day] = members[member].pk
    seen: dict[dt.date, int] = {}
    for m in members:
        for e in selectors.my_shifts(m, start, last):
            assert e.day not in seen, f"two members on {e.day}"
            seen[e.day] = m.pk
    assert seen == expected
    for day in (start, start + dt.timedelta(days=9), last - dt.timedelta(days=3)):
        if day in expected:
            assert [e.shift.user_id for e in selectors.on_duty(world.community, at(day, 10))] == [
                expected[day]
            ]
            assert rota_math.member_on(
                mode=mode, members=n, weekdays=weekdays, effective_from=start, day=day
            ) == members.index(User.objects.get(pk=expected[day]))


def test_office_today_and_compound_place(world: Any) -> None:
    a, b = world.users[Role.COMMUNITY_STAFF], cadre(world, "李红梅")
    office_rota(world, [a, b], weekdays=0b1111111, day_rule="all")
    today = selectors.office_today(world.compound)
    assert len(today) == 1
    assert today[0].shift.duty == Duty.OFFICE
    assert selectors.office_today(world.community_b) == []


def test_rota_refused_writes_nothing(world: Any) -> None:
    """A stranger, a tenth member, a non-staff member, a street office: 4xx, no rows."""
    a = world.users[Role.COMMUNITY_STAFF]
    with pytest.raises(ApplicationError) as exc:
        office_rota(world, [a], acting_user=world.users[Role.COMPANY_STAFF])
    assert exc.value.status == 403
    with pytest.raises(ApplicationError) as exc:
        office_rota(world, [a] * 2)
    assert exc.value.field == "members"
    outsider = cadre(world, "外社区", world.community_b)
    with pytest.raises(ApplicationError) as exc:
        office_rota(world, [a, outsider])
    assert (exc.value.field, exc.value.status) == ("members", 400)
    with pytest.raises(ApplicationError) as exc:
        office_rota(world, [a], community=world.street)
    assert exc.value.field == "community"
    assert not Rota.objects.exists()
    assert not Shift.objects.filter(duty=Duty.OFFICE).exists()


def test_rota_member_overlap_is_refused(world: Any) -> None:
    a, b = world.users[Role.COMMUNITY_STAFF], cadre(world, "张卫国")
    office_rota(world, [a, b])
    with pytest.raises(ApplicationError) as exc:
        office_rota(world, [b], weekdays=0b0000001)
    assert exc.value.code == "duty_overlap"
    assert Rota.objects.count() == 1


def test_rota_end_removes_the_future(world: Any) -> None:
    a, b = world.users[Role.COMMUNITY_STAFF], cadre(world, "赵敏")
    from django.utils import timezone

    today = timezone.localdate()
    rota = office_rota(world, [a, b], mode=RotaMode.WEEKLY, effective_from=today)
    services.rota_end(rota=rota, last_day=today, acting_user=a)
    assert all(s.effective_to == today for s in rota.shifts.all())
    assert selectors.my_shifts(b, today + dt.timedelta(days=1), today + dt.timedelta(days=30)) == []
    assert AuditLog.objects.filter(event_type=852, target_id=str(rota.pk)).exists()


def test_handover_lists_open_orders_and_is_acknowledged_once(world: Any) -> None:
    """The grid's worker hands over Monday's shift with the order assigned to them; the
    next worker on duty is named and acknowledges; twice is a 409 writing nothing."""
    from redprop.requests.tests.helpers import file_request

    a = world.users[Role.MAINTENANCE_WORKER]
    from redprop.orgs.services import org_add_member
    from redprop.people.services import person_create

    # The grid's worker is on the company's staff through a membership of their person.
    a.person = person_create(name="维修乙", acting_user=None)
    a.save()
    org_add_member(org=world.company, person=a.person, position="维修人员", acting_user=None)
    b = worker(world, "w_next", grid=world.grid_2)
    today = dt.datetime.now(tz=SHANGHAI).date()
    shift(world, a, world.grid, "08:00", "12:00", effective_from=today - dt.timedelta(days=1))
    shift(world, b, world.grid_2, "13:00", "17:00", effective_from=today - dt.timedelta(days=1))
    filed = file_request(world)
    from redprop.requests.models import ServiceRequest

    ServiceRequest.objects.filter(pk=filed["id"]).update(assignee=a, handling_org=world.company)
    now = at(today, 12, 30)
    h = services.handover_write(acting_user=a, note="3号楼水管已关阀，明早复查", now=now)
    assert (h.to_user_id, h.status, h.day) == (b.pk, HandOverStatus.PENDING, today)
    assert [(i.request_id, i.mine) for i in h.items.all()] == [(filed["id"], True)]
    with pytest.raises(ApplicationError) as exc:
        services.handover_write(acting_user=a, note="再交一次", now=now)
    assert (exc.value.status, exc.value.code) == (409, "duty_handover_twice")
    assert HandOver.objects.count() == 1
    # Someone else (the outgoing worker, a stranger) may not acknowledge.
    for other in (a, world.users[Role.GRID_BUTLER]):
        with pytest.raises(ApplicationError) as exc:
            services.handover_acknowledge(acting_user=other, handover_id=h.pk)
        assert exc.value.status in (403, 404)
    h = services.handover_acknowledge(acting_user=b, handover_id=h.pk, note="收到")
    assert h.status == HandOverStatus.ACKNOWLEDGED
    with pytest.raises(ApplicationError) as exc:
        services.handover_acknowledge(acting_user=b, handover_id=h.pk)
    assert exc.value.status == 409
    assert list(HandOverEvent.objects.filter(handover=h).values_list("kind", flat=True)) == [
        "written",
        "acknowledge",
    ]
    assert AuditLog.objects.filter(event_type__in=[853, 854], target_id=str(h.pk)).count() == 2


def test_handover_without_a_shift_or_note(world: Any) -> None:
    a = world.users[Role.COMMUNITY_STAFF]
    with pytest.raises(ApplicationError) as exc:
        services.handover_write(acting_user=a, note="")
    assert exc.value.field == "note"
    with pytest.raises(ApplicationError) as exc:
        services.handover_write(acting_user=a, note="无事")
    assert exc.value.field == "shift_id"
    assert not HandOver.objects.exists()

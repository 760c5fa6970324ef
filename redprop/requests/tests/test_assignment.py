"""Who gets a property order (派单到人): the grid's worker as before when the company
keeps no roster; with a duty roster, only workers on duty, the grid's own worker when
free, else the nearest free one, else the least loaded nearby; and the reads stay two
queries however large the roster or the order book."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.duty.choices import DayRule, ShiftKind
from redprop.duty.tests.helpers import shift, worker
from redprop.requests import policies, services
from redprop.requests.choices import AssignmentMode
from redprop.requests.models import Category, RoutingRule, ServiceRequest
from redprop.territory import services as territory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """January 2026 in Shanghai: the 5th is a Monday."""
    return dt.datetime(2026, 1, day, hour, minute, tzinfo=SH)


def file(world, when: dt.datetime, *, unit=None, dispatch: bool = True) -> ServiceRequest:
    """File a pipe-dredging order at ``when`` and dispatch it to the company."""
    with clock.travel(lambda: when):
        r = services.request_file(
            acting_user=world.users[Role.RESIDENT],
            category=Category.objects.get(code="pipe_dredging"),
            description="厨房下水道堵塞",
            unit=unit or world.unit,
        )
        if dispatch:
            r = services.request_dispatch(
                request=r, org=world.company, acting_user=world.users[Role.COMMUNITY_STAFF]
            )
    return r


def finish(r: ServiceRequest, user, when: dt.datetime) -> None:
    """The assignee accepts, arrives and resolves: no longer busy."""
    with clock.travel(lambda: when):
        r = services.request_accept(request=r, acting_user=user)
        r = services.request_arrive(request=r, acting_user=user)
        services.request_resolve(request=r, note="已修好", acting_user=user)


@pytest.fixture
def crew(world):
    """Grid 1's own worker (lee), grid 2's (amy), a second worker of grid 1 on a
    community shift (bob), the community's on-call (ned) and the street's (sam)."""
    lee = worker(world, "lee", grid=world.grid)
    amy = worker(world, "amy", grid=world.grid_2)
    bob = worker(world, "bob", grid=world.grid)
    ned, sam = worker(world, "ned"), worker(world, "sam")
    territory.grid_set_staff(grid=world.grid, maintenance_worker=lee, acting_user=None)
    territory.grid_set_staff(grid=world.grid_2, maintenance_worker=amy, acting_user=None)
    return {"lee": lee, "amy": amy, "bob": bob, "ned": ned, "sam": sam}


def day_and_night(world, crew, *, bob: bool = False, night: bool = True) -> None:
    shift(world, crew["lee"], world.grid, "08:00", "20:00")
    shift(world, crew["amy"], world.grid_2, "08:00", "20:00")
    if bob:
        shift(world, crew["bob"], world.community, "08:00", "20:00")
    if night:
        shift(world, crew["ned"], world.community, "20:00", "08:00", kind=ShiftKind.ON_CALL)


def assignee(world, when: dt.datetime, mode: str = AssignmentMode.GRID_WORKER, **kw):
    r = file(world, when, dispatch=False, **kw)
    with clock.travel(lambda: when):
        return policies.assignee_for(request=r, org=world.company, mode=mode)


# --- without a roster: as before ---------------------------------------------------


def test_without_a_roster_the_grid_worker_gets_it_day_and_night(world, crew):
    for when in (at(5, 10), at(5, 23)):
        assert file(world, when).assignee == crew["lee"]


def test_without_a_roster_busy_does_not_matter(world, crew):
    file(world, at(5, 10))
    assert file(world, at(5, 10, 5)).assignee == crew["lee"]


def test_a_roster_of_another_company_changes_nothing(world, crew):
    other = worker(world, "other", org=world.company_b)
    shift(world, other, world.community_b, "00:00", "23:59", org=world.company_b)
    assert file(world, at(5, 23)).assignee == crew["lee"]


# --- with a roster ------------------------------------------------------------------


def test_on_duty_and_free_the_grid_worker_gets_it(world, crew):
    day_and_night(world, crew)
    assert file(world, at(5, 10)).assignee == crew["lee"]


def test_busy_grid_worker_hands_over_to_the_free_neighbour(world, crew):
    day_and_night(world, crew)
    first = file(world, at(5, 10))
    assert first.assignee == crew["lee"]  # dispatched to lee: lee is busy now
    assert file(world, at(5, 10, 2)).assignee == crew["amy"]
    finish(first, crew["lee"], at(5, 10, 20))
    assert file(world, at(5, 10, 30)).assignee == crew["lee"]  # free again


def test_a_second_worker_of_the_grid_comes_before_the_neighbour(world, crew):
    day_and_night(world, crew, bob=True)
    file(world, at(5, 10))  # lee busy
    assert file(world, at(5, 10, 1)).assignee == crew["bob"]  # holds grid 1's role
    assert file(world, at(5, 10, 2)).assignee == crew["amy"]


def test_off_shift_the_on_call_worker_gets_it(world, crew):
    day_and_night(world, crew)
    assert file(world, at(5, 23)).assignee == crew["ned"]
    assert file(world, at(6, 7, 59)).assignee == crew["ned"]  # the night shift's morning
    assert file(world, at(6, 8)).assignee == crew["lee"]


def test_the_community_on_call_comes_before_the_street_on_call(world, crew):
    day_and_night(world, crew)
    shift(world, crew["sam"], world.street, "20:00", "08:00", kind=ShiftKind.ON_CALL)
    assert file(world, at(5, 23)).assignee == crew["ned"]
    assert file(world, at(5, 23, 5)).assignee == crew["sam"]  # ned is busy


def test_all_busy_the_fewest_open_orders_nearby(world, crew):
    day_and_night(world, crew)
    assert [file(world, at(5, 10, m)).assignee for m in range(4)] == [
        crew["lee"],
        crew["amy"],
        crew["lee"],  # both busy with one order each: the nearer one
        crew["amy"],  # lee has two open, amy one
    ]


def test_nobody_on_duty_falls_back_to_the_grid_worker(world, crew):
    day_and_night(world, crew, night=False)
    assert file(world, at(5, 23)).assignee == crew["lee"]


def test_never_an_off_duty_worker_while_someone_is_on_duty(world, crew):
    """Only amy is on duty at 21:00 (a late shift in grid 2): she gets grid 1's order
    although lee is grid 1's worker."""
    shift(world, crew["lee"], world.grid, "08:00", "20:00")
    shift(world, crew["amy"], world.grid_2, "12:00", "22:00")
    assert file(world, at(5, 21)).assignee == crew["amy"]


def test_a_working_days_shift_is_off_on_a_holiday(world, crew):
    """1 January 2026 (a Thursday) is New Year's Day: the working-days shift is off and
    the rest-days cover (amy) takes it; on Friday 9 January lee is back."""
    shift(world, crew["lee"], world.grid, "08:00", "20:00", day_rule=DayRule.WORKING,
          effective_from=dt.date(2025, 12, 29))  # fmt: skip
    shift(world, crew["amy"], world.grid_2, "08:00", "20:00", day_rule=DayRule.REST,
          effective_from=dt.date(2025, 12, 29))  # fmt: skip
    assert file(world, at(1, 10)).assignee == crew["amy"]
    assert file(world, at(9, 10)).assignee == crew["lee"]


def test_an_ended_shift_no_longer_counts(world, crew):
    from redprop.duty import services as duty

    s = shift(world, crew["ned"], world.community, "20:00", "08:00", kind=ShiftKind.ON_CALL)
    shift(world, crew["lee"], world.grid, "08:00", "20:00")
    duty.shift_end(shift=s, last_day=dt.date(2026, 1, 5), acting_user=None)
    assert file(world, at(6, 7)).assignee == crew["ned"]  # Monday's night runs into Tuesday
    assert file(world, at(6, 23)).assignee == crew["lee"]  # nobody on duty: fallback


def test_the_intake_itself_assigns_by_the_roster(world, crew):
    """An auto-dispatched report filed at night goes straight to the on-call worker."""
    RoutingRule.objects.create(
        region=world.community,
        category=Category.objects.get(code="pipe_dredging"),
        org=world.company,
        auto_dispatch=True,
    )
    day_and_night(world, crew)
    r = file(world, at(5, 23), dispatch=False)
    assert r.status == "dispatched" and r.assignee == crew["ned"]


def test_pick_on_duty_ranks_free_nearby_then_fewest_open_nearby():
    """The ranking on its own, with stand-in users: free beats busy within reach of the
    community; a free worker of another community does not beat busy ones here."""
    from types import SimpleNamespace as U

    from redprop.requests.policies import Candidate, pick_on_duty

    own = Candidate(U(pk=1), policies.TIER_OWN, open=2, busy=1)
    nb = Candidate(U(pk=2), policies.TIER_COMMUNITY, open=1, busy=1)
    street_call = Candidate(U(pk=3), policies.TIER_ONCALL_STREET, open=0, busy=0)
    far = Candidate(U(pk=4), policies.TIER_STREET, open=0, busy=0)
    assert pick_on_duty([own, nb, street_call, far]) is street_call
    assert pick_on_duty([own, nb, far]) is nb  # all nearby busy: fewest open nearby
    assert pick_on_duty([far, Candidate(U(pk=5), policies.TIER_FAR, 3, 1)]) is far
    free_own = Candidate(U(pk=9), policies.TIER_OWN, open=0, busy=0)
    assert pick_on_duty([nb, free_own, street_call]) is free_own


# --- the other modes: on duty only, nearest among equals ---------------------------


def test_least_loaded_without_a_roster_prefers_the_same_grid_among_equals(world, crew):
    """Everyone idle: the grid-1 worker with the lowest id used to get every order of
    the community; now a grid-2 order goes to grid 2's worker (amy)."""
    unit_2 = territory.unit_create(
        building=world.building_2, label="2栋101", floor_area="80", owners=[world.resident],
        acting_user=None,
    )  # fmt: skip
    first_id = world.users[Role.MAINTENANCE_WORKER]  # grid 1, lowest id
    assert first_id.pk < crew["amy"].pk
    assert assignee(world, at(5, 10), AssignmentMode.LEAST_LOADED, unit=unit_2) == crew["amy"]
    assert assignee(world, at(5, 10), AssignmentMode.LEAST_LOADED) == first_id


def test_least_loaded_with_a_roster_uses_only_workers_on_duty(world, crew):
    day_and_night(world, crew)
    assert assignee(world, at(5, 23), AssignmentMode.LEAST_LOADED) == crew["ned"]
    assert assignee(world, at(5, 10), AssignmentMode.LEAST_LOADED) == crew["lee"]


def test_round_robin_starts_nearest_then_rotates(world, crew):
    day_and_night(world, crew)
    first = assignee(world, at(5, 10), AssignmentMode.ROUND_ROBIN)
    assert first == crew["lee"]
    r = file(world, at(5, 10, 1), dispatch=False)
    r.assignee = first
    r.save(update_fields=["assignee"])
    assert assignee(world, at(5, 10, 2), AssignmentMode.ROUND_ROBIN) == crew["amy"]


# --- cost ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_roster_and_busy_lookup_is_one_query_whatever_the_size(world, crew):
    """No N+1: the users-with-counts read, however many workers, shifts and orders
    there are; the day's shifts are reference data, read again only after a change.
    (Real commits: inside an open transaction that changed shifts, they are read
    through, core.refdata.)"""
    day_and_night(world, crew, bob=True)
    r = file(world, at(5, 10), dispatch=False)

    def count() -> int:
        with clock.travel(lambda: at(5, 10)), CaptureQueriesContext(connection) as ctx:
            policies.assignee_for(request=r, org=world.company, mode=AssignmentMode.GRID_WORKER)
        return len(ctx.captured_queries)

    assert count() <= 2  # the first call of the day may load the shifts
    assert count() == 1
    for i in range(6):
        extra = worker(world, f"extra{i}", grid=world.grid_2)
        shift(world, extra, world.grid_2, "06:00", "22:00")
    for m in range(8):
        file(world, at(5, 9, m))
    assert count() == 1  # filing reloaded the changed shifts already


def test_without_a_roster_the_lookup_adds_no_query(world, crew, django_assert_max_num_queries):
    r = file(world, at(5, 10), dispatch=False)
    r = ServiceRequest.objects.get(pk=r.pk)  # grid not cached, as in the intake
    with clock.travel(lambda: at(5, 10)):
        policies.assignee_for(request=r, org=world.company, mode=AssignmentMode.GRID_WORKER)
    # grid not cached, the compound loaded, as in the intake (whether the grid's worker
    # is the company's reads the compound's company)
    r = ServiceRequest.objects.select_related("compound").get(pk=r.pk)
    with clock.travel(lambda: at(5, 10)), django_assert_max_num_queries(2):
        # the day's (empty) roster from memory; then, as before, the grid and its worker
        assert (
            policies.assignee_for(request=r, org=world.company, mode=AssignmentMode.GRID_WORKER)
            == crew["lee"]
        )

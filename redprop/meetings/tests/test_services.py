"""The meeting services: issues, the agenda, check-in, minutes, carry-over, the link
from a request, feeds; bad input refused with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditLog
from redprop.meetings import selectors, services
from redprop.meetings.choices import (
    Attendance,
    IssueStatus,
    ItemStatus,
    MeetingStatus,
    ResolutionStatus,
)
from redprop.meetings.models import AgendaItem, FollowUp, Issue, Meeting, Participant, Resolution
from redprop.meetings.tests.factories import at, consultation
from redprop.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 1, 10)


@pytest.fixture
def world(world):  # type: ignore[no-untyped-def]
    from redprop.conftest import build_siblings

    return build_siblings(world)


@pytest.fixture
def now():  # type: ignore[no-untyped-def]
    with clock.travel(lambda: NOW):
        yield NOW


def _desk(w):  # type: ignore[no-untyped-def]
    return w.users[Role.COMMUNITY_STAFF]


def test_next_meeting_is_made_from_the_rule(world, now) -> None:  # type: ignore[no-untyped-def]
    series = consultation(world)
    m = services.next_meeting(community=world.community)
    assert m.series_id == series.pk and m.occurrence_date == dt.date(2026, 3, 4)
    assert m.starts_at == at(2026, 3, 4, 9, 30)
    # The series' invited parties are the meeting's.
    assert {p.party for p in m.participants.all()} == {
        "property_company",
        "cobuilding_unit",
        "resident",
    }
    # Asked again: the same meeting, not a second one.
    assert services.next_meeting(community=world.community).pk == m.pk


def test_cancelled_occurrence_is_skipped_and_moved_one_keeps_its_meeting(world, now) -> None:  # type: ignore[no-untyped-def]
    series = consultation(world)
    desk = _desk(world)
    m = services.next_meeting(community=world.community)
    services.occurrence_move(
        series=series,
        rule_date=dt.date(2026, 3, 4),
        new_start=at(2026, 3, 5, 14),
        reason="3月4日停电",
        acting_user=desk,
    )
    m.refresh_from_db()
    assert m.starts_at == at(2026, 3, 5, 14)
    services.occurrence_cancel(
        series=series, rule_date=dt.date(2026, 3, 4), reason="改期后取消", acting_user=desk
    )
    m.refresh_from_db()
    assert m.status == MeetingStatus.CANCELLED
    nxt = services.next_meeting(community=world.community)
    assert nxt.occurrence_date == dt.date(2026, 3, 14)
    with pytest.raises(ApplicationError) as err:
        services.occurrence_cancel(
            series=series, rule_date=dt.date(2026, 3, 5), reason="x", acting_user=desk
        )
    assert err.value.code == "meeting_no_occurrence" and err.value.field == "rule_date"


def test_resident_raises_issue_convener_builds_agenda_with_duplicates_merged(world, now) -> None:  # type: ignore[no-untyped-def]
    consultation(world)
    resident, desk = world.users[Role.RESIDENT], _desk(world)
    butler = world.users[Role.GRID_BUTLER]
    a = services.issue_propose(place=world.compound, title="3栋楼道灯不亮", acting_user=resident)
    b = services.issue_propose(place=world.community, title="楼道灯坏了没人修", acting_user=butler)
    c = services.issue_propose(place=world.community, title="电动车飞线充电", acting_user=desk)
    assert (a.source, b.source, c.source) == ("resident", "grid", "liaison")
    services.issue_merge(issue=b, into=a, acting_user=desk)
    m = services.next_meeting(community=world.community)
    items = services.agenda_build(meeting=m, acting_user=desk)
    # The merged duplicate is not on it; the issue raised twice comes first.
    assert [i.issue_id for i in items] == [a.pk, c.pk]
    assert [i.position for i in items] == [1, 2]
    assert Issue.objects.get(pk=b.pk).status == IssueStatus.MERGED
    agenda = selectors.agenda(meeting=m)
    assert agenda[0].issue.supporters == 1
    # A resident of community B cannot raise an issue in community A.
    with pytest.raises(ApplicationError) as err:
        services.issue_propose(
            place=world.community, title="x", acting_user=world.siblings[Role.RESIDENT]
        )
    assert err.value.field == "place"


def test_request_to_meeting_links_both_ways_and_shows_on_the_timeline(world, now) -> None:  # type: ignore[no-untyped-def]
    from redprop.requests import services as rs
    from redprop.requests.models import Category

    consultation(world)
    req = rs.request_file(
        acting_user=world.users[Role.RESIDENT],
        category=Category.objects.get(code="pipe_dredging"),
        description="小区主排水管反复堵塞，需要业主共同决定是否更换",
        unit=world.unit,
    )
    item = services.issue_from_request(request=req, acting_user=_desk(world), note="需业主共同决定")
    assert item.meeting.occurrence_date == dt.date(2026, 3, 4)
    assert item.issue.request_id == req.pk
    assert list(req.meeting_issues.all()) == [item.issue]
    ev = req.events.get(kind="to_meeting")
    assert ev.data["meeting"] == item.meeting_id and ev.to_status == req.status
    # Once only; not by the reporter.
    with pytest.raises(ApplicationError) as err:
        services.issue_from_request(request=req, acting_user=_desk(world))
    assert err.value.code == "meeting_request_already_sent"
    with pytest.raises(ApplicationError):
        services.issue_from_request(request=req, acting_user=world.users[Role.RESIDENT])
    assert req.events.filter(kind="to_meeting").count() == 1


def _held_meeting(world):  # type: ignore[no-untyped-def]
    consultation(world)
    desk = _desk(world)
    issue = services.issue_propose(
        place=world.compound, title="小区南门道闸损坏", acting_user=world.users[Role.RESIDENT]
    )
    other = services.issue_propose(
        place=world.compound, title="绿化带改停车位", acting_user=world.users[Role.RESIDENT]
    )
    m = services.next_meeting(community=world.community)
    services.agenda_build(meeting=m, acting_user=desk)
    services.meeting_convene(meeting=m, acting_user=desk)
    services.meeting_start(meeting=m, acting_user=desk)
    m.refresh_from_db()
    return m, issue, other


def test_invitations_go_through_the_outbox(world, now) -> None:  # type: ignore[no-untyped-def]
    consultation(world)
    m = services.next_meeting(community=world.community)
    before = OutboxMessage.objects.filter(kind="meeting.invited").count()
    services.meeting_convene(meeting=m, acting_user=_desk(world))
    rows = OutboxMessage.objects.filter(kind="meeting.invited")
    # One for the invited person, one per invited organisation.
    assert rows.count() - before == 3
    assert AuditLog.objects.filter(event_type=733, target_id=str(m.pk)).exists()


def test_checkin_by_qr_and_by_staff(world, now) -> None:  # type: ignore[no-untyped-def]
    m, *_ = _held_meeting(world)
    token = services.checkin_token(m)
    row = services.checkin_scan(token=token, acting_user=world.users[Role.RESIDENT])
    assert row.attendance == Attendance.PRESENT and row.checkin_method == "qr"
    # Scanning twice changes nothing.
    assert services.checkin_scan(token=token, acting_user=world.users[Role.RESIDENT]).pk == row.pk
    company = Participant.objects.get(meeting=m, org=world.company)
    services.attendance_mark(participant=company, present=True, acting_user=_desk(world))
    by_party = selectors.attendance_by_party(meeting=m)
    assert by_party["resident"]["present"] == 1
    assert by_party["property_company"]["present"] == 1
    assert by_party["cobuilding_unit"]["present"] == 0
    # A resident of another community may not sign in.
    with pytest.raises(ApplicationError) as err:
        services.checkin_scan(token=token, acting_user=world.siblings[Role.RESIDENT])
    assert err.value.status == 403


def test_checkin_refuses_expired_forged_and_superseded_links(world, now) -> None:  # type: ignore[no-untyped-def]
    m, *_ = _held_meeting(world)
    resident = world.users[Role.RESIDENT]
    token = services.checkin_token(m)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad, code in ((forged, "meeting_checkin_invalid"), ("1.2:abc", "meeting_checkin_invalid")):
        with pytest.raises(ApplicationError) as err:
            services.checkin_scan(token=bad, acting_user=resident)
        assert err.value.code == code and err.value.status == 400
    other = signing.TimestampSigner(salt="another").sign(f"{m.pk}.{m.checkin_nonce}")
    with pytest.raises(ApplicationError):
        services.checkin_scan(token=other, acting_user=resident)
    # Eleven minutes later the link shown on screen has expired.
    import time
    from unittest import mock

    later = time.time() + 11 * 60
    with (
        mock.patch("django.core.signing.time.time", return_value=later),
        pytest.raises(ApplicationError) as err,
    ):
        services.checkin_scan(token=token, acting_user=resident)
    assert err.value.code == "meeting_checkin_expired"
    # Finishing the meeting voids the link even before it expires.
    services.meeting_finish(meeting=m, acting_user=_desk(world))
    with pytest.raises(ApplicationError) as err:
        services.checkin_scan(token=token, acting_user=resident)
    assert err.value.code == "meeting_checkin_invalid"
    assert not Participant.objects.filter(meeting=m, attendance=Attendance.PRESENT).exists()
    # Nobody signed: the invited are absent.
    assert set(m.participants.values_list("attendance", flat=True)) == {Attendance.ABSENT}


def test_minutes_resolution_and_carry_over(world, now) -> None:  # type: ignore[no-untyped-def]
    m, gate, parking = _held_meeting(world)
    desk = _desk(world)
    gate_item, parking_item = selectors.agenda(meeting=m)
    res = services.resolution_adopt(
        item=gate_item,
        text="物业公司一周内更换南门道闸电机",
        deadline=dt.date(2026, 3, 11),
        responsible_org=world.company,
        discussion="居民反映道闸经常抬不起来",
        acting_user=desk,
    )
    services.minutes_record(
        item=parking_item,
        discussion="意见分歧较大，需征求全体业主意见",
        deferred=True,
        acting_user=desk,
    )
    # Minutes cannot be published while the meeting runs.
    with pytest.raises(ApplicationError) as err:
        services.meeting_publish_minutes(meeting=m, acting_user=desk)
    assert err.value.status == 409
    services.meeting_finish(meeting=m, acting_user=desk)
    services.meeting_publish_minutes(meeting=m, summary="两项议题", acting_user=desk)
    nxt = Meeting.objects.get(occurrence_date=dt.date(2026, 3, 14))
    carried = list(nxt.items.order_by("position"))
    # Both carried: the gate is decided but not done, parking deferred.
    assert {(i.issue_id, i.carried_count) for i in carried} == {(gate.pk, 1), (parking.pk, 1)}
    assert Issue.objects.get(pk=gate.pk).status == IssueStatus.RESOLVED
    assert Issue.objects.get(pk=parking.pk).status == IssueStatus.ON_AGENDA
    # The company reports progress with a photo, then completes it.
    from redprop.meetings.tests.test_api import jpeg

    company_user = world.users[Role.COMPANY_STAFF]
    services.resolution_step(
        resolution=res, action="report", note="电机已订货", photo=jpeg(), acting_user=company_user
    )
    services.resolution_step(
        resolution=res, action="complete", note="已更换完毕", acting_user=company_user
    )
    res.refresh_from_db()
    assert res.status == ResolutionStatus.DONE and res.updates.count() == 2
    assert res.updates.first().photo
    assert Issue.objects.get(pk=gate.pk).status == IssueStatus.DONE
    # The water company is not responsible: refused.
    with pytest.raises(ApplicationError) as err:
        services.resolution_step(
            resolution=res, action="reopen", note="x", acting_user=world.users[Role.UNIT_STAFF]
        )
    assert err.value.status == 403
    # At the 14th the parking item is deferred again and carried a second time; the
    # gate (done) is not.
    services.meeting_convene(meeting=nxt, acting_user=desk)
    services.meeting_start(meeting=nxt, acting_user=desk)
    for item in nxt.items.all():
        services.minutes_record(
            item=item, discussion="通报", deferred=item.issue_id == parking.pk, acting_user=desk
        )
    services.meeting_finish(meeting=nxt, acting_user=desk)
    services.meeting_publish_minutes(meeting=nxt, acting_user=desk)
    third = Meeting.objects.get(occurrence_date=dt.date(2026, 3, 24))
    assert [(i.issue_id, i.carried_count) for i in third.items.all()] == [(parking.pk, 2)]


def test_a_resolution_due_later_is_not_carried_until_it_is_due(world, now) -> None:  # type: ignore[no-untyped-def]
    """Decided on 4 March, due on 30 March: not on the 14th's agenda; not done when
    the 24th's minutes are published and due before the next meeting (4 April): on
    that agenda, though it was not on the 24th's. Parking, due 30 April, is not."""
    m, gate, parking = _held_meeting(world)
    desk = _desk(world)
    gate_item, parking_item = selectors.agenda(meeting=m)
    services.resolution_adopt(
        item=gate_item,
        text="更换道闸",
        deadline=dt.date(2026, 3, 30),
        responsible_org=world.company,
        acting_user=desk,
    )
    services.resolution_adopt(
        item=parking_item,
        text="征求意见",
        deadline=dt.date(2026, 4, 30),
        responsible_org=world.company,
        acting_user=desk,
    )
    services.meeting_finish(meeting=m, acting_user=desk)
    services.meeting_publish_minutes(meeting=m, acting_user=desk)
    assert not Meeting.objects.filter(occurrence_date=dt.date(2026, 3, 14)).exists() or not (
        Meeting.objects.get(occurrence_date=dt.date(2026, 3, 14)).items.exists()
    )
    # The 24th: a meeting with an issue of its own; after it, the gate is due by the
    # next one (4 April) and carried; parking (due 30 April) is not.
    third = services.meeting_for_occurrence(series=m.series, rule_date=dt.date(2026, 3, 24))
    other = services.issue_propose(
        place=world.compound, title="楼道灯", acting_user=world.users[Role.RESIDENT]
    )
    services.agenda_add(meeting=third, issue=other, acting_user=desk)
    services.meeting_convene(meeting=third, acting_user=desk)
    services.meeting_start(meeting=third, acting_user=desk)
    services.minutes_record(
        item=third.items.get(), discussion="暂缓", deferred=True, acting_user=desk
    )
    services.meeting_finish(meeting=third, acting_user=desk)
    services.meeting_publish_minutes(meeting=third, acting_user=desk)
    april = Meeting.objects.get(occurrence_date=dt.date(2026, 4, 4))
    assert dict(april.items.values_list("issue_id", "carried_count")) == {other.pk: 1, gate.pk: 1}
    assert parking.pk not in april.items.values_list("issue_id", flat=True)


def test_resolution_spawns_a_request_and_follows_it(world, now) -> None:  # type: ignore[no-untyped-def]
    from redprop.requests import services as rs
    from redprop.requests.models import Category, ServiceRequest

    m, _gate, _ = _held_meeting(world)
    desk = _desk(world)
    item = selectors.agenda(meeting=m)[0]
    res = services.resolution_adopt(
        item=item,
        text="疏通主排水管",
        deadline=dt.date(2026, 3, 20),
        responsible_org=world.company,
        acting_user=desk,
    )
    f = services.resolution_spawn_request(
        resolution=res,
        category=Category.objects.get(code="pipe_dredging"),
        description="按3月4日逢四说事决议疏通主排水管",
        acting_user=desk,
    )
    req = ServiceRequest.objects.get(pk=f.object_id)
    assert f.kind == "service_request" and f.status == req.status
    rs.request_cancel(request=req, reason="重复", acting_user=desk)
    assert services.followup_refresh() == 1
    f.refresh_from_db()
    assert f.status == "cancelled" and f.closed
    # The vote's signal will call followup_mirror; a vote row works the same way.
    services.followup_attach(resolution=res, kind="vote", object_id=99, label="更换道闸表决")
    assert services.followup_mirror(kind="vote", object_id=99, status="passed", closed=True) == 1
    assert FollowUp.objects.get(kind="vote").closed


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"text": "有效\x00"}, "text"),
        ({"deadline": dt.date(2020, 1, 1)}, "deadline"),
        ({"deadline": dt.date(2030, 1, 1)}, "deadline"),
        ({"responsible_org": None}, "responsible_org"),
    ],
)
def test_bad_resolution_writes_nothing(world, now, kwargs, field) -> None:  # type: ignore[no-untyped-def]
    m, *_ = _held_meeting(world)
    item = selectors.agenda(meeting=m)[0]
    args = {
        "item": item,
        "text": "物业公司更换道闸",
        "deadline": dt.date(2026, 3, 20),
        "responsible_org": world.company,
        "acting_user": _desk(world),
    }
    args.update(kwargs)
    with pytest.raises(ApplicationError) as err:
        services.resolution_adopt(**args)
    assert err.value.field == field and 400 <= err.value.status < 500
    assert not Resolution.objects.exists()
    assert AgendaItem.objects.get(pk=item.pk).status == ItemStatus.PENDING


def test_bad_series_rule_writes_nothing(world, now) -> None:  # type: ignore[no-untyped-def]
    from redprop.meetings.models import MeetingSeries

    with pytest.raises(ApplicationError) as err:
        consultation(world, rule="FREQ=SECONDLY")
    assert err.value.field == "rule"
    assert not MeetingSeries.objects.exists()
    # Another community's desk cannot set up community A's meetings.
    with pytest.raises(ApplicationError) as err:
        services.series_create(
            community=world.community,
            name="x",
            convener=_desk(world),
            acting_user=world.siblings[Role.COMMUNITY_STAFF],
        )
    assert err.value.status == 403


def test_feeds_issue_and_revoke(world, now) -> None:  # type: ignore[no-untyped-def]
    from icalendar import Calendar

    consultation(world)
    user = world.users[Role.RESIDENT]
    feed = services.feed_issue(
        user=user, kind="community", community=world.community, acting_user=user
    )
    cal = Calendar.from_ical(selectors.feed_ical(feed=feed))
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) > 30  # a year ahead of 逢四说事
    assert {e.decoded("dtstart").day for e in events} <= {4, 14, 24}
    services.feed_revoke(feed=feed, acting_user=user)
    assert selectors.feed_by_token(token=feed.token) is None
    with pytest.raises(ApplicationError):
        services.feed_issue(
            user=user, kind="community", community=world.community_b, acting_user=user
        )


def test_a_resolution_launches_an_owners_vote_and_receives_its_result(  # type: ignore[no-untyped-def]
    world, now, django_capture_on_commit_callbacks
) -> None:
    """决议 → 业主表决 (art. 278 item 4) on the meeting's compound → the owner votes →
    closed and published → the resolution's follow-up shows 通过, closed."""
    from redprop.meetings.models import FollowUp
    from redprop.votes import services as votes
    from redprop.votes.models import Vote

    m, _gate, _parking = _held_meeting(world)
    desk = _desk(world)
    item = selectors.agenda(meeting=m)[0]
    res = services.resolution_adopt(
        item=item,
        text="续聘物业公司，提交业主大会表决",
        deadline=dt.date(2026, 6, 30),
        responsible_org=world.company,
        acting_user=desk,
    )
    # Only an organiser launches it; an item outside 1–9 writes nothing.
    with pytest.raises(ApplicationError):
        services.resolution_launch_vote(
            resolution=res, item=4, title="续聘", acting_user=world.users["resident"]
        )
    with pytest.raises(ApplicationError):
        services.resolution_launch_vote(resolution=res, item=12, title="续聘", acting_user=desk)
    assert not Vote.objects.exists() and not FollowUp.objects.filter(kind="vote").exists()
    f = services.resolution_launch_vote(
        resolution=res,
        item=4,
        title="续聘红色物业",
        closes_at=now + dt.timedelta(days=7),
        acting_user=desk,
    )
    vote = Vote.objects.get(pk=f.object_id)
    assert (f.kind, f.status, f.closed) == ("vote", vote.state, False)
    assert vote.origin.startswith(f"/meetings/{m.pk}/")
    votes.ballot_cast(
        vote=vote, acting_user=world.users["resident"], ballots=[(world.unit.pk, "agree")]
    )
    votes.vote_close(vote=vote, acting_user=desk)
    # The result comes back after the publishing transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        votes.vote_publish(vote=vote, acting_user=desk)
    f.refresh_from_db()
    vote.refresh_from_db()
    assert f.closed
    assert f.status == ("passed" if vote.result["passed"] else "failed")

"""Notices reach exactly the people of their target, at every level of the territory;
read receipts count; bad input is a 4xx with nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.accounts.services import role_grant, user_create
from redprop.conftest import PASSWORD
from redprop.core.errors import ApplicationError
from redprop.notices import selectors, services
from redprop.notices.choices import NoticeStatus
from redprop.notices.models import Notice, NoticeEvent, NoticeRead
from redprop.notifications.models import InboxItem, OutboxMessage
from redprop.people.services import person_create
from redprop.territory import services as territory

pytestmark = pytest.mark.django_db


def _resident(name: str, unit: Any, *, owner_only: bool = False) -> Any:
    person = person_create(name=name, acting_user=None)
    if owner_only:
        from redprop.territory.models import Ownership

        Ownership.objects.create(unit=unit, person=person)
    else:
        territory.occupancy_add(unit=unit, person=person, relation="other", acting_user=None)
    user = user_create(username=f"r_{name}", password=PASSWORD, person=person, acting_user=None)
    role_grant(user=user, role=Role.RESIDENT, person=person, acting_user=None)
    return user


@pytest.fixture
def town(world: Any) -> dict[str, Any]:
    """Residents spread over the world: building 1 (grid 1), building 2 (grid 2) of the
    same compound, a second compound of community A, and street B."""
    w = world
    unit_2 = territory.unit_create(
        building=w.building_2,
        label="2栋1单元101",
        floor_area="80",
        developer=w.company,
        acting_user=None,
    )
    compound_c = territory.compound_create(
        community=w.community, name="和平小区", management_type="none", acting_user=None
    )
    building_c = territory.building_create(
        compound=compound_c, name="3栋", grid=w.grid_2, acting_user=None
    )
    unit_c = territory.unit_create(
        building=building_c,
        label="3栋1单元101",
        floor_area="60",
        developer=w.company,
        acting_user=None,
    )
    people = {
        "a1": w.users[Role.RESIDENT],  # owns and lives in building 1
        "a2": _resident("张二", unit_2),
        "a2_owner": _resident("张业主", unit_2, owner_only=True),  # owns, lives elsewhere
        "c": _resident("陈三", unit_c),
        "b": _resident("李四", w.unit_b),
    }
    return {"w": w, "people": people, "compound_c": compound_c, "building_c": building_c}


def _publish(author: Any, level: str, node: Any, **kw: Any) -> Notice:
    return services.notice_create(
        acting_user=author,
        kind=kw.pop("kind", "water_cut"),
        title=kw.pop("title", "明日停水通知"),
        body=kw.pop("body", "因管网维修，明日 9:00-17:00 停水，请提前储水。"),
        target_level=level,
        target_id=node.pk,
        publish=True,
        **kw,
    )


def _reached(notice: Notice) -> set[int]:
    return set(
        InboxItem.objects.filter(link=notice.get_absolute_url()).values_list("user_id", flat=True)
    )


def test_every_level_reaches_exactly_its_people(town: dict[str, Any], relay: Any) -> None:
    """Street, community, compound, grid, building: the inbox items and the home page
    list name exactly the people living in (or owning a home in) the target."""
    w, p = town["w"], town["people"]
    sysadmin = w.users[Role.SYSADMIN]
    cases = [
        ("street", w.street, {"a1", "a2", "a2_owner", "c"}),
        ("street", w.street_b, {"b"}),
        ("community", w.community, {"a1", "a2", "a2_owner", "c"}),
        ("community", w.community_b, {"b"}),
        ("compound", w.compound, {"a1", "a2", "a2_owner"}),
        ("compound", town["compound_c"], {"c"}),
        ("grid", w.grid, {"a1"}),
        ("grid", w.grid_2, {"a2", "a2_owner", "c"}),
        ("building", w.building, {"a1"}),
        ("building", w.building_2, {"a2", "a2_owner"}),
        ("building", town["building_c"], {"c"}),
    ]
    notices = [(_publish(sysadmin, level, node), want) for level, node, want in cases]
    relay()
    for notice, want in notices:
        expected = {p[k].pk for k in want}
        assert _reached(notice) == expected, (notice.target_level, notice.target_name)
        # The audience counts people, with or without a login (李桂兰 of street B has none).
        no_login = 1 if notice.street_id == w.street_b.pk else 0
        assert notice.audience_size == len(want) + no_login
        for key, user in p.items():
            shown = set(selectors.notices_for_resident(user=user).values_list("pk", flat=True))
            assert (notice.pk in shown) == (key in want), (key, notice.target_name)


def test_publish_writes_one_fanout_row_and_relay_expands_once(
    town: dict[str, Any], relay: Any
) -> None:
    w = town["w"]
    notice = _publish(w.users[Role.COMMUNITY_STAFF], "community", w.community)
    rows = OutboxMessage.objects.filter(target_type="notices.notice", target_id=str(notice.pk))
    assert rows.count() == 1 and rows.get().channel == "fanout"
    relay()
    relay()
    assert len(_reached(notice)) == 4
    assert InboxItem.objects.filter(link=notice.get_absolute_url()).count() == 4


def test_scheduled_notice_waits_for_its_time_and_withdrawal_cancels_it(
    town: dict[str, Any], relay: Any
) -> None:
    w = town["w"]
    later = timezone.now() + dt.timedelta(hours=2)
    notice = _publish(w.users[Role.COMMUNITY_STAFF], "building", w.building, publish_at=later)
    relay()
    assert _reached(notice) == set()
    assert notice.pk not in set(
        selectors.notices_for_resident(user=w.users[Role.RESIDENT]).values_list("pk", flat=True)
    )
    services.notice_withdraw(
        notice=notice, acting_user=w.users[Role.COMMUNITY_STAFF], reason="改期"
    )
    relay(now=later + dt.timedelta(minutes=1))
    assert _reached(notice) == set()
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.WITHDRAWN


def test_read_receipts_count_once_and_only_for_the_target(town: dict[str, Any], relay: Any) -> None:
    w, p = town["w"], town["people"]
    notice = _publish(w.users[Role.COMMUNITY_STAFF], "building", w.building_2)
    relay()
    assert services.notice_mark_read(notice=notice, user=p["a2"]) is True
    assert services.notice_mark_read(notice=notice, user=p["a2"]) is False  # once
    assert services.notice_mark_read(notice=notice, user=p["a1"]) is False  # not its target
    assert services.notice_mark_read(notice=notice, user=w.users[Role.GRID_BUTLER]) is False
    assert NoticeRead.objects.filter(notice=notice).count() == 1
    # The inbox item that announced it is read too.
    item = InboxItem.objects.get(user=p["a2"], link=notice.get_absolute_url())
    assert item.read_at is not None
    reach = selectors.notice_reach(notice=notice)
    assert [(r.building_id, r.people, r.read, r.unread) for r in reach] == [
        (w.building_2.pk, 2, 1, 1)
    ]
    seen = selectors.notices_for_resident(user=p["a2"]).get(pk=notice.pk)
    assert seen.is_read is True  # type: ignore[attr-defined]
    assert selectors.unread_count_for_resident(user=p["a2_owner"]) == 1


def test_reach_lists_unread_per_building_of_a_compound(town: dict[str, Any], relay: Any) -> None:
    w, p = town["w"], town["people"]
    notice = _publish(w.users[Role.COMPANY_STAFF], "compound", w.compound)
    relay()
    services.notice_mark_read(notice=notice, user=p["a1"])
    rows = {
        r.building_id: (r.people, r.read, r.unread) for r in selectors.notice_reach(notice=notice)
    }
    assert rows == {w.building.pk: (1, 1, 0), w.building_2.pk: (2, 0, 2)}
    # The grid 2 butler follows up only their own grid's building.
    butler_scope = w.users[Role.GRID_BUTLER].scope_set(Role.GRID_BUTLER)
    assert [r.building_id for r in selectors.notice_reach(notice=notice, scope=butler_scope)] == [
        w.building.pk
    ]


def _count_all() -> tuple[int, int, int]:
    return Notice.objects.count(), NoticeEvent.objects.count(), OutboxMessage.objects.count()


@pytest.mark.parametrize(
    ("role", "level", "node", "code", "status"),
    [
        (Role.COMMUNITY_STAFF, "street", "street", "notice_target_out_of_scope", 403),
        (Role.COMMUNITY_STAFF, "community", "community_b", "notice_target_out_of_scope", 403),
        (Role.GRID_BUTLER, "building", "building_2", "notice_target_out_of_scope", 403),
        (Role.GRID_BUTLER, "compound", "compound", "notice_target_out_of_scope", 403),
        (Role.COMPANY_STAFF, "compound", "compound_b", "notice_target_out_of_scope", 403),
        (Role.COMPANY_STAFF, "community", "community", "notice_target_out_of_scope", 403),
        (Role.RESIDENT, "building", "building", "notice_target_out_of_scope", 403),
        (Role.STREET_OFFICER, "street", "street_b", "notice_target_out_of_scope", 403),
    ],
)
def test_target_outside_scope_is_refused_and_nothing_written(
    world: Any, role: str, level: str, node: str, code: str, status: int
) -> None:
    before = _count_all()
    with pytest.raises(ApplicationError) as exc:
        _publish(world.users[role], level, getattr(world, node))
    assert (exc.value.code, exc.value.status, exc.value.field) == (code, status, "target_id")
    assert _count_all() == before


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"title": "   "}, "notice_empty", "title"),
        ({"body": "\u200b\u200b"}, "notice_empty", "body"),
        ({"body": ""}, "notice_empty", "body"),
        ({"title": "停" * 101}, "validation_error", "title"),
        ({"kind": "gossip"}, "validation_error", "kind"),
        ({"expire_at": timezone.now() - dt.timedelta(hours=1)}, "notice_bad_window", "expire_at"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    world: Any, changes: dict[str, Any], code: str, field: str
) -> None:
    before = _count_all()
    with pytest.raises(ApplicationError) as exc:
        _publish(world.users[Role.COMMUNITY_STAFF], "community", world.community, **changes)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert 400 <= exc.value.status < 500
    assert _count_all() == before


def test_unknown_target_is_a_400(world: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.notice_create(
            acting_user=world.users[Role.SYSADMIN],
            kind="policy",
            title="t",
            body="b",
            target_level="community",
            target_id=world.street.pk,  # a street's id at the community level
        )
    assert (exc.value.code, exc.value.field, exc.value.status) == (
        "notice_bad_target",
        "target_id",
        400,
    )


def test_workflow_states_and_expiry(world: Any, relay: Any) -> None:
    staff = world.users[Role.COMMUNITY_STAFF]
    now = timezone.now()
    notice = services.notice_create(
        acting_user=staff,
        kind="meeting",
        title="逢四说事",
        body="本月14日议事厅",
        target_level="community",
        target_id=world.community.pk,
        expire_at=now + dt.timedelta(days=1),
    )
    assert notice.status == NoticeStatus.DRAFT
    # Another community's staff cannot publish it (404: not in their scope).
    with pytest.raises(ApplicationError) as exc:
        services.notice_publish(notice=notice, acting_user=world.users["street_b"])
    assert exc.value.status == 404
    notice = services.notice_publish(notice=notice, acting_user=staff)
    assert notice.status == NoticeStatus.PUBLISHED
    with pytest.raises(ApplicationError) as exc:
        services.notice_publish(notice=notice, acting_user=staff)
    assert exc.value.status == 409
    assert services.notices_expire_due(now=now + dt.timedelta(days=2)) == 1
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.EXPIRED
    assert services.notices_expire_due(now=now + dt.timedelta(days=2)) == 0
    assert list(notice.events.values_list("kind", flat=True)) == ["created", "published", "expired"]


def test_workflow_table_matches_transitions() -> None:
    from redprop.notices.workflow import WORKFLOW

    assert WORKFLOW.check() == []


def test_private_notice_readable_only_by_its_people(town: dict[str, Any]) -> None:
    from django.contrib.auth.models import AnonymousUser

    from redprop.notices import permissions

    w, p = town["w"], town["people"]
    notice = _publish(w.users[Role.COMMUNITY_STAFF], "building", w.building, is_public=False)
    assert permissions.can_read(p["a1"], notice)
    assert not permissions.can_read(p["a2"], notice)
    assert not permissions.can_read(AnonymousUser(), notice)
    assert permissions.can_read(w.users[Role.GRID_BUTLER], notice)
    assert not permissions.can_read(w.siblings.get(Role.GRID_BUTLER) or p["b"], notice)
    public = _publish(w.users[Role.COMMUNITY_STAFF], "building", w.building)
    assert permissions.can_read(AnonymousUser(), public)


def test_permission_walks_the_workflow_table(world: Any) -> None:
    """Every action from every state for every role of scope A and its sibling: allowed
    exactly when the state is a source and the role is a publisher of building A."""
    from redprop.conftest import build_siblings
    from redprop.notices.workflow import WORKFLOW

    w = build_siblings(world)
    notice = services.notice_create(
        acting_user=w.users[Role.COMMUNITY_STAFF],
        kind="policy",
        title="t",
        body="b",
        target_level="building",
        target_id=w.building.pk,
    )
    publishers = {
        Role.COMMUNITY_STAFF,
        Role.STREET_OFFICER,
        Role.GRID_BUTLER,
        Role.COMPANY_STAFF,
        Role.SYSADMIN,
    }
    principals = [(r, u, True) for r, u in w.users.items()] + [
        (r, u, False) for r, u in w.siblings.items()
    ]
    for action in WORKFLOW.actions.values():
        for state in NoticeStatus.values:
            notice.status = state
            for role, user, in_scope in principals:
                want = state in action.sources and (
                    "publisher" in action.who and in_scope and role in publishers
                )
                assert WORKFLOW.allowed(action, user, notice) == want, (action.name, state, role)
            # The clock (no user) only expires.
            assert WORKFLOW.allowed(action, None, notice) == (
                action.name == "expire" and state in action.sources
            )

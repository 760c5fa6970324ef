"""Who hears about party-building decisions: the outbox rows the services write and the
inbox items the relay delivers from them (real database, no mocks)."""

from __future__ import annotations

from typing import Any

import pytest

from redprop.accounts.choices import Role
from redprop.conftest import build_siblings
from redprop.core.errors import ApplicationError
from redprop.notifications.models import InboxItem, OutboxMessage
from redprop.party import services
from redprop.party.models import BranchProposal
from redprop.party.tests.helpers import party_world, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(world: Any, relay: Any) -> dict[str, Any]:
    build_siblings(world)  # community B's staff and company B's staff must hear nothing
    data = party_world(world)
    relay()
    return data


def _heard(kind: str) -> list[tuple[str, str]]:
    return sorted(
        InboxItem.objects.filter(kind=kind).values_list("user__username", "link").order_by()
    )


def test_the_proposal_reaches_the_committee_and_the_decision_the_company(world, pw, relay):
    """The third member makes the platform propose a branch: community A's staff (who
    approve) hear, nobody in community B; the company's staff hear the approval."""
    register(world, pw, 3)
    relay()
    desk, company = world.users[Role.COMMUNITY_STAFF], world.users[Role.COMPANY_STAFF]
    assert _heard("party.branch_proposed") == [(desk.username, "/party/")]
    p = BranchProposal.objects.get()
    assert p.name in InboxItem.objects.get(kind="party.branch_proposed").subject
    # The company may not approve its own branch: refused, nothing queued.
    before = OutboxMessage.objects.count()
    with pytest.raises(ApplicationError):
        services.proposal_approve(acting_user=company, proposal_id=p.pk)
    assert OutboxMessage.objects.count() == before
    services.proposal_approve(acting_user=desk, proposal_id=p.pk)
    relay()
    assert _heard("party.branch_approved") == [
        (company.username, f"/party/company/{world.company.pk}/")
    ]


def test_a_rejection_reaches_the_company_with_the_reason(world, pw, relay):
    register(world, pw, 3)
    p = BranchProposal.objects.get()
    desk = world.users[Role.COMMUNITY_STAFF]
    before = OutboxMessage.objects.count()
    with pytest.raises(ApplicationError):  # a reason is required: nothing queued
        services.proposal_reject(acting_user=desk, proposal_id=p.pk, reason=" ")
    assert OutboxMessage.objects.count() == before
    services.proposal_reject(acting_user=desk, proposal_id=p.pk, reason="人员待稳定")
    relay()
    assert _heard("party.branch_rejected") == [
        (world.users[Role.COMPANY_STAFF].username, f"/party/company/{world.company.pk}/")
    ]
    assert "人员待稳定" in InboxItem.objects.get(kind="party.branch_rejected").body


def _submit(world: Any, **kw: Any) -> Any:
    args = {
        "acting_user": world.users[Role.COMPANY_STAFF],
        "company_id": world.company.pk,
        "community_id": world.community.pk,
        "kind": "spending",
        "title": "更换2栋单元门禁",
        "detail": "使用公共收益 1.2 万元更换门禁，报社区党委审核",
        "amount": "12000",
    }
    args.update(kw)
    return services.supervision_submit(**args)


def test_supervision_reaches_the_committee_and_the_opinion_the_company(world, pw, relay):
    """The submission reaches community A's staff (who give the opinion); the opinion
    reaches the company's staff with its text. A refused submission queues nothing."""
    before = OutboxMessage.objects.count()
    with pytest.raises(ApplicationError):
        _submit(world, kind="bribe")
    assert OutboxMessage.objects.count() == before
    s = _submit(world)
    relay()
    link = f"/party/supervision/{s.pk}/"
    desk, company = world.users[Role.COMMUNITY_STAFF], world.users[Role.COMPANY_STAFF]
    assert _heard("party.supervision_submitted") == [(desk.username, link)]
    submitted = InboxItem.objects.get(kind="party.supervision_submitted")
    assert "更换2栋单元门禁" in submitted.subject and "支出事项" in submitted.body
    services.supervision_opine(
        acting_user=desk, supervision_id=s.pk, opinion="amend", text="先在楼栋公示三天"
    )
    relay()
    assert _heard("party.supervision_opinion") == [(company.username, link)]
    opinion = InboxItem.objects.get(kind="party.supervision_opinion")
    assert "修改后实施" in opinion.subject and "先在楼栋公示三天" in opinion.body

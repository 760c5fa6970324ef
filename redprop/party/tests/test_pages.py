"""The party pages on a phone: coverage by street, a company's page, posts, the
supervision queue and a member's consent page, driven through the forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from redprop.accounts.choices import Role
from redprop.accounts.services import user_create
from redprop.party.models import BranchProposal, Member, ShowConsent, Supervision
from redprop.party.tests.helpers import party_world, register
from redprop.people.models import PiiAccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(world: Any) -> dict[str, Any]:
    return party_world(world)


def test_register_three_by_the_form_then_the_committee_approves(world, pw):
    c = world.client(Role.COMPANY_STAFF)
    for p in pw["workers"][:3]:
        r = c.post(
            f"/party/company/{world.company.pk}/members/",
            {"person": p.pk, "compound": world.compound.pk},
        )
        assert r.status_code == 302
    page = c.get(f"/party/company/{world.company.pk}/").content.decode()
    import re

    members = re.search(r'<section class="card" aria-labelledby="members">.*?<form', page, re.S)
    assert "组建待审批" in page and "赵**" in members.group(0)
    assert pw["workers"][0].name not in members.group(0)
    p = BranchProposal.objects.get()
    desk = world.client(Role.COMMUNITY_STAFF)
    assert "批准成立" in desk.get("/party/").content.decode()
    r = desk.post(f"/party/proposal/{p.pk}/do/approve/")
    assert r.status_code == 302
    html = world.client(Role.STREET_OFFICER).get("/party/").content.decode()
    assert world.street.name in html and "已建党支部" in html


def test_propose_below_three_on_the_page_is_a_400(world, pw):
    register(world, pw, 2)
    r = world.client(Role.COMPANY_STAFF).post(
        f"/party/company/{world.company.pk}/propose/", {"compound": world.compound.pk}
    )
    assert r.status_code == 400
    assert 'data-code="party_branch_too_few_members"' in r.content.decode()
    assert not BranchProposal.objects.exists()


def test_reveal_on_the_page_is_logged(world, pw):
    (m,) = register(world, pw, 1)
    desk = world.client(Role.COMMUNITY_STAFF)
    r = desk.post(f"/party/member/{m.pk}/reveal/", {"reason": "换届核对"})
    assert r.status_code == 200 and pw["workers"][0].name in r.content.decode()
    assert PiiAccessLog.objects.count() == 1
    r = world.client(Role.COMPANY_STAFF).post(f"/party/member/{m.pk}/reveal/", {"reason": "看看"})
    assert r.status_code == 403 and PiiAccessLog.objects.count() == 1


def test_member_consents_and_the_badge_shows_on_the_orders_page(world, pw):
    (m,) = register(world, pw, 1)
    user = user_create(
        username="dangyuan", password="pw-for-tests-123", person=pw["workers"][0], acting_user=None
    )
    from redprop.accounts.services import role_grant

    role_grant(user=user, role=Role.COMPANY_STAFF, org=world.company, acting_user=None)
    c = Client()
    c.force_login(user)
    assert "badge-party" not in c.get("/orders/").content.decode()
    assert c.post("/party/me/", {"consent": "grant"}).status_code == 302
    assert ShowConsent.objects.get(member=m).withdrawn_at is None
    assert "badge-party" in c.get("/orders/").content.decode()
    assert "data-consent-at" in c.get("/party/me/").content.decode()
    c.post("/party/me/", {"consent": "withdraw"})
    assert "badge-party" not in c.get("/orders/").content.decode()


def test_supervision_through_the_pages(world, pw):
    c = world.client(Role.COMPANY_STAFF)
    r = c.post(
        "/party/supervision/",
        {
            "company": world.company.pk,
            "community": world.community.pk,
            "kind": "charging",
            "title": "停车费调整",
            "detail": "地面车位月租由 100 元调整为 120 元",
            "amount": "",
        },
    )
    assert r.status_code == 302
    s = Supervision.objects.get()
    desk = world.client(Role.COMMUNITY_STAFF)
    assert "停车费调整" in desk.get("/party/supervision/?status=submitted").content.decode()
    r = desk.post(f"/party/supervision/{s.pk}/do/opine/", {"opinion": "disagree", "text": ""})
    assert r.status_code == 400
    r = desk.post(
        f"/party/supervision/{s.pk}/do/opine/", {"opinion": "disagree", "text": "先召开业主协商会"}
    )
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.status == "answered" and s.opinion == "disagree"
    assert "先召开业主协商会" in c.get(f"/party/supervision/{s.pk}/").content.decode()


def test_posts_page_shows_the_record(world, pw):
    (m,) = register(world, pw, 1)
    c = world.client(Role.COMPANY_STAFF)
    r = c.post("/party/posts/new/", {"member": m.pk, "kind": "model", "title": "客服示范岗"})
    assert r.status_code == 302
    html = c.get("/party/posts/").content.decode()
    assert "客服示范岗" in html and "办结诉求" in html
    assert Member.objects.count() == 1

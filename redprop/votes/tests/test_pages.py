"""The phone pages: the owner votes and changes it; staff close and publish; the public
result shows tallies only; refusals show the message with a 4xx and record nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from redprop.accounts.choices import Role
from redprop.conftest import PASSWORD, build_world
from redprop.votes import services
from redprop.votes.models import Ballot, Vote
from redprop.votes.tests.helpers import build_place, pdf

pytestmark = pytest.mark.django_db


def login(user):
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


@pytest.fixture
def setup():
    w = build_world()
    place = build_place(w)
    staff = w.users[Role.COMMUNITY_STAFF]
    vote = services.open_vote(staff, scope=place.compound, item=6, title="筹集电梯维修资金")
    return w, place, staff, vote


def test_owner_votes_changes_staff_publish_public_result(setup):
    _w, place, staff, vote = setup
    wang = login(place.users["wang"])
    r = wang.get("/votes/")
    assert "筹集电梯维修资金" in r.content.decode()
    r = wang.get(f"/votes/{vote.pk}/")
    body = r.content.decode()
    assert r.status_code == 200 and "提交投票" in body and 'data-test="do-close"' not in body
    u = place.units["102"].pk
    assert wang.post(f"/votes/{vote.pk}/cast/", {"unit": u, "choice": "agree"}).status_code == 302
    assert "修改投票" in wang.get(f"/votes/{vote.pk}/").content.decode()
    assert (
        wang.post(f"/votes/{vote.pk}/cast/", {"unit": u, "choice": "disagree"}).status_code == 302
    )
    assert Ballot.objects.filter(vote=vote).count() == 2
    s = login(staff)
    page = s.get(f"/votes/{vote.pk}/").content.decode()
    assert 'data-test="do-close"' in page and 'data-test="returned">1<' in page
    assert s.post(f"/votes/{vote.pk}/do/close/").status_code == 302
    assert s.post(f"/votes/{vote.pk}/do/publish/").status_code == 302
    r = Client().get(f"/votes/{vote.pk}/result/")
    text = r.content.decode()
    assert r.status_code == 200 and 'data-test="disagree-heads">1<' in text
    assert "王五" not in text and "表决未通过" in text


def test_refusals_on_the_pages(setup):
    _w, place, staff, vote = setup
    wang = login(place.users["wang"])
    r = wang.post(f"/votes/{vote.pk}/cast/", {"unit": place.units["101"].pk, "choice": "agree"})
    assert r.status_code == 400 and "该房屋不属于您" in r.content.decode()
    assert wang.post(f"/votes/{vote.pk}/do/close/").status_code == 403
    s = login(staff)
    r = s.post(f"/votes/{vote.pk}/paper/", {"unit": place.units["101"].pk, "choice": "agree"})
    assert r.status_code == 400 and "请上传" in r.content.decode()
    r = s.post(
        f"/votes/{vote.pk}/paper/",
        {"unit": place.units["101"].pk, "choice": "agree", "document": pdf()},
    )
    assert r.status_code == 302
    assert s.post(f"/votes/{vote.pk}/do/publish/").status_code == 409
    assert Client().get(f"/votes/{vote.pk}/result/").status_code == 404
    assert Ballot.objects.count() == 1


def test_staff_create_a_draft_on_the_page(setup):
    _w, place, staff, vote = setup
    s = login(staff)
    assert s.get("/votes/new/").status_code == 200
    r = s.post(
        "/votes/new/",
        {"compound": place.compound.pk, "item": 4, "title": "续聘物业服务企业", "days": 10},
    )
    assert r.status_code == 302
    assert Vote.objects.filter(title="续聘物业服务企业", state="draft").exists()
    r = s.get(f"/votes/{vote.pk}/template.xlsx")
    assert r.status_code == 200

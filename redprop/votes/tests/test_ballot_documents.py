"""表决明细 and the ballot scans: organisers only, after a reason; every read logged; a scan
link is signed for its ballot and expires."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from redprop.accounts.choices import Role
from redprop.conftest import build_world
from redprop.core.models import AuditEvent, AuditLog
from redprop.votes import services
from redprop.votes.tests.helpers import PDF, build_place, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    w = build_world()
    place = build_place(w)
    staff = w.users[Role.COMMUNITY_STAFF]
    vote = services.open_vote(staff, scope=place.compound, item=6, title="增加维修资金")
    paper = services.ballot_enter(
        vote=vote,
        acting_user=staff,
        unit_id=place.units["202"].pk,
        choice="disagree",
        document=pdf(),
    )
    services.ballot_cast(
        vote=vote, acting_user=place.users["wang"], ballots=[(place.units["102"].pk, "agree")]
    )
    return w, place, staff, vote, paper


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_organiser_gives_a_reason_sees_every_ballot_and_opens_the_scan(setup):
    _w, _place, staff, vote, paper = setup
    url = reverse("web:vote_ballots", args=[vote.pk])
    c = _client(staff)
    form = c.get(url)
    assert form.status_code == 200 and 'data-test="ballot-rows"' not in form.content.decode()
    assert not AuditLog.objects.filter(event_type=AuditEvent.BALLOTS_VIEWED).exists()

    empty = c.post(url, {"reason": ""})
    assert empty.status_code == 400 and 'id="reason-error"' in empty.content.decode()
    assert not AuditLog.objects.filter(event_type=AuditEvent.BALLOTS_VIEWED).exists()

    page = c.post(url, {"reason": "核对纸质选票"}).content.decode()
    assert "反对" in page and "同意" in page
    (link,) = re.findall(r'href="(/votes/\d+/ballots/\d+/document/\?t=[^"]+)"', page)
    assert f"/ballots/{paper.pk}/document/" in link
    scan = c.get(link.replace("&amp;", "&"))
    assert scan.status_code == 200 and scan["Content-Type"] == "application/pdf"
    assert b"".join(scan.streaming_content) == PDF
    assert scan["Cache-Control"] == "private, no-store"
    logs = list(AuditLog.objects.filter(event_type=AuditEvent.BALLOTS_VIEWED).order_by("pk"))
    assert [lg.extra.get("document") for lg in logs] == [None, paper.pk]
    assert all(lg.extra["reason"] == "核对纸质选票" for lg in logs)


def test_links_are_for_their_ballot_organisers_only_and_expire(setup, monkeypatch):
    _w, place, staff, vote, paper = setup
    token = services.document_link_token(vote_id=vote.pk, ballot_id=paper.pk, reason="核对")
    url = reverse("web:vote_ballot_document", args=[vote.pk, paper.pk])
    assert _client(staff).get(f"{url}?t={token}").status_code == 200
    # Another ballot's link, a forged one, none: 404, nothing logged.
    online = vote.ballots.exclude(pk=paper.pk).get()
    other = services.document_link_token(vote_id=vote.pk, ballot_id=online.pk, reason="核对")
    before = AuditLog.objects.filter(event_type=AuditEvent.BALLOTS_VIEWED).count()
    for query in (f"?t={other}", f"?t={token}x", ""):
        assert _client(staff).get(url + query).status_code == 404
    # The owner who voted, with a valid link: not an organiser.
    owner = _client(place.users["wang"]).get(f"{url}?t={token}")
    assert owner.status_code in (403, 404)
    assert _client(place.users["wang"]).get(
        reverse("web:vote_ballots", args=[vote.pk])
    ).status_code in (403, 404)
    assert AuditLog.objects.filter(event_type=AuditEvent.BALLOTS_VIEWED).count() == before
    # Expired.
    monkeypatch.setattr(services.closing, "DOCUMENT_LINK_SECONDS", -1)
    assert _client(staff).get(f"{url}?t={token}").status_code == 404

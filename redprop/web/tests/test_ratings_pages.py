"""星级评定 pages: the three roles through the cycle, errors next to their field, the
public list without login."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from redprop.ratings import services
from redprop.ratings.models import Assessment, Criterion, Score

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(world):
    cycle = services.cycle_open(
        acting_user=world.users["housing_bureau"],
        city_id=world.city.pk,
        year=timezone.localdate().year,
    )
    return Assessment.objects.get(cycle=cycle, company=world.company)


def _fill(assessment, points="5"):
    return {
        f"score_{c.code}": points
        for c in Criterion.objects.filter(cycle=assessment.cycle, metric="")
    }


def test_three_roles_take_it_through_the_pages(world, assessment):
    company = world.client("company_staff")
    page = company.get(f"/ratings/a/{assessment.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="score_org_branch"' in html  # the company scores in its stage
    assert 'data-action="submit"' in html
    assert 'data-action="certify"' not in html
    r = company.post(f"/ratings/a/{assessment.pk}/scores/", _fill(assessment))
    assert r.status_code == 302
    assert company.post(f"/ratings/a/{assessment.pk}/do/submit/").status_code == 302

    committee = world.client("community_staff")
    html = committee.get(f"/ratings/a/{assessment.pk}/").content.decode()
    # Prefilled with the company's points, to change where the committee disagrees.
    assert re.search(r'name="score_org_branch"[^>]*value="5', html)
    assert 'data-action="send_back"' in html and 'data-action="forward"' in html
    committee.post(f"/ratings/a/{assessment.pk}/scores/", _fill(assessment, "4"))
    assert committee.post(f"/ratings/a/{assessment.pk}/do/forward/").status_code == 302

    bureau = world.client("housing_bureau")
    bureau.post(f"/ratings/a/{assessment.pk}/scores/", _fill(assessment, "4.5"))
    assert bureau.post(f"/ratings/a/{assessment.pk}/do/certify/").status_code == 302
    assessment.refresh_from_db()
    assert assessment.stage == "certified"
    assert Score.objects.filter(assessment=assessment, stage="bureau").count() == len(
        _fill(assessment)
    )

    public = world.client("resident").get("/ratings/public/").content.decode()
    anonymous = __import__("django.test", fromlist=["Client"]).Client().get("/ratings/public/")
    assert anonymous.status_code == 200
    if assessment.stars:
        assert world.company.name in public
    else:
        assert "暂无认定的星级物业企业" in public


def test_a_bad_score_shows_next_to_its_field_and_changes_nothing(world, assessment):
    company = world.client("company_staff")
    data = _fill(assessment)
    data["score_team_staff"] = "99"
    r = company.post(f"/ratings/a/{assessment.pk}/scores/", data)
    assert r.status_code == 400
    html = r.content.decode()
    assert 'id="err_score_team_staff"' in html
    assert 'value="99"' in html  # what was typed stays
    assert not Score.objects.filter(assessment=assessment).exists()


def test_send_back_without_a_reason_is_an_error_on_the_reason(world, assessment):
    company = world.client("company_staff")
    company.post(f"/ratings/a/{assessment.pk}/scores/", _fill(assessment))
    company.post(f"/ratings/a/{assessment.pk}/do/submit/")
    r = world.client("community_staff").post(f"/ratings/a/{assessment.pk}/do/send_back/")
    assert r.status_code == 400
    assert "请填写原因" in r.content.decode()
    assessment.refresh_from_db()
    assert assessment.stage == "community"

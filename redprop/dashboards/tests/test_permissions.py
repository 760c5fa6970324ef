"""Who may open the dashboard and the report pages, and for which places."""

import pytest
from django.urls import reverse

from redprop.dashboards.models import ReportExport
from redprop.dashboards.periods import month_value, this_month

pytestmark = pytest.mark.django_db

DASHBOARD_ALLOWED = [
    "community_staff",
    "street_officer",
    "housing_bureau",
    "sysadmin",
    "company_staff",
]
DASHBOARD_REFUSED = ["resident", "grid_butler", "maintenance_worker", "unit_staff", "nobody"]
REPORTS_ALLOWED = ["community_staff", "street_officer", "housing_bureau", "sysadmin"]
REPORTS_REFUSED = [
    "company_staff",
    "resident",
    "grid_butler",
    "maintenance_worker",
    "unit_staff",
    "nobody",
]


@pytest.mark.parametrize("role", DASHBOARD_ALLOWED)
def test_dashboard_opens_for_desk_roles_and_company_staff(world, role):
    resp = world.client(role).get(reverse("dashboards:dashboard"))
    assert resp.status_code == 200
    assert "数据看板" in resp.content.decode()


@pytest.mark.parametrize("role", DASHBOARD_REFUSED)
def test_dashboard_refused_to_other_roles(world, role):
    assert world.client(role).get(reverse("dashboards:dashboard")).status_code == 403


@pytest.mark.parametrize("role", REPORTS_ALLOWED)
def test_reports_open_for_region_desks(world, role):
    assert world.client(role).get(reverse("dashboards:reports")).status_code == 200


@pytest.mark.parametrize("role", REPORTS_REFUSED)
def test_reports_refused_to_other_roles(world, role):
    client = world.client(role)
    assert client.get(reverse("dashboards:reports")).status_code == 403
    resp = client.post(
        reverse("dashboards:reports"),
        {"node": world.community.pk, "month": month_value(this_month()), "format": "xlsx"},
    )
    assert resp.status_code == 403
    assert not ReportExport.objects.exists()


def test_anonymous_is_sent_to_login(client):
    for name in ("dashboards:dashboard", "dashboards:reports"):
        resp = client.get(reverse(name))
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


@pytest.mark.parametrize(
    ("role", "node", "status"),
    [
        ("street_officer", "community", 200),
        ("street_officer", "street", 200),
        ("street_officer", "community_b", 404),  # another street's community
        ("street_officer", "street_b", 404),
        ("street_b", "community", 404),
        ("community_staff", "community", 200),
        ("community_staff", "street", 404),  # above the community's own scope
        ("housing_bureau", "community_b", 200),
        ("sysadmin", "community_b", 200),
        ("company_staff", "community", 404),  # a unit's scope is its orders, not a place
    ],
)
def test_dashboard_focus_must_be_inside_the_scope(world, role, node, status):
    region = getattr(world, node)
    resp = world.client(role).get(reverse("dashboards:dashboard"), {"node": region.pk})
    assert resp.status_code == status


@pytest.mark.parametrize("node", ["999999", "abc", "-1"])
def test_unknown_focus_is_404(world, node):
    resp = world.client("street_officer").get(reverse("dashboards:dashboard"), {"node": node})
    assert resp.status_code == 404


def test_reports_for_another_streets_community_are_404(world):
    client = world.client("street_officer")
    url = reverse("dashboards:reports")
    assert client.get(url, {"node": world.community_b.pk}).status_code == 404
    resp = client.post(
        url, {"node": world.community_b.pk, "month": month_value(this_month()), "format": "pdf"}
    )
    assert resp.status_code == 404
    assert not ReportExport.objects.exists()


def test_picker_lists_only_places_in_scope(world):
    resp = world.client("street_officer").get(reverse("dashboards:dashboard"))
    html = resp.content.decode()
    assert world.community.name in html and world.street.name in html
    assert world.community_b.name not in html
    resp = world.client("housing_bureau").get(reverse("dashboards:dashboard"))
    html = resp.content.decode()
    assert world.community_b.name in html and world.street_b.name in html


@pytest.mark.parametrize("month", ["2026-13", "26-11", "abc", "2026/11", "1999-12"])
def test_bad_month_is_400_with_the_error_next_to_the_field(world, month):
    resp = world.client("street_officer").get(reverse("dashboards:dashboard"), {"month": month})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'id="f-month-error"' in html and "月份格式应为 YYYY-MM" in html
    assert f'value="{month}"' in html  # what the user typed is kept
    assert 'aria-invalid="true"' in html


def test_future_month_is_400(world):
    from redprop.dashboards.periods import add_months

    future = month_value(add_months(this_month(), 1))
    resp = world.client("street_officer").get(reverse("dashboards:dashboard"), {"month": future})
    assert resp.status_code == 400
    assert "尚未开始" in resp.content.decode()


def test_report_form_errors_keep_the_input(world):
    client = world.client("community_staff")
    resp = client.post(
        reverse("dashboards:reports"),
        {"node": world.community.pk, "month": "2026-99", "format": "pdf"},
    )
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'id="r-month-error"' in html and 'value="2026-99"' in html
    assert 'value="pdf" checked' in html
    resp = client.post(
        reverse("dashboards:reports"), {"node": "", "month": month_value(this_month())}
    )
    assert resp.status_code == 400
    assert 'id="r-node-error"' in resp.content.decode()
    resp = client.post(
        reverse("dashboards:reports"),
        {"node": world.community.pk, "month": month_value(this_month()), "format": "docx"},
    )
    assert resp.status_code == 400
    assert not ReportExport.objects.exists()

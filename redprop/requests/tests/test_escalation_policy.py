"""Who an escalation reaches is SLA policy data (``SlaPolicy.escalate_to``), like the
deadlines: validated, frozen on the request when filed, the default the Jinghe ladder."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from redprop.notifications.models import InboxItem
from redprop.requests import policies, services
from redprop.requests.models import RequestEvent, ServiceRequest, SlaPolicy
from redprop.requests.tests.helpers import file_request, post

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("ladder", "problem"),
    [
        (["grid", "community", "street"], None),
        (["community", "street"], None),
        (["street"], None),
        ([], "empty"),
        ("street", "empty"),
        (["grid", "district"], "unknown"),
        (["street", "community"], "order"),
        (["grid", "grid"], "order"),
    ],
)
def test_a_ladder_names_known_targets_once_lowest_first(ladder, problem):
    assert policies.escalate_to_problem(ladder) == problem


def test_the_admin_refuses_a_ladder_going_down():
    policy = SlaPolicy(name="试点", escalate_to=["street", "grid"])
    with pytest.raises(ValidationError) as err:
        policy.full_clean()
    assert "escalate_to" in err.value.message_dict


def test_the_default_is_grid_community_street_and_old_snapshots_keep_it():
    assert SlaPolicy(name="默认").escalate_to == ["grid", "community", "street"]
    old = {"escalate": [0, 30, 120]}  # filed before the ladder was data
    assert [policies.escalation_target(old, n) for n in (1, 2, 3, 4)] == [
        "grid",
        "community",
        "street",
        "street",
    ]


def test_a_policy_without_the_grid_step_escalates_first_to_the_community(world, relay):
    policy = policies.default_policy()
    policy.escalate_to = ["community", "street"]
    policy.escalate_after_minutes = [0, 30]
    policy.save()
    rid = file_request(world)["id"]
    post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.company.pk})
    r = ServiceRequest.objects.get(pk=rid)
    assert r.sla["escalate_to"] == ["community", "street"]
    t0 = r.clock_started_at
    services.sla_sweep(now=t0 + 6 * MIN)  # response breached → level 1: the community
    relay()
    escalated = InboxItem.objects.filter(kind="request.escalated")
    assert escalated.filter(user=world.users["community_staff"]).exists()
    assert not escalated.filter(user=world.users["grid_butler"]).exists()
    services.sla_sweep(now=t0 + 5 * MIN + 31 * MIN)  # level 2: the street
    relay()
    assert escalated.filter(user=world.users["street_officer"]).exists()
    notes = list(
        RequestEvent.objects.filter(request=r, kind="auto_escalated")
        .order_by("id")
        .values_list("note", flat=True)
    )
    assert notes == ["超时未办结，自动上报社区", "超时未办结，自动上报街道"]

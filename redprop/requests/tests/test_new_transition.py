"""Adding a transition touches the action table and its one service: a throwaway step
("recall": the dispatcher takes a returned order back to 已提交), added the way a real
one would be (a row, its edge, its service) and nothing else, is run by the services,
offered and taken on the page, and served by an API route built from its row."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext_noop
from ninja import Router
from ninja.testing import TestClient

from redprop.core.errors import Conflict, PermissionDenied
from redprop.core.workflow import action
from redprop.requests import api, services, workflow
from redprop.requests.choices import EventKind, Status
from redprop.requests.models import RequestEvent, ServiceRequest
from redprop.requests.services.base import reason_of, step
from redprop.web.action_forms import ACTION_FORMS
from redprop.web.tests.helpers import dispatched

pytestmark = pytest.mark.django_db

RECALL = action(
    "recall",
    {Status.RETURNED},
    {Status.SUBMITTED},
    verb=gettext_noop("收回"),
    event=EventKind.NOTE,
    input="reason",
    dispatcher=None,
)


def request_recall(
    *, request: ServiceRequest, reason: str, acting_user, expected_version=None
) -> ServiceRequest:
    """The one service of the new row (what a real one would add to services/dispatch.py)."""
    reason = reason_of(reason)
    with step(
        "recall", request=request, acting_user=acting_user, expected_version=expected_version
    ) as s:
        s.request.handling_org = None
        s.note, s.fields = reason, ["handling_org"]
    return s.request


@pytest.fixture
def recall(monkeypatch):
    """Register the row, its edge and its service for this test only."""
    wf = workflow.WORKFLOW
    monkeypatch.setitem(wf.actions, "recall", RECALL)
    monkeypatch.setitem(
        wf.transitions, Status.RETURNED, wf.transitions[Status.RETURNED] | {Status.SUBMITTED}
    )
    monkeypatch.setitem(services.base.SERVICES, "recall", request_recall)
    assert wf.check() == []  # the table still covers exactly the map
    return RECALL


def _returned(world) -> ServiceRequest:
    r = dispatched(world)
    return services.request_return(
        request=r, reason="不属于本单位", acting_user=world.users["maintenance_worker"]
    )


def test_the_services_run_the_new_row(world, recall):
    r = _returned(world)
    version = r.version
    staff = world.users["community_staff"]
    r = services.request_act("recall", request=r, acting_user=staff, reason="重新研判")
    assert r.status == Status.SUBMITTED and r.handling_org_id is None
    assert r.version == version + 1
    last = RequestEvent.objects.filter(request=r).latest("id")
    assert (last.kind, last.from_status, last.to_status, last.note) == (
        EventKind.NOTE,
        Status.RETURNED,
        Status.SUBMITTED,
        "重新研判",
    )
    # The table's guards: 409 from another state, 403 for someone with no relationship.
    with pytest.raises(Conflict):
        services.request_act("recall", request=r, acting_user=staff, reason="再来一次")
    r2 = _returned(world)
    with pytest.raises(PermissionDenied):
        services.request_act(
            "recall", request=r2, acting_user=world.users["resident"], reason="我也想收回"
        )


def test_the_page_offers_and_takes_the_new_row(world, recall):
    r = _returned(world)
    client = world.client("community_staff")
    page = client.get(f"/r/{r.pk}/").content.decode()
    assert f"/r/{r.pk}/do/recall/" in page and "收回" in page
    # The worker who handed it back is not offered it.
    assert "/do/recall/" not in world.client("resident").get(f"/r/{r.pk}/").content.decode()
    resp = client.post(
        f"/r/{r.pk}/do/recall/", {"recall-version": r.version, "recall-reason": "重新研判"}
    )
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.status == Status.SUBMITTED
    assert "recall" not in ACTION_FORMS  # built from the row, not left registered


def test_the_api_route_is_built_from_the_row(world, recall):
    r = _returned(world)
    router = Router()
    api.add_action_routes(router, [recall])
    client = TestClient(router)
    resp = client.post(
        f"/{r.pk}/recall", json={"reason": "重新研判"}, user=world.users["community_staff"]
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == Status.SUBMITTED

"""schemathesis over /api/v1/meetings only (the whole API's fuzz is in core/tests):
inputs that fit the schema and inputs that break it, as anonymous and each role, with
a series, a planned and a live meeting in the database so small ids name real rows.
No input may answer 5xx."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.accounts.services import token_create
from redprop.core.tests.test_api_fuzz import ROLES, STATUSES, TRIED, _fuzz, schema  # noqa: F401

# .ci/run runs this once, on PostgreSQL (the marker's description in pyproject.toml).
pytestmark = [pytest.mark.django_db, pytest.mark.once]


def _seed(w: Any) -> None:
    from redprop.meetings import services as ms

    desk, resident = w.users[Role.COMMUNITY_STAFF], w.users[Role.RESIDENT]
    ms.series_create(
        community=w.community,
        name="逢四说事",
        convener=desk,
        acting_user=desk,
        invited_orgs=[w.company],
    )
    issue = ms.issue_propose(place=w.compound, title="道闸损坏", acting_user=resident)
    planned = ms.next_meeting(community=w.community)
    ms.agenda_add(meeting=planned, issue=issue, acting_user=desk)
    live = ms.meeting_create(
        place=w.community,
        kind="joint",
        title="联席会议",
        starts_at=timezone.now(),
        acting_user=desk,
    )
    other = ms.issue_propose(place=w.compound, title="楼道堆物", acting_user=resident)
    ms.agenda_add(meeting=live, issue=other, acting_user=desk)
    ms.meeting_convene(meeting=live, acting_user=desk)
    ms.meeting_start(meeting=live, acting_user=desk)
    ms.feed_issue(user=resident, kind="person", acting_user=resident)


def test_meetings_api_answers_no_5xx(world: Any, schema: Any) -> None:  # noqa: F811
    from schemathesis import GenerationMode

    _seed(world)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES[1:]:
        # The key of a write token (the whole-API fuzz sends the NamedTuple's repr,
        # which every route refuses: its answers never reach the handlers).
        issued = token_create(user=world.users[role], name="fuzz", scope="write", acting_user=None)
        headers[role] = {"Authorization": f"Bearer {issued.key}"}
    failures: list[str] = []
    operations = [
        op.ok() for op in schema.get_all_operations() if op.ok().path.startswith("/api/v1/meetings")
    ]
    assert len(operations) >= 25
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, failures)
    print(
        f"\nmeetings API fuzz: {sum(TRIED.values())} inputs over {len(operations)} operations"
        f" (REDPROP_FUZZ_EXAMPLES={os.environ.get('REDPROP_FUZZ_EXAMPLES', '5')});"
        f" by status {dict(sorted(STATUSES.items()))}"
    )
    assert not failures, "\n".join(failures[:20])

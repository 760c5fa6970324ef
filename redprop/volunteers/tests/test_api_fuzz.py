"""schemathesis over /api/v1/volunteers only (the whole API's fuzz is in core/tests):
inputs that fit the schema and inputs that break it, as anonymous and each role, with a
team, a volunteer, a live activity with a sign-up and pending hours in the database so
small ids name real rows. No input may answer 5xx."""

from __future__ import annotations

import os
from typing import Any

import pytest

from redprop.accounts.choices import Role
from redprop.accounts.services import token_create
from redprop.core.tests.test_api_fuzz import ROLES, STATUSES, TRIED, _fuzz, schema  # noqa: F401
from redprop.volunteers.tests.helpers import published, volunteer_world

pytestmark = [pytest.mark.django_db, pytest.mark.once]


def _seed(w: Any) -> None:
    from redprop.volunteers import services as vs

    vw = volunteer_world(w)
    resident = w.users[Role.RESIDENT]
    a = vw["activity"]
    vs.signup_create(activity_id=a.pk, acting_user=resident)
    vs.checkin(activity_id=a.pk, acting_user=resident)
    vs.checkout(activity_id=a.pk, acting_user=resident)
    other = published(w, vw["team"], title="探访独居老人")
    vs.signup_create(activity_id=other.pk, acting_user=resident)


def test_volunteers_api_answers_no_5xx(world: Any, schema: Any) -> None:  # noqa: F811
    from schemathesis import GenerationMode

    _seed(world)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES[1:]:
        issued = token_create(user=world.users[role], name="fuzz", scope="write", acting_user=None)
        headers[role] = {"Authorization": f"Bearer {issued.key}"}
    failures: list[str] = []
    operations = [
        op.ok()
        for op in schema.get_all_operations()
        if op.ok().path.startswith("/api/v1/volunteers")
    ]
    assert len(operations) >= 15
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, failures)
    print(
        f"\nvolunteers API fuzz: {sum(TRIED.values())} inputs over {len(operations)} operations"
        f" (REDPROP_FUZZ_EXAMPLES={os.environ.get('REDPROP_FUZZ_EXAMPLES', '5')});"
        f" by status {dict(sorted(STATUSES.items()))}"
    )
    assert not failures, "\n".join(failures[:20])

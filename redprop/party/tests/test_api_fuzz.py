"""schemathesis over /api/v1/party only (the whole API's fuzz is in core/tests): inputs
that fit the schema and inputs that break it, as anonymous and each role, with members,
a waiting proposal, a post, an appointment and supervision items in the database so
small ids name real rows. No input may answer 5xx."""

from __future__ import annotations

import os
from typing import Any

import pytest

from redprop.accounts.choices import Role
from redprop.accounts.services import token_create
from redprop.core.tests.test_api_fuzz import ROLES, STATUSES, TRIED, _fuzz, schema  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.once]


def _seed(w: Any) -> None:
    from redprop.party import services
    from redprop.party.tests.helpers import party_world, register

    pw = party_world(w)
    members = register(w, pw, 3)
    staff = w.users[Role.COMPANY_STAFF]
    services.post_create(acting_user=staff, member_id=members[0].pk, kind="model", title="示范岗")
    services.supervision_submit(
        acting_user=staff,
        company_id=w.company.pk,
        community_id=w.community.pk,
        kind="spending",
        title="更换门禁",
        detail="公共收益支出",
    )


def test_party_api_answers_no_5xx(world: Any, schema: Any) -> None:  # noqa: F811
    from schemathesis import GenerationMode

    _seed(world)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES[1:]:
        issued = token_create(user=world.users[role], name="fuzz", scope="write", acting_user=None)
        headers[role] = {"Authorization": f"Bearer {issued.key}"}
    failures: list[str] = []
    operations = [
        op.ok() for op in schema.get_all_operations() if op.ok().path.startswith("/api/v1/party")
    ]
    assert len(operations) >= 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, failures)
    print(
        f"\nparty API fuzz: {sum(TRIED.values())} inputs over {len(operations)} operations"
        f" (REDPROP_FUZZ_EXAMPLES={os.environ.get('REDPROP_FUZZ_EXAMPLES', '5')});"
        f" by status {dict(sorted(STATUSES.items()))}"
    )
    assert not failures, "\n".join(failures[:20])

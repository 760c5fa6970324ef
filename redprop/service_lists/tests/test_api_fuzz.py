"""schemathesis over /api/v1/service-lists only (the whole API's fuzz is in core/tests):
inputs that fit the schema and inputs that break it, as anonymous and each role, with
an open, a claimed and an in-progress need in the database so small ids name real rows.
No input may answer 5xx."""

from __future__ import annotations

import os
from typing import Any

import pytest

from redprop.accounts.choices import Role
from redprop.accounts.services import token_create
from redprop.core.tests.test_api_fuzz import ROLES, STATUSES, TRIED, _fuzz, schema  # noqa: F401
from redprop.service_lists import services as s
from redprop.service_lists.tests.helpers import agree, need, resource

pytestmark = [pytest.mark.django_db, pytest.mark.once]


def _seed(w: Any) -> None:
    agree(w)
    unit = w.users[Role.UNIT_STAFF]
    need(w)
    s.item_claim(acting_user=unit, item_id=need(w, title="坡道损坏").pk)
    started = s.item_claim(acting_user=unit, item_id=need(w, title="上门理发").pk)
    s.item_start(acting_user=unit, item_id=started.pk)
    resource(w)


def test_service_lists_api_answers_no_5xx(world: Any, schema: Any) -> None:  # noqa: F811
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
        if op.ok().path.startswith("/api/v1/service-lists")
    ]
    assert len(operations) == 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, failures)
    print(
        f"\nservice-lists API fuzz: {sum(TRIED.values())} inputs over {len(operations)} operations"
        f" (REDPROP_FUZZ_EXAMPLES={os.environ.get('REDPROP_FUZZ_EXAMPLES', '5')});"
        f" by status {dict(sorted(STATUSES.items()))}"
    )
    assert not failures, "\n".join(failures[:20])

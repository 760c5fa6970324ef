"""Fuzz /api/v1/mediation with schemathesis (both generation modes, every role): no
input answers 5xx. The whole API's fuzz (core/tests/test_api_fuzz.py) covers these
operations too; this one runs more examples on them with cases in several states."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis import GenerationMode

from redprop.accounts.choices import Role
from redprop.accounts.services import token_create
from redprop.core.tests.test_api_fuzz import ROLES, TRIED, _fuzz, schema  # noqa: F401
from redprop.mediation import services
from redprop.mediation.tests.helpers import petition

# .ci/run runs this once, on PostgreSQL (the marker's description in pyproject.toml).
pytestmark = [pytest.mark.django_db, pytest.mark.once]


def test_no_mediation_input_answers_5xx(world: Any, schema: Any) -> None:  # noqa: F811
    staff = world.users[Role.COMMUNITY_STAFF]
    for _ in range(2):
        petition(world)
    accepted = petition(world, kind="dispute")
    services.case_accept(case=accepted, acting_user=staff)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES[1:]:
        token = token_create(user=world.users[role], name="fuzz", acting_user=None)
        headers[role] = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = [op.ok() for op in schema.get_all_operations() if "/mediation" in op.ok().path]
    assert len(operations) >= 17
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, failures)
    tried = sum(TRIED.values())
    print(f"\nmediation fuzz: {tried} inputs over {len(operations)} operations")
    assert not failures, "\n".join(failures[:20])

"""Fuzz the whole JSON API (/api/v1/, its OpenAPI schema) with schemathesis, as
anonymous and as a user of each role: no input may answer 5xx (issue #10).

In process (Django's WSGI handler, no server, no mocks), inside the test database
with the shared small city plus a few requests, so that small ids name real rows.
Both generation modes run: inputs that fit the schema and inputs that break it
(wrong types, out-of-range numbers, over-long strings). The number of examples is
bounded (``REDPROP_FUZZ_EXAMPLES``, default 8 per operation, role and mode) so the
suite stays within about a minute and a half on 2 cores; raise it for a longer hunt.
How many inputs were tried is printed (and in docs/security.md, "Input limits").
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from redprop.accounts.choices import Role
from redprop.accounts.services import token_create

# .ci/run runs this once, on PostgreSQL (the marker's description in pyproject.toml).
pytestmark = [pytest.mark.django_db, pytest.mark.once]

EXAMPLES = int(os.environ.get("REDPROP_FUZZ_EXAMPLES", "5"))
ROLES = ["anonymous", *(r.value for r in Role)]
TRIED: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="module")
def schema() -> Any:
    # As Django's test client does: a request must not close the test's connection
    # (its transaction holds the test data).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _seed_requests(world: Any) -> None:
    """A few requests in several states, filed and moved through the services."""
    from redprop.requests import services
    from redprop.requests.models import Category

    cat = Category.objects.get(code="pipe_dredging")
    resident = world.users[Role.RESIDENT]
    staff = world.users[Role.COMMUNITY_STAFF]
    for text in ("厨房下水道堵塞", "楼道灯坏了", "电梯异响"):
        req = services.request_file(
            acting_user=resident, category=cat, description=text, unit=world.unit
        )
    services.request_dispatch(request=req, org=world.company, acting_user=staff)
    _seed_notices_and_campaigns(world)


def _seed_notices_and_campaigns(world: Any) -> None:
    """A published notice and a campaign with one item, so small ids name real rows."""
    from redprop.campaigns.tests.matrix import build
    from redprop.notices.services import notice_create

    notice_create(
        acting_user=world.users[Role.COMMUNITY_STAFF],
        kind="water_cut",
        title="停水通知",
        body="明日停水",
        target_level="building",
        target_id=world.building.pk,
        publish=True,
    )

    class _Fx:
        w = world
        campaigns: dict[str, Any] = {}

    build(_Fx())


def _seed_votes(world: Any) -> None:
    """A draft, an open vote with a ballot, and a published one in the world's compound."""
    from redprop.votes import services

    staff = world.users[Role.COMMUNITY_STAFF]
    services.vote_create(acting_user=staff, scope=world.compound, item=4, title="续聘物业")
    vote = services.open_vote(staff, scope=world.compound, item=6, title="筹集维修资金")
    services.ballot_cast(
        vote=vote, acting_user=world.users[Role.RESIDENT], ballots=[(world.unit.pk, "agree")]
    )
    done = services.open_vote(staff, scope=world.compound, item=4, title="续聘")
    services.vote_close(vote=done, acting_user=staff)
    services.vote_publish(vote=done, acting_user=staff)


UNSATISFIABLE: list[str] = []

# The paths that have a fuzz of their own, with their app's rows seeded in several states
# (redprop/<app>/tests/test_api_fuzz.py): the whole-API run leaves them to it, so each
# operation is fuzzed once (test_each_path_left_out_has_its_own_fuzz keeps this honest).
OWN_FUZZ = {
    "/api/v1/meetings": "meetings",
    "/api/v1/mediation": "mediation",
    "/api/v1/party": "party",
    "/api/v1/duty": "duty",
    "/api/v1/volunteers": "volunteers",
    "/api/v1/service-lists": "service_lists",
}


def test_each_path_left_out_has_its_own_fuzz() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for prefix, app in OWN_FUZZ.items():
        own = root / app / "tests" / "test_api_fuzz.py"
        assert own.exists(), f"{prefix} is left to {own}, which does not exist"
        assert prefix in own.read_text() or prefix.rsplit("/", 1)[1] in own.read_text()


def test_no_input_answers_5xx(world: Any, schema: Any) -> None:
    """Each generated input is sent once as anonymous and once as each role's user
    (generating is the costly part, so one input serves every role).
    ``REDPROP_FUZZ_ONLY=/votes`` limits the run to the paths containing it."""
    _seed_requests(world)
    _seed_votes(world)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES[1:]:
        # A write token (the default is read-only, which would stop every POST at the
        # door) and its key (token_create returns the row and the key).
        issued = token_create(user=world.users[role], name="fuzz", scope="write", acting_user=None)
        headers[role] = {"Authorization": f"Bearer {issued.key}"}
    failures: list[str] = []
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) > 60, "the schema lost its operations"
    # REDPROP_FUZZ_ONLY=notices,campaigns: only the operations whose path holds one of
    # these (a branch's own endpoints while it works; the full run fuzzes every one).
    only = [p for p in os.environ.get("REDPROP_FUZZ_ONLY", "").split(",") if p]
    if only:
        operations = [op for op in operations if any(p in op.label for p in only)]
    else:
        operations = [op for op in operations if not op.path.startswith(tuple(OWN_FUZZ))]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, failures)
    total = sum(TRIED.values())
    print(
        f"\nAPI fuzz: {total} inputs ({EXAMPLES} generated per operation and mode, each sent "
        f"as {len(ROLES)} users) over {len(operations)} operations; "
        f"{len(failures)} answered 5xx; by status: {dict(sorted(STATUSES.items()))}; "
        f"no negative input exists for {len(UNSATISFIABLE)} operations"
    )
    assert not failures, "\n".join(failures[:20])


def _fuzz(operation: Any, mode: Any, headers: dict, failures: list[str]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not os.environ.get("REDPROP_FUZZ_RANDOM"),
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: Any) -> None:
        for role, auth in headers.items():
            response = case.call(headers=auth)
            TRIED[role] += 1
            STATUSES[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{operation.label} {mode.value} as {role} → {response.status_code}: "
                    f"path={case.path_parameters} query={case.query} body={case.body!r:.300}"
                )

    try:
        call()
    except Unsatisfiable:
        # An operation with nothing to get wrong (no parameters, no body: a public list)
        # has no negative input at all; a positive input must always be possible.
        if mode is not GenerationMode.NEGATIVE:
            raise
        UNSATISFIABLE.append(operation.label)

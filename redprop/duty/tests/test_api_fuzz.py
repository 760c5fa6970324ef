"""schemathesis over /api/v1/duty only: inputs that fit the schema and inputs that
break it, as anonymous and each role, with an office rota and a hand-over in the
database so small ids name real rows. No input may answer 5xx."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.accounts.services import token_create
from redprop.core.tests.test_api_fuzz import ROLES, STATUSES, TRIED, _fuzz, schema  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendars_data"), pytest.mark.once]


def _seed(w: Any) -> None:
    from redprop.duty import services
    from redprop.duty.tests.test_rota_handover import cadre, committee

    desk = w.users[Role.COMMUNITY_STAFF]
    other = cadre(w, "fuzz_cadre")
    today = timezone.localdate()
    members = [other, desk] if today.weekday() % 2 == 0 else [desk, other]
    services.rota_create(
        org=committee(w),
        community=w.community,
        office="红星社区物业服务站",
        members=members,
        mode="daily",
        weekdays=127,
        day_rule="all",
        starts_at=dt.time(0),
        ends_at=dt.time(23, 59),
        effective_from=today - dt.timedelta(days=today.weekday()),
        acting_user=None,
    )
    services.handover_write(acting_user=other, note="交班说明")


def test_duty_api_answers_no_5xx(world: Any, schema: Any) -> None:  # noqa: F811
    from schemathesis import GenerationMode

    _seed(world)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES[1:]:
        issued = token_create(user=world.users[role], name="fuzz", scope="write", acting_user=None)
        headers[role] = {"Authorization": f"Bearer {issued.key}"}
    failures: list[str] = []
    operations = [
        op.ok() for op in schema.get_all_operations() if op.ok().path.startswith("/api/v1/duty")
    ]
    assert len(operations) == 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, failures)
    print(
        f"\nduty API fuzz: {sum(TRIED.values())} inputs over {len(operations)} operations"
        f" (REDPROP_FUZZ_EXAMPLES={os.environ.get('REDPROP_FUZZ_EXAMPLES', '5')});"
        f" by status {dict(sorted(STATUSES.items()))}"
    )
    assert not failures, "\n".join(failures[:20])

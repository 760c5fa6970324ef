"""Build a party world through the services, as a user would."""

from __future__ import annotations

from typing import Any

from redprop.accounts.choices import Role
from redprop.orgs.services import org_add_member, party_committee_create
from redprop.party import services
from redprop.people.services import person_create

NAMES = ["赵红梅", "钱卫国", "孙建军", "李秀英", "周志强"]


def party_world(w: Any) -> dict[str, Any]:
    """Community A's party committee, five workers of company A (the first registered
    as a user who may sign in), none yet recorded as a member."""
    committee = party_committee_create(
        community=w.community, name="中共红星社区委员会", acting_user=None
    )
    workers = []
    for i, name in enumerate(NAMES):
        p = person_create(name=name, mobile=f"1391234{i:04d}", acting_user=None)
        org_add_member(org=w.company, person=p, position="管家", acting_user=None)
        workers.append(p)
    return {"committee": committee, "workers": workers}


def register(w: Any, pw: dict[str, Any], n: int, *, compound: Any = None) -> list[Any]:
    staff = w.users[Role.COMPANY_STAFF]
    return [
        services.member_register(
            acting_user=staff,
            company_id=w.company.pk,
            person_id=p.pk,
            compound_id=(compound or w.compound).pk,
        )
        for p in pw["workers"][:n]
    ]

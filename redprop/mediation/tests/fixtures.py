"""Scope A's mediation cases for the permission matrix, one per state the matrix probes,
built through the services (redprop/tests/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.mediation import services
from redprop.mediation.models import MediationPolicy


def build(w: Any) -> dict[str, Any]:
    staff = w.users[Role.COMMUNITY_STAFF]

    def opened(tag: str, kind: str) -> Any:
        return services.case_open(
            kind=kind,
            dispute_type="noise",
            source="walk_in",
            title=f"噪音纠纷 MXA-{tag}",
            summary=f"楼上夜间噪音 MXA-{tag}",
            place=w.compound,
            parties=[
                {"side": "applicant", "kind": "resident", "person_id": w.resident.pk},
                {"side": "respondent", "kind": "company", "org_id": w.company.pk},
            ],
            mediators=[{"kind": "community_staff", "user_id": staff.pk}],
            acting_user=staff,
        )

    def accepted(tag: str, kind: str = "dispute") -> Any:
        return services.case_accept(case=opened(tag, kind), acting_user=staff)

    def mediating(tag: str) -> Any:
        case = accepted(tag)
        services.case_session(
            case=case,
            held_at=clock.now(),
            place="议事厅",
            attendance="双方",
            notes=f"记录 MXA-{tag}",
            acting_user=staff,
        )
        return case

    cases = {
        "registered": opened("registered", "petition"),
        "accepted": accepted("accepted"),
        "mediating": mediating("mediating"),
    }
    cases["agreed"] = services.case_agree(
        case=mediating("agreed"),
        text="物业公司限期整改 MXA-agreed",
        follow_up_on=timezone.localdate(),
        acting_user=staff,
    )
    cases["answered"] = services.case_answer(
        case=accepted("answered", "petition"), text="已答复 MXA-answered", acting_user=staff
    )
    cases["policy"] = MediationPolicy.objects.create(name="矩阵测试规则", region=w.community)
    return cases

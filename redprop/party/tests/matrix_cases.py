"""The permission matrix's entries for 物业党建 (party): every page and API operation.

Scope A: company A's members (placed at compound A / community A), community A's party
committee (``fx.party_org``), a waiting branch proposal for the company's office, a
proposable project (compound A: 3 members, its automatic proposal rejected), a post, a
cross-appointment onto community A's residents' committee, and supervision items
(submitted and answered).
"""

from __future__ import annotations

from typing import Any

from redprop.accounts.choices import Role
from redprop.tests.matrix_base import AUTHENTICATED, EVERY_ROLE, NONE, BodyId, Case

C, D, S, B, A = (
    Role.COMPANY_STAFF,
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
    Role.HOUSING_BUREAU,
    Role.SYSADMIN,
)
PAGE = frozenset({C, D, S, B, A})
RECORD = frozenset({C, D, A})
COMMITTEE = frozenset({D, A})
COMPANY = frozenset({C})
OVERSEERS = frozenset({S, B})


def build(fx: Any) -> None:
    from redprop.orgs.models import Org
    from redprop.orgs.services import org_add_member
    from redprop.party import services
    from redprop.party.models import BranchProposal
    from redprop.people.services import person_create

    w, u = fx.w, fx.w.users
    staff = u[C]
    workers = []
    for i in range(9):
        p = person_create(name=f"矩阵党员{i}", mobile=f"1370000{i:04d}", acting_user=None)
        org_add_member(org=w.company, person=p, position="管家", acting_user=None)
        workers.append(p)

    def reg(p: Any, compound: Any) -> Any:
        return services.member_register(
            acting_user=staff,
            company_id=w.company.pk,
            person_id=p.pk,
            compound_id=compound.pk if compound else None,
        )

    project = [reg(p, w.compound) for p in workers[:3]]
    auto = BranchProposal.objects.get(company=w.company, compound=w.compound)
    services.proposal_reject(acting_user=u[D], proposal_id=auto.pk, reason="矩阵：待人员稳定")
    office = [reg(p, None) for p in workers[3:6]]
    waiting = BranchProposal.objects.get(company=w.company, compound=None, status="proposed")
    consented = project[1]
    services.consent_grant(acting_user=staff, member_id=consented.pk, evidence="矩阵同意书")
    post = services.post_create(
        acting_user=staff, member_id=project[2].pk, kind="vanguard", title="矩阵先锋岗"
    )
    rc = Org.objects.get(name="红星社区居委会")
    appointment = services.appointment_create(
        acting_user=u[D],
        person_id=workers[6].pk,
        home_org_id=w.company.pk,
        seat_org_id=rc.pk,
        position="居委会兼职副主任",
    )

    def submit(title: str) -> Any:
        return services.supervision_submit(
            acting_user=staff,
            company_id=w.company.pk,
            community_id=w.community.pk,
            kind="spending",
            title=title,
            detail="矩阵：动用公共收益维修单元门",
            amount="3000",
        )

    submitted = submit("矩阵待审事项")
    answered = submit("矩阵已审事项")
    services.supervision_opine(acting_user=u[D], supervision_id=answered.pk, opinion="agree")
    fx.extra["party"] = {
        "workers": workers,
        "member": project[0],
        "consented": consented,
        "office": office,
        "waiting": waiting,
        "post": post,
        "rc": rc,
        "appointment": appointment,
        "submitted": submitted,
        "answered": answered,
    }


def _x(fx: Any) -> dict[str, Any]:
    return fx.extra["party"]


def _company(fx: Any) -> dict[str, Any]:
    return {"pk": fx.w.company.pk}


def _api_company(fx: Any) -> dict[str, Any]:
    return {"company_id": fx.w.company.pk}


def _pk(name: str) -> Any:
    return lambda fx: {"pk": _x(fx)[name].pk}


def _new_member(fx: Any) -> dict[str, Any]:
    return {"person": _x(fx)["workers"][7].pk, "compound": fx.w.compound.pk}


def _appointment_body(fx: Any) -> dict[str, Any]:
    return {
        "person": _x(fx)["workers"][8].pk,
        "home_org": fx.w.company.pk,
        "seat_org": _x(fx)["rc"].pk,
        "position": "居委会委员",
    }


def _supervision_body(fx: Any) -> dict[str, Any]:
    return {
        "company": fx.w.company.pk,
        "community": fx.w.community.pk,
        "kind": "charging",
        "title": "矩阵收费事项",
        "detail": "矩阵：车位月租调整",
    }


def _api(body: Any) -> Any:
    """A page form body → the API's field names (…_id)."""

    def make(fx: Any) -> dict[str, Any]:
        return {
            (k if k in ("kind", "title", "detail", "position", "amount") else f"{k}_id"): v
            for k, v in body(fx).items()
        }

    return make


TABLE: dict[str, list[Case]] = {
    # --- pages ---------------------------------------------------------------------------
    "web:party": [Case(PAGE)],
    "web:party_me": [
        Case(EVERY_ROLE),
        # No matrix principal is a member (giving one a person would change what other
        # apps' person-based pages answer): every one is refused (404). A member's own
        # consent is tested in party/tests/test_pages.py.
        Case(NONE, "POST", body=lambda fx: {"consent": "grant"}, ok=(302,)),
    ],
    "web:party_company": [Case(PAGE, args=_company)],
    "web:party_member_register": [
        Case(
            RECORD,
            "POST",
            args=_company,
            body=_new_member,
            ok=(302,),
            seen_by=RECORD | OVERSEERS,
        )
    ],
    "web:party_propose": [
        Case(
            RECORD,
            "POST",
            args=_company,
            body=lambda fx: {"compound": fx.w.compound.pk},
            ok=(302,),
            seen_by=RECORD | OVERSEERS,
        )
    ],
    "web:party_member_reveal": [
        Case(
            COMMITTEE,
            "POST",
            args=_pk("member"),
            body=lambda fx: {"reason": "矩阵核对"},
            seen_by=PAGE,
        )
    ],
    "web:party_proposal_action": [
        Case(
            COMMITTEE,
            "POST",
            args=lambda fx: {"pk": _x(fx)["waiting"].pk, "action": "approve"},
            ok=(302,),
            seen_by=PAGE,
        ),
        Case(
            COMMITTEE,
            "POST",
            args=lambda fx: {"pk": _x(fx)["waiting"].pk, "action": "reject"},
            body=lambda fx: {"reason": "矩阵理由"},
            ok=(302,),
            seen_by=PAGE,
            label="reject",
        ),
    ],
    "web:party_posts": [Case(PAGE)],
    "web:party_post_new": [
        Case(
            RECORD,
            "POST",
            body=lambda fx: {"member": _x(fx)["member"].pk, "kind": "model", "title": "矩阵示范岗"},
            ok=(302,),
            names_a=True,
        )
    ],
    "web:party_post_end": [
        Case(RECORD, "POST", args=_pk("post"), ok=(302,), seen_by=PAGE),
    ],
    "web:party_appointments": [
        Case(PAGE),
        # Another scope's organisation is a 400 on its field, as an unknown one.
        Case(
            COMMITTEE,
            "POST",
            body=_appointment_body,
            ok=(302,),
            names_a=True,
            refuse_400=True,
        ),
    ],
    "web:party_appointment_end": [
        Case(COMMITTEE, "POST", args=_pk("appointment"), ok=(302,)),
    ],
    "web:party_supervision": [
        Case(PAGE),
        Case(COMPANY, "POST", body=_supervision_body, ok=(302,), names_a=True),
    ],
    "web:party_supervision_detail": [Case(PAGE, args=_pk("submitted"))],
    "web:party_supervision_action": [
        Case(
            COMMITTEE,
            "POST",
            args=lambda fx: {"pk": _x(fx)["submitted"].pk, "action": "opine"},
            body=lambda fx: {"opinion": "agree"},
            ok=(302,),
            seen_by=PAGE,
        ),
        Case(
            COMPANY,
            "POST",
            args=lambda fx: {"pk": _x(fx)["submitted"].pk, "action": "withdraw"},
            ok=(302,),
            seen_by=PAGE,
            label="withdraw",
        ),
        Case(
            COMPANY,
            "POST",
            args=lambda fx: {"pk": _x(fx)["answered"].pk, "action": "close"},
            body=lambda fx: {"note": "已按意见实施"},
            ok=(302,),
            seen_by=PAGE,
            label="close",
        ),
    ],
    # --- API -----------------------------------------------------------------------------
    "api:party_coverage": [Case(PAGE)],
    "api:party_company": [Case(PAGE, args=_api_company)],
    "api:party_member_register": [
        Case(
            RECORD,
            "POST",
            body=lambda fx: {"company_id": fx.w.company.pk, **_api(_new_member)(fx)},
            ok=(201,),
            names_a=True,
        )
    ],
    "api:party_member": [Case(PAGE, args=lambda fx: {"member_id": _x(fx)["member"].pk})],
    "api:party_member_reveal": [
        Case(
            COMMITTEE,
            "POST",
            args=lambda fx: {"member_id": _x(fx)["member"].pk},
            body=lambda fx: {"reason": "矩阵核对"},
            seen_by=PAGE,
        )
    ],
    "api:party_member_leave": [
        Case(
            RECORD,
            "POST",
            args=lambda fx: {"member_id": _x(fx)["member"].pk},
            seen_by=PAGE,
        )
    ],
    "api:party_member_record": [Case(PAGE, args=lambda fx: {"member_id": _x(fx)["member"].pk})],
    "api:party_consent_grant": [
        Case(
            RECORD,
            "POST",
            args=lambda fx: {"member_id": _x(fx)["member"].pk},
            body=lambda fx: {"evidence": "矩阵同意书"},
        )
    ],
    "api:party_consent_withdraw": [
        Case(
            RECORD,
            "POST",
            args=lambda fx: {"member_id": _x(fx)["consented"].pk},
            body=lambda fx: {"evidence": "矩阵撤回书"},
        )
    ],
    "api:party_me": [Case(frozenset({AUTHENTICATED}))],
    "api:party_proposals": [Case(PAGE)],
    "api:party_propose": [
        Case(
            RECORD,
            "POST",
            body=lambda fx: {"company_id": fx.w.company.pk, "compound_id": fx.w.compound.pk},
            ok=(201,),
            names_a=True,
        )
    ],
    "api:party_proposal_action": [
        Case(
            COMMITTEE,
            "POST",
            args=lambda fx: {"proposal_id": _x(fx)["waiting"].pk, "action": "approve"},
            seen_by=PAGE,
        ),
        Case(
            COMMITTEE,
            "POST",
            args=lambda fx: {"proposal_id": _x(fx)["waiting"].pk, "action": "reject"},
            body=lambda fx: {"reason": "矩阵理由"},
            seen_by=PAGE,
            label="reject",
        ),
    ],
    "api:party_posts": [Case(PAGE)],
    "api:party_post_create": [
        Case(
            RECORD,
            "POST",
            body=lambda fx: {
                "member_id": _x(fx)["member"].pk,
                "kind": "model",
                "title": "矩阵示范岗",
            },
            ok=(201,),
            names_a=True,
        )
    ],
    "api:party_post_end": [
        Case(RECORD, "POST", args=lambda fx: {"post_id": _x(fx)["post"].pk}, seen_by=PAGE)
    ],
    "api:party_appointments": [Case(PAGE)],
    "api:party_appointment_create": [
        Case(
            COMMITTEE,
            "POST",
            body=_api(_appointment_body),
            ok=(201,),
            names_a=True,
            refuse_400=True,
        )
    ],
    "api:party_appointment_end": [
        Case(
            COMMITTEE,
            "POST",
            args=lambda fx: {"appointment_id": _x(fx)["appointment"].pk},
            seen_by=frozenset({Role.SYSADMIN}),
        )
    ],
    "api:party_supervisions": [Case(PAGE)],
    "api:party_supervision_submit": [
        Case(COMPANY, "POST", body=_api(_supervision_body), ok=(201,), names_a=True)
    ],
    "api:party_supervision": [
        Case(PAGE, args=lambda fx: {"supervision_id": _x(fx)["submitted"].pk})
    ],
    "api:party_supervision_action": [
        Case(
            COMMITTEE,
            "POST",
            args=lambda fx: {"supervision_id": _x(fx)["submitted"].pk, "action": "opine"},
            body=lambda fx: {"opinion": "agree"},
            seen_by=PAGE,
        ),
        Case(
            COMPANY,
            "POST",
            args=lambda fx: {"supervision_id": _x(fx)["submitted"].pk, "action": "withdraw"},
            seen_by=PAGE,
            label="withdraw",
        ),
        Case(
            COMPANY,
            "POST",
            args=lambda fx: {"supervision_id": _x(fx)["answered"].pk, "action": "close"},
            body=lambda fx: {"note": "已按意见实施"},
            seen_by=PAGE,
            label="close",
        ),
    ],
}


# Ids inside bodies: one of scope B is answered exactly as one that does not exist.
BODY_IDS: list[BodyId] = [
    BodyId(
        C,
        lambda fx: "/api/v1/party/members",
        lambda fx, i: {"company_id": i, "person_id": _x(fx)["workers"][7].pk},
        lambda fx: fx.w.company_b.pk,
        "party member: company_id of another street",
    ),
    BodyId(
        C,
        lambda fx: "/api/v1/party/members",
        lambda fx, i: {
            "company_id": fx.w.company.pk,
            "person_id": _x(fx)["workers"][7].pk,
            "compound_id": i,
        },
        lambda fx: fx.w.compound_b.pk,
        "party member: compound_id of another company",
    ),
    BodyId(
        C,
        lambda fx: "/api/v1/party/members",
        lambda fx, i: {"company_id": fx.w.company.pk, "person_id": i},
        lambda fx: fx.w.resident_b.pk,
        "party member: person_id not on the company's staff",
    ),
    BodyId(
        C,
        lambda fx: "/api/v1/party/proposals",
        lambda fx, i: {"company_id": i},
        lambda fx: fx.w.company_b.pk,
        "branch proposal: company_id of another street",
    ),
    BodyId(
        C,
        lambda fx: "/api/v1/party/posts",
        lambda fx, i: {
            "member_id": _x(fx)["member"].pk,
            "kind": "area",
            "title": "责任区",
            "building_ids": [i],
        },
        lambda fx: fx.w.building_b.pk,
        "post: building of another company",
    ),
    BodyId(
        D,
        lambda fx: "/api/v1/party/appointments",
        lambda fx, i: {
            "person_id": _x(fx)["workers"][8].pk,
            "home_org_id": fx.w.company.pk,
            "seat_org_id": i,
            "position": "委员",
        },
        lambda fx: fx.w.company_b.pk,
        "cross-appointment: seat_org_id of another street",
    ),
    BodyId(
        C,
        lambda fx: "/api/v1/party/supervision",
        lambda fx, i: {
            "company_id": i,
            "community_id": fx.w.community.pk,
            "kind": "spending",
            "title": "事项",
            "detail": "说明",
        },
        lambda fx: fx.w.company_b.pk,
        "supervision: company_id of another street",
    ),
    BodyId(
        C,
        lambda fx: "/api/v1/party/supervision",
        lambda fx, i: {
            "company_id": fx.w.company.pk,
            "community_id": i,
            "kind": "spending",
            "title": "事项",
            "detail": "说明",
        },
        lambda fx: fx.w.community_b.pk,
        "supervision: community_id the company does not serve",
    ),
]

"""Who hears about party-building decisions (through the notification outbox).

Called by the services inside the transaction of the change, so a change that rolls
back tells nobody. Each is one fan-out row, resolved by the relay on delivery.

* ``party.branch_proposed`` — the community staff of the community whose party
  committee decides (they approve or reject: ``permissions.is_committee``), whether
  the company proposed or the platform did on the third member;
* ``party.branch_approved`` / ``party.branch_rejected`` — the company's staff, the
  reason with a rejection;
* ``party.supervision_submitted`` — the community staff who give the opinion;
* ``party.supervision_opinion`` — the company's staff, with the opinion and its text.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop, override

from redprop.accounts.choices import Role
from redprop.notifications.audience import audience
from redprop.notifications.services import outbox_fanout
from redprop.notifications.texts import Text
from redprop.party.choices import Opinion, SupervisionKind
from redprop.party.models import BranchProposal, Supervision


def _committee_staff(community_id: int | None) -> dict[str, object]:
    return audience(region_roles=(community_id, (Role.COMMUNITY_STAFF,)))


def _company_staff(company_id: int | None) -> dict[str, object]:
    return audience(org_roles=(company_id, (Role.COMPANY_STAFF,)))


def _label(choice: type, value: str) -> str:
    """The label's msgid (the platform language), translated per reader by the inbox."""
    with override("zh-hans"):
        return str(choice(value).label)  # type: ignore[call-arg]


def branch_proposed(p: BranchProposal) -> None:
    outbox_fanout(
        kind="party.branch_proposed",
        subject=Text(gettext_noop("党支部组建提议待审批：%(name)s"), {"name": p.name}),
        body=Text(
            gettext_noop("%(company)s 在该项目有党员 %(n)s 名，提议成立党支部，请社区党委审批。"),
            {"company": p.company.name, "n": p.members},
        ),
        link=reverse("web:party"),
        audience=_committee_staff(p.committee.community_id),
        payload={"proposal": p.pk, "company": p.company_id, "members": p.members},
        target=p,
    )


def branch_decided(p: BranchProposal, *, approved: bool, reason: str = "") -> None:
    if approved:
        kind = "party.branch_approved"
        subject = Text(gettext_noop("党支部组建已批准：%(name)s"), {"name": p.name})
        body = Text(gettext_noop("社区党委已批准成立，%(n)s 名党员转入该支部。"), {"n": p.members})
    else:
        kind = "party.branch_rejected"
        subject = Text(gettext_noop("党支部组建未获批准：%(name)s"), {"name": p.name})
        body = Text(gettext_noop("原因：%(reason)s"), {"reason": reason[:200]})
    outbox_fanout(
        kind=kind,
        subject=subject,
        body=body,
        link=reverse("web:party_company", args=[p.company_id]),
        audience=_company_staff(p.company_id),
        payload={"proposal": p.pk, "approved": approved},
        target=p,
    )


def supervision_submitted(s: Supervision) -> None:
    outbox_fanout(
        kind="party.supervision_submitted",
        subject=Text(
            gettext_noop("待出具意见：%(company)s 报送“%(title)s”"),
            {"company": s.company.name, "title": s.title},
        ),
        body=Text(
            gettext_noop("事项类型：%(kind)s；请于 %(due)s 前出具意见。"),
            {"kind": _label(SupervisionKind, s.kind), "due": s.due_on.isoformat()},
            translated=("kind",),
        ),
        link=reverse("web:party_supervision_detail", args=[s.pk]),
        audience=_committee_staff(s.community_id),
        payload={"supervision": s.pk, "company": s.company_id, "kind": s.kind},
        target=s,
    )


def supervision_opinion(s: Supervision) -> None:
    params = {"title": s.title, "opinion": _label(Opinion, s.opinion)}
    subject = Text(
        gettext_noop("社区党委对“%(title)s”的意见：%(opinion)s"), params, translated=("opinion",)
    )
    body = (
        Text(gettext_noop("意见说明：%(text)s"), {"text": s.opinion_text[:300]})
        if s.opinion_text
        else subject
    )
    outbox_fanout(
        kind="party.supervision_opinion",
        subject=subject,
        body=body,
        link=reverse("web:party_supervision_detail", args=[s.pk]),
        audience=_company_staff(s.company_id),
        payload={"supervision": s.pk, "opinion": s.opinion},
        target=s,
    )

"""Reads for 联系居民 / 联系处理人."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from redprop.contact.models import ContactRecord

if TYPE_CHECKING:
    from redprop.accounts.models import User


def work_phone_of(*, user: User | None, org: Any) -> str:
    """The work phone of ``user``'s current membership of ``org`` (工作电话), or ""."""
    person_id = getattr(user, "person_id", None)
    if not person_id or org is None:
        return ""
    from redprop.orgs.models import OrgMembership

    phone = (
        OrgMembership.objects.filter(org=org, person_id=person_id, ended_on__isnull=True)
        .exclude(work_phone="")
        .values_list("work_phone", flat=True)
        .first()
    )
    return phone or ""


def handler_phone(*, request: Any) -> str:
    """The number a reporter may call about ``request``: the assignee's work phone in
    the handling unit, else the unit's service phone. Never a personal mobile."""
    org = request.handling_org
    if org is None:
        return ""
    phone = work_phone_of(user=request.assignee, org=org) if request.assignee_id else ""
    return phone or org.service_phone


def contact_records(*, request: Any) -> QuerySet[ContactRecord]:
    return ContactRecord.objects.filter(request=request).select_related("actor")

"""The monthly disclosure (公示) as one action table on ``core.workflow``.

draft → signed by the owners' committee → signed by the party organisation →
published (the month is then closed). Each step names the relationship that may
take it (``permissions.py``); the services, the pages and the API read this table.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from redprop.core.workflow import Workflow, action
from redprop.fees import permissions
from redprop.fees.choices import DISCLOSURE_TRANSITIONS, DisclosureStatus
from redprop.fees.errors import FeesError

S = DisclosureStatus

WORKFLOW: Workflow[Any] = Workflow(
    "fees.disclosure",
    [
        action(
            "sign_committee",
            {S.DRAFT},
            {S.COMMITTEE_SIGNED},
            committee=None,
            verb=_("业委会签字"),
            service="disclosure_sign_committee",
        ),
        action(
            "sign_party",
            {S.COMMITTEE_SIGNED},
            {S.PARTY_SIGNED},
            party_org=None,
            verb=_("党组织签字"),
            service="disclosure_sign_party",
        ),
        action(
            "publish",
            {S.PARTY_SIGNED},
            {S.PUBLISHED},
            preparer=None,
            verb=_("发布公示"),
            service="disclosure_publish",
        ),
    ],
    {
        "committee": permissions.is_committee_member,
        "party_org": permissions.is_party_org,
        "preparer": permissions.is_preparer,
    },
    states=DisclosureStatus,
    transitions={k: v for k, v in DISCLOSURE_TRANSITIONS.items()},
    conflict_code=FeesError.CONFLICT,
)

"""联系居民: the handler of an open order reaches its reporter (ADR 0014).

PIPL's minimum necessary: the number is read for this order only, by its named
handler, while the order is open; the read goes on the PII access log with an
automatic reason, and a ``ContactRecord`` row says how the contact was made.
``settings.REDPROP_CONTACT_MODE`` chooses between showing the number (``reveal``)
and placing the call through a number-masking gateway (``bridge``), which never
shows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.contact.choices import ContactMethod
from redprop.contact.errors import ContactError
from redprop.contact.gateways import GatewayError, get_gateway
from redprop.contact.models import ContactRecord
from redprop.contact.selectors import work_phone_of
from redprop.core.errors import ApplicationError
from redprop.people.choices import SensitiveField
from redprop.people.services import person_reveal
from redprop.requests import permissions
from redprop.requests.models import ServiceRequest

if TYPE_CHECKING:
    from redprop.accounts.models import User

# Stored on the PII access log in the platform language (data, not a message).
REVEAL_REASON = gettext_noop("联系居民：办理诉求 %(number)s")


@dataclass(frozen=True)
class ContactResult:
    """What the handler is shown: the number to dial and, for a bridge, until when."""

    method: str
    number: str
    expires_at: dt.datetime | None
    record: ContactRecord


def contact_mode() -> str:
    mode = getattr(settings, "REDPROP_CONTACT_MODE", ContactMethod.REVEAL)
    return ContactMethod.BRIDGE if mode == ContactMethod.BRIDGE else ContactMethod.REVEAL


@transaction.atomic
def contact_reporter(*, request: ServiceRequest, acting_user: User) -> ContactResult:
    """Let the current assignee of an open order reach its reporter.

    Refused (403 ``contact_not_allowed``) to anyone else, and once the order is no
    longer open; 400 ``contact_no_number`` when the reporter left no mobile. In
    ``bridge`` mode the caller needs a work phone (400 ``contact_no_work_phone``)
    and a failing gateway is a 502 ``contact_gateway_failed``. A refusal writes
    nothing; a success writes one ``PiiAccessLog`` row and one ``ContactRecord``.
    """
    request = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("reporter", "handling_org")
        .get(pk=request.pk)
    )
    if not permissions.can_contact_reporter(acting_user, request):
        raise ApplicationError(
            ContactError.NOT_ALLOWED,
            _("只有本单当前处理人在办理期间可以联系居民"),
            status=403,
        )
    reporter = request.reporter
    if reporter is None or not reporter.mobile_enc:
        raise ApplicationError(ContactError.NO_NUMBER, _("该居民未留手机号码"))
    mode = contact_mode()
    caller = ""
    if mode == ContactMethod.BRIDGE:
        caller = work_phone_of(user=acting_user, org=request.handling_org)
        if not caller:
            raise ApplicationError(
                ContactError.NO_WORK_PHONE,
                _("您在承办单位没有登记工作电话，无法通过隐私号拨打，请联系单位管理员登记"),
            )
    mobile = person_reveal(
        person=reporter,
        field=SensitiveField.MOBILE,
        reason=REVEAL_REASON % {"number": request.number},
        acting_user=acting_user,
        context=f"{mode}:{request.number}",
        granted_by="contact",
    )
    if mode == ContactMethod.REVEAL:
        record = ContactRecord.objects.create(
            request=request, actor=acting_user, person=reporter, method=mode
        )
        return ContactResult(method=mode, number=mobile, expires_at=None, record=record)
    gateway = get_gateway()
    minutes = int(getattr(settings, "REDPROP_CONTACT_BRIDGE_MINUTES", 30))
    try:
        bridge = gateway.bind(
            caller=caller, callee=mobile, minutes=minutes, reference=request.number
        )
    except GatewayError as exc:
        raise ApplicationError(
            ContactError.GATEWAY_FAILED, _("隐私号平台暂时无法接通，请稍后再试"), status=502
        ) from exc
    record = ContactRecord.objects.create(
        request=request,
        actor=acting_user,
        person=reporter,
        method=mode,
        gateway=gateway.name[:64],
        call_id=bridge.call_id[:64],
        virtual_number=bridge.virtual_number[:20],
        caller_number=caller[:20],
        expires_at=bridge.expires_at,
    )
    return ContactResult(
        method=mode, number=bridge.virtual_number, expires_at=bridge.expires_at, record=record
    )

"""Every write of the Open311 interface: client keys (issue, revoke, use) and filing a
request from a GeoReport v2 form. A request filed here is an ordinary request: it goes
through ``requests.services.request_file`` with the key's service account, so the
routing, the 5341 deadlines and the scope checks are the same as everywhere else."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.accounts.services import role_grant, user_create
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent
from redprop.open311 import locations
from redprop.open311.choices import Datatype
from redprop.open311.errors import Open311Error
from redprop.open311.models import ClientKey, ServiceAttribute, Submission
from redprop.requests.choices import Channel
from redprop.requests.models import Category
from redprop.requests.services import request_file
from redprop.territory.models import Region

KEY_PREFIX = "o311"
MAX_DESCRIPTION = 2000  # the platform's own limit (GeoReport allows 4,000: refused, not cut)
MAX_TEXT = 64
ATTR_RE = re.compile(r"^attribute\[([A-Za-z0-9_-]{1,32})\](\[\])?$")


def _err(code: Open311Error, message: str, field: str | None = None, status: int = 400) -> Any:
    return ApplicationError(code, message, field=field, status=status)


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def key_issue(
    *,
    name: str,
    region: Region,
    acting_user: User | None,
    per_minute: int = 60,
    expires_at: dt.datetime | None = None,
    channel: str = Channel.HOTLINE,
    raw: str | None = None,
) -> tuple[ClientKey, str]:
    """Issue a key to a client system for ``region`` (a street, district or city). The
    raw key is returned once and never stored; its SHA-256 is. ``raw`` is for the demo
    only (a key printed on every start): otherwise the key is random."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise _err(Open311Error.INVALID_FIELD, _("请填写客户系统名称（不超过 64 个字）"), "name")
    if region.level not in {"city", "district", "street"}:
        raise _err(Open311Error.INVALID_FIELD, _("密钥范围须为市、区或街道"), "region")
    if not 1 <= per_minute <= 10_000:
        raise _err(Open311Error.INVALID_FIELD, _("每分钟限额须在 1 到 10000 之间"), "per_minute")
    if channel not in Channel.values:
        raise _err(Open311Error.INVALID_FIELD, _("未知的渠道"), "channel")
    if raw is None:
        prefix = secrets.token_hex(4)
        raw = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(24)}"
    else:
        prefix = raw.split("_")[1]
    user = user_create(
        username=f"open311-{prefix}", password=None, display_name=name, acting_user=acting_user
    )
    role_grant(user=user, role=Role.HOTLINE, region=region, acting_user=acting_user)
    key = ClientKey.objects.create(
        name=name,
        prefix=prefix,
        key_hash=key_hash(raw),
        user=user,
        region=region,
        channel=channel,
        per_minute=per_minute,
        expires_at=expires_at,
    )
    audit(actor=acting_user, event=AuditEvent.OPEN311_KEY_ISSUED, target=key, region=region.pk)
    return key, raw


@transaction.atomic
def key_revoke(*, key: ClientKey, acting_user: User | None, reason: str = "") -> ClientKey:
    """Revoke a key at once: its next call is refused (403)."""
    key = ClientKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        User.objects.filter(pk=key.user_id).update(is_active=False)
        audit(
            actor=acting_user,
            event=AuditEvent.OPEN311_KEY_REVOKED,
            target=key,
            reason=reason[:200],
        )
    return key


def key_authenticate(raw: str) -> ClientKey:
    """The usable key ``raw`` names, within its rate limit; else 403 (unknown, revoked,
    expired) or 429 (over its calls per minute: a fixed one-minute window in the cache,
    per process when the cache is local memory: docs/api/open311.md)."""
    if not raw or len(raw) > 128:
        raise _err(Open311Error.BAD_KEY, _("缺少或无效的 api_key"), "api_key", 403)
    key = ClientKey.objects.select_related("region", "user").filter(key_hash=key_hash(raw)).first()
    if key is None or not key.usable():
        raise _err(Open311Error.BAD_KEY, _("缺少或无效的 api_key"), "api_key", 403)
    window = int(timezone.now().timestamp() // 60)
    slot = f"open311:rate:{key.prefix}:{window}"
    cache.add(slot, 0, timeout=120)
    try:
        used = cache.incr(slot)
    except ValueError:  # evicted between add and incr
        cache.set(slot, 1, timeout=120)
        used = 1
    if used > key.per_minute:
        raise _err(Open311Error.RATE_LIMITED, _("调用过于频繁，请稍后再试"), "api_key", 429)
    return key


@dataclass(frozen=True)
class Filed:
    submission: Submission
    created: bool


def _one(form: dict[str, list[str]], name: str, limit: int = MAX_TEXT) -> str:
    values = form.get(name) or [""]
    if len(values) > 1:
        raise _err(Open311Error.INVALID_FIELD, _("该字段只能提交一次"), name)
    value = values[0].strip()
    if len(value) > limit:
        raise _err(Open311Error.INVALID_FIELD, _("该字段过长"), name)
    if "\x00" in value:
        raise _err(Open311Error.INVALID_FIELD, _("该字段含有无效字符"), name)
    return value


def _coordinate(raw: str, name: str, bound: int) -> float:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _err(Open311Error.INVALID_FIELD, _("坐标须为十进制数"), name) from None
    if not value.is_finite() or not -bound <= value <= bound:
        raise _err(Open311Error.INVALID_FIELD, _("坐标超出范围"), name)
    return float(value)


def _attributes(category: Category, form: dict[str, list[str]]) -> dict[str, Any]:
    """The answers to the service's questions, checked against its definition."""
    defined = {a.code: a for a in ServiceAttribute.objects.filter(category=category)}
    given: dict[str, list[str]] = {}
    for name, values in form.items():
        m = ATTR_RE.match(name)
        if name.startswith("attribute[") and m is None:
            raise _err(Open311Error.INVALID_ATTRIBUTE, _("附加问题的字段名格式不正确"), name)
        if m is None:
            continue
        code = m.group(1)
        if code not in defined:
            raise _err(Open311Error.INVALID_ATTRIBUTE, _("该服务没有这个附加问题"), name)
        given.setdefault(code, []).extend(values)
    answers: dict[str, Any] = {}
    for code, attr in defined.items():
        values = [v.strip() for v in given.get(code, []) if v.strip()]
        field = f"attribute[{code}]"
        if not values:
            if attr.required and attr.variable:
                raise _err(Open311Error.MISSING_ATTRIBUTE, _("缺少必填的附加问题"), field)
            continue
        if any(len(v) > (2000 if attr.datatype == Datatype.TEXT else 256) for v in values):
            raise _err(Open311Error.INVALID_ATTRIBUTE, _("附加问题的回答过长"), field)
        if attr.datatype != Datatype.MULTI and len(values) > 1:
            raise _err(Open311Error.INVALID_ATTRIBUTE, _("该附加问题只能有一个回答"), field)
        if attr.datatype in (Datatype.SINGLE, Datatype.MULTI):
            keys = {str(v.get("key")) for v in attr.values}
            if any(v not in keys for v in values):
                raise _err(Open311Error.INVALID_ATTRIBUTE, _("回答不在可选项中"), field)
            answers[code] = values if attr.datatype == Datatype.MULTI else values[0]
        elif attr.datatype == Datatype.NUMBER:
            try:
                number = Decimal(values[0])
            except InvalidOperation:
                raise _err(Open311Error.INVALID_ATTRIBUTE, _("回答须为数字"), field) from None
            if not number.is_finite() or abs(number) > Decimal("1e12"):
                raise _err(Open311Error.INVALID_ATTRIBUTE, _("回答须为数字"), field)
            answers[code] = str(number)
        elif attr.datatype == Datatype.DATETIME:
            try:
                dt.datetime.fromisoformat(values[0])
            except ValueError:
                raise _err(Open311Error.INVALID_ATTRIBUTE, _("回答须为日期时间"), field) from None
            answers[code] = values[0]
        else:
            answers[code] = values[0]
    return answers


def _place(key: ClientKey, form: dict[str, list[str]]) -> locations.Place:
    lat, lng = _one(form, "lat", 32), _one(form, "long", 32)
    address_string = _one(form, "address_string", 128)
    address_id = _one(form, "address_id", 32)
    coord_system = _one(form, "coord_system", 8) or "wgs84"
    if coord_system not in {"wgs84", "gcj02"}:
        raise _err(Open311Error.INVALID_FIELD, _("坐标系只能是 wgs84 或 gcj02"), "coord_system")
    everywhere = Region.objects.get(pk=key.region.city_id or key.region.pk)
    place = None
    if lat or lng:
        if not (lat and lng):
            raise _err(Open311Error.INVALID_FIELD, _("纬度和经度须同时提供"), "lat")
        wlat, wlng = locations.to_wgs84(
            _coordinate(lat, "lat", 90), _coordinate(lng, "long", 180), coord_system
        )
        place = locations.nearest_compound(lat=wlat, lng=wlng, region=everywhere)
        field = "lat"
    elif address_id:
        place = locations.unit_by_address_id(address_id=address_id, region=everywhere)
        field = "address_id"
    elif address_string:
        place = locations.match_address(text=address_string, region=everywhere)
        field = "address_string"
    else:
        raise _err(
            Open311Error.LOCATION_REQUIRED,
            _("请提供位置：lat 和 long，或 address_string，或 address_id"),
            "lat",
        )
    if place is None:
        raise _err(Open311Error.LOCATION_UNKNOWN, _("无法将该位置对应到本平台的小区"), field)
    level = key.region.level
    if getattr(place.compound, f"{level}_id") != key.region.pk:
        raise _err(Open311Error.OUT_OF_SCOPE, _("该位置不在本密钥的范围内"), field, 403)
    return place


def _reporter(key: ClientKey, form: dict[str, list[str]], place: locations.Place) -> Any:
    """The caller, when the client sent a phone: found by it in the key's region, or
    registered as a person (the mobile encrypted and indexed, docs/subsystems/people.md)."""
    from redprop.people.selectors import person_find_by_mobile
    from redprop.people.services import person_create
    from redprop.people.validation import clean_mobile

    phone = _one(form, "phone", 32)
    if not phone:
        return None
    try:
        mobile = clean_mobile(phone)
    except ApplicationError as err:
        raise _err(Open311Error.INVALID_FIELD, err.message, "phone") from None
    found = person_find_by_mobile(scope=key.user.scope_set(), mobile=mobile)
    if found is not None:
        return found
    name = (_one(form, "last_name", 16) + _one(form, "first_name", 16)) or _("热线来电人")
    return person_create(name=name, mobile=mobile, place=place.compound, acting_user=key.user)


def _body_hash(form: dict[str, list[str]]) -> str:
    items = sorted((k, v) for k, vs in form.items() if k != "api_key" for v in vs)
    return hashlib.sha256(repr(items).encode()).hexdigest()


def _replay(key: ClientKey, idempotency_key: str, body_hash: str) -> Filed | None:
    if not idempotency_key:
        return None
    found = (
        Submission.objects.select_related("request")
        .filter(client=key, idempotency_key=idempotency_key)
        .first()
    )
    if found is None:
        return None
    if found.body_hash != body_hash:
        raise _err(
            Open311Error.IDEMPOTENCY_MISMATCH,
            _("该 Idempotency-Key 已用于另一个请求体"),
            "Idempotency-Key",
            422,
        )
    return Filed(submission=found, created=False)


def request_file_open311(
    *, key: ClientKey, form: dict[str, list[str]], idempotency_key: str = ""
) -> Filed:
    """File a request from a GeoReport v2 form (``POST requests``) for ``key``'s client.

    Refused with a 4xx and nothing written: an unknown service code (404), a missing
    required attribute, a bad or missing location, a place outside the key's region
    (403), an over-long field. A retry with the same Idempotency-Key and the same body
    returns the first request; with another body it is refused (422)."""
    if len(idempotency_key) > 128:
        raise _err(Open311Error.INVALID_FIELD, _("Idempotency-Key 过长"), "Idempotency-Key")
    body_hash = _body_hash(form)
    replay = _replay(key, idempotency_key, body_hash)
    if replay is not None:
        return replay
    code = _one(form, "service_code", 32)
    if not code:
        raise _err(Open311Error.MISSING_FIELD, _("缺少 service_code"), "service_code")
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise _err(Open311Error.UNKNOWN_SERVICE, _("没有这个服务代码"), "service_code", 404)
    description = _one(form, "description", MAX_DESCRIPTION)
    if not description:
        raise _err(Open311Error.MISSING_FIELD, _("请描述遇到的问题"), "description")
    email = _one(form, "email", 254)
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            raise _err(Open311Error.INVALID_FIELD, _("邮箱格式不正确"), "email") from None
    media_url = _one(form, "media_url", 512)
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise _err(
                Open311Error.INVALID_FIELD, _("media_url 须为 http(s) 地址"), "media_url"
            ) from None
    device_id, account_id = _one(form, "device_id"), _one(form, "account_id")
    try:
        with transaction.atomic():
            place = _place(key, form)
            answers = _attributes(category, form)
            reporter = _reporter(key, form, place)
            request = request_file(
                acting_user=key.user,
                category=category,
                description=description,
                channel=key.channel,
                unit=place.unit,
                building=place.building if place.unit is None else None,
                compound=place.compound if place.unit is None and place.building is None else None,
                reporter=reporter,
            )
            submission = Submission.objects.create(
                token=secrets.token_hex(8),
                client=key,
                request=request,
                idempotency_key=idempotency_key,
                body_hash=body_hash,
                attributes=answers,
                device_id=device_id,
                account_id=account_id,
                media_url=media_url,
            )
            ClientKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
            audit(
                actor=key.user,
                event=AuditEvent.OPEN311_KEY_USED,
                target=key,
                request=request.pk,
                action="create",
            )
    except IntegrityError:
        # Two retries with one Idempotency-Key at the same moment: the first one won.
        replay = _replay(key, idempotency_key, body_hash)
        if replay is None:
            raise
        return replay
    return Filed(submission=submission, created=True)

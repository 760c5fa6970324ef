"""Every write to the duty roster. Atomic, permission-checked and audited.

``acting_user=None`` is the system (seed, import); any other user must be the
organisation's own desk staff (COMPANY_STAFF of that org) or a sysadmin.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.core.audit import audit, snapshot
from redprop.core.errors import ApplicationError, ErrorCode, PermissionDenied
from redprop.core.models import AuditEvent
from redprop.duty import recurrence
from redprop.duty.choices import (
    ALL_WEEK,
    MAX_EVERY_WEEKS,
    PLACE_LEVELS,
    DayRule,
    Duty,
    ShiftKind,
)
from redprop.duty.errors import DutyError
from redprop.duty.models import Shift
from redprop.duty.selectors import is_staff_of
from redprop.orgs.choices import OrgKind
from redprop.orgs.models import Org

# The fields a caller may set; the rest (scope columns) follow from ``place``.
_FIELDS = (
    "duty",
    "kind",
    "weekdays",
    "day_rule",
    "every_weeks",
    "starts_at",
    "ends_at",
    "effective_from",
    "effective_to",
    "note",
)


def may_edit_roster(user: User | None, org: Org) -> bool:
    """The organisation's own desk staff, or a sysadmin (None: the system)."""
    if user is None:
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    return user.scope_set(Role.COMPANY_STAFF, Role.SYSADMIN).contains(org)


def place_level(place: Any) -> str:
    """``grid``, ``community`` or ``street`` (anything else is refused)."""
    from redprop.territory.models import Grid, Region

    if isinstance(place, Grid):
        return "grid"
    if isinstance(place, Region) and place.level in ("community", "street"):
        return str(place.level)
    raise ApplicationError(DutyError.PLACE_LEVEL, _("值班地点须为网格、社区或街道"), field="place")


def _served(org: Org, place: Any, level: str) -> bool:
    from redprop.territory.models import Building, Compound

    if level == "grid":
        return Building.objects.filter(grid=place, compound__company=org).exists()
    return Compound.objects.filter(company=org, **{f"{level}_id": place.pk}).exists()


def shift_check(
    *,
    org: Org,
    user: User,
    place: Any,
    duty: str,
    kind: str,
    starts_at: dt.time,
    ends_at: dt.time,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
    weekdays: int = ALL_WEEK,
    day_rule: str = DayRule.ALL,
    every_weeks: int = 1,
    exclude_pk: int | None = None,
) -> None:
    """Raise ``ApplicationError`` (Chinese message, field) if this shift may not exist.

    Cheap checks first; the overlap with the person's other shifts last.
    """
    if duty not in Duty.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("岗位不正确"), field="duty")
    if kind not in ShiftKind.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("班次类型不正确"), field="kind")
    if day_rule not in DayRule.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("节假日规则不正确"), field="day_rule")
    if org.kind != OrgKind.PROPERTY_COMPANY or not org.is_active:
        raise ApplicationError(
            DutyError.NOT_A_COMPANY, _("维修和管家值班只能由在册的物业企业排班"), field="org"
        )
    if starts_at == ends_at:
        raise ApplicationError(
            DutyError.SAME_START_END,
            _("下班时间不能与上班时间相同；跨夜班请把下班时间设为次日的时刻（例如 22:00–07:00）"),
            field="ends_at",
        )
    if not 1 <= int(weekdays) <= ALL_WEEK:
        raise ApplicationError(DutyError.NO_WEEKDAY, _("请至少选择一天（星期）"), field="weekdays")
    if not 1 <= int(every_weeks) <= MAX_EVERY_WEEKS:
        raise ApplicationError(
            DutyError.EVERY_WEEKS,
            _("轮班周期须在 1 到 %(max)d 周之间") % {"max": MAX_EVERY_WEEKS},
            field="every_weeks",
        )
    if effective_to is not None and effective_to < effective_from:
        raise ApplicationError(DutyError.DATES, _("截止日期不能早于生效日期"), field="effective_to")
    level = place_level(place)
    if level not in PLACE_LEVELS[ShiftKind(kind)]:
        message = (
            _("常规班次须排在网格或社区")
            if kind == ShiftKind.REGULAR
            else _("夜间值班须排在社区或街道")
        )
        raise ApplicationError(DutyError.PLACE_LEVEL, message, field="place")
    if not _served(org, place, level):
        raise ApplicationError(
            DutyError.PLACE_NOT_SERVED,
            _("“%(place)s”不在“%(org)s”的物业服务范围内（没有该企业服务的小区）")
            % {"place": place, "org": org},
            field="place",
        )
    if user is None or not user.is_active or not is_staff_of(user, org):
        raise ApplicationError(
            DutyError.NOT_STAFF,
            _("“%(user)s”不是“%(org)s”的在职人员（须为该企业的在职成员或企业工作人员）")
            % {"user": user, "org": org},
            field="user",
        )
    candidate = recurrence.Pattern(
        weekdays=int(weekdays),
        starts_at=starts_at,
        ends_at=ends_at,
        effective_from=effective_from,
        effective_to=effective_to,
        day_rule=day_rule,
        every_weeks=int(every_weeks),
    )
    others = Shift.objects.filter(user=user).select_related("grid", "community", "street")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for other in others:
        day = recurrence.first_overlap(candidate, other)
        if day is not None:
            raise ApplicationError(
                DutyError.OVERLAP,
                _("与%(user)s已有的班次重叠：%(place)s %(span)s（%(day)s 起）")
                % {
                    "user": user,
                    "place": other.place_label,
                    "span": other.span_label,
                    "day": day.isoformat(),
                },
                field="starts_at",
            )


def _lock_user(user: User) -> None:
    # Serialise roster writes per person, so two concurrent writes cannot both
    # pass the overlap check.
    User.objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def shift_create(
    *,
    org: Org,
    user: User,
    place: Any,
    duty: str = Duty.MAINTENANCE,
    kind: str = ShiftKind.REGULAR,
    starts_at: dt.time,
    ends_at: dt.time,
    effective_from: dt.date | None = None,
    effective_to: dt.date | None = None,
    weekdays: int = ALL_WEEK,
    day_rule: str = DayRule.ALL,
    every_weeks: int = 1,
    note: str = "",
    acting_user: User | None,
) -> Shift:
    """Put a person on the roster. Guarantees: the org is a property company, the
    person is its staff, the place is one it serves at the right level for the kind
    of shift, the span is not empty, and the person has no overlapping shift."""
    if not may_edit_roster(acting_user, org):
        raise PermissionDenied(_("只有本企业工作人员或系统管理员可以排班"))
    if user is not None:
        _lock_user(user)
    effective_from = effective_from or timezone.localdate()
    shift_check(
        org=org,
        user=user,
        place=place,
        duty=duty,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        effective_from=effective_from,
        effective_to=effective_to,
        weekdays=int(weekdays),
        day_rule=day_rule,
        every_weeks=int(every_weeks),
    )
    shift = Shift(
        org=org,
        user=user,
        duty=duty,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        effective_from=effective_from,
        effective_to=effective_to,
        weekdays=int(weekdays),
        day_rule=day_rule,
        every_weeks=int(every_weeks),
        note=note[:64],
    )
    shift.set_place(place)
    shift.save()
    audit(actor=acting_user, event=AuditEvent.SHIFT_CREATED, target=shift)
    return shift


@transaction.atomic
def shift_update(
    *, shift: Shift, acting_user: User | None, place: Any = None, **changes: Any
) -> Shift:
    """Change a shift's pattern, dates, place or note (the person and the organisation
    stay: end the shift and create another instead). Same guarantees as create."""
    unknown = set(changes) - set(_FIELDS)
    if unknown:
        raise ApplicationError(
            ErrorCode.VALIDATION,
            _("不能修改的字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))},
        )
    shift = Shift.objects.select_related("org", "user", "grid", "community", "street").get(
        pk=shift.pk
    )
    if not may_edit_roster(acting_user, shift.org):
        raise PermissionDenied(_("只有本企业工作人员或系统管理员可以修改排班"))
    _lock_user(shift.user)
    before = snapshot(shift)
    for key, value in changes.items():
        setattr(shift, key, value)
    if shift.note:
        shift.note = shift.note[:64]
    place = place if place is not None else shift.place
    shift_check(
        org=shift.org,
        user=shift.user,
        place=place,
        exclude_pk=shift.pk,
        **{k: getattr(shift, k) for k in _FIELDS if k != "note"},
    )
    shift.set_place(place)
    shift.save()
    audit(actor=acting_user, event=AuditEvent.SHIFT_CHANGED, target=shift, before=before)
    return shift


@transaction.atomic
def shift_end(*, shift: Shift, last_day: dt.date, acting_user: User | None) -> Shift:
    """Take a shift off the roster from the day after ``last_day`` (history stays)."""
    shift = Shift.objects.select_related("org").select_for_update(of=("self",)).get(pk=shift.pk)
    if not may_edit_roster(acting_user, shift.org):
        raise PermissionDenied(_("只有本企业工作人员或系统管理员可以修改排班"))
    if last_day < shift.effective_from:
        raise ApplicationError(
            DutyError.DATES,
            _("截止日期不能早于生效日期；尚未生效的班次请直接删除"),
            field="last_day",
        )
    before = snapshot(shift)
    if shift.effective_to is None or last_day < shift.effective_to:
        shift.effective_to = last_day
        shift.save(update_fields=["effective_to", "updated_at"])
    audit(actor=acting_user, event=AuditEvent.SHIFT_ENDED, target=shift, before=before)
    return shift


@transaction.atomic
def shift_delete(*, shift: Shift, acting_user: User | None) -> None:
    """Remove a shift entirely (a mistake). The audit row keeps what it was."""
    shift = Shift.objects.select_related("org").select_for_update(of=("self",)).get(pk=shift.pk)
    if not may_edit_roster(acting_user, shift.org):
        raise PermissionDenied(_("只有本企业工作人员或系统管理员可以删除排班"))
    audit(
        actor=acting_user,
        event=AuditEvent.SHIFT_DELETED,
        target=shift,
        before=snapshot(shift),
        after={},
    )
    shift.delete()

"""Every write to the duty roster. Atomic, permission-checked and audited.

``acting_user=None`` is the system (seed, import); any other user must be the
organisation's own desk staff (COMPANY_STAFF of that org) or a sysadmin.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.core.audit import audit, snapshot
from redprop.core.errors import ApplicationError, Conflict, ErrorCode, PermissionDenied
from redprop.core.models import AuditEvent
from redprop.duty import recurrence
from redprop.duty.choices import (
    ALL_WEEK,
    MAX_EVERY_WEEKS,
    MAX_ROTA_MEMBERS,
    MON_TO_FRI,
    PLACE_LEVELS,
    DayRule,
    Duty,
    HandOverEventKind,
    RotaMode,
    ShiftKind,
)
from redprop.duty.errors import DutyError
from redprop.duty.models import HandOver, HandOverEvent, HandOverItem, Rota, Shift
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
    exclude_rota: int | None = None,
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
    if duty != Duty.OFFICE and (org.kind != OrgKind.PROPERTY_COMPANY or not org.is_active):
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
    if duty == Duty.OFFICE:
        office_check(org=org, user=user, place=place, kind=kind)
    elif level not in PLACE_LEVELS[ShiftKind(kind)]:
        message = (
            _("常规班次须排在网格或社区")
            if kind == ShiftKind.REGULAR
            else _("夜间值班须排在社区或街道")
        )
        raise ApplicationError(DutyError.PLACE_LEVEL, message, field="place")
    elif not _served(org, place, level):
        raise ApplicationError(
            DutyError.PLACE_NOT_SERVED,
            _("“%(place)s”不在“%(org)s”的物业服务范围内（没有该企业服务的小区）")
            % {"place": place, "org": org},
            field="place",
        )
    elif user is None or not user.is_active or not is_staff_of(user, org):
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
    if exclude_rota is not None:
        # A rota's own shares of one member are disjoint by construction (rota.py).
        others = others.exclude(rota_id=exclude_rota)
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


OFFICE_ORG_KINDS = frozenset({OrgKind.RESIDENTS_COMMITTEE, OrgKind.PROPERTY_COMPANY})


def office_check(*, org: Org, user: User | None, place: Any, kind: str = ShiftKind.REGULAR) -> None:
    """The rules of an office shift (轮值坐班): a regular shift in a community, rostered
    by that community's residents' committee (its community staff sit in the property
    office) or by a property company serving a compound there (its own staff)."""
    if org.kind not in OFFICE_ORG_KINDS or not org.is_active:
        raise ApplicationError(
            DutyError.ROTA_NOT_OFFICE,
            _("轮值坐班只能由居民委员会或在册的物业企业排班"),
            field="org",
        )
    if kind != ShiftKind.REGULAR or place_level(place) != "community":
        raise ApplicationError(
            DutyError.PLACE_LEVEL, _("轮值坐班须排在社区的物业服务站（常规班次）"), field="place"
        )
    if org.kind == OrgKind.RESIDENTS_COMMITTEE:
        served = org.community_id == place.pk
    else:
        served = _served(org, place, "community")
    if not served:
        raise ApplicationError(
            DutyError.PLACE_NOT_SERVED,
            _("“%(org)s”不负责“%(place)s”的物业服务站") % {"place": place, "org": org},
            field="place",
        )
    if user is None or not user.is_active or not is_office_staff(user, org, place):
        raise ApplicationError(
            DutyError.NOT_STAFF,
            _("“%(user)s”不是“%(org)s”的在职人员，不能排入轮值坐班") % {"user": user, "org": org},
            field="user",
        )


def is_office_staff(user: User, org: Org, community: Any) -> bool:
    """Community staff of the community sit for its residents' committee; otherwise
    the organisation's own staff (membership or desk role)."""
    if org.kind == OrgKind.RESIDENTS_COMMITTEE and any(
        s.kind == "community" and s.node_id == community.pk
        for s in user.scope_set(Role.COMMUNITY_STAFF)
    ):
        return True
    return is_staff_of(user, org)


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


# --- 轮值坐班: the office rota -------------------------------------------------------------

OFFICE_MAX = 64
HANDOVER_NOTE_MAX = 1000
ACK_NOTE_MAX = 300
HANDOVER_ITEMS_MAX = 200


@transaction.atomic
def rota_create(
    *,
    org: Org,
    community: Any,
    office: str,
    members: list[User],
    starts_at: dt.time,
    ends_at: dt.time,
    mode: str = RotaMode.DAILY,
    weekdays: int = MON_TO_FRI,
    day_rule: str = DayRule.WORKING,
    effective_from: dt.date | None = None,
    effective_to: dt.date | None = None,
    acting_user: User | None,
) -> Rota:
    """Put a property office's rota (轮值表) on the roster: the rota row and, for each
    member, the weekly patterns of its share (``rota.shares``) as office shifts.
    Guarantees: the rostering organisation runs that office (the community's
    residents' committee or a company serving it), 1 to 8 distinct members all its
    staff, and no member's share overlaps a shift they already have. Anything wrong
    writes nothing."""
    from redprop.duty import rota as rota_math
    from redprop.duty.permissions import may_edit_rota

    if place_level(community) != "community":
        raise ApplicationError(
            DutyError.PLACE_LEVEL,
            _("轮值坐班须排在社区的物业服务站（常规班次）"),
            field="community",
        )
    if not may_edit_rota(acting_user, org, community):
        raise PermissionDenied(_("只有本社区工作人员、本企业工作人员或系统管理员可以制定轮值表"))
    office = (office or "").strip()
    if not 1 <= len(office) <= OFFICE_MAX:
        raise ApplicationError(
            ErrorCode.VALIDATION,
            _("请填写坐班地点（不超过 %(max)d 字）") % {"max": OFFICE_MAX},
            field="office",
        )
    if mode not in RotaMode.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("轮值方式不正确"), field="mode")
    ids = [m.pk for m in members if m is not None]
    if (
        not 1 <= len(ids) <= MAX_ROTA_MEMBERS
        or len(set(ids)) != len(ids)
        or len(ids) != len(members)
    ):
        raise ApplicationError(
            DutyError.ROTA_MEMBERS,
            _("轮值人员须为 1 到 %(max)d 名不同的人") % {"max": MAX_ROTA_MEMBERS},
            field="members",
        )
    if not 1 <= int(weekdays) <= ALL_WEEK:
        raise ApplicationError(DutyError.NO_WEEKDAY, _("请至少选择一天（星期）"), field="weekdays")
    effective_from = effective_from or timezone.localdate()
    for member in sorted(members, key=lambda m: m.pk):
        _lock_user(member)
    rota = Rota(
        org=org,
        office=office,
        mode=mode,
        members=ids,
        weekdays=int(weekdays),
        day_rule=day_rule,
        starts_at=starts_at,
        ends_at=ends_at,
        effective_from=effective_from,
        effective_to=effective_to,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    rota.set_place(community)
    # The same checks as a single shift, before the rota row exists.
    office_check(org=org, user=members[0], place=community)
    if effective_to is not None and effective_to < effective_from:
        raise ApplicationError(DutyError.DATES, _("截止日期不能早于生效日期"), field="effective_to")
    if day_rule not in DayRule.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("节假日规则不正确"), field="day_rule")
    if starts_at == ends_at:
        raise ApplicationError(
            DutyError.SAME_START_END, _("下班时间不能与上班时间相同"), field="ends_at"
        )
    rota.save()
    shifts = []
    for share in rota_math.shares(
        mode=mode, members=len(members), weekdays=int(weekdays), effective_from=effective_from
    ):
        if effective_to is not None and share.effective_from > effective_to:
            continue
        user = members[share.member]
        try:
            shift_check(
                org=org,
                user=user,
                place=community,
                duty=Duty.OFFICE,
                kind=ShiftKind.REGULAR,
                starts_at=starts_at,
                ends_at=ends_at,
                effective_from=share.effective_from,
                effective_to=effective_to,
                weekdays=share.weekdays,
                day_rule=day_rule,
                every_weeks=share.every_weeks,
                exclude_rota=rota.pk,
            )
        except ApplicationError as exc:
            if exc.field == "user":
                exc.field = "members"
            raise
        shift = Shift(
            org=org,
            user=user,
            duty=Duty.OFFICE,
            kind=ShiftKind.REGULAR,
            starts_at=starts_at,
            ends_at=ends_at,
            effective_from=share.effective_from,
            effective_to=effective_to,
            weekdays=share.weekdays,
            day_rule=day_rule,
            every_weeks=share.every_weeks,
            note=office[:64],
            rota=rota,
        )
        shift.set_place(community)
        shift.save()
        shifts.append(shift.pk)
    audit(actor=acting_user, event=AuditEvent.ROTA_CREATED, target=rota, shifts=shifts)
    return rota


@transaction.atomic
def rota_end(*, rota: Rota, last_day: dt.date, acting_user: User | None) -> Rota:
    """Take a rota off the roster after ``last_day``: its shifts end that day, those
    not yet started are removed (history stays: hand-overs keep their shift)."""
    from redprop.duty.permissions import may_edit_rota

    rota = (
        Rota.objects.select_related("org", "community")
        .select_for_update(of=("self",))
        .get(pk=rota.pk)
    )
    if not may_edit_rota(acting_user, rota.org, rota.community):
        raise PermissionDenied(_("只有本社区工作人员、本企业工作人员或系统管理员可以修改轮值表"))
    if last_day < rota.effective_from or last_day < timezone.localdate() - dt.timedelta(days=1):
        # The past stays as it was (hand-overs point at its shifts).
        raise ApplicationError(
            DutyError.DATES, _("截止日期不能早于生效日期或昨天"), field="last_day"
        )
    before = snapshot(rota)
    rota.shifts.filter(effective_from__gt=last_day).delete()
    rota.shifts.filter(effective_from__lte=last_day).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=last_day)
    ).update(effective_to=last_day)
    if rota.effective_to is None or last_day < rota.effective_to:
        rota.effective_to = last_day
        rota.save(update_fields=["effective_to", "updated_at"])
    audit(actor=acting_user, event=AuditEvent.ROTA_ENDED, target=rota, before=before)
    return rota


# --- 交接班: the shift hand-over ----------------------------------------------------------


def _occurrence_to_hand_over(
    user: User, shift_id: int | None, now: dt.datetime
) -> tuple[Shift, dt.date, dt.datetime] | None:
    """The occurrence of the user's shift that is running now or ended last (started
    today or yesterday): the one a hand-over is about."""
    from redprop.duty.selectors import my_shifts

    today = now.astimezone(recurrence.SHANGHAI).date()
    entries = [
        e
        for e in my_shifts(user, today - dt.timedelta(days=1), today)
        if e.start <= now and (shift_id is None or e.shift.pk == shift_id)
    ]
    if not entries:
        return None
    last = max(entries, key=lambda e: (e.start, e.shift.pk))
    return last.shift, last.day, last.start


@transaction.atomic
def handover_write(
    *,
    acting_user: User,
    note: str,
    shift_id: int | None = None,
    to_user_id: int | None = None,
    now: dt.datetime | None = None,
) -> HandOver:
    """交班: the outgoing worker hands over their current (or just-ended) shift
    occurrence with a note; the open orders they pass on (assigned to them, or open at
    their organisation in the office's community) are listed with it, and the incoming
    worker (default: the next other person on duty there) is named to acknowledge.

    Guarantees: one hand-over per occurrence (a second is a 409 writing nothing), a
    note of 1 to 1000 characters, an incoming worker who is not the writer and is on
    the same organisation's staff."""
    from redprop.duty import ports
    from redprop.duty.selectors import next_on_duty

    now = now or timezone.now()
    if not (acting_user and acting_user.is_authenticated and acting_user.is_active):
        raise PermissionDenied()
    note = (note or "").strip()
    if not 1 <= len(note) <= HANDOVER_NOTE_MAX:
        raise ApplicationError(
            ErrorCode.VALIDATION,
            _("请填写交班说明（不超过 %(max)d 字）") % {"max": HANDOVER_NOTE_MAX},
            field="note",
        )
    found = _occurrence_to_hand_over(acting_user, shift_id, now)
    if found is None:
        raise ApplicationError(
            DutyError.HANDOVER_NO_SHIFT,
            _("您今天（或昨天）没有已开始的班次，无需交班"),
            field="shift_id",
        )
    shift, day, start = found
    # Serialise hand-overs of one shift: two submits cannot both pass the check below.
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("org", "community")
        .get(pk=shift.pk)
    )
    if HandOver.objects.filter(shift=shift, day=day).exists():
        raise Conflict(DutyError.HANDOVER_TWICE, _("本班次已经交班，不能重复交班"))
    if to_user_id is not None:
        to_user = User.objects.filter(pk=to_user_id, is_active=True).first()
        if (
            to_user is None
            or to_user.pk == acting_user.pk
            or not (
                is_staff_of(to_user, shift.org)
                or (
                    shift.community is not None
                    and is_office_staff(to_user, shift.org, shift.community)
                )
            )
        ):
            raise ApplicationError(
                ErrorCode.VALIDATION,
                _("接班人须为本单位的其他在职人员"),
                field="to_user_id",
            )
    else:
        following = next_on_duty(shift, start + dt.timedelta(seconds=1))
        if following is None:
            raise ApplicationError(
                DutyError.HANDOVER_NO_SUCCESSOR,
                _("排班表上找不到下一班的值班人员，请指定接班人"),
                field="to_user_id",
            )
        to_user = following.shift.user
    handover = HandOver(shift=shift, day=day, from_user=acting_user, to_user=to_user, note=note)
    handover.set_place(shift.community or shift.street)
    if shift.grid_id:
        handover.grid_id = shift.grid_id
    handover.save()
    orders = ports.open_orders(
        user=acting_user,
        org_id=shift.org_id,
        community_id=shift.community_id,
        limit=HANDOVER_ITEMS_MAX,
    )
    HandOverItem.objects.bulk_create(
        [
            HandOverItem(
                handover=handover,
                request_id=o.request_id,
                number=o.number[:32],
                title=o.title[:120],
                status=o.status[:32],
                mine=o.mine,
            )
            for o in orders
        ]
    )
    HandOverEvent.objects.create(
        handover=handover, kind=HandOverEventKind.WRITTEN, actor=acting_user, note=note
    )
    audit(
        actor=acting_user,
        event=AuditEvent.HANDOVER_WRITTEN,
        target=handover,
        orders=[o.request_id for o in orders],
    )
    # The incoming worker hears of it (the request app plugs the notification in).
    ports.handover_written(handover=handover)
    return handover


def handover_acknowledge(*, acting_user: User, handover_id: int, note: str = "") -> HandOver:
    """接班: the incoming worker named on the hand-over acknowledges it, once. Anyone
    else is refused (403, or 404 outside their scope); a second acknowledgement is a
    409. Nothing is written on refusal."""
    from redprop.duty.permissions import ROSTER_ROLES
    from redprop.duty.selectors import handover_list
    from redprop.duty.workflow import WORKFLOW

    note = (note or "").strip()
    if len(note) > ACK_NOTE_MAX:
        raise ApplicationError(
            ErrorCode.VALIDATION,
            _("接班说明不超过 %(max)d 字") % {"max": ACK_NOTE_MAX},
            field="note",
        )
    visible = handover_list(user=acting_user, scope=acting_user.scope_set(*ROSTER_ROLES))
    with WORKFLOW.step(
        "acknowledge",
        acting_user,
        HandOver.objects.filter(pk__in=visible.values("pk")),
        handover_id,
        update_fields=("acknowledged_at", "ack_note"),
    ) as handover:
        handover.acknowledged_at = timezone.now()
        handover.ack_note = note
        HandOverEvent.objects.create(
            handover=handover,
            kind=HandOverEventKind.ACKNOWLEDGED,
            actor=acting_user,
            note=note,
        )
        audit(actor=acting_user, event=AuditEvent.HANDOVER_ACKNOWLEDGED, target=handover)
    return handover

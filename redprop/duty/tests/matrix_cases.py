"""The permission matrix's entries for 我的排班, 交接班 and /api/v1/duty (matrix_base).

``build`` puts an office rota (轮值坐班) of community A's residents' committee on the
roster, with a cadre on duty today and community A's desk officer next; the cadre
hands over, so the hand-over's incoming worker is the ``community_staff`` principal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.tests.matrix_base import RESIDENT, SYSADMIN, Case

WORKERS = frozenset(
    {
        Role.GRID_BUTLER,
        Role.MAINTENANCE_WORKER,
        Role.COMPANY_STAFF,
        Role.UNIT_STAFF,
        Role.COMMUNITY_STAFF,
        Role.STREET_OFFICER,
    }
)
ROSTER = WORKERS | {Role.HOUSING_BUREAU, Role.SYSADMIN}
# Who sees community A's hand-over and rota: its desk and those above it.
OFFICE_VIEWERS = frozenset(
    {Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU, Role.SYSADMIN}
)
INCOMING = frozenset({Role.COMMUNITY_STAFF})
ROTA_EDITORS = frozenset({Role.COMMUNITY_STAFF}) | SYSADMIN
ROTA_PAGE = OFFICE_VIEWERS | {Role.COMPANY_STAFF}


def _cadre(fx: Any, name: str) -> Any:
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant, user_create

    user = user_create(username=name, password=None, display_name=name, acting_user=None)
    role_grant(user=user, role=Role.COMMUNITY_STAFF, region=fx.w.community, acting_user=None)
    return User.objects.get(pk=user.pk)


def build(fx: Any) -> None:
    from redprop.duty import services
    from redprop.orgs.choices import OrgKind
    from redprop.orgs.models import Org

    w = fx.w
    committee = Org.objects.get(kind=OrgKind.RESIDENTS_COMMITTEE, community=w.community)
    cadre, spare = _cadre(fx, "mx_cadre"), _cadre(fx, "mx_spare")
    desk = w.users[Role.COMMUNITY_STAFF]
    today = timezone.localdate()
    # Daily rotation of two over the whole week from this Monday: today's slot is its
    # weekday, so the cadre takes today and the desk officer tomorrow.
    members = [cadre, desk] if today.weekday() % 2 == 0 else [desk, cadre]
    rota = services.rota_create(
        org=committee,
        community=w.community,
        office="矩阵社区物业服务站",
        members=members,
        mode="daily",
        weekdays=127,
        day_rule="all",
        starts_at=dt.time(0),
        ends_at=dt.time(23, 59),
        effective_from=today - dt.timedelta(days=today.weekday()),
        acting_user=None,
    )
    handover = services.handover_write(acting_user=cadre, note="矩阵交班：门禁卡已登记")
    fx.extra["duty"] = {
        "committee": committee,
        "rota": rota,
        "handover": handover,
        "spare": spare,
    }


def _d(fx: Any) -> dict[str, Any]:
    return fx.extra["duty"]


def _rota_body(fx: Any) -> dict[str, Any]:
    return {
        "org_id": _d(fx)["committee"].pk,
        "community_id": fx.w.community.pk,
        "office": "矩阵第二服务站",
        "member_ids": [_d(fx)["spare"].pk],
        "mode": "weekly",
        "weekdays": 31,
        "day_rule": "working",
        "starts_at": "09:00",
        "ends_at": "12:00",
    }


TABLE: dict[str, list[Case]] = {
    "web:duty_mine": [Case(WORKERS)],
    "web:duty_handover": [
        Case(WORKERS),
        # Most principals have no shift running: the form's 400 on its field.
        Case(WORKERS, "POST", body=lambda fx: {"note": "交班"}, ok=(302, 400, 409)),
    ],
    "web:duty_handover_detail": [
        Case(OFFICE_VIEWERS, args=lambda fx: {"pk": _d(fx)["handover"].pk}),
    ],
    "web:duty_handover_acknowledge": [
        Case(
            INCOMING,
            "POST",
            args=lambda fx: {"pk": _d(fx)["handover"].pk},
            body=lambda fx: {"note": "收到"},
            ok=(302,),
            seen_by=OFFICE_VIEWERS,
        ),
    ],
    "web:duty_rotas": [
        Case(ROTA_PAGE),
        # Only a community's desk has a community to roster: everyone else's post is the
        # form's 400 on its field.
        Case(
            INCOMING,
            "POST",
            body=lambda fx: {
                "community": fx.w.community.pk,
                "office": "矩阵第三服务站",
                "members": [_d(fx)["spare"].pk],
                "mode": "daily",
                "wd0": "1",
                "day_rule": "working",
                "starts_at": "13:00",
                "ends_at": "16:00",
            },
            ok=(302,),
            names_a=True,
            refuse_400=True,
        ),
    ],
    "web:duty_rota_end": [
        Case(
            ROTA_EDITORS,
            "POST",
            args=lambda fx: {"pk": _d(fx)["rota"].pk},
            body=lambda fx: {"last_day": timezone.localdate().isoformat()},
            ok=(302,),
            seen_by=OFFICE_VIEWERS,
        ),
    ],
    "api:duty_roster": [Case(ROSTER)],
    "api:duty_my_shifts": [Case(WORKERS)],
    "api:duty_today": [Case(RESIDENT)],
    "api:duty_rotas": [Case(ROSTER)],
    "api:duty_rota_create": [
        Case(ROTA_EDITORS, "POST", body=_rota_body, ok=(201,), names_a=True),
    ],
    "api:duty_rota_end": [
        Case(
            ROTA_EDITORS,
            "POST",
            args=lambda fx: {"rota_id": _d(fx)["rota"].pk},
            body=lambda fx: {"last_day": timezone.localdate().isoformat()},
            seen_by=OFFICE_VIEWERS,
        ),
    ],
    "api:duty_handovers": [Case(ROSTER)],
    "api:duty_handover_write": [
        Case(WORKERS, "POST", body=lambda fx: {"note": "交班"}, ok=(201, 400, 409)),
    ],
    "api:duty_handover": [
        Case(OFFICE_VIEWERS, args=lambda fx: {"handover_id": _d(fx)["handover"].pk}),
    ],
    "api:duty_handover_acknowledge": [
        Case(
            INCOMING,
            "POST",
            args=lambda fx: {"handover_id": _d(fx)["handover"].pk},
            body=lambda fx: {"note": "收到"},
            seen_by=OFFICE_VIEWERS,
        ),
    ],
}

"""A year of service requests for the demo city, run through the real services on
simulated time (``core.clock.travel``).

The mix follows Erqiaoxi's year (DOMAIN.md): paid repairs 261, public repairs 412,
pipe dredging 56, air-conditioner dripping 3, seepage 76, plus 103 environment and
neighbour problems and 64 fire-safety problems ("flying wire" charging, blocked fire
lanes). The mix is kept exactly; the volume is scaled so `bin/demo` seeds in a few
minutes: the Jinghe community the demo logins look at gets half that year (× scale),
Erqiaoxi a quarter, the other communities 3 %. Timings are
drawn around the 5341 targets, so some orders are late, returned, reopened or
escalated, and satisfaction lands near the articles' 95 %.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.demo.registry import SeedContext

# Erqiaoxi's year, by our category codes.
ERQIAOXI_YEAR: list[tuple[str, int]] = [
    ("paid_repair", 261),
    ("public_repair", 412),
    ("pipe_dredging", 56),
    ("ac_dripping", 3),
    ("seepage", 76),
    ("sanitation", 40),
    ("parking", 25),
    ("greenery", 10),
    ("neighbour_dispute", 28),
    ("fire_lane", 64),
    ("gate_camera", 20),
    ("consultation", 30),
    ("water_supply", 12),
    ("power_supply", 8),
]
# The Jinghe community the demo logins look at gets half the Erqiaoxi year (× scale);
# the Erqiaoxi community a quarter of it; the others a light share, so that
# `bin/demo` seeds in a few minutes (each request runs ~10 real services).
FOCUS_SHARE = 0.5
ERQIAOXI_SHARE = 0.25
OTHER_COMMUNITY_SHARE = 0.03
# Hour-of-day weights (evening and morning peaks), 0..23.
HOURLY = [1, 1, 1, 1, 1, 2, 4, 8, 10, 9, 8, 7, 6, 6, 7, 8, 8, 9, 11, 12, 10, 7, 4, 2]
TEXTS = {
    "paid_repair": ["家里水龙头漏水，需要更换阀芯", "卫生间马桶水箱坏了", "入户门锁坏了打不开"],
    "public_repair": ["楼道灯不亮，晚上上下楼不安全", "单元门禁坏了，门关不上", "楼顶雨水管断裂"],
    "pipe_dredging": ["厨房下水道堵塞，污水倒灌", "一楼化粪池冒水，气味很大"],
    "ac_dripping": ["楼上空调外机滴水，滴到我家阳台"],
    "seepage": ["卫生间天花板渗水，怀疑楼上防水坏了", "顶楼屋面渗漏，墙面发霉"],
    "sanitation": ["楼下垃圾桶满了没人清运", "绿化带里有建筑垃圾"],
    "parking": ["车辆乱停堵住消防车道", "小区门口电动车乱停"],
    "greenery": ["树枝挡住窗户，需要修剪"],
    "neighbour_dispute": ["楼上夜里噪音太大", "邻居在楼道堆放杂物"],
    "fire_lane": ["有人从楼上拉电线给电动车充电（飞线充电）", "消防通道被杂物堵塞"],
    "gate_camera": ["小区监控坏了好几天", "大门道闸抬不起来"],
    "consultation": ["咨询老旧小区改造什么时候开始", "咨询物业费缴费标准"],
    "water_supply": ["整栋楼停水，没有通知", "自来水发黄"],
    "power_supply": ["单元楼停电", "楼道电表箱冒火花"],
}


def seed_requests(ctx: SeedContext) -> None:
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant, user_create
    from redprop.requests import services
    from redprop.requests.models import Category, ServiceRequest
    from redprop.requests.policies import route_for
    from redprop.requests.taxonomy import install_default_categories

    install_default_categories(Category)  # idempotent; a flushed test DB lacks them
    categories = {
        c.code: c for c in Category.objects.filter(code__in=[c for c, _ in ERQIAOXI_YEAR])
    }
    admin = ctx.users.get(Role.SYSADMIN)
    units_by_community: dict[int, list[Any]] = defaultdict(list)
    for u in ctx.units:
        units_by_community[u.community_id].append(u)
    erqiaoxi = next((c for c in ctx.communities if "二桥西" in c.name), None)
    focus = ctx.focus.get("community")
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - dt.timedelta(days=365)
    resident_users: dict[int, Any] = {}
    demo_resident = ctx.users.get(Role.RESIDENT)
    if demo_resident is not None and demo_resident.person_id:
        resident_users[demo_resident.person_id] = demo_resident
    occupants = _occupants([u.pk for u in ctx.units])

    def user_for(person_id: int) -> Any:
        if person_id not in resident_users:
            u = user_create(username=f"resident_{person_id}", password=None, acting_user=None)
            User.objects.filter(pk=u.pk).update(person_id=person_id)
            u.person_id = person_id
            role_grant(user=u, role=Role.RESIDENT, person=u.person, acting_user=None)
            resident_users[person_id] = User.objects.get(pk=u.pk)
        return resident_users[person_id]

    plans: list[tuple[dt.datetime, Any, str]] = []
    for community in ctx.communities:
        units = units_by_community.get(community.pk)
        if not units:
            continue
        if focus is not None and community.pk == focus.pk:
            share = FOCUS_SHARE
        elif erqiaoxi is not None and community.pk == erqiaoxi.pk:
            share = ERQIAOXI_SHARE
        else:
            share = OTHER_COMMUNITY_SHARE
        for code, per_year in ERQIAOXI_YEAR:
            n = round(per_year * share * ctx.scale)
            for _ in range(n):
                day = start + dt.timedelta(days=ctx.rng.randrange(365))
                hour = ctx.rng.choices(range(24), weights=HOURLY)[0]
                at = day.replace(hour=0, minute=0) + dt.timedelta(
                    hours=hour, minutes=ctx.rng.randrange(60)
                )
                if at > now - dt.timedelta(minutes=30):
                    at = now - dt.timedelta(minutes=ctx.rng.randrange(30, 600))
                plans.append((at, ctx.rng.choice(units), code))
    # A live morning in the Jinghe community: orders filed in the last three hours stop
    # wherever "now" finds them, so the queues, orders and countdowns have content.
    focus_units = units_by_community.get(focus.pk, []) if focus is not None else []
    if focus_units:
        live = [code for code, _ in ERQIAOXI_YEAR if code not in ("ac_dripping", "consultation")]
        for _ in range(max(12, ctx.k(24))):
            at = now - dt.timedelta(minutes=ctx.rng.randrange(3, 180))
            plans.append((at, ctx.rng.choice(focus_units), ctx.rng.choice(live)))
    plans.sort(key=lambda p: (p[0], p[1].pk, p[2]))
    ctx.log(f"requests: {len(plans)} to play through the services")

    sim = clock.SimulatedClock(start)
    rng = ctx.rng
    made = 0
    with clock.travel(sim):
        every = max(1, len(plans) // 100)
        for at, unit, code in plans:
            if made % every == 0:
                ctx.progress(made / len(plans), f"{made}/{len(plans)}")
            category = categories[code]
            sim.set(at)
            people = occupants.get(unit.pk, [])
            reporter = people[0] if people else None
            channel = rng.choices(["app", "window", "hotline", "patrol"], weights=[45, 25, 15, 15])[
                0
            ]
            if reporter is None and channel == "app":
                channel = "window"
            filer = user_for(reporter) if channel == "app" else admin
            text = rng.choice(TEXTS.get(code, ["需要处理"]))
            r = services.request_file(
                acting_user=filer,
                category=category,
                description=text,
                unit=unit,
                channel=channel,
                at=at,
                reporter=_person(reporter) if channel != "patrol" and reporter else None,
            )
            made += 1
            _play(
                r,
                rng=rng,
                sim=sim,
                now=now,
                admin=admin,
                route_for=route_for,
                services=services,
                rater=user_for(reporter) if reporter and channel == "app" else None,
            )
    services.sla_sweep(now=now)  # what is overdue by now is breached and escalated
    ctx.log(
        f"requests: {made} filed, {ServiceRequest.objects.exclude(status='closed').count()} not closed"
    )
    _quiet_history_notifications(now)


def _occupants(unit_ids: list[int]) -> dict[int, list[int]]:
    from redprop.territory.models import Occupancy

    out: dict[int, list[int]] = defaultdict(list)
    for unit_id, person_id in (
        Occupancy.objects.filter(unit_id__in=unit_ids)
        .order_by("unit_id", "relation", "id")
        .values_list("unit_id", "person_id")
    ):
        out[unit_id].append(person_id)
    return out


def _person(person_id: int) -> Any:
    from redprop.people.models import Person

    return Person.objects.get(pk=person_id)


def _minutes(rng: Any, lo: float, hi: float) -> dt.timedelta:
    return dt.timedelta(minutes=rng.uniform(lo, hi))


def _play(
    r: Any,
    *,
    rng: Any,
    sim: Any,
    now: dt.datetime,
    admin: Any,
    route_for: Any,
    services: Any,
    rater: Any,
) -> None:
    """Drive one request through a plausible history, stopping at ``now``."""
    from redprop.requests.models import ServiceRequest

    def step(delta: dt.timedelta) -> bool:
        """Advance; False when the step would pass the present (leave it open)."""
        if sim.t + delta >= now:
            return False
        sim.advance(delta)
        # Only this request's clock (the others are played one by one in time order),
        # and only when a checkpoint is due.
        if ServiceRequest.objects.filter(pk=r.pk, next_sla_check_at__lte=sim.t).exists():
            services.sla_check(request_id=r.pk, now=sim.t)
        return True

    def fresh() -> Any:
        return ServiceRequest.objects.select_related("handling_org", "grid", "category").get(
            pk=r.pk
        )

    if now - r.created_at < dt.timedelta(minutes=40) and rng.random() < 0.5:
        return  # just filed: waiting in the dispatcher's queue
    route = route_for(category=r.category, place=r, compound=r.compound)
    if route.org is None or not step(_minutes(rng, 0.5, 4)):
        return
    if rng.random() < 0.02:
        services.request_cancel(request=fresh(), reason="居民表示已自行解决", acting_user=admin)
        return
    org = route.org
    if rng.random() < 0.05 and route.org.kind == "property_company":
        # Sent to the wrong unit first; it hands the order back (退单).
        from redprop.orgs.models import Org

        wrong = (
            Org.objects.filter(kind="cobuilding_unit", street_id=r.street_id).order_by("id").first()
        )
        if wrong is not None:
            services.request_dispatch(request=fresh(), org=wrong, acting_user=admin)
            if not step(_minutes(rng, 3, 20)):
                return
            staff = _unit_staff(wrong)
            services.request_return(
                request=fresh(), reason="不属于本单位职责", acting_user=staff or admin
            )
            if not step(_minutes(rng, 2, 15)):
                return
    services.request_dispatch(request=fresh(), org=org, acting_user=admin)
    current = fresh()
    handler = current.assignee or _unit_staff(org) or admin
    if not step(_minutes(rng, 0.2, 1.2)):
        return
    services.request_accept(request=fresh(), acting_user=handler)
    handler = fresh().assignee or handler
    travel = rng.lognormvariate(0.8, 0.35)  # minutes; median ≈ 2.2, a thin tail past 5
    if not step(dt.timedelta(minutes=travel)):
        return
    services.request_arrive(request=fresh(), acting_user=handler)
    severity = current.severity
    if severity == "complex" or rng.random() < 0.03:
        services.request_require_plan(
            request=fresh(), reason="需制定维修方案并报业委会", acting_user=handler
        )
        if not step(dt.timedelta(hours=rng.uniform(3, 20))):
            return
        resolve_by = sim.t + dt.timedelta(days=rng.randint(2, 10))
        services.request_submit_plan(
            request=fresh(),
            plan="使用专项维修资金，分段施工",
            resolve_by=resolve_by,
            acting_user=handler,
        )
        work = dt.timedelta(days=rng.uniform(1, 9))
    elif severity == "major":
        work = dt.timedelta(minutes=rng.lognormvariate(4.5, 0.4))  # ≈ 90 min median, 4 h tail
    else:
        work = dt.timedelta(minutes=rng.lognormvariate(2.7, 0.3))  # ≈ 15 min median, 30 min tail
    if rng.random() < 0.04:
        services.request_pause(
            request=fresh(), reason="居民不在家，约定时间上门", acting_user=handler
        )
        if not step(dt.timedelta(hours=rng.uniform(1, 6))):
            return
        services.request_resume(request=fresh(), acting_user=handler)
    if not step(work):
        return
    services.request_resolve(request=fresh(), note="已处理完毕，现场清理干净", acting_user=handler)
    for _round in range(2):
        if not step(dt.timedelta(hours=rng.uniform(0.5, 30))):
            return
        happy = rng.random() < 0.96
        score = rng.choices([5, 4, 3], weights=[70, 24, 6])[0] if happy else rng.choice([1, 2])
        if rater is not None and rng.random() < 0.8:
            services.request_rate(
                request=fresh(),
                score=score,
                solved=happy,
                comment="" if happy else "问题没有彻底解决",
                acting_user=rater,
            )
        elif rng.random() < 0.7:
            services.request_revisit(
                request=fresh(), solved=happy, score=score, note="电话回访", acting_user=admin
            )
        else:
            break
        if happy or _round == 1:
            break
        services.request_reopen(
            request=fresh(), reason="居民不满意，要求重新处理", acting_user=admin
        )
        if not step(_minutes(rng, 5, 40)):
            return
        services.request_accept(request=fresh(), acting_user=handler)
        if not step(work):
            return
        services.request_resolve(request=fresh(), note="返工处理完毕", acting_user=handler)
    if step(dt.timedelta(days=rng.uniform(1, 7))):
        r2 = fresh()
        if r2.status in ("resolved", "rated"):
            services.request_close(request=r2, acting_user=admin, note="办结归档")


def _unit_staff(org: Any) -> Any:
    from redprop.accounts.models import User

    return (
        User.objects.filter(roles__org=org, roles__revoked_at__isnull=True, is_active=True)
        .order_by("id")
        .first()
    )


def _quiet_history_notifications(now: dt.datetime) -> None:
    """A year of history would flood inboxes and the console mail on first start:
    keep the last two days' messages pending and file the older ones as delivered."""
    from redprop.notifications.models import OutboxMessage
    from redprop.requests.models import ServiceRequest

    old_ids = ServiceRequest.objects.filter(created_at__lt=now - dt.timedelta(days=2)).values_list(
        "pk", flat=True
    )
    OutboxMessage.objects.filter(
        status="pending",
        target_type="requests.servicerequest",
        target_id__in=[str(i) for i in old_ids],
    ).update(status="delivered", delivered_at=now)

"""A year of mediation cases and petitions, run through the real services on simulated
time (``core.clock.travel``).

Puyang's figures (seeds/001, DOMAIN.md mechanism 12): in 2017 the city's special office
for housing and property petitions (房产物业信访问题专项治理办公室) settled 110+ property
cases at a satisfaction rate of 95 %+, with cases found through the "阳光热线" hotline
and people's-congress and CPPCC proposals. So Puyang's communities get 112 cases a
year (× scale), from the hotline, proposals, walk-in petitions and escalated requests,
and about 96 % of the parties who rate are satisfied. The Jinghe community the demo
logins look at gets a dozen cases, so the desk's list and the dashboard panel have
content; one petition there is overdue and escalated.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.demo.registry import SeedContext

PUYANG_YEAR = 112  # "110余件"
FOCUS_YEAR = 12
# (dispute type, weight, title, summary)
TOPICS: list[tuple[str, int, str, str]] = [
    ("property_service", 30, "物业服务不到位", "业主反映物业公司保洁、维修不及时，要求整改。"),
    ("fees", 20, "物业费收取争议", "业主对物业费标准和公示有异议，拒缴物业费。"),
    ("seepage", 14, "楼上渗水纠纷", "卫生间渗水至楼下住户，双方对维修费用分担有争议。"),
    ("neighbours", 12, "邻里纠纷", "邻居在楼道堆放杂物，多次沟通未果。"),
    ("parking", 10, "停车位纠纷", "地面车位被长期占用，业主之间发生争执。"),
    ("renovation", 8, "装修扰民纠纷", "装修时间超出规定，噪音扰民。"),
    ("noise", 6, "噪音扰民", "楼上夜间噪音，影响休息。"),
]
# (source, kind, weight): the hotline and proposals bring petitions; requests disputes.
SOURCES: list[tuple[str, str, int]] = [
    ("hotline", "petition", 35),
    ("deputy_proposal", "petition", 10),
    ("walk_in", "petition", 20),
    ("walk_in", "dispute", 20),
    ("meeting", "dispute", 15),
]
# Scores of the parties who rate: ~96 % 基本满意 or better.
SCORES = [5] * 70 + [4] * 20 + [3] * 6 + [2] * 3 + [1]


def seed_mediation(ctx: SeedContext) -> None:
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant, user_create
    from redprop.mediation import services
    from redprop.territory.models import Occupancy

    admin = ctx.users.get(Role.SYSADMIN)
    desk = ctx.users.get(Role.COMMUNITY_STAFF)
    puyang = ctx.cities.get("puyang")
    focus = ctx.focus.get("community")
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - dt.timedelta(days=365)
    rng = ctx.rng

    compounds_of: dict[int, list[Any]] = {}
    for c in ctx.compounds:
        compounds_of.setdefault(c.community_id, []).append(c)
    people_of: dict[int, list[int]] = {}
    for person_id, community_id in (
        Occupancy.objects.filter(unit__in=ctx.units)
        .order_by("person_id")
        .values_list("person_id", "unit__community_id")
    ):
        people_of.setdefault(community_id, []).append(person_id)
    users: dict[int, Any] = {}

    def user_for(person_id: int) -> Any:
        if person_id not in users:
            found = User.objects.filter(person_id=person_id).first()
            if found is None:
                u = user_create(username=f"party_{person_id}", password=None, acting_user=None)
                User.objects.filter(pk=u.pk).update(person_id=person_id)
                role_grant(user=u, role=Role.RESIDENT, person=_person(person_id), acting_user=None)
                found = User.objects.get(pk=u.pk)
            users[person_id] = found
        return users[person_id]

    plans: list[tuple[dt.datetime, Any, Any]] = []  # (received, community, acting desk)
    puyang_communities = [c for c in ctx.communities if puyang and c.city_id == puyang.pk]
    places = [c for c in puyang_communities if compounds_of.get(c.pk) and people_of.get(c.pk)]
    for _ in range(ctx.k(PUYANG_YEAR) if places else 0):
        at = start + dt.timedelta(days=rng.randrange(360), hours=rng.randrange(8, 18))
        plans.append((at, rng.choice(places), admin))
    if focus is not None and compounds_of.get(focus.pk) and people_of.get(focus.pk):
        for _ in range(max(6, ctx.k(FOCUS_YEAR))):
            at = start + dt.timedelta(days=rng.randrange(300, 362), hours=rng.randrange(8, 18))
            plans.append((at, focus, desk or admin))
    plans.sort(key=lambda p: (p[0], p[1].pk))
    ctx.log(f"mediation: {len(plans)} cases to play through the services")

    sim = clock.SimulatedClock(start)
    made = 0
    with clock.travel(sim):
        for i, (at, community, acting) in enumerate(plans):
            ctx.progress(i / max(1, len(plans)), f"{i}/{len(plans)}")
            sim.set(at)
            dispute_type, _w, title, summary = rng.choices(TOPICS, weights=[t[1] for t in TOPICS])[
                0
            ]
            source, kind, _w2 = rng.choices(SOURCES, weights=[s[2] for s in SOURCES])[0]
            people = people_of[community.pk]
            applicant = rng.choice(people)
            parties = [{"side": "applicant", "kind": "resident", "person_id": applicant}]
            compound = rng.choice(compounds_of[community.pk])
            if dispute_type in ("property_service", "fees") and compound.company_id:
                parties.append(
                    {"side": "respondent", "kind": "company", "org_id": compound.company_id}
                )
            else:
                other = rng.choice(people)
                if other != applicant:
                    parties.append({"side": "respondent", "kind": "resident", "person_id": other})
            mediators: list[dict[str, Any]] = [
                {
                    "kind": "committee",
                    "name": rng.choice(["人民调解委员会 李主任", "人民调解委员会 赵委员"]),
                }
            ]
            if acting is not None and acting is desk:
                mediators.insert(0, {"kind": "community_staff", "user_id": desk.pk})
            if rng.random() < 0.25:
                mediators.append(
                    {
                        "kind": "lawyer",
                        "name": rng.choice(["律师志愿者 王律师", "律师志愿者 陈律师"]),
                    }
                )
            case = services.case_open(
                kind=kind,
                dispute_type=dispute_type,
                source=source,
                title=title,
                summary=summary,
                place=compound,
                parties=parties,
                mediators=mediators,
                external_ref=f"12345-{at:%Y%m%d}{i:03d}" if source == "hotline" else "",
                acting_user=acting,
            )
            made += 1
            _play(
                case,
                kind=kind,
                rng=rng,
                sim=sim,
                now=now,
                acting=acting,
                services=services,
                rater=user_for(applicant),
            )
    services.deadline_sweep(now=now, limit=100000)
    ctx.log(f"mediation: {made} cases")


def _play(
    case: Any,
    *,
    kind: str,
    rng: Any,
    sim: Any,
    now: dt.datetime,
    acting: Any,
    services: Any,
    rater: Any,
) -> None:
    """Accept, meet, agree or answer, follow up and rate, at plausible times; the most
    recent cases stop wherever "now" finds them."""

    def later(days: float) -> bool:
        t = sim() + dt.timedelta(days=days, hours=rng.randrange(0, 6))
        if t >= now:
            return False
        sim.set(t)
        return True

    if not later(rng.uniform(0.2, 6)):
        return
    if rng.random() < 0.03:
        services.case_decline(
            case=case, reason="不属于本机关职责范围，已告知向有权机关提出", acting_user=acting
        )
        return
    services.case_accept(case=case, acting_user=acting)
    # A few petitions overrun their 60 days (and are escalated by the sweep).
    if rng.random() < 0.04:
        return
    if kind == "petition":
        if not later(rng.uniform(5, 45)):
            return
        services.case_answer(
            case=case, text="经调查核实，已督促物业企业整改并书面答复。", acting_user=acting
        )
    else:
        for n in range(rng.choice([1, 1, 2, 2, 3])):
            if not later(rng.uniform(1, 10)):
                return
            services.case_session(
                case=case,
                held_at=sim() - dt.timedelta(hours=1),
                place="红色物业议事厅",
                attendance="双方当事人、调解员",
                notes=f"第 {n + 1} 次调解，双方陈述意见。",
                acting_user=acting,
            )
        roll = rng.random()
        if roll < 0.06:
            services.case_refer(
                case=case,
                to=rng.choice(["court", "arbitration", "department"]),
                note="调解不成，告知当事人依法维权途径",
                acting_user=acting,
            )
            return
        if roll < 0.09:
            services.case_withdraw(case=case, reason="当事人自行和解，申请撤回", acting_user=acting)
            return
        follow = timezone.localdate(sim()) + dt.timedelta(days=30)
        services.case_agree(
            case=case,
            text="双方自愿达成如下协议：责任方于十五日内修复并承担相应费用。",
            follow_up_on=follow,
            acting_user=acting,
        )
        if later(30):
            services.case_follow_up(
                case=case, kept=True, note="回访：协议已履行", acting_user=acting
            )
    if rater is not None and later(rng.uniform(0.5, 3)):
        services.case_rate(case=case, score=rng.choice(SCORES), acting_user=rater)


def _person(person_id: int) -> Any:
    from redprop.people.models import Person

    return Person.objects.get(pk=person_id)

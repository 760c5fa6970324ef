"""Demo volunteers (志愿服务, DOMAIN.md mechanism 10).

* Every community gets its residents' service alliance (居民服务联盟): a volunteer
  team per place, created through the services by the system administrator.
* 海景北社区 (Jinghe, seed 002: "推选了90名责任心强、能主持公道的在职党员和280名优秀志愿者
  成立了'居民服务联盟'"): the alliance of 90 party members and 280 volunteers, the 90 also
  in its 党员先锋队, some young ones in the 青年志愿队; skills from the article
  (医疗卫生、电器修理、缝纫: seed 002) and the defaults; eight weeks of the weekly
  clean-up (seed 002: "坚持每周一次到小区院内帮助清扫路面、捡拾垃圾") with their approved
  hours, and a visit to the elderly.
* 稻香社区 (the demo logins' community): the demo resident registers and has served
  two past clean-ups (approved: their certificate has hours), is signed up and checked
  in to today's clean-up (so the demo shows check-out and approval), and next week's
  clean-up and a visit to the elderly living alone are open for sign-up.

Future and current activities go through the services (sign-up, check-in). Past ones
are written as the services would have left them, events included: the services check
the clock (no check-in to a finished activity), so history cannot be replayed through them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from redprop.accounts.choices import Role
from redprop.demo.registry import SeedContext

PARTY_MEMBERS = 90  # seed 002, 海景北社区
VOLUNTEERS = 280  # seed 002, 海景北社区
HAIJING = "海景北社区"
WEEKS = 8
# The skills seed 002 names first (医疗卫生、电器修理、缝纫), then the other defaults.
SKILL_WEIGHTS = {
    "medical": 3,
    "appliance_repair": 3,
    "sewing": 3,
    "haircut": 2,
    "legal": 1,
    "cleaning": 6,
    "elderly_care": 3,
    "tutoring": 2,
    "plumbing": 2,
    "mediation": 1,
}


def _skills(ctx: SeedContext) -> list[str]:
    codes = list(SKILL_WEIGHTS)
    n = ctx.rng.choice([0, 1, 1, 2])
    picked = ctx.rng.choices(codes, weights=list(SKILL_WEIGHTS.values()), k=n)
    return sorted(set(picked))


def _history(
    ctx: SeedContext,
    *,
    team: Any,
    organiser: Any,
    title: str,
    place: str,
    start: dt.datetime,
    volunteers: list[Any],
    hours: Decimal,
) -> None:
    """A finished activity with its sign-ups, check-ins, check-outs and approved hours,
    and the timeline the services would have written."""
    from redprop.volunteers.choices import ActivityStatus, EventKind, HoursStatus
    from redprop.volunteers.models import Activity, ActivityEvent, HoursRecord, Signup

    end = start + dt.timedelta(hours=2)
    a = Activity(
        team=team,
        title=title,
        place=place,
        starts_at=start,
        ends_at=end,
        capacity=max(len(volunteers), 1),
        signed_up=len(volunteers),
        status=ActivityStatus.FINISHED,
        organiser=organiser,
    )
    a.set_place(team.community)
    a.save()
    signups = Signup.objects.bulk_create(
        Signup(
            activity=a,
            volunteer=v,
            checked_in_at=start - dt.timedelta(minutes=ctx.rng.randint(0, 20)),
            checked_in_by=organiser,
            checked_out_at=start + dt.timedelta(hours=float(hours)),
            checked_out_by=organiser,
        )
        for v in volunteers
    )
    records = [
        HoursRecord(
            signup=s,
            activity=a,
            volunteer=v,
            person_id=v.person_id,
            served_on=start.date(),
            hours=hours,
            status=HoursStatus.APPROVED,
            credited_by=organiser,
            decided_by=organiser,
            decided_at=end + dt.timedelta(hours=1),
        )
        for s, v in zip(signups, volunteers, strict=True)
    ]
    for r in records:
        r.set_place(team.community)
    HoursRecord.objects.bulk_create(records)
    events = [
        ActivityEvent(activity=a, kind=k, actor=organiser, at=at, from_status=f, to_status=t)
        for k, at, f, t in (
            (EventKind.CREATED, start - dt.timedelta(days=5), "", ActivityStatus.DRAFT),
            (EventKind.PUBLISH, start - dt.timedelta(days=5), "draft", "published"),
            (EventKind.START, start, "published", "ongoing"),
            (EventKind.FINISH, end, "ongoing", "finished"),
        )
    ]
    for s in signups:
        events += [
            ActivityEvent(
                activity=a, kind=EventKind.SIGNUP, signup=s, at=start - dt.timedelta(days=2)
            ),
            ActivityEvent(
                activity=a, kind=EventKind.CHECKIN, signup=s, actor=organiser, at=s.checked_in_at
            ),
            ActivityEvent(
                activity=a, kind=EventKind.CHECKOUT, signup=s, actor=organiser, at=s.checked_out_at
            ),
            ActivityEvent(
                activity=a,
                kind=EventKind.APPROVE,
                signup=s,
                actor=organiser,
                at=end + dt.timedelta(hours=1),
                from_status="pending",
                to_status="approved",
                note=str(hours),
            ),
        ]
    ActivityEvent.objects.bulk_create(events)


def _saturday(ctx: SeedContext, weeks_ago: int, today: dt.date | None = None) -> dt.datetime:
    """8:30 on a Saturday: ``weeks_ago`` (1, 2…) counts back from the last Saturday before
    ``today`` (the seed's reference date); 0 is the next Saturday after it."""
    from django.utils import timezone

    t = today or ctx.today
    if weeks_ago == 0:
        day = t + dt.timedelta(days=(5 - t.weekday()) % 7 or 7)
    else:
        last = t - dt.timedelta(days=(t.weekday() - 5) % 7 or 7)
        day = last - dt.timedelta(days=7 * (weeks_ago - 1))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8, 30)))


def seed_volunteers(ctx: SeedContext) -> None:
    from redprop.people.services import person_create
    from redprop.volunteers import services as vs
    from redprop.volunteers.choices import TeamKind
    from redprop.volunteers.defaults import install_default_skills
    from redprop.volunteers.models import Skill, Volunteer

    install_default_skills(Skill)
    admin = ctx.users[Role.SYSADMIN]
    teams: dict[int, Any] = {}
    for c in ctx.communities:
        teams[c.pk] = vs.team_create(
            community_id=c.pk,
            name=f"{c.name}居民服务联盟",
            kind=TeamKind.ALLIANCE,
            description="党员带头、居民参与，为邻里排忧解难",
            acting_user=admin,
        )

    # --- 海景北社区: 90 party members and 280 volunteers (seed 002) -------------------------
    haijing = next((c for c in ctx.communities if c.name == HAIJING), None)
    if haijing is not None:
        ctx.log(f"volunteers: {HAIJING} {PARTY_MEMBERS} + {VOLUNTEERS}")
        alliance = teams[haijing.pk]
        vanguard = vs.team_create(
            community_id=haijing.pk,
            name="海景北社区党员先锋队",
            kind=TeamKind.VANGUARD,
            description="在职党员亮身份、作表率",
            acting_user=admin,
        )
        youth = vs.team_create(
            community_id=haijing.pk,
            name="海景北社区青年志愿队",
            kind=TeamKind.YOUTH,
            acting_user=admin,
        )
        members: list[Any] = []
        total = ctx.k(PARTY_MEMBERS) + ctx.k(VOLUNTEERS)
        for i in range(total):
            ctx.progress(i / total, f"{HAIJING} {i}/{total}")
            party = i < ctx.k(PARTY_MEMBERS)
            person = person_create(name=ctx.fake.name(), place=haijing, acting_user=None)
            team_ids = [alliance.pk] + ([vanguard.pk] if party else [])
            if not party and ctx.rng.random() < 0.15:
                team_ids.append(youth.pk)
            members.append(
                vs.volunteer_register(
                    person_id=person.pk,
                    community_id=haijing.pk,
                    skills=_skills(ctx),
                    team_ids=team_ids,
                    acting_user=admin,
                )
            )
        organiser = ctx.users.get(Role.COMMUNITY_STAFF) or admin
        for w in range(WEEKS, 0, -1):
            crew = ctx.rng.sample(members, min(len(members), ctx.rng.randint(25, 45)))
            _history(
                ctx,
                team=alliance,
                organiser=organiser,
                title="每周环境清扫：清扫路面、捡拾垃圾",
                place="海景北苑中心广场",
                start=_saturday(ctx, w),
                volunteers=crew,
                hours=Decimal("2.00"),
            )
        party_crew = [m for m in members[: ctx.k(PARTY_MEMBERS)] if ctx.rng.random() < 0.2]
        _history(
            ctx,
            team=vanguard,
            organiser=organiser,
            title="党员探访独居老人",
            place="海景北苑",
            start=_saturday(ctx, 2) + dt.timedelta(days=1, hours=1),
            volunteers=party_crew,
            hours=Decimal("1.50"),
        )

    # --- 稻香社区: the demo logins ---------------------------------------------------------
    focus = ctx.focus.get("community")
    resident = ctx.users.get(Role.RESIDENT)
    staff = ctx.users.get(Role.COMMUNITY_STAFF)
    if focus is None or resident is None or staff is None or focus.pk not in teams:
        return
    from django.utils import timezone

    team = teams[focus.pk]
    me = vs.volunteer_join(skills=["sewing", "cleaning"], acting_user=resident)
    locals_ = [p for p in ctx.residents if p.community_id == focus.pk and p.pk != me.person_id]
    neighbours = [
        vs.volunteer_register(
            person_id=p.pk,
            community_id=focus.pk,
            skills=_skills(ctx),
            team_ids=[team.pk],
            acting_user=staff,
        )
        for p in ctx.rng.sample(locals_, k=min(ctx.k(24), len(locals_)))
    ]
    for w in (3, 1):
        _history(
            ctx,
            team=team,
            organiser=staff,
            title="每周环境清扫",
            place="稻香苑中心广场",
            start=_saturday(ctx, w),
            volunteers=[me, *ctx.rng.sample(neighbours, min(len(neighbours), 8))],
            hours=Decimal("2.00"),
        )
    # What the services announce is dated from the real clock (they refuse the past).
    now = timezone.now()

    def announce(
        title: str, place: str, start: dt.datetime, capacity: int, skills: list[str]
    ) -> Any:
        a = vs.activity_create(
            team_id=team.pk,
            title=title,
            place=place,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            capacity=capacity,
            skills=skills,
            description="请穿便于活动的衣服，工具由社区提供。",
            acting_user=staff,
        )
        return vs.activity_transition(activity_id=a.pk, action="publish", acting_user=staff)

    today = announce(
        "今日环境清扫", "稻香苑中心广场", now - dt.timedelta(minutes=40), 20, ["cleaning"]
    )
    vs.signup_create(activity_id=today.pk, acting_user=resident)
    vs.checkin(activity_id=today.pk, acting_user=resident)
    announce(
        "下周环境清扫",
        "稻香苑中心广场",
        _saturday(ctx, 0, timezone.localdate()),
        30,
        ["cleaning"],
    )
    announce(
        "探访独居老人",
        "稻香苑3栋",
        timezone.make_aware(
            dt.datetime.combine(timezone.localdate() + dt.timedelta(days=3), dt.time(15, 0))
        ),
        6,
        ["elderly_care", "medical"],
    )
    draft = vs.activity_create(
        team_id=team.pk,
        title="义务理发进小区",
        place="稻香社区党群服务中心",
        starts_at=now + dt.timedelta(days=10),
        ends_at=now + dt.timedelta(days=10, hours=3),
        capacity=4,
        skills=["haircut"],
        acting_user=staff,
    )
    ctx.extra["volunteers"] = {
        "today": today.pk,
        "draft": draft.pk,
        "volunteers": Volunteer.objects.count(),
    }

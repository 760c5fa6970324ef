"""The demo's star ratings (seed 000: 嘉峪关's 星级物业企业 by self-assessment, the
community party committee's assessment and the bureau's review, five dimensions).

* 嘉峪关市, last year: every company rated through the three stages and certified;
  the red service centre that serves 19 compounds on top. One commercial company's
  star was withdrawn mid-cycle after an incident (a star can be lost).
* 嘉峪关市, this year: the cycle is open, every company in its self-assessment.
* 武汉市, this year: the Jinghe red company (the demo company login) has submitted its
  self-assessment; the assessing community's committee has sent it back once and it
  was resubmitted, so ``demo_community`` or the committee of its community assesses it
  next and ``demo_bureau`` reviews it.

Each step goes through the services with a user holding the stage's role: the demo
logins where they fit, otherwise a seeding account per company, community and bureau
(no password: it cannot log in).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from redprop.demo.registry import SeedContext

WITHDRAW_REASON = "年度内发生电梯困人事件处置超时，经房管局复核撤销星级"


class _Actors:
    """A user with the role a stage needs (created once, no password)."""

    def __init__(self, ctx: SeedContext) -> None:
        self.ctx = ctx
        self.cache: dict[tuple[str, int], Any] = {}

    def get(self, role: str, **anchor: Any) -> Any:
        from redprop.accounts.models import User
        from redprop.accounts.services import role_grant

        ((column, target),) = anchor.items()
        key = (role, target.pk)
        demo = self.ctx.users.get(role)
        if demo is not None and any(
            r.role == role and getattr(r, f"{column}_id") == target.pk for r in demo.active_roles
        ):
            return demo
        if key not in self.cache:
            user = User.objects.create(username=f"rating_{role}_{target.pk}", is_active=True)
            user.set_unusable_password()
            user.save(update_fields=["password"])
            role_grant(user=user, role=role, acting_user=self.ctx.acting_user, **anchor)
            self.cache[key] = User.objects.get(pk=user.pk)
        return self.cache[key]


def _points(ctx: SeedContext, criterion: Any, level: float) -> str:
    """Typed points near ``level`` of the maximum, to one decimal."""
    share = Decimal(str(min(1.0, max(0.3, level + ctx.rng.uniform(-0.06, 0.04)))))
    return str((criterion.max_points * share).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _score(ctx: SeedContext, actor: Any, a: Any, level: float) -> None:
    from redprop.ratings.models import Criterion
    from redprop.ratings.services import scores_save

    typed = Criterion.objects.filter(cycle=a.cycle, metric="")
    scores_save(
        acting_user=actor,
        assessment_id=a.pk,
        scores={c.code: _points(ctx, c, level) for c in typed},
    )


def _run(ctx: SeedContext, actors: _Actors, a: Any, level: float, *, until: str) -> Any:
    """Take one assessment through the stages up to ``until`` (a stage)."""
    from redprop.accounts.choices import Role
    from redprop.ratings.services import transition

    company = actors.get(Role.COMPANY_STAFF, org=a.company)
    committee = actors.get(Role.COMMUNITY_STAFF, region=a.community) if a.community else None
    bureau = actors.get(Role.HOUSING_BUREAU, region=a.city)
    if until == "self":
        return a
    _score(ctx, company, a, level + 0.05)  # a company rates itself a little higher
    a = transition(acting_user=company, assessment_id=a.pk, action="submit")
    if until == "community" or committee is None:
        return a
    _score(ctx, committee, a, level)
    a = transition(acting_user=committee, assessment_id=a.pk, action="forward")
    if until == "bureau":
        return a
    _score(ctx, bureau, a, level - 0.02)
    return transition(acting_user=bureau, assessment_id=a.pk, action="certify")


def seed_ratings(ctx: SeedContext) -> None:
    from redprop.accounts.choices import Role
    from redprop.orgs.choices import CompanyType
    from redprop.ratings.models import Assessment
    from redprop.ratings.services import cycle_open, transition

    actors = _Actors(ctx)
    year = ctx.today.year
    jiayuguan = ctx.cities.get("jiayuguan")
    if jiayuguan is not None:
        bureau = actors.get(Role.HOUSING_BUREAU, region=jiayuguan)
        last = cycle_open(
            acting_user=bureau,
            city_id=jiayuguan.pk,
            year=year - 1,
            period_start=dt.date(year - 1, 1, 1),
            period_end=dt.date(year - 1, 12, 31),
        )
        certified = []
        for a in Assessment.objects.filter(cycle=last).select_related(
            "company", "city", "community"
        ):
            level = 0.97 if a.company.company_type == CompanyType.RED else 0.92
            certified.append(_run(ctx, actors, a, level, until="certified"))
        # A star can be lost: the lowest-rated commercial company, withdrawn.
        commercial = [a for a in certified if a.company.company_type != CompanyType.RED and a.stars]
        if commercial:
            worst = min(commercial, key=lambda a: (a.total, a.pk))
            transition(
                acting_user=bureau,
                assessment_id=worst.pk,
                action="withdraw",
                reason=WITHDRAW_REASON,
            )
        cycle_open(acting_user=bureau, city_id=jiayuguan.pk, year=year)
        ctx.log(f"星级评定: 嘉峪关 {year - 1} 年度认定 {len(certified)} 家，{year} 年度已开启")

    wuhan = ctx.cities.get("wuhan")
    if wuhan is not None:
        bureau = actors.get(Role.HOUSING_BUREAU, region=wuhan)
        cycle = cycle_open(acting_user=bureau, city_id=wuhan.pk, year=year)
        focus = ctx.users.get(Role.COMPANY_STAFF)
        org_id = next((r.org_id for r in focus.active_roles if r.org_id), None) if focus else None
        a = (
            Assessment.objects.filter(cycle=cycle, company_id=org_id)
            .select_related("company", "city", "community")
            .first()
        )
        if a is not None:
            a = _run(ctx, actors, a, 0.93, until="community")
            committee = actors.get(Role.COMMUNITY_STAFF, region=a.community)
            transition(
                acting_user=committee,
                assessment_id=a.pk,
                action="send_back",
                reason="日常管理佐证不全：请补充公示照片",
            )
            company = actors.get(Role.COMPANY_STAFF, org=a.company)
            transition(acting_user=company, assessment_id=a.pk, action="submit")
            ctx.log(f"星级评定: 武汉 {year} 年度，{a.company.name} 待社区党委（{a.community}）测评")

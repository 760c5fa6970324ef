"""A year of the Jinghe red company's books (DOMAIN.md §11, seeds/002).

Figures and where they come from:

* fee **0.45 元/m²/month** on the floor area, "a half to a third" of an ordinary
  commercial compound's fee nearby (article 002) — so 0.90–1.35 元/m² is the market;
* the service is assumed to **cost what the market fee pays at its lower bound,
  0.90 元/m²/month** (an assumption, stated in docs/subsystems/fees.md): staff 60 %
  (236 land-lost farmers hired, article 002), cleaning 15 %, repairs 10 %, common
  utilities 12 %, other 3 %;
* the gap (0.45 元/m²) is covered, as the article says, by **renting the resettlement
  compounds' shop fronts** (0.25), **parking spaces** (0.08) and **government
  subsidy** (0.12) — per m² of the compound, per month;
* households pay mostly at the window or by bank in two or three sittings a year; one
  in eight falls behind (the arrears); low-income households (the sensitive tag) get
  the 低保 reduction of half the property fee, paid as a subsidy.

Bills come from the real bill run (one per compound and month, bulk); payments,
reductions and income through the services. The compound the demo logins look at
gets its disclosures: published for the older months, signed for the last ones.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from redprop.demo.registry import SeedContext

RATE = Decimal("0.45")
COST_PER_M2 = Decimal("0.90")
COST_SPLIT = (("staff", 60), ("cleaning", 15), ("repairs", 10), ("utilities", 12), ("other", 3))
COVER = (
    ("shop_rent", Decimal("0.25")),
    ("parking_rent", Decimal("0.08")),
    ("subsidy", Decimal("0.12")),
)
MONTHS = 12


def _month_back(day: dt.date, n: int) -> dt.date:
    first = day.replace(day=1)
    for _i in range(n):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def seed_fees(ctx: SeedContext) -> None:
    from django.db import transaction
    from django.db.models import Sum

    from redprop.accounts.choices import Role
    from redprop.fees import services
    from redprop.fees.models import Bill, HardshipPolicy
    from redprop.fees.money import to_fen
    from redprop.territory.models import Compound, Unit

    sysadmin = ctx.users.get(Role.SYSADMIN)
    staff = ctx.users.get(Role.COMPANY_STAFF)
    if sysadmin is None:
        return
    dibao, _c = HardshipPolicy.objects.get_or_create(
        code="dibao",
        defaults={"name": "低保户物业费减半", "tag_code": "low_income", "percent": Decimal(50)},
    )
    HardshipPolicy.objects.get_or_create(
        code="tekun",
        defaults={"name": "特困户物业费全免", "tag_code": "tekun", "percent": Decimal(100)},
    )
    jinghe = [c for c in ctx.red_companies if "径河" in c.name]
    if not jinghe:
        return
    company = jinghe[0]
    compounds = list(Compound.objects.filter(company=company).order_by("pk"))
    focus = ctx.focus.get("compound")
    actor = (
        staff
        if staff is not None and any(r.org_id == company.pk for r in staff.active_roles)
        else sysadmin
    )
    start = _month_back(ctx.today, MONTHS)
    periods = [_month_back(ctx.today, MONTHS - i) for i in range(MONTHS + 1)]
    rng = ctx.rng
    for n, compound in enumerate(compounds):
        ctx.progress(n / max(len(compounds), 1), compound.name)
        services.schedule_create(
            compound=compound,
            charge="property",
            name="物业服务费",
            basis="floor_area",
            rate=RATE,
            valid_from=start,
            acting_user=actor,
        )
        units = list(Unit.objects.filter(compound=compound).order_by("pk"))
        if compound == focus:
            _grants(ctx, units, dibao, start, sysadmin)
        area = Unit.objects.filter(compound=compound).aggregate(a=Sum("floor_area"))["a"] or 0
        for period in periods:
            run = services.bill_run_request(compound=compound, period=period, acting_user=actor)
            services.bill_run_execute(run_id=run.pk)
            day = min(period + dt.timedelta(days=24), ctx.today)
            for kind, share in COST_SPLIT:
                fen = to_fen(Decimal(area) * COST_PER_M2 * share / 100)
                if fen:
                    services.ledger_item_record(
                        company=company,
                        compound=compound,
                        cost_kind=kind,
                        amount=fen,
                        occurred_on=day,
                        memo="",
                        acting_user=actor,
                    )
            for kind, per_m2 in COVER:
                fen = to_fen(Decimal(area) * per_m2)
                if fen:
                    services.ledger_item_record(
                        company=company,
                        compound=compound,
                        income_kind=kind,
                        amount=fen,
                        occurred_on=day,
                        memo="",
                        acting_user=actor,
                    )
        # Households pay in two or three sittings; one in eight falls behind.
        sittings = [periods[4], periods[8], periods[12]]
        for unit in units:
            behind = rng.random() < 0.125
            for i, sitting in enumerate(sittings):
                if behind and i > 0:
                    break
                due = _due(unit, upto=sitting)
                if due <= 0:
                    continue
                method = "cash" if rng.random() < 0.6 else "bank"
                services.payment_record(
                    unit=unit,
                    method=method,
                    amount=due,
                    reference=f"{'SJ' if method == 'cash' else 'YH'}{sitting:%Y%m}{unit.pk:07d}",
                    received_on=min(sitting + dt.timedelta(days=rng.randint(2, 20)), ctx.today),
                    acting_user=actor,
                )
    if focus is not None and focus in compounds:
        from redprop.core.errors import ApplicationError

        try:
            with transaction.atomic():
                _disclosures(ctx, focus, periods, actor)
        except ApplicationError as err:  # the demo logins look elsewhere: no sign-off
            ctx.log(f"fees: disclosures skipped ({err.message})")
    ctx.log(f"fees: {len(compounds)} compounds of {company.name}, {Bill.objects.count()} bills")


def _due(unit: Any, *, upto: dt.date) -> int:
    from redprop.fees.selectors import open_bills_of

    return sum(o for b, o in open_bills_of(unit) if b.period <= upto)


def _grants(ctx: SeedContext, units: list[Any], policy: Any, start: dt.date, actor: Any) -> None:
    """低保 households of the focus compound (those with the low-income tag)."""
    from redprop.core.errors import ApplicationError
    from redprop.fees import services

    granted = 0
    for unit in units[:60]:
        if granted >= 6:
            break
        try:
            services.hardship_grant(unit=unit, policy=policy, valid_from=start, acting_user=actor)
            granted += 1
        except ApplicationError:
            continue


def _disclosures(ctx: SeedContext, compound: Any, periods: list[dt.date], actor: Any) -> None:
    from redprop.accounts.choices import Role
    from redprop.fees import disclosure as ds
    from redprop.orgs.choices import OrgKind
    from redprop.orgs.models import Org, OrgMembership
    from redprop.orgs.services import org_add_member

    resident = ctx.users.get(Role.RESIDENT)
    party = ctx.users.get(Role.COMMUNITY_STAFF)
    if resident is None or resident.person_id is None or party is None:
        return
    committee = Org.objects.filter(kind=OrgKind.OWNERS_COMMITTEE, compound=compound).first()
    if committee is None:  # the fees' supervisor (DOMAIN.md: owners' committee)
        from redprop.orgs.services import org_create

        committee = org_create(
            kind=OrgKind.OWNERS_COMMITTEE,
            name=f"{compound.name}业主委员会",
            compound=compound,
            place=compound,
            acting_user=None,
        )
    if not OrgMembership.objects.filter(
        org=committee, person_id=resident.person_id, ended_on__isnull=True
    ).exists():
        # The demo resident sits on the owners' committee, so the sign-off can be shown.
        org_add_member(org=committee, person=resident.person, position="委员", acting_user=None)
    over = [p for p in periods if p < ctx.today.replace(day=1)]
    for i, period in enumerate(over):
        d = ds.disclosure_prepare(compound=compound, period=period, acting_user=actor)
        if i == len(over) - 1:
            continue  # last month: a draft awaiting the committee
        d = ds.disclosure_sign_committee(disclosure=d, acting_user=resident)
        if i == len(over) - 2:
            continue  # the month before: signed by the committee, awaiting the party
        d = ds.disclosure_sign_party(disclosure=d, acting_user=party)
        ds.disclosure_publish(disclosure=d, acting_user=actor)

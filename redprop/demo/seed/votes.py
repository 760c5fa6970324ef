"""Demo owners' votes (业主表决) in the demo resident's compound (Wuhan Jinghe, 稻香社区):

- published, about five months ago: raising the maintenance fund (筹集维修资金, art. 278
  item 6, the 3/4 rule) for the roofs and pipes the articles describe (Jinghe spent
  1.6 million 元 of repairs on one compound: seeds/, DOMAIN.md "Figures");
- published, about two months ago: re-hiring the compound's property company (item 4,
  majority), the red company charging about 0.45 元/m²/month;
- open now (item 5, using the maintenance fund to waterproof the roofs), with the paper
  ballots collected so far; the demo resident has not voted yet and can, on the phone.

Everything goes through the services on simulated time (``core.clock.travel``): the
electorate frozen at opening, paper ballots imported from the xlsx template with a
scan, the demo resident's own ballot cast online, closing and publication.
Turnout and agreement are drawn from ``ctx.rng`` at plausible rates for a compound's
written consultation (about 70–90% of owners return a ballot).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from redprop.demo.registry import SeedContext

PDF = b"%PDF-1.4\n% demo scan of the paper ballots\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scan() -> SimpleUploadedFile:
    return SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")


def _sheet(rows: list[list[Any]]) -> SimpleUploadedFile:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "选票"
    ws.append(["房屋编号", "门牌", "表决意见", "投票日期时间", "代理人", "备注"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("ballots.xlsx", buf.getvalue(), content_type=SHEET)


def _paper_ballots(
    ctx: SeedContext,
    vote: Any,
    *,
    turnout: float,
    agree: float,
    skip: set[int],
    start: dt.datetime,
    end: dt.datetime,
) -> list[list[Any]]:
    """One row per head that returned a ballot: its first unit, a choice, a date."""
    from redprop.votes.models import ElectorUnit

    firsts: dict[int, tuple[int, str, str]] = {}
    for unit_id, label, eid, key in (
        ElectorUnit.objects.filter(vote=vote)
        .order_by("elector_id", "unit_id")
        .values_list("unit_id", "label", "elector_id", "elector__key")
    ):
        firsts.setdefault(eid, (unit_id, label, key))
    rows = []
    span = (end - start).total_seconds()
    for eid, (unit_id, label, key) in sorted(firsts.items()):
        if eid in skip or ctx.rng.random() > turnout:
            continue
        u = ctx.rng.random()
        if key.startswith("d:"):  # the developer: against new charges on its unsold units
            choice = "反对" if vote.item == 6 else "同意"
        elif u < agree:
            choice = "同意"
        elif u < agree + (1 - agree) * 0.6:
            choice = "反对"
        elif u < agree + (1 - agree) * 0.9:
            choice = "弃权"
        else:
            choice = ctx.rng.choice(["空白票", "废票"])
        when = start + dt.timedelta(seconds=ctx.rng.uniform(0, span))
        proxy = "家属代签" if ctx.rng.random() < 0.04 else None
        rows.append(
            [unit_id, label, choice, timezone.localtime(when).replace(tzinfo=None), proxy, None]
        )
    return rows


def seed_votes(ctx: SeedContext) -> None:
    from redprop.core import clock
    from redprop.territory.models import Ownership, Unit
    from redprop.votes import services
    from redprop.votes.models import AreaRecord, Elector

    organiser = ctx.users.get("community_staff")
    resident = ctx.users.get("resident")
    compound = ctx.focus.get("compound")
    if organiser is None or resident is None or compound is None:
        ctx.log("Votes: no demo organiser, resident or compound; skipped")
        return
    # Most units of an old compound have their register certificate (不动产权证书): the
    # register's area counts; the rest fall back to the survey (the territory's figure).
    units = list(
        Unit.objects.filter(compound=compound).order_by("pk").values_list("pk", "exclusive_area")
    )
    AreaRecord.objects.bulk_create(
        [
            AreaRecord(
                unit_id=pk,
                source="register",
                area=area,
                reference=f"鄂(2016)武汉市东西湖不动产权第{100000 + pk:07d}号",
            )
            for pk, area in units
            if ctx.rng.random() < 0.9
        ]
    )
    owns = (
        Ownership.objects.filter(unit__compound=compound, person_id=resident.person_id)
        .values_list("unit_id", flat=True)
        .first()
    )
    today = timezone.make_aware(dt.datetime.combine(ctx.today, dt.time(9, 0)))
    company = compound.company
    plans = [
        {
            "days_ago": 150,
            "item": 6,
            "title": f"{compound.name}筹集专项维修资金（屋面防水、雨污管道改造）",
            "description": "按专有部分面积每平方米 30 元一次性续筹专项维修资金，用于屋面防水、楼道雨污管道更换。",
            "turnout": 0.9,
            "agree": 0.9,
            "resident": "agree",
        },
        {
            "days_ago": 60,
            "item": 4,
            "title": f"续聘{company.name if company else '物业服务企业'}为{compound.name}物业服务企业",
            "description": "续聘期三年，物业费 0.45 元/平方米·月，公示收支，接受业主委员会监督。",
            "turnout": 0.82,
            "agree": 0.72,
            "resident": "agree",
        },
    ]
    for plan in plans:
        start = today - dt.timedelta(days=plan["days_ago"])
        sim = clock.SimulatedClock(start)
        with clock.travel(sim):
            vote = services.open_vote(
                organiser,
                scope=compound,
                item=plan["item"],
                title=plan["title"],
                description=plan["description"],
                closes_at=start + dt.timedelta(days=14),
                origin="逢四说事议事会决议（演示）",
            )
            mine = set(
                Elector.objects.filter(vote=vote, persons__id=resident.person_id).values_list(
                    "pk", flat=True
                )
            )
            sim.advance(dt.timedelta(days=2, hours=3))
            if owns:
                services.ballot_cast(
                    vote=vote, acting_user=resident, ballots=[(owns, plan["resident"])]
                )
            sim.set(start + dt.timedelta(days=14))
            rows = _paper_ballots(
                ctx,
                vote,
                turnout=plan["turnout"],
                agree=plan["agree"],
                skip=mine,
                start=start + dt.timedelta(hours=1),
                end=start + dt.timedelta(days=13, hours=20),
            )
            services.ballots_import(
                vote=vote, acting_user=organiser, upload=_sheet(rows), document=_scan()
            )
            sim.advance(dt.timedelta(hours=1))
            services.vote_close(vote=vote, acting_user=organiser)
            sim.advance(dt.timedelta(days=1))
            vote = services.vote_publish(vote=vote, acting_user=organiser)
        r = vote.result
        ctx.log(
            f"Votes: {vote.title}: {r['participating_heads']}/{r['total_heads']} heads, "
            f"agree {r['agree_heads']} heads / {r['agree_area']} m² → "
            f"{'passed' if r['passed'] else 'not passed'}"
        )
    start = today - dt.timedelta(days=3)
    sim = clock.SimulatedClock(start)
    with clock.travel(sim):
        vote = services.open_vote(
            organiser,
            scope=compound,
            item=5,
            title=f"{compound.name}使用专项维修资金维修屋面防水",
            description="预算 38.6 万元，由专项维修资金列支；施工单位经公开比选确定。",
            closes_at=start + dt.timedelta(days=14),
            origin="逢四说事议事会决议（演示）",
        )
        mine = set(
            Elector.objects.filter(vote=vote, persons__id=resident.person_id).values_list(
                "pk", flat=True
            )
        )
        sim.set(today)
        rows = _paper_ballots(
            ctx,
            vote,
            turnout=0.35,
            agree=0.75,
            skip=mine,
            start=start + dt.timedelta(hours=1),
            end=today,
        )
        if rows:
            services.ballots_import(
                vote=vote, acting_user=organiser, upload=_sheet(rows), document=_scan()
            )
    ctx.extra["open_vote"] = vote
    ctx.log(
        f"Votes: open now — {vote.title} ({vote.total_heads} owners, {Decimal(vote.total_area or 0)} m²); "
        f"login demo_resident can vote at /votes/{vote.pk}/"
        + ("" if owns else " (demo_resident owns no unit here: view only)")
    )

"""Bench databases: create and migrate one, build a territory through the services,
and load synthetic service requests fast with PostgreSQL COPY.

Used by bench/reads.py and bench/dashboards.py. Each benchmark owns its own
database (``redprop_bench_*``), dropped and created afresh on each run.

The territory (regions, grids, compounds, buildings, units, organisations, users
and their roles) is created through the real services, as the platform would.
The requests are generated in Python as whole histories (filed → dispatched →
accepted → arrived → resolved → rated → closed, with returns, escalations,
breaches, reopenings and revisits at plausible rates), each one consistent with
what the services would have stored: status, SLA snapshot and deadlines,
timeline events, ratings, photos, and the ``MonthlyStats`` counters the
services would have bumped along the way (same cells, same org attribution).
Rows are streamed with ``COPY`` into the real tables, one connection per table,
with foreign-key triggers off (``session_replication_role = replica``: the
generator only emits ids that exist) and secondary indexes rebuilt after large
loads; then ``ANALYZE``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import time
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

PG = os.environ.get("REDPROP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
TZ_OFFSET = 8 * 3600  # Asia/Shanghai, no DST


def dsn(name: str) -> str:
    return f"{PG}/{name}"


def open_bench_db(name: str, *, fresh: bool = True) -> str:
    """Point Django at ``name`` (dropped and created when ``fresh``) and migrate it."""
    import psycopg

    # Only a bench database is ever dropped; another one (a session's own, e.g.
    # ``--db hnotify``) is used as it is, migrated, never dropped.
    if fresh and not name.startswith("redprop_bench"):
        raise ValueError("bench databases are named redprop_bench_*")
    if fresh:
        with psycopg.connect(dsn("postgres"), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = dsn(name)
    from bench.common import setup_django

    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return dsn(name)


# --- the territory, built through the services -------------------------------------


@dataclass
class Place:
    unit_id: int | None
    building_id: int | None
    compound_id: int
    grid_id: int | None
    community_id: int
    street_id: int
    district_id: int
    city_id: int
    label: str  # e.g. "3栋2单元501" (what a resident writes in a description)


@dataclass
class Territory:
    city: Any
    districts: list[Any]
    streets: list[Any]
    communities: list[Any]
    grids: list[Any]
    compounds: list[Any]
    places: list[Place]
    community_staff: dict[int, Any] = field(default_factory=dict)  # community id → User
    street_officers: dict[int, Any] = field(default_factory=dict)  # street id → User
    city_officer: Any = None
    workers: dict[int, Any] = field(default_factory=dict)  # grid id → maintenance worker
    residents: dict[int, tuple[int, int]] = field(
        default_factory=dict
    )  # community → (person, user)
    company_staff: dict[int, Any] = field(default_factory=dict)  # org id → User


def build_territory(
    *,
    districts: int = 1,
    streets_per_district: int = 2,
    communities_per_street: int = 4,
    grids_per_community: int = 4,
    buildings_per_grid: int = 2,
    units_per_building: int = 3,
    prefix: str = "B",
) -> Territory:
    """A city through the real services: regions, grids (1+1: butler + maintenance
    worker), a red property company per street serving one compound per community,
    an old compound without property service (the community's safeguard), co-building
    units (water, power, gas, police) per street, a residents' committee per community,
    and one user per role anchor."""
    from django.db import transaction

    from redprop.accounts.choices import Role
    from redprop.accounts.services import role_grant, user_create
    from redprop.orgs.choices import CompanyType, OrgKind, UnitType
    from redprop.orgs.services import org_create
    from redprop.people.services import person_create
    from redprop.requests import policies
    from redprop.territory import services as territory

    sys = None
    policies.default_policy()
    with transaction.atomic():
        city = territory.region_create(
            level="city", name="基准市", code=prefix, parent=None, acting_user=sys
        )
        developer = org_create(
            kind=OrgKind.DEVELOPER, name="基准开发公司", place=city, acting_user=sys
        )
        t = Territory(city, [], [], [], [], [], [])
        boss = user_create(username=f"{prefix}_city", password=None, acting_user=sys)
        role_grant(user=boss, role=Role.HOUSING_BUREAU, region=city, acting_user=sys)
        t.city_officer = boss
        for d in range(districts):
            district = territory.region_create(
                level="district",
                name=f"第{d + 1}区",
                code=f"{prefix}-{d}",
                parent=city,
                acting_user=sys,
            )
            t.districts.append(district)
            for s in range(streets_per_district):
                street = territory.region_create(
                    level="street",
                    name=f"第{d + 1}区{s + 1}街道",
                    code=f"{prefix}-{d}-{s}",
                    parent=district,
                    acting_user=sys,
                )
                t.streets.append(street)
                officer = user_create(
                    username=f"{prefix}_st_{street.pk}", password=None, acting_user=sys
                )
                role_grant(user=officer, role=Role.STREET_OFFICER, region=street, acting_user=sys)
                t.street_officers[street.pk] = officer
                company = org_create(
                    kind=OrgKind.PROPERTY_COMPANY,
                    name=f"{street.name}红色物业",
                    company_type=CompanyType.RED,
                    place=street,
                    acting_user=sys,
                )
                staff = user_create(
                    username=f"{prefix}_co_{company.pk}", password=None, acting_user=sys
                )
                role_grant(user=staff, role=Role.COMPANY_STAFF, org=company, acting_user=sys)
                t.company_staff[company.pk] = staff
                for ut in (UnitType.WATER, UnitType.POWER, UnitType.GAS, UnitType.POLICE):
                    unit_org = org_create(
                        kind=OrgKind.COBUILDING_UNIT,
                        name=f"{street.name}{ut.label}",
                        unit_type=ut,
                        place=street,
                        acting_user=sys,
                    )
                    staff = user_create(
                        username=f"{prefix}_u_{unit_org.pk}", password=None, acting_user=sys
                    )
                    role_grant(user=staff, role=Role.UNIT_STAFF, org=unit_org, acting_user=sys)
                    t.company_staff[unit_org.pk] = staff
                for c in range(communities_per_street):
                    _community(
                        t,
                        street,
                        f"{prefix}-{d}-{s}-{c}",
                        c,
                        company,
                        developer,
                        grids_per_community,
                        buildings_per_grid,
                        units_per_building,
                    )
        # One resident (person + user) per community: the reporter of app requests.
        for community in t.communities:
            person = person_create(name="王建国", acting_user=sys)
            user = user_create(
                username=f"{prefix}_res_{community.pk}",
                password=None,
                person=person,
                acting_user=sys,
            )
            role_grant(user=user, role=Role.RESIDENT, person=person, acting_user=sys)
            t.residents[community.pk] = (person.pk, user.pk)
    return t


def _community(
    t: Territory,
    street: Any,
    code: str,
    index: int,
    company: Any,
    developer: Any,
    n_grids: int,
    n_buildings: int,
    n_units: int,
) -> None:
    from redprop.accounts.choices import Role
    from redprop.accounts.services import role_grant, user_create
    from redprop.orgs.choices import OrgKind
    from redprop.orgs.services import org_create
    from redprop.territory import services as territory

    sys = None
    community = territory.region_create(
        level="community",
        name=f"{street.name}{index + 1}社区",
        code=code,
        parent=street,
        acting_user=sys,
    )
    t.communities.append(community)
    org_create(
        kind=OrgKind.RESIDENTS_COMMITTEE,
        name=f"{community.name}居委会",
        place=community,
        acting_user=sys,
    )
    staff = user_create(username=f"bench_cs_{community.pk}", password=None, acting_user=sys)
    role_grant(user=staff, role=Role.COMMUNITY_STAFF, region=community, acting_user=sys)
    t.community_staff[community.pk] = staff
    served = territory.compound_create(
        community=community,
        name="幸福小区",
        management_type="red",
        company=company,
        acting_user=sys,
    )
    old = territory.compound_create(
        community=community, name="老街坊", management_type="none", acting_user=sys
    )
    t.compounds += [served, old]
    for g in range(n_grids):
        grid = territory.grid_create(
            community=community, name=f"第{g + 1}网格", code=f"{code}-G{g}", acting_user=sys
        )
        t.grids.append(grid)
        worker = user_create(username=f"bench_mw_{grid.pk}", password=None, acting_user=sys)
        role_grant(user=worker, role=Role.MAINTENANCE_WORKER, grid=grid, acting_user=sys)
        butler = user_create(username=f"bench_gb_{grid.pk}", password=None, acting_user=sys)
        role_grant(user=butler, role=Role.GRID_BUTLER, grid=grid, acting_user=sys)
        territory.grid_set_staff(
            grid=grid, butler=butler, maintenance_worker=worker, acting_user=sys
        )
        t.workers[grid.pk] = worker
        for b in range(n_buildings):
            # The last grid of a community covers the old compound (no property service).
            compound = old if g == n_grids - 1 and n_grids > 1 else served
            name = f"{g * n_buildings + b + 1}栋"
            building = territory.building_create(
                compound=compound, name=name, grid=grid, acting_user=sys
            )
            for u in range(n_units):
                label = f"{name}{u % 3 + 1}单元{(u // 3 + 1) * 100 + u % 3 + 1}"
                unit = territory.unit_create(
                    building=building,
                    label=label,
                    floor_area="86.5",
                    developer=developer,
                    acting_user=sys,
                )
                t.places.append(
                    Place(
                        unit.pk,
                        building.pk,
                        compound.pk,
                        grid.pk,
                        community.pk,
                        street.pk,
                        street.district_id,
                        street.city_id,
                        label,
                    )
                )
    # Some requests are about the compound itself (no building, so no grid).
    for compound in (served, old):
        t.places.append(
            Place(
                None,
                None,
                compound.pk,
                None,
                community.pk,
                street.pk,
                street.district_id,
                street.city_id,
                compound.name,
            )
        )


# --- the request mix --------------------------------------------------------------

# Per year, for one community: 南宁二桥西社区's figures (paid repairs 261, public
# repairs 412, pipe dredging 56, AC dripping 3, seepage 76); the other categories at
# rates we judged plausible for a community of ~2,000 households.
CATEGORY_MIX: dict[str, float] = {
    "paid_repair": 261,
    "public_repair": 412,
    "pipe_dredging": 56,
    "ac_dripping": 3,
    "seepage": 76,
    "heating": 10,
    "water_supply": 24,
    "power_supply": 18,
    "gas_supply": 6,
    "sanitation": 90,
    "greenery": 20,
    "gate_camera": 30,
    "parking": 45,
    "fire_lane": 25,
    "public_security": 8,
    "neighbour_dispute": 30,
    "consultation": 40,
    "complaint": 20,
    "suggestion": 12,
}

# Hour-of-day weights of arrivals (Asia/Shanghai): morning and evening peaks.
HOURLY = [
    0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 1.0, 2.2, 3.4, 3.6, 3.2, 2.6,
    2.0, 2.2, 2.6, 2.6, 2.5, 2.8, 3.4, 3.8, 3.4, 2.4, 1.3, 0.6,
]  # fmt: skip

PHRASES: dict[str, list[str]] = {
    "paid_repair": ["更换水龙头", "维修马桶水箱", "更换灯泡开关", "安装晾衣架", "更换门锁锁芯", "热水器不出热水"],
    "public_repair": ["楼道灯不亮", "单元门闭门器损坏", "电梯按钮失灵", "楼梯扶手松动", "外墙瓷砖脱落", "楼顶防水层破损"],
    "pipe_dredging": ["厨房下水道堵塞", "卫生间下水道堵塞，污水倒灌", "排污管道堵塞冒水", "化粪池满溢"],
    "ac_dripping": ["楼上空调外机滴水", "空调冷凝水滴到阳台"],
    "seepage": ["卫生间漏水渗到楼下", "屋顶渗漏，墙面发霉", "外墙渗水", "水管接口漏水"],
    "heating": ["暖气不热", "暖气片漏水"],
    "water_supply": ["停水无通知", "水压太低", "自来水发黄"],
    "power_supply": ["楼栋停电", "电表箱跳闸"],
    "gas_supply": ["闻到燃气味", "燃气表故障"],
    "sanitation": ["垃圾清运不及时", "楼道堆放杂物", "小区垃圾桶满溢"],
    "greenery": ["树枝遮挡窗户", "草坪无人修剪"],
    "gate_camera": ["门禁卡失效", "监控探头损坏"],
    "parking": ["车辆乱停堵塞通道", "外来车辆占用车位"],
    "fire_lane": ["楼道飞线充电", "电动车在楼道充电", "消防通道被占用"],
    "public_security": ["楼下有人聚集喧哗", "单元门被撬"],
    "neighbour_dispute": ["楼上噪音扰民", "邻居占用公共走廊"],
    "consultation": ["咨询加装电梯政策", "咨询维修基金使用"],
    "complaint": ["物业服务态度差", "投诉保洁不到位"],
    "suggestion": ["建议增设休闲座椅", "建议增加充电桩"],
}  # fmt: skip
TAILS = ["，请尽快处理", "，已经持续两天了", "，影响老人出行", "，麻烦师傅上门看看", "，谢谢", ""]
CHANNELS = [("app", 55), ("hotline", 20), ("window", 10), ("patrol", 12), ("meeting", 3)]
SCORES = [(5, 55), (4, 25), (3, 12), (2, 5), (1, 3)]


def _cum(weights: list[float]) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


_MINUTES: dict[int, str] = {}


def _ts(t: float) -> str:
    """COPY text for a timestamptz from epoch seconds (UTC); fast (cached minutes)."""
    us = int(t * 1_000_000)
    m, us = divmod(us, 60_000_000)
    p = _MINUTES.get(m)
    if p is None:
        p = _MINUTES[m] = dt.datetime.fromtimestamp(m * 60, dt.UTC).strftime("%Y-%m-%d %H:%M:")
    return "%s%09.6f+00" % (p, us / 1e6)  # noqa: UP031 (faster than an f-string here)


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


N = r"\N"

REQUEST_COLUMNS = (
    "id, created_at, updated_at, status, version, channel, severity, urgent, description, "
    "search_text, "
    "location_text, anonymous, external_ref, paused_from, sla, clock_started_at, respond_due_at, "
    "resolve_due_at, plan_due_at, next_sla_check_at, responded_at, resolved_at, closed_at, "
    "breached, escalation_level, reopen_count, return_count, rating, solved, assignee_id, "
    "building_id, category_id, city_id, community_id, compound_id, district_id, filed_by_id, "
    "grid_id, handling_org_id, merged_into_id, reporter_id, street_id, unit_id, policy_id"
)
EVENT_COLUMNS = "id, at, kind, from_status, to_status, note, data, actor_id, org_id, request_id"
RATING_COLUMNS = (
    "id, created_at, updated_at, source, score, solved, comment, superseded, by_id, request_id"
)
PHOTO_COLUMNS = (
    "id, created_at, updated_at, kind, token, image, width, height, uploaded_by_id, request_id"
)


@dataclass
class LoadResult:
    requests: int
    events: int
    ratings: int
    photos: int
    cells: int
    seconds: float
    first_id: int
    last_id: int


class RequestGenerator:
    """Whole request histories, the rows they leave, and the rollup counters."""

    def __init__(self, territory: Territory, *, seed: int, now: float, days: int = 365) -> None:
        from redprop.orgs.choices import OrgKind
        from redprop.orgs.models import Org
        from redprop.requests import policies
        from redprop.requests.models import COUNTERS, Category
        from redprop.territory.models import Compound

        self.t = territory
        self.rnd = random.Random(seed)
        self.now = now
        self.start = now - days * 86400
        self.days = days
        self.counters = COUNTERS
        self.cidx = {name: i for i, name in enumerate(COUNTERS)}
        cats = {c.code: c for c in Category.objects.all()}
        self.cats = [cats[code] for code in CATEGORY_MIX]
        self.cat_cum = _cum(list(CATEGORY_MIX.values()))
        self.places = territory.places
        # Communities of different sizes: weights 1..3 (some busier than others).
        cw = {c.pk: 1 + (i * 7) % 3 for i, c in enumerate(territory.communities)}
        self.place_cum = _cum([cw[p.community_id] / (1 if p.unit_id else 4) for p in self.places])
        self.chan = [c for c, _ in CHANNELS]
        self.chan_cum = _cum([w for _, w in CHANNELS])
        self.score_cum = _cum([w for _, w in SCORES])
        self.hour_cum = _cum(HOURLY)
        policy = policies.default_policy()
        self.policy_id = policy.pk
        # Frozen SLA snapshot per (severity, urgent), through the real policy code.
        self.sla: dict[tuple[str, bool], tuple[str, dict]] = {}
        for sev in ("normal", "major"):
            for urgent in (False, True):
                snap = policies.sla_snapshot(policy, severity=sev, urgent=urgent)
                self.sla[(sev, urgent)] = (json.dumps(snap, ensure_ascii=False), snap)
        # Routes through the real policy code, once per (compound, category).
        compounds = {c.pk: c for c in Compound.objects.select_related("company")}
        self.offices = {
            o.community_id: o.pk for o in Org.objects.filter(kind=OrgKind.RESIDENTS_COMMITTEE)
        }
        self.org_kind = dict(Org.objects.values_list("id", "kind"))
        self.route: dict[tuple[int, int], int | None] = {}
        for p in self.places:
            for cat in self.cats:
                key = (p.compound_id, cat.pk)
                if key not in self.route:
                    r = policies.route_for(category=cat, place=p, compound=compounds[p.compound_id])
                    self.route[key] = r.org.pk if r.org else None
        self.org_staff = {k: u.pk for k, u in territory.company_staff.items()}
        self.cells: dict[tuple, list[int]] = {}
        self.month_cache: dict[int, str] = {}
        self.token_cache: dict[str, str] = {}

    def tokens(self, desc: str) -> str:
        """``search_text`` as request_file writes it (the texts repeat: cached)."""
        from redprop.requests.search import document_tokens

        out = self.token_cache.get(desc)
        if out is None:
            out = self.token_cache[desc] = _esc(document_tokens(desc))
        return out

    # -- helpers
    def _pick(self, cum: list[float]) -> int:
        return bisect(cum, self.rnd.random() * cum[-1])

    def month_of(self, t: float) -> str:
        day = int((t + TZ_OFFSET) // 86400)
        m = self.month_cache.get(day)
        if m is None:
            m = dt.datetime.fromtimestamp(day * 86400, dt.UTC).strftime("%Y-%m-01")
            self.month_cache[day] = m
        return m

    def bump(self, month: str, p: Place, cat_id: int, org: int | None, **deltas: int) -> None:
        key = (month, p.community_id, p.grid_id, org, cat_id)
        row = self.cells.get(key)
        if row is None:
            row = self.cells[key] = [0] * len(self.counters)
        for k, v in deltas.items():
            row[self.cidx[k]] += v

    def arrivals(self, n: int) -> list[float]:
        """``n`` filing instants over the window, following the hourly profile."""
        out = []
        base_day = int((self.start + TZ_OFFSET) // 86400)
        rnd = self.rnd
        for _ in range(n):
            day = base_day + int(rnd.random() * self.days)
            hour = self._pick(self.hour_cum)
            local = day * 86400 + hour * 3600 + rnd.random() * 3600
            out.append(local - TZ_OFFSET)
        out.sort()
        return [min(t, self.now - 1) for t in out]

    # -- one history
    def history(
        self, rid: int, t0: float, ev_id: int, rating_id: int, photo_id: int
    ) -> tuple[str, list[str], list[str], list[str]]:
        rnd, now = self.rnd, self.now
        cat = self.cats[self._pick(self.cat_cum)]
        p = self.places[self._pick(self.place_cum)]
        sev, urgent = cat.default_severity, cat.urgent
        if sev == "complex":
            sev = "major"
        sla_json, snap = self.sla[(sev, urgent)]
        channel = self.chan[self._pick(self.chan_cum)]
        person_id, resident_user = self.t.residents[p.community_id]
        staff = self.t.community_staff[p.community_id].pk
        filed_by = resident_user if channel == "app" else staff
        reporter = person_id if channel == "app" else N
        phrase = rnd.choice(PHRASES[cat.code])
        where = p.label if p.unit_id else f"{p.label}小区内"
        desc = f"{where}{phrase}{rnd.choice(TAILS)}"
        month = self.month_of(t0)
        cid = cat.pk
        events: list[str] = []
        ratings: list[list[Any]] = []
        photos: list[str] = []
        ev = [ev_id]

        def event(
            at: float, kind: str, frm: str, to: str, actor: Any, org: Any, data: str, note: str = ""
        ) -> None:
            events.append(
                f"{ev[0]}\t{_ts(at)}\t{kind}\t{frm}\t{to}\t{note}\t{data}\t"
                f"{N if actor is None else actor}\t{N if org is None else org}\t{rid}"
            )
            ev[0] += 1

        status = "submitted"
        event(t0, "filed", "", status, filed_by, None, f'{{"channel": "{channel}"}}')
        self.bump(month, p, cid, None, filed=1)
        if rnd.random() < 0.35:
            for _ in range(1 + int(rnd.random() < 0.4)):
                photos.append(
                    f"{photo_id + len(photos)}\t{_ts(t0)}\t{_ts(t0)}\tbefore\t{rnd.getrandbits(64):016x}\t"
                    f"requests/{month[:7].replace('-', '/')}/{rid}/x.jpg\t1280\t960\t{filed_by}\t{rid}"
                )
        org: int | None = None
        assignee: int | None = None
        clock = respond_due = resolve_due = responded = resolved = closed = None
        breached = False
        level = reopen_count = return_count = 0
        rating: Any = N
        solved: Any = N
        updated = t0
        respond_min, resolve_min = snap["respond"], snap["resolve"]
        last_on_time = False

        def dispatch(at: float, to_org: int | None, frm: str) -> None:
            nonlocal org, assignee, status, clock, respond_due, resolve_due
            org = to_org
            assignee = (
                self.t.workers[p.grid_id].pk
                if p.grid_id and self.org_kind.get(org) == "property_company"
                else None
            )
            status = "dispatched"
            if clock is None:
                clock = at
                respond_due = at + respond_min * 60
                resolve_due = at + resolve_min * 60
            event(
                at,
                "dispatched",
                frm,
                status,
                staff,
                org,
                f'{{"assignee": {"null" if assignee is None else assignee}}}',
            )
            self.bump(month, p, cid, org, dispatched=int(responded is None))

        def breach(due: float, running_until: float) -> None:
            """The SLA sweep: breach, then escalations 1/2/3 at +0/30/120 min while running."""
            nonlocal breached, level
            if breached or due > now:
                return
            breached = True
            event(due, "deadline_breached", status, status, None, org, "{}")
            self.bump(month, p, cid, org, breached=1)
            for lv, after in ((1, 0), (2, 30), (3, 120)):
                at = due + after * 60
                if at > min(running_until, now) or lv <= level:
                    continue
                if level == 0:
                    self.bump(month, p, cid, org, escalated=1)
                level = lv
                event(at, "auto_escalated", status, status, None, org, f'{{"level": {lv}}}')

        def done() -> tuple[str, list[str], list[str], list[str]]:
            row = "\t".join(
                str(x)
                for x in (
                    rid, _ts(t0), _ts(updated), status, 1 + len(events), channel, sev,
                    "t" if urgent else "f", _esc(desc), self.tokens(desc), "", "f", "", "", sla_json,
                    _opt(clock), _opt(respond_due), _opt(resolve_due), N, N,
                    _opt(responded), _opt(resolved), _opt(closed), "t" if breached else "f",
                    level, reopen_count, return_count, rating, solved,
                    N if assignee is None else assignee,
                    p.building_id or N, cid, p.city_id, p.community_id, p.compound_id,
                    p.district_id, filed_by, p.grid_id or N, N if org is None else org, N,
                    reporter, p.street_id, p.unit_id or N, self.policy_id,
                )
            )  # fmt: skip
            rating_rows = [
                f"{r[0]}\t{r[1]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t\t{r[5]}\t{r[6]}\t{rid}"
                for r in ratings
            ]
            return row, events, rating_rows, photos

        # 3 % are cancelled by the resident before anyone dispatches them.
        t = t0 + rnd.uniform(2, 20) * 60
        if rnd.random() < 0.03:
            if t <= now:
                status, closed, updated = "cancelled", t, t
                event(t, "cancelled", "submitted", status, filed_by, None, "{}", "不需要了")
            return done()
        t = t0 + rnd.expovariate(1 / 240)  # the community dispatches in ~4 min
        if t > now:
            return done()
        route_org = self.route[(p.compound_id, cid)]
        # 4 % go to the wrong unit first and come back (退单), then to the community office.
        if rnd.random() < 0.04 and route_org != self.offices[p.community_id]:
            dispatch(t, route_org, "submitted")
            t += rnd.uniform(2, 10) * 60
            if t > now:
                return done()
            status, return_count = "returned", 1
            event(
                t,
                "returned",
                "dispatched",
                status,
                self.org_staff.get(org),
                org,
                "{}",
                "不属于本单位",
            )
            self.bump(month, p, cid, org, returned=1, withdrawn=1)
            assignee = None
            t += rnd.uniform(2, 15) * 60
            if t > now:
                return done()
            route_org = self.offices[p.community_id]
            dispatch(t, route_org, "returned")
        else:
            dispatch(t, route_org, "submitted")
        # 1.5 % are escalated to the street by the community before anyone responds.
        if rnd.random() < 0.015:
            t += rnd.uniform(5, 60) * 60
            if t > now:
                return done()
            frm, status = status, "escalated"
            event(t, "escalated", frm, status, staff, org, json.dumps({"level": 3}), "需街道协调")
            self.bump(month, p, cid, org, withdrawn=1, escalated=int(level == 0))
            level = 3
            t += rnd.uniform(30, 240) * 60
            if t > now:
                return done()
            dispatch(t, self.offices[p.community_id], "escalated")
        # accepted, arrived (the 5-minute clock), resolved
        handler = assignee or self.org_staff.get(org) or staff
        t_acc = t + rnd.uniform(0.3, 2.0) * 60
        travel = rnd.lognormvariate(math.log(2.2), 0.55) * 60  # median 2.2 min, P(>5) ≈ 7 %
        t_arr = t_acc + travel
        site = rnd.random() > 0.08  # 8 % solved by phone (no site visit)
        work = rnd.lognormvariate(math.log(14 if sev == "normal" else 80), 0.5) * 60
        t_res = (t_arr if site else t_acc) + work
        if t_acc > now:
            breach(respond_due, now)
            return done()
        event(t_acc, "accepted", status, "accepted", handler, org, "{}")
        status, assignee, updated = "accepted", handler, t_acc
        if site:
            if t_arr > now:
                breach(respond_due, now)
                return done()
            event(t_arr, "arrived", status, "on_site", handler, org, "{}")
            status, responded, updated = "on_site", t_arr, t_arr
            self.bump(month, p, cid, org, responded=1, responded_on_time=int(t_arr <= respond_due))
            if t_arr > respond_due:
                breach(respond_due, t_arr)
        if t_res > now:
            breach(resolve_due, now)
            return done()
        if responded is None:
            responded = t_res
            self.bump(month, p, cid, org, responded=1, responded_on_time=int(t_res <= respond_due))
            if t_res > respond_due:
                breach(respond_due, t_res)
        if t_res > resolve_due:
            breach(resolve_due, t_res)
        last_on_time = t_res <= resolve_due
        event(
            t_res,
            "resolved",
            status,
            "resolved",
            handler,
            org,
            ('{"on_time": true}' if last_on_time else '{"on_time": false}'),
            "已处理",
        )
        status, resolved, updated = "resolved", t_res, t_res
        self.bump(month, p, cid, org, resolved=1, resolved_on_time=int(last_on_time))
        if rnd.random() < 0.2:
            photos.append(
                f"{photo_id + len(photos)}\t{_ts(t_res)}\t{_ts(t_res)}\tafter\t{rnd.getrandbits(64):016x}\t"
                f"requests/{month[:7].replace('-', '/')}/{rid}/y.jpg\t1280\t960\t{handler}\t{rid}"
            )
        # the resident's word: 55 % rate, 15 % are revisited by phone
        t = t_res + rnd.uniform(0.5, 30) * 3600
        u = rnd.random()
        prev: tuple[Any, bool] | None = None

        def rate(at: float, source: str) -> None:
            nonlocal rating, solved, status, updated, prev
            score: Any = SCORES[self._pick(self.score_cum)][0]
            if source == "revisit" and rnd.random() < 0.3:
                score = None
            ok = rnd.random() < (0.93 if score is None or score >= 3 else 0.4)
            if prev is not None:  # the earlier rating is superseded
                ratings[-1][5] = "t"
                self.bump(month, p, cid, org, **_rating_deltas(prev[0], prev[1], -1))
            by = self.t.residents[p.community_id][1] if source == "resident" else staff
            ratings.append(
                [rating_id + len(ratings), _ts(at), source, N if score is None else score,
                 "t" if ok else "f", "f", by]
            )  # fmt: skip
            self.bump(month, p, cid, org, **_rating_deltas(score, ok, 1))
            event(
                at,
                "rated" if source == "resident" else "revisited",
                status,
                "rated",
                by,
                org,
                json.dumps({"score": score, "solved": ok}),
            )
            prev = (score, ok)
            rating, solved, status, updated = (
                (N if score is None else score),
                ("t" if ok else "f"),
                "rated",
                at,
            )

        if u < 0.70 and t <= now:
            rate(t, "resident" if u < 0.55 else "revisit")
            # unhappy residents ask for it to be done again (重办), within the policy's limit
            if prev is not None and prev[0] is not None and prev[0] <= 2 and rnd.random() < 0.5:
                t += rnd.uniform(0.5, 12) * 3600
                if t <= now:
                    self.bump(
                        month,
                        p,
                        cid,
                        org,
                        resolved=-1,
                        resolved_on_time=-int(last_on_time),
                        reopened=1,
                    )
                    event(t, "reopened", status, "reopened", filed_by, org, "{}", "不满意")
                    status, reopen_count, resolved, updated = "reopened", 1, None, t
                    resolve_due = t + resolve_min * 60
                    t_acc = t + rnd.uniform(5, 60) * 60
                    t_res = t_acc + rnd.lognormvariate(math.log(25), 0.5) * 60
                    if t_acc <= now:
                        event(t_acc, "accepted", status, "accepted", handler, org, "{}")
                        status, updated = "accepted", t_acc
                    if t_res <= now:
                        last_on_time = t_res <= resolve_due
                        if not last_on_time:
                            breach(resolve_due, t_res)
                        event(
                            t_res,
                            "resolved",
                            status,
                            "resolved",
                            handler,
                            org,
                            ('{"on_time": true}' if last_on_time else '{"on_time": false}'),
                            "再次处理",
                        )
                        status, resolved, updated = "resolved", t_res, t_res
                        self.bump(
                            month, p, cid, org, resolved=1, resolved_on_time=int(last_on_time)
                        )
                        t = t_res + rnd.uniform(1, 24) * 3600
                        if rnd.random() < 0.5 and t <= now:
                            rate(t, "resident")
                    elif resolve_due <= now:
                        breach(resolve_due, now)
        # nobody rated within 7 days (or it was rated): closed by the system
        if resolved is not None:
            t = resolved + 7 * 86400 + rnd.uniform(0, 3600)
            if t <= now:
                event(t, "closed", status, "closed", None, org, "{}", "超过评价期限，系统自动关闭")
                status, closed, updated = "closed", t, t
        return done()

    def cell_rows(self, first_id: int) -> Iterator[str]:
        places = {p.community_id: p for p in self.places}
        for i, (key, row) in enumerate(sorted(self.cells.items(), key=lambda kv: str(kv[0]))):
            month, community, grid, org, cat = key
            p = places[community]
            cell = f"{month[:7]}|{community}|{grid}|{org}|{cat}"
            yield "\t".join(
                str(x)
                for x in (
                    first_id + i, month, cell, *row, cat, p.city_id, community, p.district_id,
                    N if grid is None else grid, N if org is None else org, p.street_id,
                )
            )  # fmt: skip


def _opt(t: float | None) -> str:
    return N if t is None else _ts(t)


def _rating_deltas(score: int | None, ok: bool, sign: int) -> dict[str, int]:
    from redprop.requests import stats

    return stats.rating_deltas(score, ok, sign)


def _stats_columns() -> str:
    from redprop.requests.models import COUNTERS

    return (
        "id, month, cell, "
        + ", ".join(COUNTERS)
        + ", category_id, city_id, community_id, district_id, grid_id, org_id, street_id"
    )


SECONDARY_TABLES = (
    "requests_servicerequest",
    "requests_requestevent",
    "requests_rating",
    "requests_requestphoto",
    "requests_monthlystats",
)


def _drop_secondary_indexes(conn: Any) -> list[str]:
    """Drop the non-unique indexes of the request tables; return their definitions."""
    rows = conn.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
            WHERE c.relname = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary""",
        [list(SECONDARY_TABLES)],
    ).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP INDEX {name}")
    return [d for _, d in rows]


def truncate_requests(db: str) -> None:
    import psycopg

    with psycopg.connect(dsn(db), autocommit=True) as c:
        c.execute(
            "TRUNCATE requests_servicerequest, requests_requestevent, requests_rating, "
            "requests_requestphoto, requests_monthlystats, requests_communitymonthstats, "
            "requests_slacheckpoint, "
            "requests_requestfollower, notifications_outboxmessage, notifications_inboxitem "
            "RESTART IDENTITY CASCADE"
        )


def load_requests(
    db: str,
    territory: Territory,
    n: int,
    *,
    seed: int = 1,
    now: dt.datetime | None = None,
    days: int = 365,
    rebuild_indexes: bool | None = None,
    log: Any = print,
) -> LoadResult:
    """Generate ``n`` requests filed over the last ``days`` and COPY them (and their
    events, ratings, photos and rollup cells) into ``db``; then ANALYZE."""
    import psycopg

    started = time.perf_counter()
    now_ts = (now or dt.datetime.now(dt.UTC)).timestamp()
    gen = RequestGenerator(territory, seed=seed, now=now_ts, days=days)
    conns = {k: psycopg.connect(dsn(db)) for k in ("req", "ev", "rat", "ph", "ms")}
    for c in conns.values():
        c.execute("SET session_replication_role = replica")
        c.execute("SET synchronous_commit = off")
    ctl = psycopg.connect(dsn(db), autocommit=True)

    def next_id(table: str) -> int:
        return int(ctl.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])

    rid = next_id("requests_servicerequest")
    ev_id = next_id("requests_requestevent")
    rating_id = next_id("requests_rating")
    photo_id = next_id("requests_requestphoto")
    first = rid
    if rebuild_indexes is None:
        rebuild_indexes = n >= 5_000
    index_defs = _drop_secondary_indexes(ctl) if rebuild_indexes else []
    times = gen.arrivals(n)
    counts = {"ev": 0, "rat": 0, "ph": 0}
    with (
        conns["req"]
        .cursor()
        .copy(f"COPY requests_servicerequest ({REQUEST_COLUMNS}) FROM STDIN") as cr,
        conns["ev"].cursor().copy(f"COPY requests_requestevent ({EVENT_COLUMNS}) FROM STDIN") as ce,
        conns["rat"].cursor().copy(f"COPY requests_rating ({RATING_COLUMNS}) FROM STDIN") as ca,
        conns["ph"].cursor().copy(f"COPY requests_requestphoto ({PHOTO_COLUMNS}) FROM STDIN") as cp,
    ):
        buf_r: list[str] = []
        buf_e: list[str] = []
        buf_a: list[str] = []
        buf_p: list[str] = []
        for i, t0 in enumerate(times):
            row, evs, rts, phs = gen.history(rid, t0, ev_id, rating_id, photo_id)
            buf_r.append(row)
            buf_e += evs
            buf_a += rts
            buf_p += phs
            rid += 1
            ev_id += len(evs)
            rating_id += len(rts)
            photo_id += len(phs)
            if len(buf_r) >= 20_000 or i == n - 1:
                cr.write("\n".join(buf_r) + "\n")
                if buf_e:
                    ce.write("\n".join(buf_e) + "\n")
                if buf_a:
                    ca.write("\n".join(buf_a) + "\n")
                if buf_p:
                    cp.write("\n".join(buf_p) + "\n")
                counts["ev"] += len(buf_e)
                counts["rat"] += len(buf_a)
                counts["ph"] += len(buf_p)
                buf_r, buf_e, buf_a, buf_p = [], [], [], []
    for k in ("req", "ev", "rat", "ph"):
        conns[k].commit()
    # Rollup cells: merged into what is there (a second load adds to the counters).
    existing = {
        cell: mid
        for cell, mid in ctl.execute("SELECT cell, id FROM requests_monthlystats").fetchall()
    }
    if existing:
        _merge_cells(ctl, gen, existing)
    else:
        with (
            conns["ms"]
            .cursor()
            .copy(f"COPY requests_monthlystats ({_stats_columns()}) FROM STDIN") as cm
        ):
            cm.write("\n".join(gen.cell_rows(1)) + "\n")
        conns["ms"].commit()
    gen_seconds = time.perf_counter() - started
    log(f"  copied {n:,} requests, {counts['ev']:,} events in {gen_seconds:.1f} s")
    if index_defs:
        t = time.perf_counter()
        ctl.execute("SET maintenance_work_mem = '1GB'")
        for d in index_defs:
            ctl.execute(d)
        log(f"  rebuilt {len(index_defs)} secondary indexes in {time.perf_counter() - t:.1f} s")
    for table in (
        "requests_servicerequest",
        "requests_requestevent",
        "requests_rating",
        "requests_requestphoto",
        "requests_monthlystats",
    ):
        ctl.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
        )
    rebuild_community_cells(ctl)
    t = time.perf_counter()
    ctl.execute("VACUUM ANALYZE requests_servicerequest")
    ctl.execute("VACUUM ANALYZE requests_requestevent")
    ctl.execute("VACUUM ANALYZE requests_rating")
    ctl.execute("VACUUM ANALYZE requests_requestphoto")
    ctl.execute("VACUUM ANALYZE requests_monthlystats")
    ctl.execute("VACUUM ANALYZE requests_communitymonthstats")
    # The small tables the services filled (users, organisations, compounds…): a
    # server with autovacuum would have analysed them; without statistics the planner
    # takes them for 40-row tables and picks joins accordingly.
    for (table,) in ctl.execute(
        "SELECT relname FROM pg_stat_user_tables "
        "WHERE last_analyze IS NULL AND last_autoanalyze IS NULL"
    ).fetchall():
        ctl.execute(f'ANALYZE "{table}"')
    log(f"  vacuum analyze {time.perf_counter() - t:.1f} s")
    for c in conns.values():
        c.close()
    ctl.close()
    return LoadResult(
        requests=n,
        events=counts["ev"],
        ratings=counts["rat"],
        photos=counts["ph"],
        cells=len(gen.cells),
        seconds=time.perf_counter() - started,
        first_id=first,
        last_id=rid - 1,
    )


def rebuild_community_cells(ctl: Any) -> None:
    """Sum the fine cells into ``requests_communitymonthstats`` (what the services keep
    current as they go; in SQL, for bulk loads)."""
    from redprop.requests.models import COUNTERS

    sums = ", ".join(f"sum({c})" for c in COUNTERS)
    place = "month, city_id, district_id, street_id, community_id, category_id"
    ctl.execute("TRUNCATE requests_communitymonthstats")
    ctl.execute(
        f"INSERT INTO requests_communitymonthstats (cell, {place}, {', '.join(COUNTERS)}) "
        "SELECT to_char(month, 'YYYY-MM') || '|' || coalesce(community_id::text, 'None') "
        f"|| '|' || category_id, {place}, {sums} FROM requests_monthlystats GROUP BY {place}"
    )


def _merge_cells(ctl: Any, gen: RequestGenerator, existing: dict[str, int]) -> None:
    from redprop.requests.models import COUNTERS

    new_id = int(
        ctl.execute("SELECT coalesce(max(id), 0) + 1 FROM requests_monthlystats").fetchone()[0]
    )
    rows = list(gen.cell_rows(new_id))
    with ctl.cursor() as cur:
        cur.execute("CREATE TEMP TABLE ms_in (LIKE requests_monthlystats)")
        with cur.copy(f"COPY ms_in ({_stats_columns()}) FROM STDIN") as cm:
            cm.write("\n".join(rows) + "\n")
        sets = ", ".join(f"{c} = m.{c} + i.{c}" for c in COUNTERS)
        cur.execute(f"UPDATE requests_monthlystats m SET {sets} FROM ms_in i WHERE m.cell = i.cell")
        cur.execute(
            f"INSERT INTO requests_monthlystats ({_stats_columns()}) SELECT {_stats_columns()} "
            "FROM ms_in i WHERE NOT EXISTS (SELECT 1 FROM requests_monthlystats m WHERE m.cell = i.cell)"
        )
        cur.execute("DROP TABLE ms_in")


# --- reuse: describe a loaded database, and rebuild the Territory from its rows -----

LOADER_VERSION = 1


def write_meta(db: str, **meta: Any) -> None:
    import psycopg

    with psycopg.connect(dsn(db), autocommit=True) as c:
        c.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb)")
        for k, v in {**meta, "loader_version": LOADER_VERSION}.items():
            c.execute(
                "INSERT INTO bench_meta VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [k, json.dumps(v)],
            )


def read_meta(db: str) -> dict[str, Any]:
    import psycopg

    try:
        with psycopg.connect(dsn(db)) as c:
            rows = c.execute("SELECT key, value FROM bench_meta").fetchall()
    except psycopg.Error:
        return {}
    return dict(rows)


def territory_from_db(prefix: str = "B") -> Territory:
    """The Territory of a database built by ``build_territory`` (for a reused database)."""
    from redprop.accounts.choices import Role
    from redprop.accounts.models import RoleAssignment
    from redprop.territory.models import Compound, Grid, Region, Unit

    city = Region.objects.get(code=prefix)
    regions = list(Region.objects.filter(city_id=city.pk).order_by("id"))
    t = Territory(
        city,
        [r for r in regions if r.level == "district"],
        [r for r in regions if r.level == "street"],
        [r for r in regions if r.level == "community"],
        list(Grid.objects.filter(city_id=city.pk).select_related("maintenance_worker")),
        list(Compound.objects.filter(city_id=city.pk)),
        [],
    )
    for u in Unit.objects.filter(city_id=city.pk).order_by("id"):
        t.places.append(
            Place(
                u.pk,
                u.building_id,
                u.compound_id,
                u.grid_id,
                u.community_id,
                u.street_id,
                u.district_id,
                u.city_id,
                u.label,
            )
        )
    for c in t.compounds:
        t.places.append(
            Place(
                None,
                None,
                c.pk,
                None,
                c.community_id,
                c.street_id,
                c.district_id,
                c.city_id,
                c.name,
            )
        )
    t.workers = {g.pk: g.maintenance_worker for g in t.grids}
    for ra in RoleAssignment.objects.select_related("user", "region").filter(
        revoked_at__isnull=True
    ):
        if ra.role == Role.COMMUNITY_STAFF:
            t.community_staff[ra.region_id] = ra.user
        elif ra.role == Role.STREET_OFFICER:
            t.street_officers[ra.region_id] = ra.user
        elif ra.role == Role.HOUSING_BUREAU and ra.region_id == city.pk:
            t.city_officer = ra.user
        elif ra.role in (Role.COMPANY_STAFF, Role.UNIT_STAFF):
            t.company_staff[ra.org_id] = ra.user
        elif ra.role == Role.RESIDENT and ra.user.username.startswith(f"{prefix}_res_"):
            t.residents[int(ra.user.username.rsplit("_", 1)[1])] = (ra.person_id, ra.user_id)
    return t

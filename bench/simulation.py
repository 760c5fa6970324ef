"""Benchmark 4 — dispatch simulation: a street's days in simpy, routed and assigned by
the platform's real policy code, against FIFO and an upper bound.

    bin/bench simulation [--days 7] [--loads 1,2,4,8,16,32] [--seed 1]

The street (bench/load.py ``build_territory``, through the services, in the
PostgreSQL database ``redprop_bench_sim``): 4 communities × 4 grids, one maintenance
worker per grid (1+1+1+N: ``Grid.maintenance_worker`` and the MAINTENANCE_WORKER
role), the street's red property company serving one compound per community.

Arrivals: a non-homogeneous Poisson process. Reference load (×1) = the category mix
of bench/load.py (南宁二桥西社区's figures for the five repair categories, the
others at plausible rates: 1,186 requests a year per community, 4 communities),
with the hourly profile of bench/load.py (morning and evening peaks; 25 % of
requests arrive between 20:00 and 8:00). Every arrival is routed by the real
``policies.route_for`` (property matters → the compound's property company; the
rest, and every request of the old compound without property service that the last
grid of each community covers, go to the community office or a co-building unit and
are not a maintenance worker's job: counted, not simulated). For property jobs the 5341 clocks start at
filing (auto-dispatch): arrive ≤ 5 min; solve ≤ 30 min (normal) or ≤ 4 h (major).

Assumptions (minutes; all drawn once per request, common random numbers for every
policy, so policies are compared on the same requests):

* acknowledgement by the worker's phone: uniform 0.2–1.0;
* travel inside a grid: lognormal, median 2.0, σ 0.4 (P(> 4 min) ≈ 4 %); to another
  grid of the community + uniform 1.5–3.5; to another community + uniform 4–8;
* work on site by category: lognormal, σ 0.5, medians: paid/public repair 12, pipe
  dredging 18, AC dripping 8, seepage 90 (major), sanitation 10, greenery 20, gate/
  camera 12, parking 8, fire lane 10 (major);
* after a job the worker walks back to their base (same travel time) before the
  next one; a worker's base is their grid; the street's night on-call worker's base
  is the duty room in community 1;
* shifts: grid workers 8:00–20:00; one on-call worker for the street 20:00–8:00.

Policies:

* FIFO — one street queue; the first free on-duty worker takes the oldest request.
* default — the platform as coded: ``route_for`` + ``assignee_for(mode=grid_worker)``
  on real model instances and real ServiceRequest rows (the grid's own worker;
  least-loaded only when a grid has none); the job waits in that worker's queue,
  including overnight when the worker is off shift (the policy knows no shifts).
* least_loaded, round_robin — the other real modes of ``assignee_for`` (their
  load and rotation come from the ServiceRequest rows the simulation keeps current).
* default + on-call — a proposal: as default, but when the grid worker is off shift
  the night on-call worker gets the job.
* bound — a relaxation no policy can beat in this model: every request is served
  at once (no waiting at all, infinite capacity) by the nearest on-duty worker,
  starting from that worker's base.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import time
from dataclasses import dataclass, field
from typing import Any

import simpy

from bench.common import header
from bench.load import CATEGORY_MIX, HOURLY, build_territory, open_bench_db

DB = "redprop_bench_sim"
DAY = 24 * 60
SHIFT = (8 * 60, 20 * 60)  # grid workers on duty
SERVICE_MEDIAN = {
    "paid_repair": 12,
    "public_repair": 12,
    "pipe_dredging": 18,
    "ac_dripping": 8,
    "seepage": 90,
    "sanitation": 10,
    "greenery": 20,
    "gate_camera": 12,
    "parking": 8,
    "fire_lane": 10,
}
RESOLVE = {"normal": 30, "major": 240}
RESPOND = 5


@dataclass
class Job:
    n: int
    t: float  # filed (= dispatched) at, minutes since the start
    grid: int  # index into the street's grids
    community: int
    category: str
    severity: str
    ack: float
    travel: float  # inside the grid
    cross_grid: float
    cross_community: float
    work: float
    arrived: float | None = None
    solved: float | None = None
    worker: int | None = None


@dataclass
class Worker:
    idx: int
    base_grid: int | None  # None: the street's duty room
    community: int
    day: bool  # a grid worker (True) or a night on-call worker (False)
    shift: tuple[int, int]  # on duty from, to (minutes after midnight; may wrap)
    user: Any = None
    queue: simpy.Store | None = None
    jobs: int = 0


@dataclass
class Street:
    grids: list[Any]  # Grid instances
    grid_community: list[int]
    units: list[Any]  # one Unit per grid
    compounds: list[Any]
    categories: dict[str, Any]
    routes: dict[tuple[int, str], Any]
    workers: list[Worker] = field(default_factory=list)


def on_duty(w: Worker, t: float) -> bool:
    m = t % DAY
    start, end = w.shift
    return start <= m < end if start < end else (m >= start or m < end)


def until_duty(w: Worker, t: float) -> float:
    """Minutes until ``w`` is next on duty (0 if on duty)."""
    if on_duty(w, t):
        return 0.0
    return (w.shift[0] - t % DAY) % DAY


def until_off(w: Worker, t: float) -> float:
    return (w.shift[1] - t % DAY) % DAY or DAY


def travel(w: Worker, job: Job, street: Street) -> float:
    if w.base_grid is not None and w.base_grid == job.grid:
        return job.travel
    if w.community == job.community:
        return job.travel + job.cross_grid
    return job.travel + job.cross_community


# --- arrivals ------------------------------------------------------------------------


def arrivals(street: Street, load: float, days: int, seed: int) -> tuple[list[Job], int]:
    """Property jobs over ``days`` (and the count of non-property requests routed away)."""
    rnd = random.Random(seed * 1000 + int(load * 100))
    per_year = sum(CATEGORY_MIX.values())
    n_comm = len(set(street.grid_community))
    mean_per_min = load * per_year * n_comm / 365 / DAY
    peak = max(HOURLY) / (sum(HOURLY) / 24)
    lam_max = mean_per_min * peak
    cats = list(CATEGORY_MIX)
    weights = list(CATEGORY_MIX.values())
    jobs: list[Job] = []
    others = 0
    t = 0.0
    while True:
        t += rnd.expovariate(lam_max)
        if t >= days * DAY:
            break
        hour = int((t % DAY) // 60)
        if rnd.random() > HOURLY[hour] / max(HOURLY):
            continue  # thinning: the hourly profile
        grid = rnd.randrange(len(street.grids))
        cat = rnd.choices(cats, weights)[0]
        route = street.routes[(grid, cat)]
        if route.org is None or route.org.kind != "property_company":
            others += 1
            continue
        sev = street.categories[cat].default_severity
        jobs.append(
            Job(
                n=len(jobs),
                t=t,
                grid=grid,
                community=street.grid_community[grid],
                category=cat,
                severity="major" if sev != "normal" else "normal",
                ack=rnd.uniform(0.2, 1.0),
                travel=rnd.lognormvariate(math.log(2.0), 0.4),
                cross_grid=rnd.uniform(1.5, 3.5),
                cross_community=rnd.uniform(4, 8),
                work=rnd.lognormvariate(math.log(SERVICE_MEDIAN[cat]), 0.5),
            )
        )
    return jobs, others


# --- the platform's policy, through the real code ------------------------------------


class Platform:
    """Real ServiceRequest rows and the real ``policies.assignee_for``."""

    def __init__(self, street: Street, mode: str, start: dt.datetime) -> None:
        from redprop.requests import policies

        self.street, self.mode, self.start = street, mode, start
        self.policy = policies.default_policy()
        self.by_user = {w.user.pk: w for w in street.workers if w.user is not None}
        self.rows: dict[int, int] = {}
        self.calls = 0

    def reset(self) -> None:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("DELETE FROM requests_servicerequest")

    def assign(self, job: Job) -> Worker | None:
        from redprop.requests import policies
        from redprop.requests.models import ServiceRequest
        from redprop.requests.search import document_tokens

        s = self.street
        unit, grid = s.units[job.grid], s.grids[job.grid]
        route = s.routes[(job.grid, job.category)]
        req = ServiceRequest(
            status="dispatched",
            channel="app",
            category=s.categories[job.category],
            severity=job.severity,
            description="（仿真）",
            search_text=document_tokens("（仿真）"),
            compound=unit.compound,
            building_id=unit.building_id,
            unit=unit,
            policy=self.policy,
            handling_org=route.org,
            created_at=self.start + dt.timedelta(minutes=job.t),
        )
        req.set_place(unit)
        req.grid = grid
        user = policies.assignee_for(request=req, org=route.org, mode=self.mode)
        self.calls += 1
        req.assignee = user
        req.save()
        self.rows[job.n] = req.pk
        return self.by_user.get(user.pk) if user is not None else None

    def done(self, job: Job) -> None:
        from redprop.requests.models import ServiceRequest

        ServiceRequest.objects.filter(pk=self.rows[job.n]).update(status="resolved")


# --- the simulation ----------------------------------------------------------------


def simulate(street: Street, jobs: list[Job], policy: str, days: int) -> dict[str, Any]:
    env = simpy.Environment()
    workers = street.workers
    central = simpy.Store(env)
    for w in workers:
        w.queue = simpy.Store(env)
        w.jobs = 0
    platform: Platform | None = None
    if policy in ("default", "least_loaded", "round_robin", "default+oncall"):
        mode = {"default+oncall": "grid_worker", "default": "grid_worker"}.get(policy, policy)
        platform = Platform(street, mode, dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
        platform.reset()

    def on_call(job: Job) -> Worker:
        """The nearest night on-call worker (on duty now, else the next one on)."""
        night = [w for w in workers if not w.day]
        return min(night, key=lambda w: (until_duty(w, env.now), travel(w, job, street)))

    def do(w: Worker, job: Job) -> Any:
        go = travel(w, job, street)
        job.worker = w.idx
        job.arrived = env.now + job.ack + go
        job.solved = job.arrived + job.work
        w.jobs += 1
        yield env.timeout(job.ack + go + job.work + go)  # there, work, back to base
        if platform is not None:
            platform.done(job)

    def personal(w: Worker) -> Any:
        assert w.queue is not None
        while True:
            job = yield w.queue.get()
            wait = until_duty(w, env.now)
            if wait:
                yield env.timeout(wait)
            yield env.process(do(w, job))

    def shared(w: Worker) -> Any:
        while True:
            wait = until_duty(w, env.now)
            if wait:
                yield env.timeout(wait)
            get = central.get()
            got = yield get | env.timeout(until_off(w, env.now))
            if get not in got:
                get.cancel()
                continue
            yield env.process(do(w, got[get]))

    def source() -> Any:
        for job in jobs:
            yield env.timeout(job.t - env.now)
            if policy == "fifo":
                central.put(job)
                continue
            assert platform is not None
            w = platform.assign(job)
            if policy == "default+oncall" and w is not None and not on_duty(w, env.now):
                w = on_call(job)
            if w is None:  # no maintenance worker (not in this street): the on-call one
                w = on_call(job)
            assert w.queue is not None
            w.queue.put(job)

    for w in workers:
        env.process(shared(w) if policy == "fifo" else personal(w))
    env.process(source())
    env.run(until=days * DAY + 3 * DAY)  # let the last jobs finish
    return score(jobs)


def bound(street: Street, jobs: list[Job]) -> dict[str, Any]:
    """No waiting, nearest on-duty worker from their base."""
    for job in jobs:
        best = min(travel(w, job, street) for w in street.workers if on_duty(w, job.t))
        job.arrived = job.t + job.ack + best
        job.solved = job.arrived + job.work
    return score(jobs)


def score(jobs: list[Job]) -> dict[str, Any]:
    n = len(jobs)
    day = [j for j in jobs if SHIFT[0] <= j.t % DAY < SHIFT[1]]

    def rate(js: list[Job], what: str) -> float:
        if not js:
            return float("nan")
        if what == "arrive":
            ok = sum(1 for j in js if j.arrived is not None and j.arrived - j.t <= RESPOND)
        elif what == "solve":
            ok = sum(
                1 for j in js if j.solved is not None and j.solved - j.t <= RESOLVE[j.severity]
            )
        else:
            ok = sum(
                1
                for j in js
                if j.arrived is not None
                and j.solved is not None
                and j.arrived - j.t <= RESPOND
                and j.solved - j.t <= RESOLVE[j.severity]
            )
        return 100 * ok / len(js)

    waits = sorted((j.arrived - j.t) for j in jobs if j.arrived is not None)
    return {
        "jobs": n,
        "arrive": rate(jobs, "arrive"),
        "solve": rate(jobs, "solve"),
        "both": rate(jobs, "both"),
        "arrive_day": rate(day, "arrive"),
        "both_day": rate(day, "both"),
        "p90_arrive": waits[int(0.9 * (len(waits) - 1))] if waits else float("nan"),
        "unfinished": sum(1 for j in jobs if j.solved is None),
    }


def fresh(jobs: list[Job]) -> list[Job]:
    return [
        Job(j.n, j.t, j.grid, j.community, j.category, j.severity, j.ack, j.travel, j.cross_grid, j.cross_community, j.work)
        for j in jobs
    ]  # fmt: skip


# --- set-up ------------------------------------------------------------------------


def build_street() -> Street:
    from redprop.requests import policies
    from redprop.requests.models import Category
    from redprop.territory.models import Unit

    t = build_territory(
        districts=1,
        streets_per_district=1,
        communities_per_street=4,
        grids_per_community=4,
        buildings_per_grid=1,
        units_per_building=1,
        prefix="SIM",
    )
    cats = {c.code: c for c in Category.objects.filter(code__in=list(CATEGORY_MIX))}
    grids = sorted(t.grids, key=lambda g: g.pk)
    comm_index = {c.pk: i for i, c in enumerate(sorted(t.communities, key=lambda c: c.pk))}
    units = []
    for g in grids:
        units.append(
            Unit.objects.select_related("compound__company", "building")
            .filter(grid_id=g.pk)
            .order_by("id")
            .first()
        )
    street = Street(
        grids=[type(g).objects.select_related("maintenance_worker").get(pk=g.pk) for g in grids],
        grid_community=[comm_index[g.community_id] for g in grids],
        units=units,
        compounds=t.compounds,
        categories=cats,
        routes={},
    )
    # route_for with real instances, once per (grid's compound, category): its answer
    # depends only on the territory and the routing rules, which do not change here.
    for i, u in enumerate(units):
        for code, cat in cats.items():
            street.routes[(i, code)] = policies.route_for(
                category=cat, place=u, compound=u.compound
            )
    return street


STAFFING = {
    "A": "grid workers 8:00–20:00; one on-call worker for the street 20:00–8:00 (duty room)",
    "B": "grid workers 7:00–22:00 (two overlapping shifts); one on-call worker per "
    "community 22:00–7:00 (based in the community's first grid)",
}


def staff(street: Street, preset: str) -> None:
    """(Re)create the workers of a staffing preset; on-call users hold no role, so the
    platform's modes never pick them (they know no shifts)."""
    from redprop.accounts.models import User
    from redprop.accounts.services import user_create

    day = (8 * 60, 20 * 60) if preset == "A" else (7 * 60, 22 * 60)
    street.workers = [
        Worker(i, i, street.grid_community[i], True, day, user=g.maintenance_worker)
        for i, g in enumerate(street.grids)
    ]

    def oncall(name: str) -> Any:
        return User.objects.filter(username=name).first() or user_create(
            username=name, password=None, acting_user=None
        )

    if preset == "A":
        street.workers.append(
            Worker(len(street.workers), None, 0, False, (20 * 60, 8 * 60), oncall("sim_oncall"))
        )
    else:
        for c in sorted(set(street.grid_community)):
            first = street.grid_community.index(c)
            street.workers.append(
                Worker(
                    len(street.workers),
                    first,
                    c,
                    False,
                    (22 * 60, 7 * 60),
                    oncall(f"sim_oncall_{c}"),
                )
            )


POLICIES = ["fifo", "default", "least_loaded", "round_robin", "default+oncall", "bound"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--min-days", type=int, default=7)
    ap.add_argument("--min-jobs", type=int, default=400, help="per load (days grow to reach it)")
    ap.add_argument("--loads", default="1,2,4,8,16")
    ap.add_argument("--staffing", default="A,B")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    loads = [float(x) for x in args.loads.split(",")]
    started = time.perf_counter()
    open_bench_db(DB)
    header(
        "simulation",
        {
            "database": f"{DB} (fresh)",
            "loads": loads,
            "jobs": f"at least {args.min_jobs} maintenance jobs and {args.min_days} days per load",
            "staffing": {k: STAFFING[k] for k in args.staffing.split(",")},
            "seed": args.seed,
            "loadavg": os.getloadavg(),
        },
    )
    street = build_street()
    per_day = sum(CATEGORY_MIX.values()) * 4 / 365
    print(
        f"street: 4 communities, {len(street.grids)} grids, one maintenance worker each; "
        f"reference load ×1 = {per_day:.1f} requests a day (all categories)"
    )
    for preset in args.staffing.split(","):
        staff(street, preset)
        print(f"\n##### staffing {preset}: {STAFFING[preset]}")
        results: dict[float, dict[str, dict[str, Any]]] = {}
        for load in loads:
            probe, _ = arrivals(street, load, 7, args.seed)
            days = max(args.min_days, math.ceil(args.min_jobs / max(len(probe) / 7, 0.1)))
            jobs, others = arrivals(street, load, days, args.seed)
            results[load] = {}
            print(
                f"\n--- load ×{load:g}: {len(jobs)} maintenance jobs in {days} days "
                f"({len(jobs) / days:.1f}/day, {len(jobs) / days / len(street.grids):.2f} per grid "
                f"per day); {others} other requests routed to the community office or units"
            )
            for policy in POLICIES:
                t = time.perf_counter()
                js = fresh(jobs)
                r = bound(street, js) if policy == "bound" else simulate(street, js, policy, days)
                results[load][policy] = r
                print(
                    f"  {policy:<15} arrive≤5 {r['arrive']:5.1f} %  solve {r['solve']:5.1f} %  "
                    f"both {r['both']:5.1f} %  | filed 8–20: arrive {r['arrive_day']:5.1f} % "
                    f"both {r['both_day']:5.1f} %  | p90 arrival {r['p90_arrive']:6.1f} min  "
                    f"({time.perf_counter() - t:.1f} s)",
                    flush=True,
                )
        report(preset, results, loads)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


def report(
    preset: str, results: dict[float, dict[str, dict[str, Any]]], loads: list[float]
) -> None:
    print(
        f"\n=== staffing {preset}: on time = arrive ≤ 5 min AND solve ≤ 30 min / 4 h, "
        "% of maintenance jobs"
    )
    print("| policy | " + " | ".join(f"×{x:g}" for x in loads) + " | below 90 % from |")
    print("|---|" + "---|" * len(loads) + "---|")
    for key, title in (("both", "all hours"), ("both_day", "filed 8:00–20:00")):
        for p in POLICIES:
            vals = [results[x][p][key] for x in loads]
            below = next((x for x, v in zip(loads, vals, strict=True) if v < 90), None)
            cell = f"never (up to ×{loads[-1]:g})" if below is None else f"×{below:g}"
            print(f"| {p} ({title}) | " + " | ".join(f"{v:.1f}" for v in vals) + f" | {cell} |")
    print(f"\n=== staffing {preset}: arrive ≤ 5 min only, % (all hours)")
    print("| policy | " + " | ".join(f"×{x:g}" for x in loads) + " |")
    print("|---|" + "---|" * len(loads))
    for p in POLICIES:
        print(f"| {p} | " + " | ".join(f"{results[x][p]['arrive']:.1f}" for x in loads) + " |")
    ref = results[loads[0]]
    for p in ("default", "default+oncall", "fifo"):
        gap = ref["bound"]["both"] - ref[p]["both"]
        ok = ref[p]["both"] >= 97 and gap <= 2
        print(
            f"reference load, {p}: {ref[p]['both']:.1f} % vs bound {ref['bound']['both']:.1f} % "
            f"(gap {gap:.1f} points) — target ≥ 97 % and within 2 points: "
            f"{'met' if ok else 'NOT met'}"
        )


if __name__ == "__main__":
    main()

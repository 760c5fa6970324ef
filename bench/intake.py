"""Benchmark 1, intake: POST /api/v1/requests through the real app under load.

    bin/bench intake                       # ~4-5 minutes (first run adds the peer venv)
    bin/bench intake --duration 30 --reps 5
    bin/bench intake --compare-workers     # RedProp alone: sync vs gthread settings
    bin/bench intake --systems redprop --profile 500

Three systems, each behind the same gunicorn settings on
127.0.0.1, against the same PostgreSQL, loaded in turn (interleaved, ``--reps`` rounds) by the same load
generator (wrk with a Lua script; ``--loadgen python`` or a machine without wrk
falls back to threads + http.client keep-alive):

* **RedProp**: the production settings (config.settings.production: middleware,
  JSON access log, persistent connections, server-side binding) and the real
  intake: Bearer token, validation, permission, routing (auto-dispatch to the grid's
  worker for property matters), 5341 deadlines, timeline events, monthly rollup and
  the outbox row. Data: build_world() plus ``--residents`` residents of one
  compound, each with a unit, a login and an API token, and two staff filers.
  After the runs, the outbox relay's deferred work (fan-out, inbox, SMS) is drained
  and its CPU reported per created request, next to the intake's.
* **floor** (bench/floor/): a bare Django project, no middleware, one view that
  looks the token up and writes a request, an event and an outbox row with raw SQL
  in one transaction. What no real intake can beat.
* **peer** (bench/peer/): django-helpdesk 2.6.1 from the package index in its own
  virtualenv (var/bench/peer-venv), its DRF ticket-create endpoint with token auth.

Every 201 response's id must be a row in the database (checked), errors must be 0
(reported), and rows without a response can only be the requests in flight when
the load generator stopped (at most one per connection).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import RESULTS, ROOT, header, machine, percentile

PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
REDPROP_DB, FLOOR_DB, PEER_DB = "redprop_bench", "floor_bench", "helpdesk_bench"
PEER_VENV = ROOT / "var" / "bench" / "peer-venv"
PEER_REQUIREMENTS = ["django-helpdesk==2.6.1", "psycopg[binary]>=3.2", "gunicorn==27.0.1"]
BENCH_ENV = {
    "DJANGO_SECRET_KEY": "bench-only-secret",
    "REDPROP_PII_KEYS": "ZGV2LW9ubHktcGlpLWtleS1jaGFuZ2UtbWUtMzJiISE=",
    "REDPROP_BLIND_INDEX_KEY": "bench-only-blind-index-key",
    "DJANGO_SECURE_COOKIES": "false",
}

# What a resident reports, and how often (the Erqiaoxi mix: mostly repairs).
MIX: list[tuple[str, int, list[str]]] = [
    ("pipe_dredging", 20, ["厨房下水道堵了，水排不下去", "卫生间地漏返水，味道很大"]),
    ("public_repair", 15, ["单元门禁坏了，刷卡没反应", "楼道灯不亮，晚上看不见台阶"]),
    ("ac_dripping", 8, ["楼上空调外机滴水，打在我家窗台上"]),
    ("seepage", 10, ["卫生间顶部渗水，墙皮已经脱落", "外墙渗水，卧室墙角发霉"]),
    ("sanitation", 15, ["楼下垃圾桶满了两天没人清运", "楼道里堆放杂物，影响通行"]),
    ("parking", 10, ["消防通道被私家车占用", "车位被外来车辆长期占用"]),
    ("greenery", 5, ["小区树枝挡住路灯，需要修剪"]),
    ("neighbour_dispute", 9, ["楼上装修噪音太大，晚上十点还在施工"]),
    ("consultation", 8, ["想咨询一下加装电梯的补贴政策"]),
]


# ---------------------------------------------------------------------------------
# databases


def admin_conn() -> Any:
    import psycopg

    return psycopg.connect(f"{PG}/postgres", autocommit=True)


def recreate(name: str, template: str | None = None) -> None:
    with admin_conn() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def migrated_template(name: str, fingerprint: str, migrate: list[str], env: dict[str, str]) -> str:
    """A migrated template database, rebuilt only when the migrations change."""
    tpl = f"{name}_tpl"
    with admin_conn() as c:
        row = c.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [tpl],
        ).fetchone()
    if row and row[0] == fingerprint:
        return tpl
    print(f">> migrating {tpl} (migrations changed or first run)", flush=True)
    recreate(tpl)
    subprocess.run(
        migrate, check=True, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL
    )
    with admin_conn() as c:
        c.execute(f"COMMENT ON DATABASE \"{tpl}\" IS '{fingerprint}'")
    return tpl


def fingerprint(paths: list[Path], *extra: str) -> str:
    h = hashlib.sha256("|".join(extra).encode())
    for p in sorted(paths):
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def ids_after(dsn: str, table: str, after: int) -> set[int]:
    import psycopg

    with psycopg.connect(dsn) as c:
        return {r[0] for r in c.execute(f"SELECT id FROM {table} WHERE id > %s", [after])}


def max_id(dsn: str, table: str) -> int:
    import psycopg

    with psycopg.connect(dsn) as c:
        return int(c.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])


def count(dsn: str, sql: str) -> int:
    import psycopg

    with psycopg.connect(dsn) as c:
        return int(c.execute(sql).fetchone()[0])


# ---------------------------------------------------------------------------------
# systems


@dataclass
class System:
    name: str
    python_bin: Path  # where gunicorn lives
    wsgi: str
    env: dict[str, str]
    path: str  # the create endpoint
    health_path: str
    dsn: str
    table: str  # where the created rows are
    payloads: list[dict[str, str]] = field(default_factory=list)  # {"auth": ..., "body": ...}
    proc: subprocess.Popen | None = None
    port: int = 0
    log: Path | None = None


def intents(n: int, residents: int, staff: int, seed: int = 6) -> list[dict[str, Any]]:
    """``n`` filings: who (a resident index or a staff index), what, and the words."""
    rnd = random.Random(seed)
    codes = [c for c, w, _ in MIX for _ in range(w)]
    texts = {c: t for c, _, t in MIX}
    out = []
    for i in range(n):
        code = rnd.choice(codes)
        who = ("staff", i % staff) if i % 10 == 9 else ("resident", rnd.randrange(residents))
        out.append({"who": who, "category": code, "description": rnd.choice(texts[code])})
    return out


def setup_redprop(args: argparse.Namespace, plan: list[dict[str, Any]]) -> tuple[System, Any]:
    dsn = f"{PG}/{REDPROP_DB}"
    env = {**BENCH_ENV, "DATABASE_URL": dsn, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    migrations = list(ROOT.glob("redprop/*/migrations/*.py"))
    from importlib import metadata

    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    fp = fingerprint(migrations, *installed)
    tpl = migrated_template(
        REDPROP_DB,
        fp,
        [sys.executable, "manage.py", "migrate", "--noinput"],
        {**env, "DATABASE_URL": f"{PG}/{REDPROP_DB}_tpl"},
    )
    recreate(REDPROP_DB, template=tpl)
    os.environ.update(env)
    from bench.common import setup_django

    setup_django("config.settings.production")
    import logging

    logging.getLogger("redprop.access").setLevel(logging.WARNING)  # in-process: quiet

    from redprop.accounts.choices import Role
    from redprop.accounts.services import role_grant, token_create, user_create
    from redprop.conftest import build_world
    from redprop.people.services import person_create
    from redprop.requests.models import Category, RoutingRule
    from redprop.territory import services as territory

    t = time.perf_counter()
    w = build_world()
    # 1+1+1+N: every grid has its maintenance worker. (Until 2026-12-01 the second grid
    # had none, so half the filings took the least-loaded fallback, whose count of open
    # orders grows with this benchmark's never-resolved backlog.)
    worker_2 = user_create(username="bench_worker_2", password=None, acting_user=None)
    role_grant(user=worker_2, role=Role.MAINTENANCE_WORKER, grid=w.grid_2, acting_user=None)
    territory.grid_set_staff(grid=w.grid_2, maintenance_worker=worker_2, acting_user=None)
    # Jinghe's practice: property matters go straight to the grid's maintenance worker.
    for parent in ("repair", "environment"):
        RoutingRule.objects.create(
            region=w.community,
            category=Category.objects.get(code=parent),
            org=w.company,
            auto_dispatch=True,
        )
    resident_tokens, resident_units = [], []
    for i in range(args.residents):
        building = w.building if i % 2 == 0 else w.building_2
        person = person_create(name=f"住户{i:03d}", mobile=f"139{10000000 + i}", acting_user=None)
        unit = territory.unit_create(
            building=building,
            label=f"{building.name}{i // 20 + 1}单元{i % 20 + 1:02d}01",
            floor_area="80",
            owners=[person],
            acting_user=None,
        )
        territory.occupancy_add(unit=unit, person=person, acting_user=None)
        user = user_create(username=f"bench_r{i}", password=None, person=person, acting_user=None)
        role_grant(user=user, role=Role.RESIDENT, person=person, acting_user=None)
        resident_tokens.append(
            token_create(user=user, name="bench", scope="write", acting_user=None).key
        )
        resident_units.append(unit.pk)
    staff = [
        (w.users[Role.GRID_BUTLER], {"building_id": w.building.pk, "channel": "patrol"}),
        (w.users[Role.COMMUNITY_STAFF], {"compound_id": w.compound.pk, "channel": "hotline"}),
    ]
    staff_tokens = [
        token_create(user=u, name="bench", scope="write", acting_user=None).key for u, _ in staff
    ]
    print(
        f">> RedProp data: {args.residents} residents + {len(staff)} staff in {time.perf_counter() - t:.1f} s"
    )

    payloads = []
    for it in plan:
        kind, idx = it["who"]
        body: dict[str, Any] = {"category": it["category"], "description": it["description"]}
        if kind == "resident":
            body["unit_id"] = resident_units[idx]
            token = resident_tokens[idx]
        else:
            body.update(staff[idx][1])
            token = staff_tokens[idx]
        payloads.append({"auth": f"Bearer {token}", "body": json.dumps(body, ensure_ascii=False)})
    system = System(
        name="RedProp",
        python_bin=Path(sys.executable).parent,
        wsgi="config.wsgi:application",
        env=env,
        path="/api/v1/requests",
        health_path="/healthz?scope=web",
        dsn=dsn,
        table="requests_servicerequest",
        payloads=payloads,
    )
    return system, w


def setup_floor(plan: list[dict[str, Any]], redprop: System) -> System:
    """Same bodies and tokens as RedProp's (the floor keeps its own token table)."""
    from bench.floor.views import SCHEMA

    dsn = f"{PG}/{FLOOR_DB}"
    recreate(FLOOR_DB)
    import psycopg

    tokens = {p["auth"].removeprefix("Bearer ") for p in redprop.payloads}
    with psycopg.connect(dsn) as c:
        c.execute(SCHEMA)
        with c.cursor() as cur:
            cur.executemany(
                "INSERT INTO floor_token (key_hash, user_id) VALUES (%s, %s)",
                [
                    (hashlib.sha256(t.encode()).hexdigest(), i + 1)
                    for i, t in enumerate(sorted(tokens))
                ],
            )
    return System(
        name="floor",
        python_bin=Path(sys.executable).parent,
        wsgi="bench.floor.wsgi:application",
        env={"DJANGO_SETTINGS_MODULE": "bench.floor.settings", "FLOOR_DATABASE_URL": dsn},
        path="/api/v1/requests",
        health_path="/api/v1/requests",
        dsn=dsn,
        table="floor_request",
        payloads=list(redprop.payloads),
    )


def ensure_peer_venv() -> Path:
    py = PEER_VENV / "bin" / "python"
    stamp = PEER_VENV / ".bench-stamp"
    want = " ".join(PEER_REQUIREMENTS)
    if py.exists() and stamp.exists() and stamp.read_text() == want:
        return py
    print(f">> creating {PEER_VENV.relative_to(ROOT)} ({want})", flush=True)
    shutil.rmtree(PEER_VENV, ignore_errors=True)
    base = shutil.which("python3.11") or sys.executable
    subprocess.run([base, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *PEER_REQUIREMENTS,
        ],
        check=True,
    )
    stamp.write_text(want)
    return py


def setup_peer(args: argparse.Namespace, plan: list[dict[str, Any]]) -> System:
    py = ensure_peer_venv()
    dsn = f"{PG}/{PEER_DB}"
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.peer.settings",
        "PEER_DATABASE_URL": dsn,
        "PYTHONPATH": str(ROOT),
    }
    site = next((PEER_VENV / "lib").glob("python3*/site-packages"))
    fp = fingerprint(
        list(site.glob("helpdesk/migrations/*.py")), (PEER_VENV / ".bench-stamp").read_text()
    )
    tpl = migrated_template(
        PEER_DB,
        fp,
        [str(py), "-m", "django", "migrate", "--noinput"],
        {**env, "PEER_DATABASE_URL": f"{PG}/{PEER_DB}_tpl"},
    )
    recreate(PEER_DB, template=tpl)
    staff = args.residents + 2
    codes = sorted({c for c, _, _ in MIX})
    out = subprocess.run(
        [str(py), "-m", "bench.peer.prepare", "data", str(staff), *codes],
        check=True,
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    names = dict(_category_names())
    payloads = []
    for it in plan:
        kind, idx = it["who"]
        who = idx if kind == "resident" else args.residents + idx
        body = {
            "queue": data["queues"][it["category"]],
            "title": names.get(it["category"], it["category"]),
            "description": it["description"],
            "submitter_email": f"resident{who}@example.com",
            "priority": 3,
        }
        payloads.append(
            {"auth": f"Token {data['tokens'][who]}", "body": json.dumps(body, ensure_ascii=False)}
        )
    return System(
        name="peer",
        python_bin=PEER_VENV / "bin",
        wsgi="bench.peer.wsgi:application",
        env=env,
        path="/helpdesk/api/tickets/",
        health_path="/helpdesk/api/tickets/",
        dsn=dsn,
        table="helpdesk_ticket",
        payloads=payloads,
    )


def _category_names() -> list[tuple[str, str]]:
    from redprop.requests.taxonomy import DEFAULT_CATEGORIES

    return [(c[0], c[1]) for c in DEFAULT_CATEGORIES]


# ---------------------------------------------------------------------------------
# servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gunicorn_args(args: argparse.Namespace, wsgi: str, port: int) -> list[str]:
    """The flags of bin/serve (keep the two in step), on a free loopback port."""
    out = [
        wsgi,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--timeout",
        "30",
        "--graceful-timeout",
        "20",
        "--keep-alive",
        "5",
        "--preload",
        "--worker-tmp-dir",
        "/dev/shm",  # noqa: S108
        "--no-control-socket",
        "--error-logfile",
        "-",
    ]
    if args.worker_class == "gthread":
        out += ["--threads", str(args.threads)]
    return out


def start(system: System, args: argparse.Namespace) -> None:
    system.port = free_port()
    system.log = RESULTS / f"intake-{system.name.lower()}.log"
    env = {**os.environ, **system.env, "PYTHONPATH": str(ROOT)}
    env.pop("VIRTUAL_ENV", None)
    cmd = [str(system.python_bin / "gunicorn"), *gunicorn_args(args, system.wsgi, system.port)]
    with open(system.log, "wb") as log:
        system.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if system.proc.poll() is not None:
            raise RuntimeError(f"{system.name} server exited; see {system.log}")
        with contextlib.suppress(OSError):
            c = http.client.HTTPConnection("127.0.0.1", system.port, timeout=30)
            c.request("GET", system.health_path)
            c.getresponse().read()
            return
        time.sleep(0.3)
    raise RuntimeError(f"{system.name} server did not answer; see {system.log}")


def stop(system: System) -> None:
    if system.proc and system.proc.poll() is None:
        system.proc.send_signal(signal.SIGTERM)
        try:
            system.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            system.proc.kill()
            system.proc.wait()


# ---------------------------------------------------------------------------------
# load generators

LUA = r"""
-- generated by bench/intake.py: cycle through prepared POSTs, count statuses,
-- keep the id of every 201 so the bench can find each one in the database.
local payloads = {
%(payloads)s
}
local path = "%(path)s"
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  reqs = {}
  for i, p in ipairs(payloads) do
    reqs[i] = wrk.format("POST", path,
      {["Content-Type"] = "application/json", ["Authorization"] = p[1]}, p[2])
  end
  n = tid * 7919
  statuses = {}
  ids = {}
end

function request()
  n = n + 1
  return reqs[(n %% #reqs) + 1]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    local id = string.match(body, '"id":%%s*(%%d+)')
    if id then ids[#ids + 1] = id end
  end
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("INTAKE_OUT"), "w")
  local e = summary.errors
  out:write(string.format('{"requests": %%d, "duration_us": %%d, ', summary.requests, summary.duration))
  out:write(string.format('"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}, ',
    e.connect, e.read, e.write, e.status, e.timeout))
  out:write('"latency_us": {')
  for _, p in ipairs({50, 90, 99, 99.9}) do
    out:write(string.format('"p%%s": %%d, ', tostring(p), latency:percentile(p)))
  end
  out:write(string.format('"mean": %%d, "max": %%d}, "statuses": {', math.floor(latency.mean), latency.max))
  local st, sep = {}, ""
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do st[k] = (st[k] or 0) + v end
  end
  for k, v in pairs(st) do out:write(string.format('%%s"%%d": %%d', sep, k, v)); sep = ", " end
  out:write('}, "ids": [')
  sep = ""
  for _, t in ipairs(threads) do
    for _, id in ipairs(t:get("ids")) do out:write(sep .. id); sep = "," end
  end
  out:write(']}')
  out:close()
end
"""


def lua_script(system: System) -> Path:
    def lua_str(s: str) -> str:
        assert "]==]" not in s
        return f"[==[{s}]==]"

    rows = ",\n".join(f"  {{{lua_str(p['auth'])}, {lua_str(p['body'])}}}" for p in system.payloads)
    path = RESULTS / f"intake-{system.name.lower()}.lua"
    path.write_text(LUA % {"payloads": rows, "path": system.path})
    return path


@dataclass
class Run:
    system: str
    seconds: float
    requests: int
    statuses: dict[str, int]
    errors: dict[str, int]
    p50: float
    p90: float
    p99: float
    p999: float
    max_ms: float
    ids: list[int]
    rows: int = 0  # rows created in the table during the run
    missing: int = 0  # 201 ids not found in the table
    extra: int = 0  # rows created without a 201 seen (in flight at the stop)
    app_cpu_s: float = 0.0  # CPU used by the server's processes during the run
    db_cpu_s: float = 0.0  # CPU used by the PostgreSQL backends serving it

    @property
    def cpu_ms_per_request(self) -> float:
        return (self.app_cpu_s + self.db_cpu_s) * 1000 / max(self.rows, 1)

    @property
    def rps(self) -> float:
        return self.statuses.get("201", 0) / self.seconds

    @property
    def error_count(self) -> int:
        non_201 = sum(v for k, v in self.statuses.items() if k != "201")
        transport = sum(v for k, v in self.errors.items() if k != "status")
        return non_201 + transport


def run_wrk(system: System, args: argparse.Namespace, duration: float) -> Run:
    script = lua_script(system)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    cmd = [
        "wrk",
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{int(duration)}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{system.port}",
    ]
    subprocess.run(
        cmd, check=True, env={**os.environ, "INTAKE_OUT": str(out)}, stdout=subprocess.DEVNULL
    )
    data = json.loads(out.read_text())
    out.unlink()
    lat = data["latency_us"]
    return Run(
        system=system.name,
        seconds=data["duration_us"] / 1e6,
        requests=data["requests"],
        statuses={str(k): v for k, v in data["statuses"].items()},
        errors=data["errors"],
        p50=lat["p50"] / 1000,
        p90=lat["p90"] / 1000,
        p99=lat["p99"] / 1000,
        p999=lat["p99.9"] / 1000,
        max_ms=lat["max"] / 1000,
        ids=[int(i) for i in data["ids"]],
    )


def run_python(system: System, args: argparse.Namespace, duration: float) -> Run:
    """Fallback load generator: one thread per connection, keep-alive, closed loop."""
    stop_at = time.monotonic() + duration
    results: list[tuple[list[float], dict[str, int], list[int], dict[str, int]]] = []
    id_re = re.compile(rb'"id":\s*(\d+)')

    def client(k: int) -> None:
        lat: list[float] = []
        st: dict[str, int] = {}
        ids: list[int] = []
        err = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
        conn = http.client.HTTPConnection("127.0.0.1", system.port, timeout=10)
        i = k * 7919
        while time.monotonic() < stop_at:
            p = system.payloads[i % len(system.payloads)]
            i += 1
            t = time.perf_counter()
            try:
                conn.request(
                    "POST",
                    system.path,
                    body=p["body"].encode(),
                    headers={"Content-Type": "application/json", "Authorization": p["auth"]},
                )
                r = conn.getresponse()
                body = r.read()
            except TimeoutError:
                err["timeout"] += 1
                conn.close()
                continue
            except OSError:
                err["read"] += 1
                conn.close()
                continue
            lat.append((time.perf_counter() - t) * 1000)
            st[str(r.status)] = st.get(str(r.status), 0) + 1
            if r.status == 201 and (m := id_re.search(body)):
                ids.append(int(m.group(1)))
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
        results.append((lat, st, ids, err))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(args.connections)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    seconds = time.perf_counter() - t0
    lat = [x for r in results for x in r[0]]
    st: dict[str, int] = {}
    err: dict[str, int] = {}
    for r in results:
        for k, v in r[1].items():
            st[k] = st.get(k, 0) + v
        for k, v in r[3].items():
            err[k] = err.get(k, 0) + v
    return Run(
        system=system.name,
        seconds=seconds,
        requests=len(lat),
        statuses=st,
        errors=err,
        p50=percentile(lat, 50),
        p90=percentile(lat, 90),
        p99=percentile(lat, 99),
        p999=percentile(lat, 99.9),
        max_ms=max(lat or [0]),
        ids=[i for r in results for i in r[2]],
    )


def loadgen_choice(args: argparse.Namespace) -> str:
    if args.loadgen == "python":
        return "python"
    if shutil.which("wrk"):
        return "wrk"
    if shutil.which("apt-get") and os.geteuid() == 0:
        print(">> installing wrk (apt-get install -y wrk)", flush=True)
        ok = (
            subprocess.run(
                ["apt-get", "install", "-y", "-q", "wrk"], stdout=subprocess.DEVNULL
            ).returncode
            == 0
        )
        if not ok:
            subprocess.run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], stdout=subprocess.DEVNULL)
        if shutil.which("wrk"):
            return "wrk"
    if args.loadgen == "wrk":
        raise SystemExit("wrk is not installed and could not be installed")
    print(
        ">> wrk unavailable: using the Python load generator (it shares the 2 cores; figures are lower)"
    )
    return "python"


def warm_up(system: System, args: argparse.Namespace) -> None:
    """Load until every worker has served requests (its first one imports the URLconf
    and opens its database connection): at least 4 per worker thread, at most 45 s."""
    need = 4 * args.workers * (args.threads if args.worker_class == "gthread" else 1)
    done, t = 0, time.monotonic()
    while done < need and time.monotonic() - t < 45:
        done += measure(system, args, args.warmup).statuses.get("201", 0)


def _proc_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
    return out


def cpu_snapshot(system: System) -> tuple[dict[int, float], dict[int, float]]:
    """CPU seconds so far of the server (master + workers) and of its database backends.

    CPU per request does not depend on what else the machine runs, unlike requests/s:
    it is the figure to size machines with on a shared or busy box.
    """
    import psycopg

    app: dict[int, float] = {}
    if system.proc is not None:
        for pid in [system.proc.pid, *_children(system.proc.pid)]:
            app[pid] = _proc_cpu(pid)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as c:
        pids = [
            r[0]
            for r in c.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [system.dsn.rsplit("/", 1)[1]],
            )
        ]
    return app, {pid: _proc_cpu(pid) for pid in pids}


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(max(0.0, v - before.get(pid, 0.0)) for pid, v in after.items())


def measure(system: System, args: argparse.Namespace, duration: float) -> Run:
    before = max_id(system.dsn, system.table)
    cpu0 = cpu_snapshot(system)
    run = (run_wrk if args.loadgen == "wrk" else run_python)(system, args, duration)
    time.sleep(0.5)  # let the requests in flight at the stop finish
    cpu1 = cpu_snapshot(system)
    run.app_cpu_s = _delta(cpu0[0], cpu1[0])
    run.db_cpu_s = _delta(cpu0[1], cpu1[1])
    created = ids_after(system.dsn, system.table, before)
    acked = set(run.ids)
    run.rows = len(created)
    run.missing = len(acked - created)
    run.extra = len(created - acked)
    return run


# ---------------------------------------------------------------------------------
# in-process: statements per create, profile


def statements_per_create(w: Any, payload: dict[str, str]) -> list[str]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(2):
        client.post(
            "/api/v1/requests",
            payload["body"],
            content_type="application/json",
            HTTP_AUTHORIZATION=payload["auth"],
        )
    with CaptureQueriesContext(connection) as cq:
        r = client.post(
            "/api/v1/requests",
            payload["body"],
            content_type="application/json",
            HTTP_AUTHORIZATION=payload["auth"],
        )
    assert r.status_code == 201, r.content
    return [q["sql"] for q in cq.captured_queries]


def kinds(statements: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in statements:
        word = s.lstrip().split(None, 1)[0].upper()
        key = word if word in ("SELECT", "INSERT", "UPDATE", "DELETE") else "transaction"
        out[key] = out.get(key, 0) + 1
    return out


def profile_creates(
    n: int, payloads: list[dict[str, str]], max_s: float = 45
) -> tuple[str, float, int]:
    from django.test import Client
    from pyinstrument import Profiler
    from pyinstrument.renderers import ConsoleRenderer

    client = Client(HTTP_HOST="127.0.0.1")
    for p in payloads[:20]:  # warm
        client.post(
            "/api/v1/requests",
            p["body"],
            content_type="application/json",
            HTTP_AUTHORIZATION=p["auth"],
        )
    profiler = Profiler(interval=0.0005)
    t = time.perf_counter()
    profiler.start()
    done = 0
    while done < n and time.perf_counter() - t < max_s:
        p = payloads[done % len(payloads)]
        client.post(
            "/api/v1/requests",
            p["body"],
            content_type="application/json",
            HTTP_AUTHORIZATION=p["auth"],
        )
        done += 1
    profiler.stop()
    per = (time.perf_counter() - t) / done * 1000
    session = profiler.last_session
    tree = ConsoleRenderer(unicode=True, color=False, short_mode=True).render(session)
    flat = ConsoleRenderer(unicode=True, color=False, flat=True).render(session)
    text = tree + "\n--- self time by function (flat) ---\n" + "\n".join(flat.splitlines()[:40])
    return text, per, done


# ---------------------------------------------------------------------------------
# report


def summarize(name: str, runs: list[Run]) -> dict[str, Any]:
    rps = [r.rps for r in runs]
    return {
        "system": name,
        "rps": rps,
        "rps_median": statistics.median(rps),
        "p50": statistics.median(r.p50 for r in runs),
        "p90": statistics.median(r.p90 for r in runs),
        "p99": statistics.median(r.p99 for r in runs),
        "p99_max": max(r.p99 for r in runs),
        "errors": sum(r.error_count for r in runs),
        "n201": sum(r.statuses.get("201", 0) for r in runs),
        "rows": sum(r.rows for r in runs),
        "missing": sum(r.missing for r in runs),
        "extra_max": max(r.extra for r in runs),
        "app_cpu_ms": statistics.median(r.app_cpu_s * 1000 / max(r.rows, 1) for r in runs),
        "db_cpu_ms": statistics.median(r.db_cpu_s * 1000 / max(r.rows, 1) for r in runs),
        "cpu_ms": statistics.median(r.cpu_ms_per_request for r in runs),
        "statuses": {
            k: sum(r.statuses.get(k, 0) for r in runs)
            for k in {k for r in runs for k in r.statuses}
        },
    }


def print_table(summaries: list[dict[str, Any]], connections: int) -> None:
    print()
    print(
        f"{'system':<9} {'req/s min / median / max':>26} {'p50':>7} {'p90':>7} {'p99':>7} {'p99 worst':>9}"
        f" {'errors':>6} {'201s':>7} {'rows':>7}  rows check"
    )
    for s in summaries:
        r = s["rps"]
        check = (
            ("ok" if s["missing"] == 0 and s["extra_max"] <= connections else "MISMATCH")
            + f" (201s missing from db: {s['missing']}; rows without a response, max per run: {s['extra_max']} <= {connections} in flight)"
        )
        print(
            f"{s['system']:<9} {min(r):8.0f} / {statistics.median(r):6.0f} / {max(r):6.0f} "
            f"{s['p50']:6.1f}ms {s['p90']:5.1f}ms {s['p99']:5.1f}ms {s['p99_max']:7.1f}ms "
            f"{s['errors']:6d} {s['n201']:7d} {s['rows']:7d}  {check}"
        )
        if s["errors"]:
            print(f"          statuses: {s['statuses']}")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    cores = os.cpu_count() or 2
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=15, help="seconds per measured run")
    ap.add_argument("--warmup", type=float, default=4, help="seconds of unmeasured load per server")
    ap.add_argument("--reps", type=int, default=3, help="measured runs per system (interleaved)")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2 * cores + 1)
    ap.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    ap.add_argument("--threads", type=int, default=4, help="threads per worker (gthread)")
    ap.add_argument("--systems", default="redprop,floor,peer")
    ap.add_argument("--residents", type=int, default=48)
    ap.add_argument(
        "--profile",
        type=int,
        default=300,
        help="creates profiled in-process, at most 45 s (0: none)",
    )
    ap.add_argument("--loadgen", default="auto", choices=["auto", "wrk", "python"])
    ap.add_argument(
        "--compare-workers",
        action="store_true",
        help="RedProp only, under several gunicorn settings (sync / gthread)",
    )
    args = ap.parse_args(argv)
    # TERM (e.g. from a CI timeout) unwinds like Ctrl-C, so the servers are stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    args.loadgen = loadgen_choice(args)
    systems_wanted = ["redprop"] if args.compare_workers else args.systems.split(",")
    RESULTS.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"{PG}/{REDPROP_DB}")
    config = {
        "command": "bin/bench intake " + " ".join(argv if argv is not None else sys.argv[1:]),
        "load": f"{args.loadgen}, {args.connections} connections, {args.wrk_threads} threads, "
        f"{args.duration:g} s x {args.reps} runs per system (interleaved), warm-up {args.warmup:g} s",
        "gunicorn": f"{args.workers} workers, {args.worker_class}"
        + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
        + ", --preload, same flags for every system",
        "data": f"{args.residents} residents + 2 staff filers of one compound; 9-category mix",
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    header("intake", config)
    if os.getloadavg()[0] > cores:
        print(
            f"!! load average {os.getloadavg()[0]:.1f} on {cores} cores: other work is running;"
            " figures will be low and noisy (ratios suffer less: the systems are interleaved)"
        )
    t0 = time.perf_counter()
    plan = intents(240, args.residents, 2)
    redprop, world = setup_redprop(args, plan)
    statements = statements_per_create(world, redprop.payloads[0])
    systems = [redprop]
    if "floor" in systems_wanted:
        systems.append(setup_floor(plan, redprop))
    if "peer" in systems_wanted:
        systems.append(setup_peer(args, plan))
    print(f">> set-up done in {time.perf_counter() - t0:.0f} s", flush=True)

    if args.compare_workers:
        return compare_workers(args, redprop)

    runs: dict[str, list[Run]] = {s.name: [] for s in systems}
    try:
        for s in systems:
            start(s, args)
            warm_up(s, args)
        for rep in range(args.reps):
            order = systems[rep % len(systems) :] + systems[: rep % len(systems)]
            for s in order:
                r = measure(s, args, args.duration)
                runs[s.name].append(r)
                print(
                    f"   run {rep + 1} {s.name:<11} {r.rps:7.0f} req/s  p50 {r.p50:6.1f}  p90 {r.p90:6.1f}"
                    f"  p99 {r.p99:6.1f} ms  errors {r.error_count}  201s {r.statuses.get('201', 0)}  rows {r.rows}"
                    f"  cpu {r.cpu_ms_per_request:5.1f} ms/req",
                    flush=True,
                )
    finally:
        for s in systems:
            stop(s)

    summaries = [summarize(name, rs) for name, rs in runs.items()]
    print_table(summaries, args.connections)
    cores = os.cpu_count() or 2
    print()
    print(
        "CPU per created request (server processes + their PostgreSQL backends; not the load generator):"
    )
    for sm in summaries:
        print(
            f"  {sm['system']:<11} app {sm['app_cpu_ms']:6.2f} ms + db {sm['db_cpu_ms']:6.2f} ms = {sm['cpu_ms']:6.2f} ms"
            f"  -> at most {cores * 1000 / max(sm['cpu_ms'], 1e-9):6.0f} req/s on {cores} dedicated cores"
        )
    by = {s["system"]: s for s in summaries}
    print()
    ratios: dict[str, float] = {}
    for a, b in (("RedProp", "floor"), ("RedProp", "peer"), ("floor", "peer")):
        if a in by and b in by:
            # 0 when the reference completed nothing (a saturated machine): reported, not divided
            ratios[f"{a}/{b}"] = (
                by[a]["rps_median"] / by[b]["rps_median"] if by[b]["rps_median"] else 0.0
            )
    for key, v in list(ratios.items()):
        a, b = key.split("/")
        by_cpu = by[b]["cpu_ms"] / max(by[a]["cpu_ms"], 1e-9)
        print(f"ratio {key:<18} {v:6.2f}  (median req/s)   {by_cpu:6.2f}  (by CPU per request)")
        ratios[f"{key} cpu"] = by_cpu
    targets = []
    for name in ("RedProp",):
        if name not in by:
            continue
        rp = by[name]
        if f"{name}/floor" in ratios:
            r = ratios[f"{name}/floor"]
            targets.append(
                f"target  {name} >= 60 % of the floor's throughput: {'MET' if r >= 0.60 else 'NOT MET'} ({r:.0%})"
            )
        targets.append(
            f"target  {name} p99 < 100 ms: {'MET' if 0 < rp['p99'] < 100 else 'NOT MET'}"
            f" (median p99 {rp['p99']:.1f} ms, worst run {rp['p99_max']:.1f} ms)"
        )
    print("\n".join(targets))

    k = kinds(statements)
    print()
    print(
        f"SQL statements per RedProp create (auto-dispatched repair by a resident): {len(statements)}  {k}"
    )
    for st in statements:
        print("   " + re.sub(r"\s+", " ", st)[:150])
    peer_statements = None
    if "peer" in by:
        peer_statements = peer_statement_count(next(x for x in systems if x.name == "peer"))
        if peer_statements is not None:
            print(
                f"SQL statements per peer create: {len(peer_statements)}  {kinds(peer_statements)}"
            )
    print("SQL statements per floor create: 4 (SELECT token, INSERT x3) + BEGIN/COMMIT")
    per_row = fan_out(redprop)
    print(f"RedProp rows written per request (averages over the run): {per_row}")
    relay = drain_outbox(redprop)
    print(
        f"RedProp outbox relay, run after the load (deferred work, not in the figures above):"
        f" {relay['messages']} messages for {relay['requests']} requests"
        f" {relay['by_channel']} in {relay['seconds']:.1f} s; CPU per created request"
        f" app {relay['app_cpu_ms']:.2f} ms + db {relay['db_cpu_ms']:.2f} ms"
    )

    profiles: dict[str, float] = {}
    if args.profile:
        prof, per_ms, done = profile_creates(args.profile, redprop.payloads)
        profiles["RedProp"] = per_ms
        print()
        print(
            f"pyinstrument: {done} creates in-process (one thread, test client, same settings): {per_ms:.2f} ms each"
        )
        print(prof)
        (RESULTS / "intake-profile.txt").write_text(prof)
    result = {
        "machine": machine(),
        "config": config,
        "summaries": summaries,
        "ratios": ratios,
        "targets": targets,
        "statements": {"redprop": len(statements), "kinds": k, "peer": len(peer_statements or [])},
        "fan_out": per_row,
        "relay": relay,
        "inprocess_ms_per_create": profiles,
        "elapsed_s": time.perf_counter() - t0,
    }
    (RESULTS / "intake.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False, default=str)
    )
    print(f"\n>> whole run {time.perf_counter() - t0:.0f} s; figures in var/bench/intake.json")
    return 0


def peer_statement_count(peer: System) -> list[str] | None:
    p = peer.payloads[0]
    out = subprocess.run(
        [
            str(peer.python_bin / "python"),
            "-m",
            "bench.peer.prepare",
            "queries",
            p["body"],
            p["auth"].split()[1],
        ],
        cwd=ROOT,
        env={**os.environ, **peer.env},
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        print(f"(peer statement count failed: {out.stderr.strip().splitlines()[-1:]})")
        return None
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["statements"] if data["status"] == 201 else None


def fan_out(redprop: System) -> dict[str, float]:
    n = count(redprop.dsn, "SELECT count(*) FROM requests_servicerequest")
    if not n:
        return {}
    tables = {"events": "requests_requestevent", "outbox": "notifications_outboxmessage"}
    return {
        k: round(count(redprop.dsn, f"SELECT count(*) FROM {t}") / n, 2) for k, t in tables.items()
    }


def drain_outbox(redprop: System) -> dict[str, Any]:
    """Deliver everything the runs queued, in this process, as the relay would
    (``outbox_sweep`` is its loop body), and measure the CPU it costs: this process
    and its PostgreSQL backend. SMS and email go to in-memory backends."""
    from django.db import connection
    from django.db.models import Count
    from django.test import override_settings

    from redprop.notifications.models import OutboxMessage
    from redprop.notifications.services import outbox_sweep

    n = count(redprop.dsn, "SELECT count(*) FROM requests_servicerequest")
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    with override_settings(
        REDPROP_SMS_BACKEND="redprop.notifications.sms.LocmemSmsBackend",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        app0, db0, t = time.process_time(), _proc_cpu(backend), time.perf_counter()
        delivered = 0
        while True:
            done = outbox_sweep(limit=1000)
            delivered += done
            if done == 0:
                break
        app1, db1, seconds = time.process_time(), _proc_cpu(backend), time.perf_counter() - t
    by_channel = dict(
        OutboxMessage.objects.values_list("channel").annotate(n=Count("id")).order_by()
    )
    return {
        "requests": n,
        "messages": delivered,
        "by_channel": by_channel,
        "seconds": seconds,
        "app_cpu_ms": (app1 - app0) * 1000 / max(n or 0, 1),
        "db_cpu_ms": (db1 - db0) * 1000 / max(n or 0, 1),
    }


def compare_workers(args: argparse.Namespace, redprop: System) -> int:
    """RedProp alone under several gunicorn settings: which worker class serves intake best."""
    cores = os.cpu_count() or 2
    settings = [
        ("sync", 2 * cores + 1, 1),
        ("gthread", 2 * cores + 1, 4),
        ("gthread", cores, 8),
    ]
    rows = []
    for worker_class, workers, threads in settings:
        a = argparse.Namespace(
            **{**vars(args), "worker_class": worker_class, "workers": workers, "threads": threads}
        )
        redprop.name = f"RedProp-{worker_class}-{workers}w-{threads}t"  # its own log file
        try:
            start(redprop, a)
            warm_up(redprop, a)
            runs = [measure(redprop, a, args.duration) for _ in range(args.reps)]
        finally:
            stop(redprop)
        redprop.name = "RedProp"
        s = summarize("RedProp", runs)
        label = f"{worker_class} {workers}w" + (
            f" x {threads}t" if worker_class == "gthread" else ""
        )
        rows.append((label, s))
        print(
            f"   {label:<18} {min(s['rps']):6.0f} / {s['rps_median']:6.0f} / {max(s['rps']):6.0f} req/s"
            f"  p50 {s['p50']:6.1f}  p90 {s['p90']:6.1f}  p99 {s['p99']:6.1f} ms  errors {s['errors']}"
            f"  cpu {s['cpu_ms']:5.1f} ms/req",
            flush=True,
        )
    best = max(rows, key=lambda r: r[1]["rps_median"])
    print(f"\nbest throughput: {best[0]}")
    (RESULTS / "intake-workers.json").write_text(json.dumps(rows, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A whole deployment to break on purpose: a throwaway PostgreSQL cluster, ``bin/serve``
on it, API clients filing requests, a webhook receiver (the fault tests' harness).

The cluster is the test's own (``initdb`` into a temporary directory, another port,
trust auth, run as ``postgres`` when the tests run as root), so stopping it in
immediate mode touches nobody else's database. Everything is real: gunicorn, the task
worker, the clock, the relay, HTTP on 127.0.0.1.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib import request as urlrequest
from urllib.error import HTTPError, URLError

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def wait_until(check: Callable[[], Any], *, timeout: float, every: float = 0.2) -> Any:
    """Poll ``check`` until it returns something true; raise after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout} s: {check}")
        time.sleep(every)


class Cluster:
    """A PostgreSQL cluster of our own in a temporary directory."""

    def __init__(self) -> None:
        bindir = pg_bin()
        if bindir is None:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.bin = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="redprop-faults-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        self.start()
        self.psql("CREATE DATABASE redprop")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/redprop"

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / tool), *args]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)  # noqa: S603

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w",
                  "start")  # fmt: skip

    def stop_immediate(self) -> None:
        """What a crash or a pulled plug looks like to the clients: no clean shutdown."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def psql(self, sql: str) -> str:
        out = subprocess.run(  # noqa: S603
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", "postgres" if "DATABASE" in sql else "redprop", "-tAXq", "-c", sql],
            check=True, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        return out.stdout.strip()

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """The first column of the first row (a short connection of its own)."""
        import psycopg

        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=redprop connect_timeout=5"
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute(sql, params).fetchone()  # type: ignore[arg-type]
        return row[0] if row else None

    def destroy(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the webhook receiver -------------------------------------------------------------


@dataclass
class Receiver:
    """Records each webhook's ``X-RedProp-Delivery``; can hold one POST unanswered."""

    url: str = ""
    deliveries: list[str] = field(default_factory=list)
    hold_next: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if receiver.hold_next.is_set():
                receiver.hold_next.clear()
                receiver.holding.set()
                receiver.release.wait(timeout=120)
                return  # never answered: the sender was killed meanwhile
            with receiver.lock:
                receiver.deliveries.append(self.headers.get("X-RedProp-Delivery", ""))
            try:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server


# --- bin/serve -------------------------------------------------------------------------

SEED = """
import json
from redprop.accounts.choices import Role
from redprop.accounts.services import role_grant, token_create, user_create
from redprop.conftest import build_world
from redprop.notifications.models import WebhookEndpoint
from redprop.people.services import person_create
from redprop.requests.models import Category, RoutingRule
from redprop.territory import services as territory

w = build_world()
for parent in ("repair", "environment"):
    RoutingRule.objects.create(region=w.community, category=Category.objects.get(code=parent),
                               org=w.company, auto_dispatch=True)
WebhookEndpoint.objects.create(name="faults", url=HOOK, region=w.city)
clients = []
for i in range(N):
    person = person_create(name=f"住户{i}", mobile=f"139{20000000 + i}", acting_user=None)
    unit = territory.unit_create(building=w.building, label=f"1栋{i + 1}01", floor_area="80",
                                 owners=[person], acting_user=None)
    territory.occupancy_add(unit=unit, person=person, acting_user=None)
    user = user_create(username=f"faults_{i}", password=None, person=person, acting_user=None)
    role_grant(user=user, role=Role.RESIDENT, person=person, acting_user=None)
    clients.append({"token": token_create(user=user, name="faults", scope="write",
                                          acting_user=None).key,
                    "unit_id": unit.pk})
print("SEEDED " + json.dumps(clients))
"""


class Serve:
    """``bin/serve`` on the cluster, in its own process group."""

    def __init__(self, cluster: Cluster, workdir: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "serve.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDPROP_"))},
            "DATABASE_URL": cluster.url,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "faults-" + uuid.uuid4().hex * 2,
            "REDPROP_PII_KEYS": "ZGV2LW9ubHktcGlpLWtleS1jaGFuZ2UtbWUtMzJiISE=",
            "REDPROP_BLIND_INDEX_KEY": "faults-blind-index",
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_WORKERS": "3",
            "GUNICORN_CONTROL_SOCKET": str(workdir / "gunicorn.ctl"),
            "REDPROP_ACCESS_LOG": "false",
            # The stack sends webhooks, no SMS: the console backend on purpose.
            "REDPROP_ALLOW_CONSOLE_SMS": "true",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def manage(self, *args: str, timeout: float = 180) -> str:
        out = subprocess.run(  # noqa: S603 -- our interpreter, our manage.py
            [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if out.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def seed(self, *, clients: int, hook: str) -> list[dict[str, Any]]:
        code = f"HOOK = {hook!r}\nN = {clients}\n" + SEED
        out = self.manage("shell", "-c", code)
        line = next(x for x in out.splitlines() if x.startswith("SEEDED "))
        return json.loads(line.removeprefix("SEEDED "))

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(  # noqa: S603
            [str(ROOT / "bin" / "serve")],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_until(lambda: self.healthy("/healthz?scope=web"), timeout=240, every=0.5)

    def healthy(self, path: str = "/healthz") -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"bin/serve exited ({self.proc.returncode}):\n{self.log()}")
        try:
            with urlrequest.urlopen(self.base + path, timeout=5) as r:  # noqa: S310
                return r.status == 200
        except (HTTPError, URLError, OSError):
            return False

    def children(self) -> dict[str, int]:
        """The supervised processes by what they run: web, worker, clock, relay."""
        assert self.proc is not None
        out = subprocess.run(  # noqa: S603
            ["ps", "-o", "pid=,args=", "--ppid", str(self.proc.pid)],  # noqa: S607
            capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        names = {"gunicorn": "web", "run_worker": "worker", "run_clock": "clock",
                 "run_outbox": "relay"}  # fmt: skip
        found = {}
        for line in out.splitlines():
            pid, _, args = line.strip().partition(" ")
            for needle, name in names.items():
                if needle in args:
                    found[name] = int(pid)
        return found

    def gunicorn_workers(self) -> list[int]:
        master = self.children()["web"]
        out = subprocess.run(  # noqa: S603
            ["ps", "-o", "pid=", "--ppid", str(master)],  # noqa: S607
            capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        return [int(x) for x in out.split()]

    def kill(self, name: str) -> int:
        pid = self.children()[name]
        os.kill(pid, signal.SIGKILL)
        return pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


# --- clients ---------------------------------------------------------------------------


@dataclass
class Outcome:
    at: float
    status: int  # 0: no HTTP answer (connection refused or reset)
    json: bool
    retry_after: bool


@dataclass
class Clients:
    """Threads filing requests through the API, each retrying with its Idempotency-Key
    until it gets an answer that is not 503 or a dropped connection (what a phone does)."""

    base: str
    accounts: list[dict[str, Any]]
    retry_pause: float = 0.2
    think: float = 0.3  # between two requests of one client: load, not a flood
    outcomes: list[Outcome] = field(default_factory=list)
    acknowledged: dict[str, int] = field(default_factory=dict)  # Idempotency-Key -> id
    failed: list[tuple[int, str]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    running: threading.Event = field(default_factory=threading.Event)
    busy: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self.running.set()
        for i, account in enumerate(self.accounts):
            t = threading.Thread(target=self._loop, args=(i, account), daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self) -> None:
        self.stopping.set()
        self.running.set()
        for t in self.threads:
            t.join(timeout=60)

    def post(
        self, account: dict[str, Any], key: str, text: str
    ) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(
            {"category": "pipe_dredging", "description": text, "unit_id": account["unit_id"]},
            ensure_ascii=False,
        ).encode()
        req = urlrequest.Request(  # noqa: S310
            self.base + "/api/v1/requests",
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {account['token']}",
                "Content-Type": "application/json",
                "Idempotency-Key": key,
            },
        )
        try:
            with urlrequest.urlopen(req, timeout=40) as r:  # noqa: S310
                return r.status, dict(r.headers), r.read()
        except HTTPError as e:
            return e.code, dict(e.headers), e.read()
        except (URLError, OSError):
            return 0, {}, b""

    def pause(self) -> None:
        """No new requests; return once those in flight are answered."""
        self.running.clear()
        deadline = time.monotonic() + 120
        while self.busy and time.monotonic() < deadline:
            time.sleep(0.1)

    def resume(self) -> None:
        self.running.set()

    def _loop(self, i: int, account: dict[str, Any]) -> None:
        n = 0
        while not self.stopping.is_set():
            self.running.wait()
            if self.stopping.is_set():
                return
            with self.lock:
                self.busy += 1
            try:
                n += 1
                self._file_one(i, n, account)
            finally:
                with self.lock:
                    self.busy -= 1
            time.sleep(self.think)

    def _file_one(self, i: int, n: int, account: dict[str, Any]) -> None:
        key = f"faults-{i}-{n}-{uuid.uuid4().hex[:8]}"
        while True:  # the same key until the request is answered for good
            status, headers, raw = self.post(account, key, f"故障测试 {i}-{n}：厨房下水道堵了")
            is_json = headers.get("Content-Type", "").startswith("application/json")
            with self.lock:
                self.outcomes.append(
                    Outcome(time.monotonic(), status, is_json, "Retry-After" in headers)
                )
            if status == 201:
                with self.lock:
                    self.acknowledged[key] = json.loads(raw)["id"]
                break
            if status in (0, 503):
                if self.stopping.is_set() and status == 0:
                    break
                time.sleep(self.retry_pause)
                continue
            with self.lock:
                self.failed.append((status, raw[:300].decode(errors="replace")))
            break

    def since(self, t: float) -> list[Outcome]:
        with self.lock:
            return [o for o in self.outcomes if o.at >= t]

    def first_success_after(self, t: float) -> float | None:
        ok = [o.at for o in self.since(t) if o.status == 201]
        return min(ok) - t if ok else None

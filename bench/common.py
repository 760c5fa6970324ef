"""Shared helpers for the benchmarks: machine facts, timing, percentiles, printing.

Every benchmark prints its configuration, the machine (cores, PostgreSQL
version, commit) and figures with min/median/max over repetitions. Figures are
reported, never asserted.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench"


def setup_django(settings: str = "config.settings.production") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("REDPROP_PII_KEYS", "ZGV2LW9ubHktcGlpLWtleS1jaGFuZ2UtbWUtMzJiISE=")
    os.environ.setdefault("REDPROP_BLIND_INDEX_KEY", "bench-only-blind-index-key")
    os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
    import django

    django.setup()


def git_commit() -> str:
    try:
        return subprocess.check_output(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True
        ).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def pg_version(dsn: str | None = None) -> str:
    try:
        import psycopg

        with psycopg.connect(
            dsn or os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
        ) as c:
            return str(c.execute("SHOW server_version").fetchone()[0])
    except Exception as exc:  # report, do not fail: a benchmark may not need PostgreSQL
        return f"unavailable ({exc.__class__.__name__})"


def machine() -> dict[str, Any]:
    return {
        "date": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        "commit": git_commit(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "postgresql": pg_version(),
    }


def header(name: str, config: dict[str, Any]) -> None:
    print(f"=== bench: {name}")
    for k, v in machine().items():
        print(f"  {k:<12} {v}")
    for k, v in config.items():
        print(f"  {k:<12} {v}")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def spread(values: Iterable[float]) -> str:
    """min / median / max of repetitions."""
    v = list(values)
    return f"min {min(v):.3f}  median {statistics.median(v):.3f}  max {max(v):.3f}"


def timed(fn: Callable[[], Any], repeat: int = 50, warmup: int = 5) -> list[float]:
    """Latencies in milliseconds of ``repeat`` calls after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def latency_line(label: str, ms: Sequence[float]) -> str:
    return (
        f"{label:<34} p50 {percentile(ms, 50):8.2f} ms  p95 {percentile(ms, 95):8.2f} ms  "
        f"p99 {percentile(ms, 99):8.2f} ms  (n={len(ms)})"
    )


def one_street(
    code: str, communities: int, *, name: str = "社区{i}"
) -> tuple[Any, Any, Any, list[Any]]:
    """A benchmark's territory, written directly (bulk, no services): city → district →
    one street → ``communities`` communities, each row's own level column pointing at
    itself as the scope columns expect. ``code`` keeps benches apart ("B", "S", "V");
    ``name`` is formatted with ``i``. Returns (city, district, street, communities)."""
    from django.db.models import F

    from redprop.territory.models import Region

    city = Region.objects.create(level="city", name="基准市", code=code)
    Region.objects.filter(pk=city.pk).update(city=city)
    district = Region.objects.create(
        level="district", name="基准区", code=f"{code}-1", parent=city, city=city
    )
    Region.objects.filter(pk=district.pk).update(district=district)
    street = Region.objects.create(
        level="street",
        name="基准街道",
        code=f"{code}-1-1",
        parent=district,
        city=city,
        district=district,
    )
    Region.objects.filter(pk=street.pk).update(street=street)
    street.refresh_from_db()
    Region.objects.bulk_create(
        Region(
            level="community",
            name=name.format(i=i),
            code=f"{code}-1-1-{i}",
            parent=street,
            city=city,
            district=district,
            street=street,
        )
        for i in range(communities)
    )
    Region.objects.filter(level="community", street=street).update(community=F("pk"))
    rows = list(Region.objects.filter(level="community", street=street).order_by("pk"))
    return city, district, street, rows

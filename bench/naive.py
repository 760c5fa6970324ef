"""The naive dashboard: the rollup counters recomputed with one SQL aggregate over the
raw tables (requests + timeline events + ratings), grouped by a level or by month.

It follows the definitions of ``selectors.rates_naive`` (the specification the
rollups are tested against), expressed in SQL so that it can run at a million rows:

* filed = requests filed in the period (month of ``created_at`` in Asia/Shanghai);
* dispatched = DISPATCHED events before the first response; withdrawn = those of
  them followed by another dispatch or an end (returned, cancelled, merged,
  escalated) before any response; returned = RETURNED events;
* responded / on time = ``responded_at`` set / not after ``respond_due_at``;
* resolved / on time = ``resolved_at`` set / the last RESOLVED event says on time;
* breached, reopened (reopen_count), escalated (escalation_level > 0);
* ratings that are not superseded: rated or revisited, solved, scored, by score.

The response event is the arrival (or, without a site visit, the resolution), or
the acceptance when the frozen SLA says ``respond_event = accepted``.

Portable SQL (PostgreSQL and SQLite, for the equivalence test): window functions,
CASE sums, the two dialect bits (month, JSON) chosen by ``connection.vendor``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

COUNTER_SQL = [
    "filed",
    "dispatched",
    "responded",
    "responded_on_time",
    "resolved",
    "resolved_on_time",
    "breached",
    "returned",
    "withdrawn",
    "reopened",
    "escalated",
    "rated_or_revisited",
    "solved_confirmed",
    "rated",
    "very_satisfied",
    "satisfied",
    "basic",
    "unsatisfied",
    "very_unsatisfied",
]

LEVELS = {
    "city": "city_id",
    "district": "district_id",
    "street": "street_id",
    "community": "community_id",
    "grid": "grid_id",
}

ENDS = "('returned', 'cancelled', 'merged', 'escalated')"


def _dialect(vendor: str) -> dict[str, str]:
    if vendor == "postgresql":
        return {
            "month": "to_char(sr.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-01')",
            "respond_event": "sr.sla->>'respond_event'",
            "on_time": "CASE WHEN (ev.data->>'on_time')::boolean THEN 1 ELSE 0 END",
        }
    return {  # sqlite: datetimes are stored as UTC text
        "month": "strftime('%%Y-%%m-01', sr.created_at, '+8 hours')",
        "respond_event": "json_extract(sr.sla, '$.respond_event')",
        "on_time": "CASE WHEN json_extract(ev.data, '$.on_time') THEN 1 ELSE 0 END",
    }


def naive_sql(vendor: str, *, scope_column: str | None, group_by: str | None) -> str:
    d = _dialect(vendor)
    if group_by is None:
        key = "0"
    elif group_by == "month":
        key = d["month"]
    else:
        key = f"sr.{LEVELS[group_by]}"
    scope = f"sr.{scope_column} = %s AND " if scope_column else ""
    return f"""
WITH r AS (
  SELECT sr.id, {key} AS k, sr.breached, sr.reopen_count, sr.escalation_level,
         sr.responded_at, sr.respond_due_at, sr.resolved_at,
         CASE WHEN {d["respond_event"]} = 'accepted' THEN 1 ELSE 0 END AS acc
    FROM requests_servicerequest sr
   WHERE {scope}sr.created_at >= %s AND sr.created_at < %s
),
e AS (
  SELECT ev.request_id, ev.kind, ev.at, ev.id,
         CASE WHEN (r.acc = 1 AND ev.kind = 'accepted')
                OR (r.acc = 0 AND ev.kind IN ('arrived', 'resolved')) THEN 1 ELSE 0 END AS resp
    FROM requests_requestevent ev JOIN r ON r.id = ev.request_id
   WHERE ev.kind IN ('dispatched', 'returned', 'cancelled', 'merged', 'escalated',
                     'accepted', 'arrived', 'resolved')
),
w AS (
  SELECT request_id, kind,
         MAX(resp) OVER (PARTITION BY request_id ORDER BY at, id ROWS UNBOUNDED PRECEDING) AS seen,
         LEAD(resp) OVER (PARTITION BY request_id ORDER BY at, id) AS next_resp
    FROM e
   WHERE kind = 'dispatched' OR kind IN {ENDS} OR resp = 1
),
per AS (
  SELECT request_id,
         SUM(CASE WHEN kind = 'dispatched' AND seen = 0 THEN 1 ELSE 0 END) AS dispatched,
         SUM(CASE WHEN kind = 'dispatched' AND seen = 0 AND next_resp = 0 THEN 1 ELSE 0 END)
           AS withdrawn,
         SUM(CASE WHEN kind = 'returned' THEN 1 ELSE 0 END) AS returned
    FROM w GROUP BY request_id
),
lastres AS (
  SELECT request_id, on_time FROM (
    SELECT ev.request_id, {d["on_time"]} AS on_time,
           ROW_NUMBER() OVER (PARTITION BY ev.request_id ORDER BY ev.at DESC, ev.id DESC) AS rn
      FROM requests_requestevent ev JOIN r ON r.id = ev.request_id
     WHERE ev.kind = 'resolved'
  ) x WHERE rn = 1
),
rt AS (
  SELECT ra.request_id,
         COUNT(*) AS n,
         SUM(CASE WHEN ra.solved THEN 1 ELSE 0 END) AS solved,
         SUM(CASE WHEN ra.score IS NOT NULL THEN 1 ELSE 0 END) AS rated,
         SUM(CASE WHEN ra.score = 5 THEN 1 ELSE 0 END) AS s5,
         SUM(CASE WHEN ra.score = 4 THEN 1 ELSE 0 END) AS s4,
         SUM(CASE WHEN ra.score = 3 THEN 1 ELSE 0 END) AS s3,
         SUM(CASE WHEN ra.score = 2 THEN 1 ELSE 0 END) AS s2,
         SUM(CASE WHEN ra.score = 1 THEN 1 ELSE 0 END) AS s1
    FROM requests_rating ra JOIN r ON r.id = ra.request_id
   WHERE NOT ra.superseded
   GROUP BY ra.request_id
)
SELECT r.k,
       COUNT(*),
       SUM(COALESCE(p.dispatched, 0)),
       SUM(CASE WHEN r.responded_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.responded_at IS NOT NULL
                 AND (r.respond_due_at IS NULL OR r.responded_at <= r.respond_due_at)
                THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.resolved_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.resolved_at IS NOT NULL AND lr.on_time = 1 THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.breached THEN 1 ELSE 0 END),
       SUM(COALESCE(p.returned, 0)),
       SUM(COALESCE(p.withdrawn, 0)),
       SUM(r.reopen_count),
       SUM(CASE WHEN r.escalation_level > 0 THEN 1 ELSE 0 END),
       SUM(COALESCE(rt.n, 0)),
       SUM(COALESCE(rt.solved, 0)),
       SUM(COALESCE(rt.rated, 0)),
       SUM(COALESCE(rt.s5, 0)),
       SUM(COALESCE(rt.s4, 0)),
       SUM(COALESCE(rt.s3, 0)),
       SUM(COALESCE(rt.s2, 0)),
       SUM(COALESCE(rt.s1, 0))
  FROM r
  LEFT JOIN per p ON p.request_id = r.id
  LEFT JOIN lastres lr ON lr.request_id = r.id
  LEFT JOIN rt ON rt.request_id = r.id
 WHERE r.k IS NOT NULL
 GROUP BY r.k
 ORDER BY r.k
"""


def month_bounds(month_from: dt.date, month_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first instant of month_from, first instant after month_to) in the local zone."""
    from django.utils import timezone

    end_month = (month_to.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(month_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(end_month, dt.time.min))
    return start, end


def scope_column(scope: Any) -> tuple[str | None, int | None]:
    """The (column, id) of a single territory scope (``Scope`` or a one-scope ``ScopeSet``)."""
    from redprop.core.scope import Scope

    scopes = [scope] if isinstance(scope, Scope) else list(scope)
    if len(scopes) != 1:
        raise ValueError("the naive aggregate takes one territory scope")
    s = scopes[0]
    if s.kind == "all":
        return None, None
    if s.kind not in LEVELS:
        raise ValueError(f"not a territory scope: {s}")
    return LEVELS[s.kind], s.node_id


def naive_counters(
    *, scope: Any, month_from: dt.date, month_to: dt.date, group_by: str | None = None
) -> list[dict[str, Any]]:
    """Rows {key, counters...} like ``selectors.rates`` (before the rates are derived)."""
    from django.db import connection

    column, node = scope_column(scope)
    start, end = month_bounds(month_from, month_to)
    params: list[Any] = [] if column is None else [node]
    params += [
        connection.ops.adapt_datetimefield_value(start),
        connection.ops.adapt_datetimefield_value(end),
    ]
    sql = naive_sql(connection.vendor, scope_column=column, group_by=group_by)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    out = []
    for row in rows:
        key = None if group_by is None else row[0]
        out.append(
            {"key": key, **{c: int(v or 0) for c, v in zip(COUNTER_SQL, row[1:], strict=True)}}
        )
    if group_by is None and not out:
        out = [{"key": None, **dict.fromkeys(COUNTER_SQL, 0)}]
    return out


def naive_rates(
    *,
    scope: Any,
    month_from: dt.date,
    month_to: dt.date,
    group_by: str | None = None,
    basic_weight: Any = 1,
) -> list[dict[str, Any]]:
    """The same output as ``selectors.rates``, computed from the raw tables."""
    from decimal import Decimal

    from redprop.requests import stats

    weight = Decimal(str(basic_weight))
    return [
        {"key": r["key"], **stats.Rates({c: r[c] for c in COUNTER_SQL}, weight).as_dict()}
        for r in naive_counters(
            scope=scope, month_from=month_from, month_to=month_to, group_by=group_by
        )
    ]

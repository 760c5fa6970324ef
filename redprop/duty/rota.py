"""A rota (轮值表) as weekly patterns: pure arithmetic, no database.

The seat passes along the members in order, one *slot* at a time. The slots are the
ticked weekdays of every week counted from the Monday of the week the rota starts
(the same anchor as a shift's ``every_weeks``):

* ``daily`` (按天轮值): each ticked day is one slot; with k ticked days a week and N
  members, week w's j-th ticked day goes to member (w·k + j) mod N. The assignment
  repeats every L = N / gcd(k, N) weeks;
* ``weekly`` (按周轮值): each week is one slot; week w goes to member w mod N (L = N).

So member i's share is, for each week w of the cycle (0 ≤ w < L), the weekdays it
holds that week: one weekly pattern that recurs every L weeks from the Monday of
week w. With N ≤ 8 members, L ≤ 8 = ``MAX_EVERY_WEEKS``, so every share is an
ordinary ``Shift`` (docs/adr/0031-duty-rotation.md). The days the day rule drops (a
holiday under ``working``) keep their slot: that day nobody sits, and the next
member's day does not move (a rota on the notice board stays true).

``tests/test_rota.py`` checks the result against an RFC 5545 expansion of the same
rota by python-dateutil's ``rrule``, as ``test_recurrence_rrule.py`` does for shifts.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from redprop.duty.choices import RotaMode


@dataclass(frozen=True)
class Share:
    """One generated shift of a rota: member ``member`` (index in rota order) sits on
    ``weekdays`` of the weeks starting ``effective_from``'s week, every ``every_weeks``."""

    member: int
    weekdays: int
    every_weeks: int
    effective_from: dt.date


def ticked(weekdays: int) -> list[int]:
    """The weekday indexes (Monday = 0) set in the mask, in order."""
    return [d for d in range(7) if weekdays & (1 << d)]


def cycle_weeks(mode: str, members: int, weekdays: int) -> int:
    """L: the number of weeks after which the assignment repeats."""
    if mode == RotaMode.WEEKLY:
        return members
    k = len(ticked(weekdays))
    return members // math.gcd(k, members)


def shares(*, mode: str, members: int, weekdays: int, effective_from: dt.date) -> list[Share]:
    """The weekly patterns that make up the rota, member by member, week by week."""
    days = ticked(weekdays)
    if not days or members < 1:
        return []
    monday = effective_from - dt.timedelta(days=effective_from.weekday())
    weeks = cycle_weeks(mode, members, weekdays)
    out = []
    for i in range(members):
        for w in range(weeks):
            if mode == RotaMode.WEEKLY:
                mask = weekdays if w % members == i else 0
            else:
                mask = sum(1 << d for j, d in enumerate(days) if (w * len(days) + j) % members == i)
            if not mask:
                continue
            start = monday + dt.timedelta(weeks=w)
            out.append(
                Share(
                    member=i,
                    weekdays=mask,
                    every_weeks=weeks,
                    # Week 0 starts on the rota's own first day, later weeks on Monday:
                    # both anchor the rotation on the same Monday.
                    effective_from=max(start, effective_from),
                )
            )
    return out


def member_on(
    *, mode: str, members: int, weekdays: int, effective_from: dt.date, day: dt.date
) -> int | None:
    """Whose slot ``day`` is (None: not a ticked day, or before the rota). The direct
    formula, for tests and for the bench's naive baseline."""
    if day < effective_from or not weekdays & (1 << day.weekday()):
        return None
    monday = effective_from - dt.timedelta(days=effective_from.weekday())
    week = (day - monday).days // 7
    if mode == RotaMode.WEEKLY:
        return week % members
    days = ticked(weekdays)
    return (week * len(days) + days.index(day.weekday())) % members

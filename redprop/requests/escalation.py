"""The escalation ladder (grid → community → street) as policy data: its vocabulary
and the checks the SLA policy model and the services share. Imports no model, so the
policy model's ``clean`` and ``policies`` can both use it without a cycle."""

from __future__ import annotations

from typing import Any

from redprop.requests.choices import DEFAULT_ESCALATE_TO, EscalationTarget

# Who an escalation reaches, level by level (the policy's ``escalate_to``): level 1 the
# first target, level 2 the second…; past the list, its last. The default is the
# Jinghe ladder, grid → community → street (网格 → 社区 → 街道).
GRID, COMMUNITY, STREET = (
    EscalationTarget.GRID.value,
    EscalationTarget.COMMUNITY.value,
    EscalationTarget.STREET.value,
)
ESCALATION_TARGETS: tuple[str, ...] = (GRID, COMMUNITY, STREET)


def escalate_to(snapshot: dict[str, Any]) -> list[str]:
    """The escalation ladder a request is judged by (snapshots from before it was data:
    the default)."""
    return list(snapshot.get("escalate_to") or DEFAULT_ESCALATE_TO)


def escalation_target(snapshot: dict[str, Any], level: int) -> str:
    """The target (grid, community or street) an escalation to ``level`` reaches."""
    ladder = escalate_to(snapshot)
    return ladder[min(max(level, 1), len(ladder)) - 1]


def escalate_to_problem(value: Any) -> str | None:
    """Why ``value`` is not an escalation ladder (None: it is one): a non-empty list of
    targets, each at most once, never going down (a community never hands to a grid)."""
    if not isinstance(value, list) or not value:
        return "empty"
    if any(v not in ESCALATION_TARGETS for v in value):
        return "unknown"
    ranks = [ESCALATION_TARGETS.index(v) for v in value]
    if ranks != sorted(set(ranks)):
        return "order"
    return None

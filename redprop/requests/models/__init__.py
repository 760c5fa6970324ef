"""The request app's models, by concern: ``policy`` (categories, SLA policies, routing),
``request`` (the request and what hangs off it) and ``rollups`` (the monthly counters).
Import them from here: ``from redprop.requests.models import ServiceRequest``."""

from redprop.requests.models.policy import Category, RoutingRule, SlaPolicy, SlaTarget
from redprop.requests.models.request import (
    IdempotencyKey,
    Rating,
    RequestEvent,
    RequestFollower,
    RequestPhoto,
    ServiceRequest,
    SlaCheckpoint,
    photo_path,
)
from redprop.requests.models.rollups import (
    COUNTERS,
    CommunityMonthStats,
    MonthlyStats,
    RollupCounters,
)

__all__ = [
    "COUNTERS",
    "Category",
    "CommunityMonthStats",
    "IdempotencyKey",
    "MonthlyStats",
    "Rating",
    "RequestEvent",
    "RequestFollower",
    "RequestPhoto",
    "RollupCounters",
    "RoutingRule",
    "ServiceRequest",
    "SlaCheckpoint",
    "SlaPolicy",
    "SlaTarget",
    "photo_path",
]

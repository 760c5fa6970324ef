"""Error codes of the dashboards and report exports (see redprop/core/errors.py)."""

import enum


class DashboardError(enum.StrEnum):
    INVALID_MONTH = "invalid_month"
    FUTURE_MONTH = "future_month"
    NODE_REQUIRED = "node_required"
    INVALID_FORMAT = "invalid_format"
    EXPORT_NOT_READY = "export_not_ready"

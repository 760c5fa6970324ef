"""Fixed vocabularies of the dashboards and the monthly report exports."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from redprop.accounts.choices import Role


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel 表格（xlsx）")
    PDF = "pdf", _("PDF 报告")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


ACTIVE_EXPORT_STATES = frozenset({ExportStatus.PENDING, ExportStatus.RUNNING})

# Who sees a dashboard: the region desks, and a property company's staff for its own unit.
DASHBOARD_ROLES = (
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
    Role.HOUSING_BUREAU,
    Role.SYSADMIN,
    Role.COMPANY_STAFF,
)
# Who exports the monthly report of a community or street (a territory node).
REPORT_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU, Role.SYSADMIN)

# The four figures, in the order every page, sheet and chart shows them:
# (key in selectors.rates rows, label, the denominator that is its sample size,
#  the numerator).
RATE_FIGURES = (
    ("response_rate", _("响应率"), "response_base", "responded_on_time"),
    ("resolution_rate", _("解决率"), "rated_or_revisited", "solved_confirmed"),
    ("satisfaction_rate", _("满意率"), "rated", None),
    ("compliance_rate", _("5341 达标率"), "resolved", "resolved_on_time"),
)
RANK_KEYS = tuple(key for key, *_rest in RATE_FIGURES)

# Group-by levels a table can show, with their headings.
LEVEL_LABELS = {
    "street": _("街道"),
    "community": _("社区"),
    "grid": _("网格"),
    "org": _("承办单位"),
    "category": _("分类"),
}


# The columns of the list of breached requests (超时清单) in the monthly report, PDF and
# xlsx alike (the xlsx adds the status).
BREACHED_HEADINGS = (
    _("编号"),
    _("分类"),
    _("小区"),
    _("提交时间"),
    _("时限"),
    _("超时环节"),
    _("办结时间"),
    _("承办单位 · 处理人"),
)

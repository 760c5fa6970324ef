"""The roles (角色) a user can hold: the vocabulary of every permission check.

Kept in core, below every app, because the apps' policies name roles (people's reveal
table, each app's rules) while the accounts that hold them sit higher up
(docs/architecture.md). ``redprop.accounts.choices`` re-exports it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    GRID_BUTLER = "grid_butler", _("物业管家")
    MAINTENANCE_WORKER = "maintenance_worker", _("维修人员")
    COMPANY_STAFF = "company_staff", _("物业企业工作人员")
    UNIT_STAFF = "unit_staff", _("辖区单位工作人员")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    STREET_OFFICER = "street_officer", _("街道工作人员")
    HOUSING_BUREAU = "housing_bureau", _("房管局")
    SYSADMIN = "sysadmin", _("系统管理员")
    # A client system (the 12345 hotline, a civic app) filing through Open311 with its
    # key; a service account that never logs in (docs/api/open311.md).
    HOTLINE = "hotline", _("热线/外部系统")

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


# What each role is anchored to: the target column that must be set.
ROLE_TARGET = {
    Role.RESIDENT: "person",
    Role.GRID_BUTLER: "grid",
    Role.MAINTENANCE_WORKER: "grid",
    Role.COMPANY_STAFF: "org",
    Role.UNIT_STAFF: "org",
    Role.COMMUNITY_STAFF: "region",
    Role.STREET_OFFICER: "region",
    Role.HOUSING_BUREAU: "region",
    Role.SYSADMIN: None,
    Role.HOTLINE: "region",
}

# Which region level each region-anchored role sits at.
ROLE_REGION_LEVELS = {
    Role.COMMUNITY_STAFF: {"community"},
    Role.STREET_OFFICER: {"street"},
    Role.HOUSING_BUREAU: {"city", "district"},
    Role.HOTLINE: {"city", "district", "street"},
}

# Roles that give no reading scope: their scope is asked for by name only (the hotline's
# service account files in its region and reads nothing through the staff's views).
FILE_ONLY_ROLES = frozenset({Role.HOTLINE})

# Roles that work in the admin site (is_staff).
DESK_ROLES = frozenset(
    {
        Role.COMPANY_STAFF,
        Role.COMMUNITY_STAFF,
        Role.STREET_OFFICER,
        Role.HOUSING_BUREAU,
        Role.SYSADMIN,
    }
)

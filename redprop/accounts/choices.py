"""The rules attached to roles: what each is anchored to, which give no scope, which work
at the desk. The role names themselves are core's (``redprop.core.roles``), since every
app's permission checks speak them."""

from redprop.core.roles import Role

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

"""Who may see which personal field unmasked (PIPL: minimum necessary).

The table is the policy: a role not listed for a field only ever sees the masked
form. The scope check (the person must be inside the role's scope) comes on top.
"""

from __future__ import annotations

from redprop.core.roles import Role
from redprop.people.choices import SensitiveField

# Who may read a person's (masked) record at all: accounts.rules.view_people. Other
# roles (maintenance workers, company and unit staff) reach people only through the
# requests they handle, never by id.
VIEW_ROLES: tuple[str, ...] = (
    Role.RESIDENT,
    Role.GRID_BUTLER,
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
    Role.HOUSING_BUREAU,
    Role.SYSADMIN,
)

REVEAL_ROLES: dict[str, frozenset[str]] = {
    SensitiveField.ID_NUMBER: frozenset({Role.COMMUNITY_STAFF, Role.SYSADMIN}),
    SensitiveField.MOBILE: frozenset(
        {Role.COMMUNITY_STAFF, Role.GRID_BUTLER, Role.SYSADMIN, Role.STREET_OFFICER}
    ),
    SensitiveField.BIRTH_DATE: frozenset({Role.COMMUNITY_STAFF, Role.SYSADMIN}),
    SensitiveField.SENSITIVE_TAGS: frozenset({Role.COMMUNITY_STAFF, Role.SYSADMIN}),
    SensitiveField.PARTY_MEMBERSHIP: frozenset({Role.COMMUNITY_STAFF, Role.SYSADMIN}),
    SensitiveField.NAME_OF_MINOR: frozenset(
        {Role.COMMUNITY_STAFF, Role.GRID_BUTLER, Role.SYSADMIN}
    ),
}

"""Permission rules of the Open311 interface: keys are issued and revoked by system
administrators; the extra questions of a service are configured like categories."""

import rules

from redprop.accounts.choices import Role
from redprop.accounts.rules import _ALL_STAFF, has_role, sysadmin

rules.add_perm("open311", has_role(Role.SYSADMIN, Role.HOUSING_BUREAU))
rules.add_perm("open311.view_clientkey", sysadmin)
rules.add_perm("open311.add_clientkey", sysadmin)
rules.add_perm("open311.change_clientkey", sysadmin)
rules.add_perm("open311.delete_clientkey", rules.always_deny)
rules.add_perm("open311.view_serviceattribute", has_role(*_ALL_STAFF))
rules.add_perm("open311.add_serviceattribute", has_role(Role.SYSADMIN, Role.HOUSING_BUREAU))
rules.add_perm("open311.change_serviceattribute", has_role(Role.SYSADMIN, Role.HOUSING_BUREAU))
rules.add_perm("open311.delete_serviceattribute", sysadmin)

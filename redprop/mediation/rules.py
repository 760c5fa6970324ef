"""Permission rules of the mediation app's admin (see redprop/accounts/rules.py)."""

import rules

from redprop.accounts.choices import Role
from redprop.accounts.rules import _ALL_STAFF, has_role, sysadmin

_config = has_role(Role.SYSADMIN, Role.HOUSING_BUREAU)
rules.add_perm("mediation", has_role(*_ALL_STAFF))
rules.add_perm("mediation.view_mediationpolicy", has_role(*_ALL_STAFF))
rules.add_perm("mediation.add_mediationpolicy", _config)
rules.add_perm("mediation.change_mediationpolicy", _config)
rules.add_perm("mediation.delete_mediationpolicy", sysadmin)

"""Permission rules of the fees app (see redprop/accounts/rules.py). The admin shows
only the hardship policies (policy as data: every desk reads them, the housing bureau
and the sysadmin edit them); the books are kept through the pages and the API."""

import rules

from redprop.accounts.choices import Role
from redprop.accounts.rules import _ALL_STAFF, has_role, sysadmin

rules.add_perm("fees", has_role(*_ALL_STAFF))
_desks = has_role(
    Role.COMPANY_STAFF,
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
    Role.HOUSING_BUREAU,
    Role.SYSADMIN,
)
_config = has_role(Role.SYSADMIN, Role.HOUSING_BUREAU)
rules.add_perm("fees.view_hardshippolicy", _desks)
rules.add_perm("fees.add_hardshippolicy", _config)
rules.add_perm("fees.change_hardshippolicy", _config)
rules.add_perm("fees.delete_hardshippolicy", sysadmin)

"""Permission rules of the calendars app (see redprop/accounts/rules.py): every staff
member may look; the platform administrator and the housing bureau edit."""

import rules

from redprop.accounts.choices import Role
from redprop.accounts.rules import _ALL_STAFF, has_role, sysadmin

rules.add_perm("calendars", has_role(*_ALL_STAFF))
_config = has_role(Role.SYSADMIN, Role.HOUSING_BUREAU)
for model in ("holidaytable", "holidayyear", "specialday", "workcalendar", "workperiod"):
    rules.add_perm(f"calendars.view_{model}", has_role(*_ALL_STAFF))
    for action in ("add", "change"):
        rules.add_perm(f"calendars.{action}_{model}", _config)
    rules.add_perm(f"calendars.delete_{model}", sysadmin)

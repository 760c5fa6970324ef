"""Permission rules of the requests app (see redprop/accounts/rules.py)."""

import rules

from redprop.accounts.choices import Role
from redprop.accounts.rules import _ALL_STAFF, has_role, in_scope, sysadmin

rules.add_perm("requests", has_role(*_ALL_STAFF))
rules.add_perm("requests.view_servicerequest", has_role(*_ALL_STAFF) & in_scope)
rules.add_perm("requests.change_servicerequest", rules.always_deny)
rules.add_perm("requests.add_servicerequest", rules.always_deny)
rules.add_perm("requests.delete_servicerequest", rules.always_deny)
_config = has_role(Role.SYSADMIN, Role.HOUSING_BUREAU)
for model in ("category", "slapolicy", "slatarget", "routingrule"):
    rules.add_perm(f"requests.view_{model}", has_role(*_ALL_STAFF))
    for action in ("add", "change"):
        rules.add_perm(f"requests.{action}_{model}", _config)
    rules.add_perm(f"requests.delete_{model}", sysadmin)

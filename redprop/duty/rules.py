"""Who may see and edit the duty roster.

Everyone on the staff side sees the shifts inside their scope (a company its own, a
community or street the shifts placed there, a grid's butler and worker their
grid's); only the rostering organisation's desk staff (COMPANY_STAFF) and sysadmins
add, change or delete, and the services check the same (``may_edit_roster``).
"""

from __future__ import annotations

import rules

from redprop.accounts.choices import Role
from redprop.accounts.rules import _ALL_STAFF, has_role, in_scope, region_desk_in_scope

view_roster = has_role(*_ALL_STAFF) & in_scope
edit_roster = region_desk_in_scope((Role.COMPANY_STAFF, Role.SYSADMIN))

rules.add_perm("duty", has_role(*_ALL_STAFF))
rules.add_perm("duty.view_shift", view_roster | edit_roster)
rules.add_perm("duty.add_shift", edit_roster)
rules.add_perm("duty.change_shift", edit_roster)
rules.add_perm("duty.delete_shift", edit_roster)

import rules

from redprop.accounts.choices import Role
from redprop.accounts.rules import region_desk_in_scope

# The bureau edits its cycles' sheet and thresholds (criteria as data); nobody adds or
# deletes a cycle or an assessment in the admin: the pages and services do that.
bureau = region_desk_in_scope((Role.HOUSING_BUREAU, Role.SYSADMIN))

rules.add_perm("ratings", bureau)
rules.add_perm("ratings.view_ratingcycle", bureau)
rules.add_perm("ratings.change_ratingcycle", bureau)
rules.add_perm("ratings.add_ratingcycle", rules.always_deny)
rules.add_perm("ratings.delete_ratingcycle", rules.always_deny)
rules.add_perm("ratings.view_criterion", bureau)
rules.add_perm("ratings.change_criterion", bureau)
rules.add_perm("ratings.add_criterion", rules.always_deny)
rules.add_perm("ratings.delete_criterion", rules.always_deny)

import rules

from redprop.accounts.choices import Role
from redprop.accounts.rules import has_role

# The contact log is read like the PII access log: by the system administrator only.
rules.add_perm("contact", has_role(Role.SYSADMIN))
rules.add_perm("contact.view_contactrecord", has_role(Role.SYSADMIN))
rules.add_perm("contact.change_contactrecord", rules.always_deny)
rules.add_perm("contact.add_contactrecord", rules.always_deny)
rules.add_perm("contact.delete_contactrecord", rules.always_deny)

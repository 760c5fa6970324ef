"""Authorisation as one mechanism: django-rules predicates over roles and scopes.

``perm`` names are the Django ones (``app.view_model``), so the admin, views,
the API and exports ask the same question: ``user.has_perm(name, obj)``.
Without an object the answer is "may this role use this kind of thing at all";
with one it also requires the object to be inside the user's scope.
"""

from __future__ import annotations

from typing import Any

import rules

from redprop.accounts.choices import Role

_REGION_DESK = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU, Role.SYSADMIN)
_ALL_STAFF = (
    *_REGION_DESK,
    Role.COMPANY_STAFF,
    Role.UNIT_STAFF,
    Role.GRID_BUTLER,
    Role.MAINTENANCE_WORKER,
)


def has_role(*roles: str) -> Any:
    @rules.predicate(name=f"has_role{roles}")
    def pred(user: Any) -> bool:
        return bool(user and user.is_authenticated and user.has_role(*roles))

    return pred


@rules.predicate
def in_scope(user: Any, obj: Any) -> bool:
    if obj is None:
        return True
    return user.is_authenticated and user.scope_set().contains(obj)


def region_desk_in_scope(roles: tuple[str, ...]) -> Any:
    @rules.predicate(name=f"in_scope_of{roles}")
    def pred(user: Any, obj: Any) -> bool:
        if obj is None:
            return True
        return user.is_authenticated and user.scope_set(*roles).contains(obj)

    return has_role(*roles) & pred


view_territory = has_role(*_ALL_STAFF) & in_scope
edit_territory = region_desk_in_scope((Role.COMMUNITY_STAFF, Role.SYSADMIN))
view_people = region_desk_in_scope((*_REGION_DESK, Role.GRID_BUTLER)) | (
    has_role(Role.RESIDENT) & in_scope
)
edit_people = region_desk_in_scope((Role.COMMUNITY_STAFF, Role.SYSADMIN))
view_orgs = has_role(*_ALL_STAFF) & in_scope
edit_orgs = region_desk_in_scope((Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN))
# The housing bureau supervises: it reads and exports the logs (docs/adr/0011).
view_audit = region_desk_in_scope((Role.SYSADMIN, Role.HOUSING_BUREAU))
view_party = region_desk_in_scope((Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN))
sysadmin = has_role(Role.SYSADMIN)

MODEL_RULES = {
    "territory": {
        "region": (view_territory, sysadmin),
        "grid": (view_territory, edit_territory),
        "gridmember": (view_territory, edit_territory),
        "compound": (view_territory, edit_territory),
        "compoundservice": (view_territory, edit_territory),
        "building": (view_territory, edit_territory),
        "unit": (view_territory, edit_territory),
        "ownership": (view_people, edit_people),
        "occupancy": (view_people, edit_people),
    },
    "people": {
        "person": (view_people, edit_people),
        "persontag": (view_people, sysadmin),
        "piiaccesslog": (view_audit, rules.always_deny),
    },
    "orgs": {
        "org": (view_orgs, edit_orgs),
        "orgmembership": (view_orgs, edit_orgs),
        "crossappointment": (view_orgs, edit_orgs),
        "cobuildingagreement": (view_orgs, edit_orgs),
        "partyorg": (view_party, edit_orgs),
        "partymembership": (view_party, edit_orgs),
    },
    "accounts": {
        "user": (sysadmin, sysadmin),
        "roleassignment": (sysadmin, sysadmin),
        "apitoken": (sysadmin, sysadmin),
    },
    "core": {"auditlog": (view_audit, rules.always_deny)},
    # Login lockout (django-axes): unlocking is a change, audited by login_unlock.
    "axes": {
        "accessattempt": (sysadmin, sysadmin),
        "accesslog": (sysadmin, rules.always_deny),
        "accessfailurelog": (sysadmin, rules.always_deny),
    },
    # Deletion requests: read by those who decide them; written only by the services.
    "privacy": {"erasurerequest": (edit_people, rules.always_deny)},
}

for app, models in MODEL_RULES.items():
    rules.add_perm(app, has_role(*_ALL_STAFF))
    for model, (view, edit) in models.items():
        rules.add_perm(f"{app}.view_{model}", view | edit)
        rules.add_perm(f"{app}.change_{model}", edit)
        rules.add_perm(f"{app}.add_{model}", edit)
        rules.add_perm(f"{app}.delete_{model}", sysadmin if edit is not rules.always_deny else edit)

# Export of the append-only logs (admin actions; each export is itself audited).
rules.add_perm("core.export_logs", has_role(Role.SYSADMIN, Role.HOUSING_BUREAU))
rules.add_perm("privacy.decide_erasurerequest", edit_people)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "redprop.orgs"
    verbose_name = _("组织")

    def ready(self) -> None:
        from redprop.orgs.models import PartyMembership
        from redprop.people.party_identity import (
            register_membership_lookup,
            register_sealed_table,
        )

        # people.services.person_reveal asks "is this person a party member?" by the
        # blind index, without importing this higher app (docs/architecture.md).
        register_membership_lookup(
            "orgs.PartyMembership",
            lambda bidx: PartyMembership.objects.filter(person_bidx=bidx).exists(),
        )
        register_sealed_table(PartyMembership)  # manage.py rotate_pii_keys re-encrypts it

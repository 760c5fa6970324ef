from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "redprop.party"
    label = "party"
    verbose_name = _("物业党建")

    def ready(self) -> None:
        from redprop.party.models import Member
        from redprop.people.party_identity import (
            register_membership_lookup,
            register_sealed_table,
        )

        # people.services.person_reveal (field party_membership) asks by the blind
        # index. A member who left the company (转出) is still a party member; an
        # erased one has a random index and matches nobody.
        register_membership_lookup(
            "party.Member", lambda bidx: Member.objects.filter(person_bidx=bidx).exists()
        )
        register_sealed_table(Member)  # manage.py rotate_pii_keys re-encrypts it

"""Re-encrypt every sensitive column under the primary key (the first of REDPROP_PII_KEYS).

Rotation: put the new key first in REDPROP_PII_KEYS, keep the old ones after it,
run this command, then drop the old keys. Batched, each batch in one transaction with its audit row
(``people.services.person_rotate_pii_keys_batch``), then the same for the tables of sealed
party-membership identities the apps registered (``sealed_rotate_pii_keys_batch``).
"""

from django.core.management.base import BaseCommand

from redprop.people.party_identity import sealed_tables
from redprop.people.services import person_rotate_pii_keys_batch, sealed_rotate_pii_keys_batch


class Command(BaseCommand):
    help = "Re-encrypt personal information under the primary PII key."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, batch: int, **options):
        last, batches = 0, 0
        while True:
            done = person_rotate_pii_keys_batch(after_id=last, batch=batch, acting_user=None)
            if done is None:
                break
            last, batches = done, batches + 1
        if options["verbosity"]:
            self.stdout.write(f"rotated {batches} batches (one audit row each), last id {last}")
        for model in sealed_tables():
            last, batches = 0, 0
            while True:
                done = sealed_rotate_pii_keys_batch(
                    model=model, after_id=last, batch=batch, acting_user=None
                )
                if done is None:
                    break
                last, batches = done, batches + 1
            if options["verbosity"]:
                self.stdout.write(f"{model._meta.label}: rotated {batches} batches")

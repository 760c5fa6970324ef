"""Re-encrypt every sensitive column under the primary key (the first of REDPROP_PII_KEYS).

Rotation: put the new key first in REDPROP_PII_KEYS, keep the old ones after it,
run this command, then drop the old keys. Batched, each batch in one transaction.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from redprop.core import crypto
from redprop.people.models import Person

ENC_FIELDS = ["id_number_enc", "mobile_enc", "birth_date_enc", "sensitive_enc"]


class Command(BaseCommand):
    help = "Re-encrypt personal information under the primary PII key."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, batch: int, **options):
        last, done = 0, 0
        while True:
            with transaction.atomic():
                rows = list(
                    Person.objects.select_for_update().filter(pk__gt=last).order_by("pk")[:batch]
                )
                if not rows:
                    break
                for p in rows:
                    for f in ENC_FIELDS:
                        if getattr(p, f):
                            setattr(p, f, crypto.rotate(getattr(p, f)))
                Person.objects.bulk_update(rows, ENC_FIELDS)
                last, done = rows[-1].pk, done + len(rows)
        if options["verbosity"]:
            self.stdout.write(f"rotated {done} people")

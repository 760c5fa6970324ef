"""Issue, list and revoke Open311 client keys.

manage.py open311_key issue --name "12345热线" --region 3 [--per-minute 120]
manage.py open311_key list
manage.py open311_key revoke --prefix 1a2b3c4d
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from redprop.core.errors import ApplicationError
from redprop.open311 import services
from redprop.open311.models import ClientKey
from redprop.territory.models import Region


class Command(BaseCommand):
    help = "Issue (the key is printed once), list or revoke Open311 client keys."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["issue", "list", "revoke"])
        parser.add_argument("--name", default="")
        parser.add_argument("--region", type=int, help="id of a street, district or city")
        parser.add_argument("--per-minute", type=int, default=60)
        parser.add_argument("--prefix", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "list":
            for key in ClientKey.objects.select_related("region"):
                state = "revoked" if key.revoked_at else "active"
                self.stdout.write(f"{key.prefix}  {state:8}  {key.region}  {key.name}")
            return
        try:
            if action == "issue":
                region = Region.objects.filter(pk=opts["region"]).first()
                if region is None:
                    raise CommandError("--region: no such region")
                key, raw = services.key_issue(
                    name=opts["name"],
                    region=region,
                    per_minute=opts["per_minute"],
                    acting_user=None,
                )
                self.stdout.write(
                    f"prefix {key.prefix}\nkey    {raw}\n(shown once; only its hash is kept)"
                )
            else:
                key = ClientKey.objects.filter(prefix=opts["prefix"]).first()
                if key is None:
                    raise CommandError("--prefix: no such key")
                services.key_revoke(key=key, acting_user=None, reason="manage.py")
                self.stdout.write(f"revoked {key.prefix}")
        except ApplicationError as err:
            raise CommandError(f"{err.code}: {err.message}") from err

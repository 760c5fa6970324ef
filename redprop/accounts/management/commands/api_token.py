"""Issue, list and revoke API tokens from the shell (the admin does the same).

    manage.py api_token issue --user hotline --name "12345 热线" --scope write --days 90
    manage.py api_token list [--user hotline]
    manage.py api_token revoke --id 7

``issue`` prints the key once on stdout (nothing else goes to stdout, so it can be
piped into a secret store); only its SHA-256 is kept. Each act is audited with no
acting user (the shell), like the other commands.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from redprop.accounts import services
from redprop.accounts.models import ApiToken, TokenScope, User
from redprop.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Issue (key shown once), list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="issue a token and print its key once")
        issue.add_argument("--user", required=True, help="username the token acts as")
        issue.add_argument("--name", required=True, help="what the token is for (1-64 chars)")
        issue.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        issue.add_argument("--days", type=int, default=None, help="lifetime in days")
        lst = sub.add_parser("list", help="list tokens (never their keys)")
        lst.add_argument("--user", default=None)
        revoke = sub.add_parser("revoke", help="revoke a token by id")
        revoke.add_argument("--id", type=int, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ApplicationError as err:
            raise CommandError(f"{err.code}: {err.message}") from err

    def _issue(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}")
        issued = services.token_create(
            user=user,
            name=options["name"],
            scope=options["scope"],
            expires_in_days=options["days"],
            acting_user=None,
        )
        token = issued.token
        self.stderr.write(
            f"token #{token.pk} {token.name!r} for {user.username}: scope {token.scope}, "
            f"expires {token.expires_at:%Y-%m-%d %H:%M %Z}. The key below is shown only once."
        )
        self.stdout.write(issued.key)

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("id")
        if options["user"]:
            tokens = tokens.filter(user__username=options["user"])
        for t in tokens:
            state = "revoked" if t.revoked_at else ("live" if t.is_live() else "expired")
            self.stdout.write(
                f"{t.pk}\t{t.prefix or '-'}…\t{t.user.username}\t{t.name}\t{t.scope}\t"
                f"{t.expires_at or '-'}\t{state}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        token = ApiToken.objects.filter(pk=options["id"]).first()
        if token is None:
            raise CommandError(f"no token #{options['id']}")
        services.token_revoke(token=token, acting_user=None)
        self.stderr.write(f"token #{token.pk} revoked")

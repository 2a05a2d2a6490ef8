"""`kokuchi api integration create NAME --role ROLE | token create INTEGRATION --scopes … | token revoke PREFIX
| token list | deliver-webhooks`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kokuchi.api.models import ApiToken, Integration
from kokuchi.api.tokens import create_integration, create_token, parse_scopes, revoke_token
from kokuchi.api.webhooks import deliver_due
from kokuchi.core.roles import Role


def _errors(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Manage API integrations and tokens, and send due webhook deliveries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="area", required=True)
        integration = sub.add_parser("integration", help="Integrations (an SFA or ERP calling the API).")
        integration_sub = integration.add_subparsers(dest="action", required=True)
        create = integration_sub.add_parser("create", help="Create an integration acting with a staff role.")
        create.add_argument("name")
        create.add_argument("--role", choices=Role.values, default=Role.VIEWER)

        token = sub.add_parser("token", help="API tokens of an integration.")
        token_sub = token.add_subparsers(dest="action", required=True)
        token_create = token_sub.add_parser("create", help="Create a token; the secret is printed once.")
        token_create.add_argument("integration", help="The integration's name.")
        token_create.add_argument(
            "--scopes", required=True, help="e.g. customers:write,devices:write,exposures:read or *:read"
        )
        token_create.add_argument("--days", type=int, default=365)
        token_create.add_argument("--label", default="")
        token_revoke = token_sub.add_parser("revoke", help="Revoke a token by its prefix (kki_…).")
        token_revoke.add_argument("prefix")
        token_sub.add_parser("list", help="List tokens (prefix, integration, scopes, expiry).")

        sub.add_parser("deliver-webhooks", help="Send the webhook deliveries that are due (retries).")

    def handle(self, *args, **options):
        try:
            if options["area"] == "integration":
                integration = create_integration(name=options["name"], role=options["role"], created_by=None)
                self.stdout.write(f"integration {integration.name} acts as {integration.user.username}")
            elif options["area"] == "deliver-webhooks":
                self.stdout.write(f"{deliver_due()} deliveries attempted")
            elif options["action"] == "create":
                self._create_token(options)
            elif options["action"] == "revoke":
                self._revoke(options["prefix"])
            else:
                self._list()
        except ValidationError as error:
            raise CommandError(_errors(error)) from None

    def _create_token(self, options) -> None:
        integration = Integration.objects.filter(name=options["integration"]).first()
        if integration is None:
            raise CommandError(f"No integration named {options['integration']!r}; create it first.")
        new = create_token(
            integration=integration,
            scopes=parse_scopes(options["scopes"]),
            days=options["days"],
            created_by=None,
            label=options["label"],
        )
        self.stderr.write(f"Token for {integration.name}, expires {new.token.expires_at:%Y-%m-%d}; shown only now:")
        self.stdout.write(new.secret)

    def _revoke(self, prefix: str) -> None:
        tokens = list(ApiToken.objects.filter(prefix=prefix.rstrip("…")))
        if len(tokens) != 1:
            raise CommandError(f"{len(tokens)} tokens have the prefix {prefix!r}.")
        revoke_token(token=tokens[0])
        self.stdout.write(f"revoked {tokens[0].prefix}")

    def _list(self) -> None:
        for token in ApiToken.objects.select_related("integration"):
            state = "revoked" if token.revoked_at else ("active" if token.is_usable else "expired")
            scopes = ",".join(f"{r}:{a}" for r, a in sorted(token.scopes.items()))
            self.stdout.write(
                f"{token.prefix}\t{token.integration.name}\t{state}\t{token.expires_at:%Y-%m-%d}\t{scopes}"
            )

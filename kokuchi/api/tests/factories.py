"""Plain factories of integrations, tokens and subscriptions; every default is visible here."""

from __future__ import annotations

import itertools

from kokuchi.api.models import RESOURCES, Access, Integration, WebhookSubscription
from kokuchi.api.tokens import NewToken, create_integration, create_token
from kokuchi.api.webhooks import create_subscription
from kokuchi.core.roles import Role

_seq = itertools.count(1)

EVERY_WRITE = {resource: Access.WRITE for resource in RESOURCES}
EVERY_READ = {resource: Access.READ for resource in RESOURCES}


def make_integration(*, role: str = Role.SALES, name: str | None = None) -> Integration:
    return create_integration(name=name or f"SFA {next(_seq)}", role=role, created_by=None)


def make_token(
    *, integration: Integration | None = None, role: str = Role.SALES, scopes: dict | None = None, days: int = 30
) -> NewToken:
    return create_token(
        integration=integration or make_integration(role=role),
        scopes=EVERY_WRITE if scopes is None else scopes,
        days=days,
        created_by=None,
    )


def make_subscription(*, integration: Integration, url: str, events: list[str]) -> WebhookSubscription:
    return create_subscription(integration=integration, url=url, events=events)


def bearer(new: NewToken) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {new.secret}"}

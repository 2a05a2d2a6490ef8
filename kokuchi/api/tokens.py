"""Integrations and their API tokens: create, scope, expire, revoke, authenticate."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kokuchi.api.models import RESOURCES, Access, ApiToken, Integration
from kokuchi.core.hashing import token_sha256
from kokuchi.core.roles import Role

TOKEN_PREFIX = "kki_"
TOKEN_BYTES = 32
MAX_TOKEN_DAYS = 730


@dataclass(frozen=True)
class NewToken:
    """A created token with its secret, which is shown once and never stored."""

    token: ApiToken
    secret: str


def parse_scopes(text: str) -> dict[str, str]:
    """Parse ``customers:write,devices:read`` (or ``*:read``) into a scope mapping."""
    scopes: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        resource, _sep, access = part.partition(":")
        access = access or Access.READ
        if access not in Access.values:
            raise ValidationError({"scopes": _("Unknown access %(access)s (read or write).") % {"access": access}})
        names = RESOURCES if resource == "*" else (resource,)
        for name in names:
            if name not in RESOURCES:
                raise ValidationError({"scopes": _("Unknown resource %(name)s.") % {"name": name}})
            scopes[name] = access
    return scopes


def validate_scopes(scopes: dict[str, str]) -> None:
    for resource, access in scopes.items():
        if resource not in RESOURCES:
            raise ValidationError({"scopes": _("Unknown resource %(name)s.") % {"name": resource}})
        if access not in Access.values:
            raise ValidationError({"scopes": _("Unknown access %(access)s (read or write).") % {"access": access}})


@transaction.atomic
def create_integration(*, name: str, role: str, created_by: User | None) -> Integration:
    """Create an integration and the user it acts as, in the group of `role`."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    if Integration.objects.filter(name=name).exists():
        raise ValidationError({"name": _("An integration with this name exists.")})
    username = f"api:{name}"[:150]
    if User.objects.filter(username=username).exists():
        raise ValidationError({"name": _("A user named %(username)s exists.") % {"username": username}})
    user = User(username=username, is_active=True)
    user.set_unusable_password()
    user.save()
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    integration = Integration(name=name, user=user, created_by=created_by)
    integration.full_clean()
    integration.save()
    return integration


@transaction.atomic
def create_token(
    *,
    integration: Integration,
    scopes: dict[str, str],
    days: int,
    created_by: User | None,
    label: str = "",
) -> NewToken:
    """Create a token for `integration` valid for `days` days; return it with its secret."""
    validate_scopes(scopes)
    if not scopes:
        raise ValidationError({"scopes": _("Grant at least one scope.")})
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError({"days": _("A token is valid for 1 to %(max)s days.") % {"max": MAX_TOKEN_DAYS}})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(
        integration=integration,
        label=label,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_sha256=token_sha256(secret),
        scopes=scopes,
        created_by=created_by,
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    token.full_clean()
    token.save()
    return NewToken(token=token, secret=secret)


@transaction.atomic
def revoke_token(*, token: ApiToken) -> ApiToken:
    """Revoke `token` now; a revoked token is refused from the next request on."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate_token(*, secret: str, at: datetime.datetime | None = None) -> ApiToken | None:
    """The usable token with this secret, or None (unknown, revoked or expired)."""
    at = at or timezone.now()
    token = (
        ApiToken.objects.usable(at)
        .select_related("integration__user")
        .filter(token_sha256=token_sha256(secret))
        .first()
    )
    if token is None or not token.integration.user.is_active:
        return None
    # One write per minute at most: the last use is for staff, not an audit.
    if token.last_used_at is None or at - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
    return token

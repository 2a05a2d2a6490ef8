"""`kokuchi api`: integrations and tokens from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from kokuchi.api.models import ApiToken, Integration
from kokuchi.api.tokens import authenticate_token

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("api", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_create_an_integration_and_a_token_printed_once():
    assert run("integration", "create", "SFA", "--role", "sales") == "integration SFA acts as api:SFA\n"
    secret = run("token", "create", "SFA", "--scopes", "customers:write,devices", "--days", "30").strip()
    token = authenticate_token(secret=secret)
    assert token is not None
    assert token.scopes == {"customers": "write", "devices": "read"}
    assert token.integration == Integration.objects.get(name="SFA")
    assert secret not in run("token", "list")


def test_star_scopes_and_revoke_by_prefix():
    run("integration", "create", "ERP")
    secret = run("token", "create", "ERP", "--scopes", "*:read").strip()
    token = ApiToken.objects.get()
    assert set(token.scopes.values()) == {"read"}
    assert len(token.scopes) == 11
    assert run("token", "revoke", token.prefix) == f"revoked {token.prefix}\n"
    assert authenticate_token(secret=secret) is None


def test_unknown_scope_or_integration_is_an_error_naming_it():
    run("integration", "create", "ERP")
    with pytest.raises(CommandError, match="scopes: 未知のリソース: things"):
        run("token", "create", "ERP", "--scopes", "things:read")
    with pytest.raises(CommandError, match="No integration named 'nope'"):
        run("token", "create", "nope", "--scopes", "customers:read")
    assert ApiToken.objects.count() == 0

"""The staff pages of integrations, tokens and the webhook delivery log as the role matrix
(kokuchi/tests/test_roles.py) drives them: the objects, the posted data and the exact effect."""

from kokuchi.api.models import ApiToken, Integration, WebhookEvent
from kokuchi.api.tests.factories import make_integration, make_subscription, make_token
from kokuchi.api.webhooks import emit_event
from kokuchi.core.roles import Role


def make_objects() -> dict:
    integration = make_integration(name="販売管理", role=Role.SALES)
    token = make_token(integration=integration, scopes={"customers": "read"}).token
    make_subscription(integration=integration, url="http://127.0.0.1:9/hooks", events=[WebhookEvent.NOTICE_READ])
    # In the outbox, not yet sent: the page lists it as pending.
    emit_event(event_type=WebhookEvent.NOTICE_READ, data={"notice_id": 1})
    return {"integration": integration, "token": token}


def post_data(name, o):
    return {
        "integration_create": {"name": "kintone", "role": Role.VIEWER},
        "token_create": {"label": "本番", "days": "90", "scope_customers": "write", "scope_devices": "read"},
        "token_revoke": {},
    }[name]


def check_saved(name, o, user):
    if name == "integration_create":
        integration = Integration.objects.get(name="kintone")
        assert (integration.user.username, list(integration.user.groups.values_list("name", flat=True))) == (
            "api:kintone",
            ["viewer"],
        )
        assert integration.created_by == user
    elif name == "token_create":
        token = ApiToken.objects.exclude(pk=o["token"].pk).get()
        assert (token.label, token.scopes, token.created_by) == (
            "本番",
            {"customers": "write", "devices": "read"},
            user,
        )
    elif name == "token_revoke":
        o["token"].refresh_from_db()
        assert o["token"].revoked_at is not None

"""Staff pages of integrations: a new token is shown once; the delivery log lists the outbox."""

from __future__ import annotations

import pytest

from kokuchi.api.models import ApiToken
from kokuchi.api.tests.staff_pages import make_objects
from kokuchi.core.hashing import token_sha256
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(client):
    objects = make_objects()
    client.force_login(make_user(Role.ADMIN))
    url = f"/integrations/{objects['integration'].pk}/tokens/new/"
    response = client.post(url, {"days": "30", "scope_exposures": "read"}, follow=True)
    secret = response.context["new_secret"]
    assert secret.startswith("kki_")
    assert secret in response.content.decode()
    token = ApiToken.objects.get(token_sha256=token_sha256(secret))
    assert token.scopes == {"exposures": "read"}
    again = client.get(f"/integrations/{objects['integration'].pk}/")
    assert "new_secret" not in again.context
    assert secret not in again.content.decode()


def test_a_token_without_scopes_is_refused_on_the_form(client):
    objects = make_objects()
    client.force_login(make_user(Role.ADMIN))
    response = client.post(f"/integrations/{objects['integration'].pk}/tokens/new/", {"days": "30"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"__all__": ["スコープを1つ以上付与してください。"]}
    assert ApiToken.objects.count() == 1


def test_the_delivery_log_lists_pending_deliveries_for_any_staff_role(client):
    make_objects()
    client.force_login(make_user(Role.VIEWER))
    response = client.get("/integrations/deliveries/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "http://127.0.0.1:9/hooks" in html
    assert "未送信" in html
    assert "お知らせの閲覧" in html

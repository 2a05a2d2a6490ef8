"""Helpers shared by the staff-UI view tests of every app."""

from __future__ import annotations

from urllib.parse import quote

from django.apps import apps

# The apps whose rows a denied request must leave untouched.
UI_APP_LABELS = ("core", "catalog", "customers", "deals", "devices", "api")


def db_snapshot() -> dict[str, list[dict]]:
    """Every row of the UI's apps (plus users and groups) as plain values, ordered by pk: two
    snapshots compare equal exactly when nothing was created, changed or deleted."""
    models = [model for label in UI_APP_LABELS for model in apps.get_app_config(label).get_models()]
    models += [apps.get_model("auth", "User"), apps.get_model("auth", "Group")]
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


def login_url_for(url: str) -> str:
    return "/accounts/login/?next=" + quote(url, safe="/")


def assert_sent_to_login(client, url: str) -> None:
    """An anonymous request is redirected to the login page, which returns to `url`."""
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == login_url_for(url)


def assert_refused_and_unchanged(client, url: str, data: dict) -> None:
    """GET and POST are both refused with 403, and no row of the UI's apps changed."""
    before = db_snapshot()
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert db_snapshot() == before


def assert_change_accepted(client, url: str, data: dict) -> None:
    """The form opens and the POST succeeds (redirects); form errors are shown when it does not."""
    assert client.get(url).status_code == 200
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response

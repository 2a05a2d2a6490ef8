"""Every model of vulnerabilities and exposures is in the admin; records are read-only there."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from kokuchi.core.tests.factories import make_user
from kokuchi.exposures.models import WorkItem
from kokuchi.exposures.tests.factories import (
    make_delivery,
    make_exposure,
    make_match_run,
    make_sales_lead,
    make_work_item,
)
from kokuchi.vulnerabilities.tests.factories import make_alias, make_epss, make_known_exploited, make_vulnerability

pytestmark = pytest.mark.django_db

EDITABLE = {"exposures.saleslead", "exposures.workitem"}


def _models():
    return [model for model in admin.site._registry if model._meta.app_label in ("vulnerabilities", "exposures")]


def test_every_model_of_both_apps_is_registered():
    expected = {
        model._meta.label_lower
        for label in ("vulnerabilities", "exposures")
        for model in apps.get_app_config(label).get_models()
    }
    assert {model._meta.label_lower for model in _models()} == expected


@pytest.fixture
def superuser_client(client):
    client.force_login(make_user(role=None, username="root", is_superuser=True, is_staff=True))
    make_alias(vulnerability=make_vulnerability(), alias_id="JVNDB-2099-000001")
    make_known_exploited()
    make_epss()
    make_delivery(token="t" * 43)
    make_exposure()
    make_work_item()
    make_sales_lead()
    make_match_run()
    return client


def test_admin_lists_and_change_pages_open_and_records_cannot_be_added_or_changed(superuser_client):
    for model in _models():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert (changelist, superuser_client.get(changelist).status_code) == (changelist, 200)
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        assert (add, superuser_client.get(add).status_code) == (add, 403)
        row = model.objects.first()
        if row is None:
            continue
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
        assert (change, superuser_client.get(change).status_code) == (change, 200)
        response = superuser_client.get(change)
        saves = 'name="_save"' in response.content.decode()
        assert (opts.label_lower, saves) == (opts.label_lower, opts.label_lower in EDITABLE)


def test_work_item_status_can_be_closed_in_the_admin(superuser_client):
    item = WorkItem.objects.get()
    url = reverse("admin:exposures_workitem_change", args=[item.pk])

    response = superuser_client.post(
        url, {"due_on": "2026-06-20", "status": "done", "closed_at_0": "2026-06-10", "closed_at_1": "09:00:00"}
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.due_on.isoformat()) == ("done", "2026-06-20")

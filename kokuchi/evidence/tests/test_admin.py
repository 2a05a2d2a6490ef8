import pytest
from django.test import Client

from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.evidence.tests.factories import make_event

pytestmark = pytest.mark.django_db


def test_s_evid_admin_shows_events_but_cannot_add_change_or_delete():
    event = make_event()
    client = Client()
    client.force_login(make_user(Role.ADMIN, is_superuser=True, is_staff=True))

    assert client.get("/admin/evidence/evidenceevent/").status_code == 200
    assert client.get(f"/admin/evidence/evidenceevent/{event.pk}/change/").status_code == 200  # view only
    assert client.get("/admin/evidence/evidenceevent/add/").status_code == 403
    assert client.get(f"/admin/evidence/evidenceevent/{event.pk}/delete/").status_code == 403
    assert client.post(f"/admin/evidence/evidenceevent/{event.pk}/change/", {"actor_name": "x"}).status_code == 403

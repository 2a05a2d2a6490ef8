"""Data for tests and benchmarks that run real server processes: a staff login, customer links with
known tokens, and due notice deliveries. Run inside `kokuchi shell`; prints what it made as JSON."""

from __future__ import annotations

import datetime
import json
import secrets

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from kokuchi.acknowledgements.models import CustomerLink
from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.core.hashing import token_sha256
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.exposures.tests.factories import make_delivery, make_notice

STAFF_PASSWORD = "load-test-staff-pass-0001"


def seed(*, links: int = 2, deliveries: int = 0, sessions: int = 0, username: str = "loadstaff") -> dict:
    staff = make_user(Role.SALES, username=username)
    staff.set_password(STAFF_PASSWORD)
    staff.save(update_fields=["password"])
    version = make_issued_version(issued_by=staff)
    now = timezone.now()
    tokens = []
    for _ in range(links):
        token = secrets.token_urlsafe(32)
        CustomerLink.objects.create(
            version=version,
            token_sha256=token_sha256(token),
            recipient_email="",
            created_by=staff,
            created_at=now,
            expires_at=now + datetime.timedelta(days=30),
        )
        tokens.append(token)
    if deliveries:
        notice = make_notice()
        for number in range(deliveries):
            make_delivery(notice=notice, recipient=f"customer{number:03d}@example.jp")
    session_keys = []
    for _ in range(sessions):
        # A logged-in browser: what the login view stores, without paying the password hash each time.
        session = SessionStore()
        session[SESSION_KEY] = str(staff.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
        session.create()
        session_keys.append(session.session_key)
    return {
        "username": staff.username,
        "sessions": session_keys,
        "password": STAFF_PASSWORD,
        "deal_id": version.disclosure.deal_id,
        "tokens": tokens,
    }


def main(**kwargs) -> None:
    print("SEED " + json.dumps(seed(**kwargs)))

"""Webhooks: Standard Webhooks signatures, the outbox with retries and exponential backoff, and the
events the apps announce, against a local HTTP receiver."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json

import pytest
from django.test import override_settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kokuchi.acknowledgements.selectors import required_items
from kokuchi.acknowledgements.services import Signer, record_acknowledgement
from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.api.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from kokuchi.api.tests.factories import bearer, make_integration, make_subscription, make_token
from kokuchi.api.tests.receiver import start_receiver
from kokuchi.api.webhooks import (
    AddressRefused,
    backoff,
    check_webhook_address,
    deliver,
    deliver_due,
    emit_event,
    signed_headers,
)
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.evidence.services import Origin
from kokuchi.exposures.notices import record_notice_read
from kokuchi.exposures.status import change_exposure_status
from kokuchi.exposures.tests.factories import make_delivery, make_exposure
from kokuchi.vulnerabilities.models import FeedRun
from kokuchi.vulnerabilities.signals import feed_sync_failed

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run `action` and then what it left for after the commit (signals, enqueued deliveries)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def subscribe(receiver, *events):
    integration = make_integration()
    return make_subscription(integration=integration, url=receiver.url, events=list(events))


def test_signed_headers_follow_the_standard_webhooks_scheme():
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    at = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    headers = signed_headers(secret=secret, message_id="msg_1", at=at, body='{"a":1}')
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))
    assert headers["webhook-signature"].startswith("v1,")
    expected = base64.b64encode(
        hmac.new(
            base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            f'msg_1.{int(at.timestamp())}.{{"a":1}}'.encode(),
            hashlib.sha256,
        ).digest()
    ).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"


def test_a_delivery_is_signed_and_verifies_at_the_receiver(receiver, commit):
    subscription = subscribe(receiver, WebhookEvent.FEED_SYNC_FAILED)
    commit(emit_event, event_type=WebhookEvent.FEED_SYNC_FAILED, data={"feed": "nvd", "run_id": 1, "error": "timeout"})
    (received,) = receiver.received
    payload = Webhook(subscription.secret).verify(received.body.decode(), received.headers)
    assert payload["type"] == "feed.sync_failed"
    assert payload["data"] == {"feed": "nvd", "run_id": 1, "error": "timeout"}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)
    assert received.headers["webhook-id"] == delivery.message_id
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUJD" * 8).verify(received.body.decode(), received.headers)


@override_settings(WEBHOOK_RETRY_BASE_SECONDS=30, WEBHOOK_MAX_ATTEMPTS=3)
def test_a_failed_delivery_is_retried_with_exponential_backoff_then_delivered(receiver, commit):
    receiver.statuses = [500, 503]
    subscribe(receiver, WebhookEvent.FEED_SYNC_FAILED)
    start = timezone.now()
    commit(emit_event, event_type=WebhookEvent.FEED_SYNC_FAILED, data={"feed": "jvn"}, at=start)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    first_retry = delivery.next_attempt_at
    assert deliver_due(now=first_retry - datetime.timedelta(seconds=1)) == 0
    assert deliver_due(now=first_retry) == 1
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (2, 503)
    assert delivery.next_attempt_at - first_retry == datetime.timedelta(seconds=60)
    deliver_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == (DeliveryStatus.DELIVERED, 3, 3)
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


@override_settings(WEBHOOK_MAX_ATTEMPTS=2)
def test_a_delivery_fails_after_the_last_attempt(receiver, commit):
    receiver.statuses = [500, 500, 500]
    subscribe(receiver, WebhookEvent.FEED_SYNC_FAILED)
    commit(emit_event, event_type=WebhookEvent.FEED_SYNC_FAILED, data={"feed": "kev"})
    delivery = WebhookDelivery.objects.get()
    deliver(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    assert deliver_due(now=timezone.now() + datetime.timedelta(days=2)) == 0


def test_an_unreachable_receiver_is_recorded_as_an_error(commit):
    integration = make_integration()
    make_subscription(integration=integration, url="http://127.0.0.1:9/hooks", events=[WebhookEvent.NOTICE_READ])
    commit(emit_event, event_type=WebhookEvent.NOTICE_READ, data={})
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.PENDING, None)
    assert delivery.last_error.startswith("ConnectError")


def test_backoff_doubles_and_is_capped():
    assert [backoff(attempts=n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(attempts=40).total_seconds() == 86_400


def test_only_subscribed_events_are_delivered(receiver, commit):
    subscribe(receiver, WebhookEvent.DISCLOSURE_ISSUED)
    commit(emit_event, event_type=WebhookEvent.NOTICE_READ, data={})
    assert (WebhookDelivery.objects.count(), receiver.received) == (0, [])


def test_disclosure_issued_and_acknowledged_are_announced(receiver, commit):
    subscribe(receiver, WebhookEvent.DISCLOSURE_ISSUED, WebhookEvent.DISCLOSURE_ACKNOWLEDGED)
    version = commit(make_issued_version)
    commit(
        record_acknowledgement,
        version=version,
        method="in_person",
        items=required_items(version),
        signer=Signer(name="佐藤 花子", company="株式会社顧客"),
        origin=Origin(channel="in_person"),
        staff=make_user(Role.SALES),
        typed_signature="佐藤",
    )
    types = [json.loads(r.body)["type"] for r in receiver.received]
    assert types == ["disclosure.issued", "disclosure.acknowledged"]
    issued = json.loads(receiver.received[0].body)["data"]
    assert (issued["disclosure_id"], issued["sha256"]) == (version.pk, version.sha256)


def test_exposure_resolved_and_opened_by_staff_decisions(receiver, commit):
    subscribe(receiver, WebhookEvent.EXPOSURE_OPENED, WebhookEvent.EXPOSURE_RESOLVED)
    exposure = make_exposure()
    user = make_user(Role.SALES)
    commit(change_exposure_status, exposure=exposure, status="false_positive", reason="型番違い", changed_by=user)
    commit(change_exposure_status, exposure=exposure, status="open", reason="", changed_by=user)
    bodies = [json.loads(r.body) for r in receiver.received]
    assert [(b["type"], b["data"]["exposure_id"]) for b in bodies] == [
        ("exposure.resolved", exposure.pk),
        ("exposure.opened", exposure.pk),
    ]


def test_notice_read_is_announced_once(receiver, commit):
    subscribe(receiver, WebhookEvent.NOTICE_READ)
    delivery = make_delivery(token="notice-token-1")
    commit(record_notice_read, token="notice-token-1")
    commit(record_notice_read, token="notice-token-1")
    (received,) = receiver.received
    assert json.loads(received.body)["data"]["notice_id"] == delivery.notice_id


def test_feed_sync_failure_is_announced(receiver, commit):
    subscribe(receiver, WebhookEvent.FEED_SYNC_FAILED)
    commit(feed_sync_failed.send, sender=FeedRun, source="nvd", run_id=7, error="HTTP 503")
    assert json.loads(receiver.received[0].body)["data"] == {"feed": "nvd", "run_id": 7, "error": "HTTP 503"}


def test_subscriptions_through_the_api_show_the_secret_once(client, receiver):
    token = make_token(role=Role.SALES)
    response = client.post(
        "/api/v1/webhooks/",
        json.dumps({"url": receiver.url, "events": ["exposure.opened"]}),
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 201
    assert response.json()["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks/", **bearer(token)).json()["results"]
    assert [set(row) for row in listed] == [{"id", "url", "events", "active", "created_at"}]
    other = make_token()
    assert client.get(f"/api/v1/webhooks/{listed[0]['id']}/", **bearer(other)).status_code == 404


def test_an_unknown_event_is_refused_by_pointer(client):
    token = make_token()
    response = client.post(
        "/api/v1/webhooks/",
        json.dumps({"url": "http://127.0.0.1:9/x", "events": ["nope"]}),
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/events/0"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
    ],
)
@override_settings(WEBHOOK_ALLOWED_NETWORKS=[])
def test_a_subscription_to_a_non_public_address_is_refused_by_pointer(client, url):
    token = make_token()
    response = client.post(
        "/api/v1/webhooks/",
        json.dumps({"url": url, "events": ["exposure.opened"]}),
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/url"]
    assert WebhookSubscription.objects.count() == 0


@override_settings(WEBHOOK_ALLOWED_NETWORKS=["10.1.2.0/24"])
def test_an_allowed_network_admits_an_on_premises_receiver():
    subscription = make_subscription(
        integration=make_integration(), url="https://10.1.2.3/hook", events=[WebhookEvent.NOTICE_READ]
    )
    assert subscription.url == "https://10.1.2.3/hook"
    with pytest.raises(AddressRefused):
        check_webhook_address("https://10.1.3.1/hook", resolve=False)


def test_a_delivery_to_a_name_now_resolving_to_this_machine_is_refused_and_not_sent(receiver, commit):
    """Subscribed while allowed (as a name resolving elsewhere would be), delivered after the rule
    changed: the address is checked again at delivery and nothing is sent."""
    subscribe(receiver, WebhookEvent.NOTICE_READ)
    WebhookSubscription.objects.update(url=receiver.url.replace("127.0.0.1", "localhost"))
    with override_settings(WEBHOOK_ALLOWED_NETWORKS=[]):
        commit(emit_event, event_type=WebhookEvent.NOTICE_READ, data={})
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.PENDING, None)
    assert delivery.last_error.startswith("refused: localhost is 127.0.0.1, not a public address")
    assert receiver.received == []

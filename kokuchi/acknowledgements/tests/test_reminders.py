"""Reminders of unanswered acknowledgement requests (G1, S-EVID): a fresh link to the same contact
replaces the unanswered one, both steps in the evidence log; a failed e-mail loses nothing."""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from kokuchi.acknowledgements import reminders
from kokuchi.acknowledgements.models import CustomerLink
from kokuchi.acknowledgements.reminders import send_due_reminders
from kokuchi.acknowledgements.selectors import evidence_record_problems, links_due_for_reminder, required_items
from kokuchi.acknowledgements.services import (
    Signer,
    create_customer_link,
    record_acknowledgement,
    revoke_customer_link,
)
from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.evidence.models import EvidenceEvent
from kokuchi.evidence.services import Origin

pytestmark = pytest.mark.django_db

STAFF = Origin(channel="staff_ui", ip_address="192.0.2.1", user_agent="staff-browser")
DAY = datetime.timedelta(days=1)


def sent_link(version=None, *, contact="primary"):
    """A link staff created and e-mailed today (the outbox is emptied, so it holds only reminders)."""
    version = version or make_issued_version()
    if contact == "primary":
        contact = version.disclosure.deal.customer.primary_contact
    new = create_customer_link(version=version, created_by=make_user(Role.SALES), contact=contact, origin=STAFF)
    mail.outbox.clear()
    return new.link


def reminder_url(message) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/ack/c/[^/\s]+/)", message.body).group(1)


def test_g1_unanswered_link_is_replaced_after_seven_days_by_a_fresh_link_to_the_same_contact():
    link = sent_link()
    at = link.created_at + 7 * DAY

    run = send_due_reminders(at=at)

    assert run.summary() == {"sent": 1, "failed": 0}
    reminder = CustomerLink.objects.get(reminder_of=link)
    assert run.sent == [reminder]
    assert (reminder.reminder_number, reminder.recipient_email, reminder.contact_id) == (
        1,
        "yamada@example.jp",
        link.contact_id,
    )
    assert (reminder.created_at, reminder.emailed_at, reminder.expires_at) == (at, at, at + 14 * DAY)
    assert reminder.revoked_at is None
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["yamada@example.jp"]
    number = link.version.document_number
    assert message.subject == f"【株式会社テスト販売】告知書（{number}）のご確認のお願い（再送）"
    first_sent = timezone.localtime(link.created_at)
    assert f"{first_sent.year}年{first_sent.month}月{first_sent.day}日にお送りした" in message.body
    assert f"（文書番号 {number}）について、まだ受領のご登録を確認できておりません。" in message.body
    assert "以前お送りしたリンクはご利用いただけなくなりました。" in message.body
    assert "山田 太郎 様" in message.body


def test_g1_reminder_link_opens_and_the_replaced_link_says_a_newer_one_was_sent():
    version = make_issued_version()
    first = create_customer_link(
        version=version,
        created_by=make_user(Role.SALES),
        contact=version.disclosure.deal.customer.primary_contact,
        origin=STAFF,
    )
    mail.outbox.clear()
    send_due_reminders(at=first.link.created_at + 7 * DAY)
    client = Client()

    fresh = client.get(reminder_url(mail.outbox[0]))
    old = client.get(f"/ack/c/{first.token}/")

    assert fresh.status_code == 200
    assert old.status_code == 410
    body = old.content.decode()
    assert 'data-reason="replaced"' in body
    assert "このリンクは、あらためてメールでお送りした新しいリンクに置き換えられました。" in body


def test_s_evid_reminder_is_recorded_like_a_created_and_a_revoked_link_and_the_evidence_verifies():
    link = sent_link()

    send_due_reminders(at=link.created_at + 7 * DAY)

    reminder = CustomerLink.objects.get(reminder_of=link)
    created = EvidenceEvent.objects.filter(event_type="link_created").order_by("sequence").last()
    assert created.parameters == {
        "link_id": reminder.pk,
        "expires_at": reminder.expires_at.astimezone(datetime.UTC).isoformat(),
        "recipient": "yamada@example.jp",
        "reminder_of_link_id": link.pk,
    }
    assert (created.actor_name, created.actor_user_id, created.channel) == (
        "kokuchi acknowledgement reminder",
        None,
        "cli",
    )
    revoked = EvidenceEvent.objects.get(event_type="revoked")
    assert revoked.parameters == {
        "what": "customer_link",
        "object_id": link.pk,
        "reason": f"replaced by reminder link #{reminder.pk}",
    }
    assert evidence_record_problems() == []


def test_g1_link_is_not_reminded_before_seven_days():
    link = sent_link()

    assert send_due_reminders(at=link.created_at + 6 * DAY).summary() == {"sent": 0, "failed": 0}
    assert mail.outbox == []


def test_g1_running_twice_the_same_day_sends_one_reminder():
    link = sent_link()
    at = link.created_at + 7 * DAY

    first = send_due_reminders(at=at)
    second = send_due_reminders(at=at)
    later_that_day = send_due_reminders(at=at + datetime.timedelta(minutes=30))

    assert (len(first.sent), len(second.sent), len(later_that_day.sent)) == (1, 0, 0)
    assert len(mail.outbox) == 1
    assert CustomerLink.objects.count() == 2


def test_g1_reminders_follow_every_interval_up_to_the_maximum_of_three():
    link = sent_link()
    start = link.created_at

    sent = [len(send_due_reminders(at=start + days * DAY).sent) for days in (7, 10, 14, 21, 28, 35)]

    assert sent == [1, 0, 1, 1, 0, 0]
    assert len(mail.outbox) == 3
    latest = CustomerLink.objects.get(revoked_at__isnull=True)
    assert latest.reminder_number == 3
    assert [link.reminder_number for link in CustomerLink.objects.order_by("pk")] == [0, 1, 2, 3]


@override_settings(ACK_REMINDER_AFTER_DAYS=3, ACK_REMINDER_INTERVAL_DAYS=2, ACK_REMINDER_MAX=1)
def test_g1_reminder_wait_interval_and_maximum_come_from_the_settings():
    link = sent_link()

    sent = [len(send_due_reminders(at=link.created_at + days * DAY).sent) for days in (2, 3, 5, 7)]

    assert sent == [0, 1, 0, 0]


@override_settings(ACK_REMINDER_MAX=0)
def test_g1_no_reminders_when_the_maximum_is_zero():
    link = sent_link()

    assert send_due_reminders(at=link.created_at + 30 * DAY).sent == []


def test_g1_acknowledged_version_gets_no_reminder():
    link = sent_link()
    record_acknowledgement(
        version=link.version,
        method="in_person",
        items=required_items(link.version),
        signer=Signer(name="佐藤 花子", company="株式会社顧客"),
        origin=Origin(channel="in_person"),
        staff=make_user(Role.SALES),
        typed_signature="佐藤",
    )

    assert send_due_reminders(at=link.created_at + 7 * DAY).sent == []
    assert mail.outbox == []


def test_g1_link_revoked_by_staff_gets_no_reminder():
    link = sent_link()
    revoke_customer_link(link=link, revoked_by=make_user(Role.SALES), origin=STAFF)

    assert send_due_reminders(at=link.created_at + 7 * DAY).sent == []


def test_g1_expired_link_and_link_without_address_get_no_reminder():
    version = make_issued_version()
    short = create_customer_link(
        version=version,
        created_by=make_user(Role.SALES),
        contact=version.disclosure.deal.customer.primary_contact,
        origin=STAFF,
        days=3,
    ).link
    handed_over = sent_link(version, contact=None)
    mail.outbox.clear()

    assert links_due_for_reminder(at=short.created_at + 7 * DAY) == []
    assert handed_over.recipient_email == ""


def test_g1_superseded_version_gets_no_reminder():
    link = sent_link()
    make_issued_version(deal=link.version.disclosure.deal)

    assert send_due_reminders(at=link.created_at + 7 * DAY).sent == []


def test_s_evid_failed_reminder_email_keeps_the_old_link_open_and_is_retried(monkeypatch):
    link = sent_link()
    at = link.created_at + 7 * DAY

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(reminders, "send_mail", refuse)
    failed = send_due_reminders(at=at)

    assert failed.summary() == {"sent": 0, "failed": 1}
    assert failed.failed == [(link, "ConnectionRefusedError: SMTP server down")]
    link.refresh_from_db()
    assert link.revoked_at is None
    lost = CustomerLink.objects.get(reminder_of=link)
    assert lost.revoked_at is not None and lost.emailed_at is None
    assert EvidenceEvent.objects.get(event_type="revoked").parameters["reason"] == (
        "reminder e-mail failed: ConnectionRefusedError: SMTP server down"
    )
    assert evidence_record_problems() == []

    monkeypatch.undo()
    retried = send_due_reminders(at=at + DAY)

    assert len(retried.sent) == 1
    assert retried.sent[0].reminder_number == 1
    assert retried.sent[0].reminder_of_id == link.pk
    assert len(mail.outbox) == 1


def test_acknowledgements_remind_dry_run_lists_the_due_links_and_sends_nothing():
    link = sent_link()
    CustomerLink.objects.filter(pk=link.pk).update(created_at=link.created_at - 8 * DAY)
    out = StringIO()

    call_command("acknowledgements", "remind", "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"link #{link.pk} {link.version.document_number} → yamada@example.jp (sent ")
    assert lines[0].endswith(", reminder 1)")
    assert lines[1] == "due=1"
    assert mail.outbox == []
    assert CustomerLink.objects.count() == 1


def test_acknowledgements_remind_sends_the_due_reminders():
    link = sent_link()
    CustomerLink.objects.filter(pk=link.pk).update(created_at=link.created_at - 8 * DAY)
    out = StringIO()

    call_command("acknowledgements", "remind", stdout=out)

    assert out.getvalue().strip() == "sent=1 failed=0"
    assert len(mail.outbox) == 1


def test_s_evid_staff_see_the_reminder_count_and_last_date_on_the_deal_page(client):
    link = sent_link()
    at = link.created_at + 7 * DAY
    send_due_reminders(at=at)
    send_due_reminders(at=at + 7 * DAY)
    client.force_login(make_user(Role.SALES))

    page = client.get(reverse("acknowledgements:deal", args=[link.version.disclosure.deal.pk])).content.decode()

    last = timezone.localtime(at + 7 * DAY)
    assert (
        f'<p id="ack-reminders" data-reminders="2">催促メールを 2 回送信しました（最終 {last:%Y-%m-%d %H:%M}）。</p>'
        in page
    )
    assert page.count('data-reminder-number="2">2 回目') == 1
    assert page.count('data-reminder-number="1">1 回目') == 1

"""Reminders of unanswered acknowledgement requests (G1, S-EVID).

The token of a customer link exists only in the e-mail that carried it (the database keeps its
sha256), so a reminder cannot repeat the old URL: it issues a fresh link to the same contact, valid
as long as the first one was, e-mails it, and then revokes the link it replaces. Both steps are
evidence events like any link's. When the e-mail fails, the fresh link is revoked instead and the old
one stays open, so the customer keeps a working link and the next run tries again.

`kokuchi acknowledgements remind` and the scheduler's daily job "ack_reminders" run
`send_due_reminders`; the settings ACK_REMINDER_AFTER_DAYS, ACK_REMINDER_INTERVAL_DAYS and
ACK_REMINDER_MAX say when and how often.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from kokuchi.acknowledgements.models import CustomerLink
from kokuchi.acknowledgements.selectors import links_due_for_reminder
from kokuchi.acknowledgements.services import customer_link_url, insert_customer_link, revoke_customer_link
from kokuchi.core.models import Reseller
from kokuchi.evidence.services import Actor, Origin

logger = logging.getLogger(__name__)

# The evidence actor of what the reminder job does on its own (no staff user clicked anything).
REMINDER_ACTOR = Actor(name="kokuchi acknowledgement reminder")


@dataclass
class ReminderRun:
    """What one run did: the fresh links e-mailed, and the links whose reminder e-mail failed."""

    sent: list[CustomerLink] = field(default_factory=list)
    failed: list[tuple[CustomerLink, str]] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {"sent": len(self.sent), "failed": len(self.failed)}


def send_due_reminders(*, at: datetime.datetime | None = None) -> ReminderRun:
    """Replace every link due for a reminder at `at` (default: now) by a fresh e-mailed link.

    Idempotent per day: a reminder link is sent today, and no link is due on the day it was sent.
    """
    now = at or timezone.now()
    run = ReminderRun()
    for link in links_due_for_reminder(at=now):
        issued = _issue_reminder_link(link=link, now=now)
        if issued is None:
            continue
        reminder, token = issued
        try:
            _send_reminder_email(link=reminder, url=customer_link_url(token))
        except Exception as error:
            # The fresh URL is lost with the failed e-mail; the old link stays the customer's way in.
            reason = f"{type(error).__name__}: {error}"[:500]
            logger.exception("Could not e-mail reminder link %s to %s", reminder.pk, reminder.recipient_email)
            revoke_customer_link(
                link=reminder,
                revoked_by=None,
                actor=REMINDER_ACTOR,
                origin=Origin.cli(),
                reason=f"reminder e-mail failed: {reason}",
            )
            run.failed.append((link, reason))
            continue
        reminder.emailed_at = now
        reminder.save(update_fields=["emailed_at"])
        revoke_customer_link(
            link=link,
            revoked_by=None,
            actor=REMINDER_ACTOR,
            origin=Origin.cli(),
            reason=f"replaced by reminder link #{reminder.pk}",
        )
        run.sent.append(reminder)
    return run


def _issue_reminder_link(*, link: CustomerLink, now: datetime.datetime) -> tuple[CustomerLink, str] | None:
    """The fresh link replacing `link`, or None when another run replaced it or it was answered meanwhile."""
    try:
        with transaction.atomic():
            link = CustomerLink.objects.select_for_update(of=("self",)).select_related("version").get(pk=link.pk)
            if link.revoked_at is not None or link.version.superseded_by_id is not None:
                return None
            if hasattr(link.version, "acknowledgement"):
                return None
            return insert_customer_link(
                version=link.version,
                contact=link.contact,
                recipient_email=link.recipient_email,
                created_by=link.created_by,
                actor=REMINDER_ACTOR,
                origin=Origin.cli(),
                created_at=now,
                expires_at=now + (link.expires_at - link.created_at),
                reminder_of=link,
            )
    except IntegrityError:
        # Another scheduler or command inserted the open reminder of this link first.
        return None


def _send_reminder_email(*, link: CustomerLink, url: str) -> None:
    reseller = Reseller.get()
    first_sent = link
    while first_sent.reminder_of is not None:
        first_sent = first_sent.reminder_of
    with translation.override("ja"):
        context = {
            "link": link,
            "url": url,
            "reseller": reseller,
            "version": link.version,
            "deal": link.version.disclosure.deal,
            "contact": link.contact,
            "first_sent_at": timezone.localtime(first_sent.created_at),
            "expires_at": timezone.localtime(link.expires_at),
        }
        subject = render_to_string("acknowledgements/email/reminder_subject.txt", context).strip()
        body = render_to_string("acknowledgements/email/reminder_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [link.recipient_email])

"""`kokuchi acknowledgements remind [--dry-run]`: remind customers of unanswered acknowledgement
requests (the scheduler runs it daily as the job "ack_reminders")."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from kokuchi.acknowledgements.reminders import send_due_reminders
from kokuchi.acknowledgements.selectors import links_due_for_reminder


class Command(BaseCommand):
    help = "Acknowledgement requests: e-mail reminders for the customer links still unanswered."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        remind = sub.add_parser(
            "remind", help="Replace each unanswered link that is due by a fresh link e-mailed to the same contact."
        )
        remind.add_argument("--dry-run", action="store_true", help="List the links due; send nothing.")

    def handle(self, *args, **options):
        if options["dry_run"]:
            due = links_due_for_reminder(at=timezone.now())
            for link in due:
                self.stdout.write(
                    f"link #{link.pk} {link.version.document_number} → {link.recipient_email} "
                    f"(sent {timezone.localtime(link.created_at):%Y-%m-%d}, reminder {link.reminder_number + 1})"
                )
            self.stdout.write(f"due={len(due)}")
            return
        run = send_due_reminders()
        for link, reason in run.failed:
            self.stderr.write(f"link #{link.pk} → {link.recipient_email}: {reason}")
        self.stdout.write(self.style.SUCCESS(f"sent={len(run.sent)} failed={len(run.failed)}"))

"""`kokuchi send_notices`: flush the notice outbox (run every few minutes from a scheduler).

Due deliveries are sent through Django e-mail; failures are retried later with backoff.
"""

from django.core.management.base import BaseCommand

from kokuchi.exposures.notices import send_pending_notices


class Command(BaseCommand):
    help = "Send due vulnerability notices from the outbox (with retry and backoff)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, limit=500, **options):
        result = send_pending_notices(limit=limit)
        self.stdout.write(self.style.SUCCESS(f"sent={result.sent} retry_later={result.retried} failed={result.failed}"))

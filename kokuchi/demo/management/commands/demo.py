"""Load the demo data set: a fictional reseller, real manufacturers and product models, fictional
customers with deals in every status, delivered devices and maintenance contracts.

Idempotent: running it again refreshes the same rows. Prints the demo logins (development only).
"""

from django.core.management.base import BaseCommand, CommandError

from kokuchi.demo.documents import load_demo_acknowledgements
from kokuchi.demo.feeds import load_demo_feeds
from kokuchi.demo.services import DemoRefused, load_demo


class Command(BaseCommand):
    help = "Load (or refresh) the demo data set and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--no-users", action="store_true", help="Do not create the demo users admin/sales/viewer.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create the demo users even when KOKUCHI_DEBUG is off (their passwords are public).",
        )
        parser.add_argument(
            "--no-feeds", action="store_true", help="Do not import the packaged vulnerability feed samples."
        )
        parser.add_argument(
            "--no-documents",
            action="store_true",
            help="Skip issuing the demo disclosures and recording their acknowledgements.",
        )

    def handle(self, *args, no_users=False, force=False, no_feeds=False, no_documents=False, verbosity=1, **options):
        try:
            summary = load_demo(with_users=not no_users, force=force)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        if not no_feeds:
            # The packaged NVD, JVN iPedia and CISA KEV samples: the demo devices get exposures and
            # the disclosures state the vulnerabilities of the firmware each device shipped with.
            feeds = load_demo_feeds()
            if verbosity >= 1:
                for source, files in feeds.files.items():
                    self.stdout.write(f"  feed {source}: {files} file(s), {feeds.changed[source]} record(s) changed")
        if not no_documents:
            # Issued disclosures and acknowledgements through every channel (link, in person,
            # paper), one awaiting acknowledgement and one superseded (S-EVID).
            scenarios = load_demo_acknowledgements().scenarios
            if verbosity >= 1:
                for deal_number, scenario in scenarios.items():
                    self.stdout.write(f"  {deal_number}: {scenario}")
        if verbosity >= 1:
            self.stdout.write(f"Demo data loaded (dates relative to {summary.anchor.isoformat()}):")
            for label, count in summary.counts.items():
                self.stdout.write(f"  {label:<28} {count:>4}")
        if summary.logins:
            self.stdout.write(self.style.WARNING("Demo logins (development only, the passwords are public):"))
            for username, password, role in summary.logins:
                self.stdout.write(f"  {username:<8} / {password:<18} ({role})")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

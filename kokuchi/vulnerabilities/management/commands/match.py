"""`kokuchi match [--full]`: match the installed base against vulnerabilities.

Without --full, only vulnerabilities changed since the last successful run are matched
(Vulnerability.changed_at); with --full everything is recomputed and the difference reported.
Run it from a scheduler after feed imports when the import hook is not wired.
"""

from django.core.management.base import BaseCommand

from kokuchi.vulnerabilities.services import match_all, match_vulnerabilities_changed_since_last_run


class Command(BaseCommand):
    help = "Match delivered devices against vulnerabilities (incremental by default, --full to recompute)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Recompute every exposure and report the difference.")
        parser.add_argument("--no-notify", action="store_true",
                            help="Do not create work items, leads or notices (e.g. for a first baseline).")

    def handle(self, *args, full=False, no_notify=False, **options):
        notify = not no_notify
        diff = match_all(notify=notify) if full else match_vulnerabilities_changed_since_last_run(notify=notify)
        self.stdout.write(self.style.SUCCESS(
            f"{'full' if full else 'incremental'}: vulnerabilities={diff.vulnerabilities_examined} "
            f"pairs={diff.pairs_evaluated} created={len(diff.created)} reopened={len(diff.reopened)} "
            f"updated={diff.updated} resolved_by_update={len(diff.resolved_by_update)} "
            f"no_longer_matches={len(diff.no_longer_matches)} unchanged={diff.unchanged}"))

"""`kokuchi match [--full]`: match the installed base against vulnerabilities.

Without --full, only vulnerabilities changed since the last successful run (Vulnerability.changed_at)
and devices created or edited since then (Device.updated_at) are matched; with --full everything is
recomputed and the difference reported.
Run it from a scheduler after feed imports when the import hook is not wired.
"""

from django.core.management.base import BaseCommand

from kokuchi.exposures.reconcile import MatchDiff
from kokuchi.exposures.runs import match_all, match_changed_since_last_run


class Command(BaseCommand):
    help = "Match delivered devices against vulnerabilities (incremental by default, --full to recompute)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Recompute every exposure and report the difference.")
        parser.add_argument(
            "--no-notify",
            action="store_true",
            help="Do not create work items, leads or notices (e.g. for a first baseline).",
        )

    def handle(self, *args, full=False, no_notify=False, **options):
        notify = not no_notify
        if full:
            self._report("full", match_all(notify=notify))
            return
        vulnerabilities, devices = match_changed_since_last_run(notify=notify)
        self._report("incremental", vulnerabilities)
        if devices is not None:
            self._report("changed devices", devices)

    def _report(self, label: str, diff: MatchDiff) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"{label}: vulnerabilities={diff.vulnerabilities_examined} "
                f"pairs={diff.pairs_evaluated} created={len(diff.created)} reopened={len(diff.reopened)} "
                f"updated={diff.updated} resolved_by_update={len(diff.resolved_by_update)} "
                f"no_longer_matches={len(diff.no_longer_matches)} unchanged={diff.unchanged}"
            )
        )

"""`kokuchi disclosure render DEAL --format pdf|html|docx --output FILE` and
`kokuchi disclosure check DEAL`.

Writes the deal's sale-time disclosure (告知書) as it would be issued now, for staff who work from
the command line or a script, and prints the pre-issue check (what blocks issuing, what staff
must acknowledge). Issuing (freezing) stays in the UI, where the issuer is known.
"""

from django.core.management.base import CommandError

from kokuchi.deals.models import Deal
from kokuchi.disclosures.checks import PreIssueCheck, run_pre_issue_check
from kokuchi.disclosures.management.commands._render import RenderCommand
from kokuchi.disclosures.services import DISCLOSURE_FORMATS, export_disclosure


class Command(RenderCommand):
    help = (
        "Render the sale-time disclosure (告知書) of a deal: render DEAL --format pdf|html|docx --output FILE; "
        "show its pre-issue check: check DEAL"
    )
    formats = DISCLOSURE_FORMATS
    document_label = "disclosure"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        subcommands = next(action for action in parser._actions if action.dest == "subcommand")
        check = subcommands.add_parser("check", help="Print the pre-issue check of a deal's disclosure.")
        check.add_argument("deal", help="Deal number as shown in the UI, e.g. D2026-0001.")

    def export(self, *, deal, fmt):
        return export_disclosure(deal=deal, fmt=fmt)

    def handle(self, *args, **options):
        if options["subcommand"] != "check":
            super().handle(*args, **options)
            deal = Deal.objects.get(number=options["deal"])
            self._report(run_pre_issue_check(deal=deal), quiet=options["verbosity"] < 1)
            return
        try:
            deal = Deal.objects.get(number=options["deal"])
        except Deal.DoesNotExist as error:
            raise CommandError(f"No deal with number {options['deal']!r}.") from error
        check = run_pre_issue_check(deal=deal)
        self._report(check, quiet=False)
        if not check.ok:
            raise CommandError(f"{len(check.blocking)} item(s) block issuing the disclosure of {deal.number}.")

    def _report(self, check: PreIssueCheck, *, quiet: bool) -> None:
        """Blocking items and warnings, one a line, with the key staff acknowledge them under."""
        if quiet:
            return
        for item in check.blocking:
            self.stderr.write(f"BLOCKING {item.key} [{item.requirement_id}] {item.message}")
        for item in check.warnings:
            self.stderr.write(f"WARNING  {item.key} [{item.requirement_id}] {item.message}")
        if check.ok and not check.warnings:
            self.stdout.write("Pre-issue check: nothing blocks issuing, nothing to acknowledge.")

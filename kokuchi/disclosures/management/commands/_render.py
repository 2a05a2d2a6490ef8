"""Shared parts of the `disclosure` and `quote` commands."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kokuchi.deals.models import Deal


class RenderCommand(BaseCommand):
    """`<command> render DEAL --format F --output FILE`: write one document of a deal."""

    formats: tuple[str, ...] = ()
    document_label = ""

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        render = subcommands.add_parser("render", help=f"Write the {self.document_label} of a deal to a file.")
        render.add_argument("deal", help="Deal number as shown in the UI, e.g. D2026-0001.")
        render.add_argument("--format", dest="fmt", choices=self.formats, default="pdf")
        render.add_argument("--output", required=True, help="File to write.")

    def export(self, *, deal: Deal, fmt: str):
        raise NotImplementedError

    def handle(self, *args, **options):
        try:
            deal = Deal.objects.get(number=options["deal"])
        except Deal.DoesNotExist as error:
            raise CommandError(f"No deal with number {options['deal']!r}.") from error
        exported = self.export(deal=deal, fmt=options["fmt"])
        output = Path(options["output"])
        try:
            output.write_bytes(exported.content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error}") from error
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Wrote the {self.document_label} of {deal.number} "
                    f"({options['fmt']}, {len(exported.content)} bytes) to {output}"
                )
            )

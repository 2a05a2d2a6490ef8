"""`kokuchi import products|customers|devices FILE.csv|FILE.xlsx`: load the installed base.

All or nothing: on any error nothing is saved and every error is listed with its row and column.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kokuchi.devices.importers import KINDS, ImportFailed, import_file


class Command(BaseCommand):
    help = "Import products, customers or devices from a CSV (UTF-8 or Shift_JIS) or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")

    def handle(self, *args, kind, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            result = import_file(kind=kind, path=path)
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(failure.errors)} error(s); nothing was imported.") from None
        self.stdout.write(self.style.SUCCESS(f"{result.kind}: created={result.created} updated={result.updated}"))

"""`kokuchi import products|customers|devices FILE.csv|FILE.xlsx`: load the installed base.

All or nothing: on any error nothing is saved and every error is listed with its row and column.
The whole file is checked before the first write, then written in short transactions, so staff
can keep working during a large import (kokuchi/devices/importers.py).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kokuchi.devices.importers import KINDS, ImportFailed, import_file


class Command(BaseCommand):
    help = "Import products, customers or devices from a CSV (UTF-8, Shift_JIS, EUC-JP or UTF-16) or XLSX file."

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
        if options["verbosity"] > 1:
            self.stdout.write(f"encoding: {result.encoding}")
        self.stdout.write(self.style.SUCCESS(f"{result.kind}: created={result.created} updated={result.updated}"))

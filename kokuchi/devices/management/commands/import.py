"""`kokuchi import manufacturers|products|customers|devices FILE`: load the catalogue and the installed base.

All or nothing: on any error nothing is saved and every error is listed with its row and column
(for manufacturers: the entry and the key). Makers are found however staff write them (ヤマハ,
YAMAHA, ヤマハ株式会社); an unknown maker is an error that names the closest known makers.
The whole file is checked before the first write, then written in short transactions, so staff
can keep working during a large import (kokuchi/devices/importers.py).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kokuchi.catalog.manufacturers import ManufacturerDataError, load_manufacturers
from kokuchi.devices.importers import KINDS, ImportFailed, import_file

MANUFACTURERS = "manufacturers"


class Command(BaseCommand):
    help = (
        "Import manufacturers from a manufacturers.yaml, or products, customers or devices from a CSV "
        "(UTF-8, Shift_JIS, EUC-JP or UTF-16) or XLSX file."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=(MANUFACTURERS, *KINDS))
        parser.add_argument("file")

    def handle(self, *args, kind, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if kind == MANUFACTURERS:
            self._manufacturers(path)
            return
        try:
            result = import_file(kind=kind, path=path)
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(failure.errors)} error(s); nothing was imported.") from None
        if options["verbosity"] > 1:
            self.stdout.write(f"encoding: {result.encoding}")
        self.stdout.write(self.style.SUCCESS(f"{result.kind}: created={result.created} updated={result.updated}"))

    def _manufacturers(self, path: Path) -> None:
        """The same load as `kokuchi load_manufacturers PATH`: validated first, URLs staff
        confirmed kept, names and CPE vendor names added to the lists, none removed."""
        try:
            result = load_manufacturers(path=path)
        except ManufacturerDataError as exc:
            raise CommandError(f"{exc}; nothing was imported.") from exc
        for item in result.kept:
            self.stdout.write(self.style.WARNING(f"kept the database value of {item} (confirmed or edited by staff)"))
        self.stdout.write(
            self.style.SUCCESS(
                f"manufacturers: created={len(result.created)} updated={len(result.updated)} "
                f"unchanged={len(result.unchanged)}"
            )
        )

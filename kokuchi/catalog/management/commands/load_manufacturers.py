"""Load or reload manufacturers (PSIRT, support and CSAF URLs) from a manufacturers.yaml.

A new database has none until this runs (or `kokuchi demo`); run it again after the list is
updated. URLs staff confirmed or filled in are never overwritten.
"""

from django.core.management.base import BaseCommand, CommandError

from kokuchi.catalog.manufacturers import DEFAULT_PATH, ManufacturerDataError, load_manufacturers


class Command(BaseCommand):
    help = "Load or refresh manufacturers from a manufacturers.yaml (default: the packaged copy)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=None, help=f"YAML file to load (default: {DEFAULT_PATH})")

    def handle(self, *args, path=None, verbosity=1, **options):
        try:
            result = load_manufacturers(path=path)
        except ManufacturerDataError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 2:
            for slug in result.created:
                self.stdout.write(f"created {slug}")
            for slug in result.updated:
                self.stdout.write(f"updated {slug}")
        for item in result.kept:
            self.stdout.write(
                self.style.WARNING(
                    f"kept the database value of {item} (differs from the YAML; confirmed or edited by staff)"
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Manufacturers: {len(result.created)} created, {len(result.updated)} updated, "
                f"{len(result.unchanged)} unchanged."
            )
        )

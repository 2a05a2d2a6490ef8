"""`kokuchi backup --output FILE.tar.gz`: the database and the data files in one archive.

The archive holds the signing key and every customer document: keep it as safe as the server.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kokuchi.operations.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database and the data directory's files into one .tar.gz with a manifest of sha256 hashes."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help="Archive to write (.tar.gz).")

    def handle(self, *args, output: Path, **options):
        try:
            summary = create_backup(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written: {summary.archive} ({summary.vendor} database, {summary.files} files, "
                f"{summary.total_bytes} bytes before compression)"
            )
        )

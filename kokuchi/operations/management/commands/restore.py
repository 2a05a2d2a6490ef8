"""`kokuchi restore FILE.tar.gz`: restore a `kokuchi backup` archive into a new installation.

The data directory (KOKUCHI_DATA_DIR) must be empty and the database (DATABASE_URL, or the SQLite
file) new; every file is checked against the manifest before anything is written. Then run
`kokuchi migrate` (when the code is newer than the backup) and `kokuchi evidence verify`.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kokuchi.operations.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a kokuchi backup archive into an empty data directory and an empty database."
    # The system checks would open the database before it is restored.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="Archive written by `kokuchi backup`.")

    def handle(self, *args, archive: Path, **options):
        if not archive.is_file():
            raise CommandError(f"{archive}: no such file")
        try:
            summary = restore_backup(archive_path=archive)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"restored {summary.files} files ({summary.vendor} database) from {summary.archive}; "
                "now run `kokuchi migrate` and `kokuchi evidence verify`"
            )
        )

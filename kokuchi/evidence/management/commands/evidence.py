"""`kokuchi evidence verify | create-certificate | export DEAL --output FILE.zip`."""

from __future__ import annotations

import getpass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kokuchi.core.models import Reseller
from kokuchi.evidence.bundle import NothingToExport, export_bundle
from kokuchi.evidence.services import Actor, Origin
from kokuchi.evidence.signing import create_signing_certificate, default_certificate_paths
from kokuchi.evidence.verification import verify_evidence


class Command(BaseCommand):
    help = "Verify the evidence chain, create a signing certificate, or export a deal's evidence bundle."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Walk the hash chain and the stored files.")
        verify.add_argument("--no-files", action="store_true", help="Skip the stored-file checks.")
        certificate = sub.add_parser("create-certificate", help="Create a self-signed signing certificate.")
        certificate.add_argument("--common-name", default="", help="Certificate CN (default: reseller name).")
        certificate.add_argument("--organization", default="", help="Certificate O (default: reseller name).")
        certificate.add_argument("--days", type=int, default=3650)
        certificate.add_argument("--force", action="store_true", help="Replace an existing certificate.")
        export = sub.add_parser("export", help="Export a deal's evidence bundle (zip).")
        export.add_argument("deal", help="Deal number, e.g. D2026-0001.")
        export.add_argument("--output", required=True, help="Path of the zip file to write.")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "verify":
            return self._verify(check_files=not options["no_files"])
        if action == "create-certificate":
            return self._create_certificate(options)
        return self._export(options["deal"], Path(options["output"]))

    def _verify(self, *, check_files: bool) -> None:
        report = verify_evidence(check_files=check_files)
        if report.ok:
            self.stdout.write(report.summary())
            return
        for problem in report.problems:
            self.stderr.write(problem)
        raise CommandError(
            f"Evidence chain broken ({len(report.problems)} problem(s)); first: {report.problems[0]}", returncode=1
        )

    def _create_certificate(self, options) -> None:
        default_cert, default_key = default_certificate_paths()
        cert_path = Path(settings.SIGNING_CERT) if settings.SIGNING_CERT else default_cert
        key_path = Path(settings.SIGNING_KEY) if settings.SIGNING_KEY else default_key
        company = Reseller.get().company_name
        try:
            create_signing_certificate(
                cert_path=cert_path,
                key_path=key_path,
                common_name=options["common_name"] or f"{company} (Kokuchi)",
                organization=options["organization"] or company,
                passphrase=settings.SIGNING_KEY_PASSPHRASE,
                valid_days=options["days"],
                overwrite=options["force"],
            )
        except FileExistsError as error:
            raise CommandError(f"{error} Use --force to replace it.") from error
        self.stdout.write(f"Certificate: {cert_path}\nKey: {key_path}")

    def _export(self, deal_number: str, output: Path) -> None:
        actor = Actor(name=f"cli:{getpass.getuser()}")
        try:
            result = export_bundle(deal_number=deal_number, output=output, actor=actor, origin=Origin.cli())
        except NothingToExport as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Wrote {result.path} ({result.event_count} events, {result.file_count} files, sha256 {result.sha256})."
        )

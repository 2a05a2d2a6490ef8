"""`kokuchi evidence verify [--receipt FILE] [--checkpoint FILE] | checkpoint | checkpoints | create-certificate |
export DEAL --output FILE.zip`."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kokuchi.core.models import Reseller
from kokuchi.evidence.bundle import NothingToExport, export_bundle
from kokuchi.evidence.models import CheckpointReason, EvidenceCheckpoint
from kokuchi.evidence.services import Actor, Origin, checkpoint_tree_head, record_checkpoint
from kokuchi.evidence.signing import create_signing_certificate, default_certificate_paths
from kokuchi.evidence.verification import verify_evidence, verify_exported_checkpoint, verify_receipt

CHECKPOINTS_FORMAT = "kokuchi-evidence-checkpoints/1"


def checkpoints_export(checkpoints: list[EvidenceCheckpoint]) -> bytes:
    """Checkpoints as the JSON `verify --checkpoint` and the bundle verifier read."""
    entries = [checkpoint_tree_head(c).as_json() | {"id": c.pk, "reason": c.reason} for c in checkpoints]
    return json.dumps({"format": CHECKPOINTS_FORMAT, "checkpoints": entries}, indent=1).encode("utf-8")


class Command(BaseCommand):
    help = "Verify the evidence chain, create a signing certificate, or export a deal's evidence bundle."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Walk the hash chain and the stored files.")
        verify.add_argument("--no-files", action="store_true", help="Skip the stored-file checks.")
        verify.add_argument("--receipt", help="Check one customer's receipt PDF against today's log.")
        verify.add_argument("--checkpoint", help="Check an exported checkpoint file against today's log.")
        checkpoint = sub.add_parser("checkpoint", help="Sign the log's current state and store the checkpoint.")
        checkpoint.add_argument(
            "--reason", default=CheckpointReason.DAILY, choices=[CheckpointReason.DAILY, CheckpointReason.MANUAL]
        )
        checkpoint.add_argument("--output", help="Also write the checkpoint (JSON) to this file.")
        listing = sub.add_parser("checkpoints", help="List the stored checkpoints, or export them as JSON.")
        listing.add_argument("--output", help="Write every checkpoint (JSON) to this file instead of listing.")
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
            if options["receipt"] or options["checkpoint"]:
                return self._verify_against(options["receipt"], options["checkpoint"])
            return self._verify(check_files=not options["no_files"])
        if action == "checkpoint":
            return self._checkpoint(options["reason"], options["output"])
        if action == "checkpoints":
            return self._checkpoints(options["output"])
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

    def _verify_against(self, receipt: str | None, checkpoint: str | None) -> None:
        problems: list[str] = []
        if receipt:
            problems.extend(verify_receipt(Path(receipt)))
        if checkpoint:
            problems.extend(verify_exported_checkpoint(Path(checkpoint)))
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s); first: {problems[0]}", returncode=1)
        checked = " and ".join(
            f"{kind} {path}" for kind, path in (("receipt", receipt), ("checkpoint", checkpoint)) if path
        )
        self.stdout.write(f"Consistent with today's evidence log: {checked}.")

    def _checkpoint(self, reason: str, output: str | None) -> None:
        checkpoint = record_checkpoint(reason=reason)
        if output:
            Path(output).write_bytes(checkpoints_export([checkpoint]))
        self.stdout.write(
            f"Checkpoint #{checkpoint.pk}: {checkpoint.tree_size} events, root {checkpoint.root_hash}, "
            f"signed {checkpoint.signed_at.isoformat()}"
            + (" with an RFC 3161 timestamp" if checkpoint.timestamp_token else "")
            + "."
        )

    def _checkpoints(self, output: str | None) -> None:
        checkpoints = list(EvidenceCheckpoint.objects.order_by("id"))
        if output:
            Path(output).write_bytes(checkpoints_export(checkpoints))
            self.stdout.write(f"Wrote {len(checkpoints)} checkpoints to {output}.")
            return
        for c in checkpoints:
            self.stdout.write(
                f"#{c.pk}\t{c.signed_at.isoformat()}\t{c.reason}\tsize {c.tree_size}\troot {c.root_hash}\t"
                f"key {c.key_id[:16]}\t{'TSA' if c.timestamp_token else '-'}"
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

"""Evidence bundles: one zip per deal that anyone can check without Kokuchi (S-EVID, G1)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.files.storage import default_storage

from kokuchi.core.hashing import sha256_hex
from kokuchi.evidence.models import EvidenceChainHead, EvidenceEvent
from kokuchi.evidence.services import Actor, Origin, Subject, record_bundle_exported_event
from kokuchi.evidence.signing import configured_certificate_paths

README_TEMPLATE = """\
告知・受領確認 証跡パッケージ（案件 {deal_number}）
================================================

作成日時: {exported_at}（日本時間）
証跡イベント数: {event_count}
ファイル数: {file_count}

このパッケージは、販売時の告知書（告知事項）と利用者による受領・確認の証跡です。
Kokuchi やそのデータベースを使わずに、次の手順で誰でも検証できます。

1. ファイルが改ざんされていないことの確認（SHA-256）
   このフォルダで次のコマンドを実行し、すべて「OK」と表示されることを確認してください。

       sha256sum -c SHA256SUMS

   Windows では PowerShell の `Get-FileHash -Algorithm SHA256 <ファイル名>` の値を
   SHA256SUMS の値と比べてください。

2. PDF の電子署名の確認（PAdES）
   files/ の告知書と受領確認書（PDF）には、販売店の証明書による PAdES 電子署名が付いています。
   Adobe Acrobat Reader などの PDF 閲覧ソフトの「署名パネル」、または任意の PAdES 検証ツール
   （例: pyHanko の `pyhanko sign validate --trust signing-certificate.pem <PDF>`、EU の DSS デモ検証サービス）で
   署名が有効であり、署名後に変更されていないことを確認できます。
   署名に使った販売店の証明書を signing-certificate.pem として同梱しています
   （SHA-256 フィンガープリント: {certificate_fingerprint}）。
   自己署名の証明書の場合は、このフィンガープリントを販売店に確認のうえ信頼済みとして登録してください。
   署名後に 1 バイトでも変更されると、署名は無効と表示されます。

3. 証跡イベントの確認（ハッシュチェーン）
   events.json の各イベントの hash は、直前のイベントの hash（previous_hash）と、
   イベント本体（previous_hash・hash・files_in_bundle を除くフィールド）から次のように計算されています。

       hash = SHA-256( previous_hash + 改行(\\n) + 正規化JSON(イベント本体) )

   正規化JSON: キーを辞書順に並べ、区切りは「,」「:」で空白なし、UTF-8（非ASCII文字はそのまま）。
   Python では次の式で再計算できます。

       hashlib.sha256(e["previous_hash"].encode() + b"\\n" + json.dumps(body, sort_keys=True,
           separators=(",", ":"), ensure_ascii=False).encode("utf-8")).hexdigest()

   各イベントの document_sha256 は、対象の告知書 PDF の SHA-256 と一致します。
   files 欄に記載されたファイルの SHA-256 は SHA256SUMS の値と一致します。
   チェーン全体（他の案件のイベントを含む）の末尾ハッシュは chain_head に記録しています。
   販売店の Kokuchi では `kokuchi evidence verify` でチェーン全体を検証できます。

時刻はすべて UTC（協定世界時）で記録しています。日本時間は UTC に 9 時間を加えた時刻です。
"""


@dataclass(frozen=True)
class BundleResult:
    """What was written: the zip path, its sha256 and what it holds."""

    path: Path
    sha256: str
    event_count: int
    file_count: int


class NothingToExport(Exception):
    """The deal has no evidence events."""


def _archive_name(storage_path: str, used: set[str]) -> str:
    # Keep the kind folder (disclosures/, receipts/, scans/ ...) so that names stay readable and distinct.
    parts = PurePosixPath(storage_path).parts
    name = "/".join(parts[1:] if parts[0] == "evidence" and len(parts) > 1 else parts)
    candidate, counter = name, 1
    while candidate in used:
        counter += 1
        stem, dot, suffix = name.rpartition(".")
        candidate = f"{stem}-{counter}.{suffix}" if dot else f"{name}-{counter}"
    used.add(candidate)
    return candidate


def export_bundle(*, deal_number: str, output: Path, actor: Actor, origin: Origin) -> BundleResult:
    """Write the deal's events, every file they name, SHA256SUMS and a Japanese README to `output`."""
    events = list(EvidenceEvent.objects.filter(deal_number=deal_number).order_by("sequence"))
    if not events:
        raise NothingToExport(f"No evidence events for deal {deal_number}.")
    head = EvidenceChainHead.objects.filter(pk=1).first()
    archive_names: dict[str, str] = {}
    used: set[str] = set()
    for event in events:
        for stored in event.files:
            if stored["path"] not in archive_names:
                archive_names[stored["path"]] = "files/" + _archive_name(stored["path"], used)
    exported_at = datetime.now(UTC)
    events_json = json.dumps(
        {
            "deal_number": deal_number,
            "exported_at": exported_at.isoformat(timespec="seconds"),
            "chain_head": {"sequence": head.last_sequence, "hash": head.last_hash} if head else None,
            "events": [
                event.as_export() | {"files_in_bundle": [archive_names[f["path"]] for f in event.files]}
                for event in events
            ],
        },
        ensure_ascii=False,
        indent=2,
    ).encode("utf-8")
    sums: list[tuple[str, str]] = [(sha256_hex(events_json), "events.json")]
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("events.json", events_json)
        for storage_path, archive_name in archive_names.items():
            with default_storage.open(storage_path, "rb") as handle:
                content = handle.read()
            archive.writestr(archive_name, content)
            sums.append((sha256_hex(content), archive_name))
        certificate = _signing_certificate_pem()
        archive.writestr("signing-certificate.pem", certificate)
        sums.append((sha256_hex(certificate), "signing-certificate.pem"))
        archive.writestr("SHA256SUMS", "".join(f"{digest}  {name}\n" for digest, name in sums))
        readme = README_TEMPLATE.format(
            deal_number=deal_number,
            certificate_fingerprint=_fingerprint(certificate),
            exported_at=exported_at.astimezone(_jst()).strftime("%Y-%m-%d %H:%M:%S"),
            event_count=len(events),
            file_count=len(archive_names),
        )
        archive.writestr("README.txt", readme)
    bundle_sha256 = sha256_hex(output.read_bytes())
    record_bundle_exported_event(
        actor=actor,
        origin=origin,
        subject=Subject(deal_number=deal_number),
        bundle_sha256=bundle_sha256,
        file_count=len(archive_names),
        event_count=len(events),
    )
    return BundleResult(path=output, sha256=bundle_sha256, event_count=len(events), file_count=len(archive_names))


def _signing_certificate_pem() -> bytes:
    cert_path, _key_path = configured_certificate_paths()
    return cert_path.read_bytes()


def _fingerprint(pem: bytes) -> str:
    """The certificate's SHA-256 fingerprint as validators show it (AA:BB:...)."""
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())


def _jst():
    return ZoneInfo("Asia/Tokyo")

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
from django.conf import settings
from django.core.files.storage import default_storage

from kokuchi.core.hashing import sha256_hex
from kokuchi.evidence import merkle
from kokuchi.evidence.models import CheckpointReason, EventType, EvidenceChainHead, EvidenceEvent
from kokuchi.evidence.services import (
    Actor,
    Origin,
    Subject,
    checkpoint_tree_head,
    record_bundle_exported_event,
    record_checkpoint,
)
from kokuchi.evidence.signing import configured_certificate_paths
from kokuchi.evidence.verification import log_leaves

VERIFIER_SCRIPT = Path(__file__).resolve().parent / "standalone" / "verify_bundle.py"

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

4. 署名付きチェックポイントと含有証明の確認（検証スクリプト）
   checkpoint.json は、エクスポート時点の証跡ログ全体（{tree_size} 件）の状態
   （件数・Merkle ツリーのルートハッシュ・末尾ハッシュ）に販売店の署名鍵で署名したものです。
   Merkle ツリーは Certificate Transparency（RFC 9162）と同じ方式で、各イベントが署名済みの
   ログに含まれていること（含有証明）と、過去に顧客へ渡した受領確認書の時点のログが
   書き換えられずに延長されていること（一貫性証明）を、ログ全体なしで確認できます。

   同梱の verify_bundle.py（Python 3.10 以上、標準ライブラリのみ。追加のインストールは不要）を
   このフォルダ（または zip ファイル）に対して実行してください。

       python3 verify_bundle.py .
       python3 verify_bundle.py {deal_number}.zip

   次の項目をすべて確認し、問題があれば「NG」の行に対象（ファイル名・イベント番号・
   チェックポイント）を示して終了コード 1 で終了します。すべて正常なら「検証成功」と表示されます。
     - SHA256SUMS のとおりに全ファイルが揃っていること
     - 各イベントのハッシュと、連続するイベント同士のつながり
     - 各イベントが記録したファイル（告知書・受領確認書・スキャン等）の SHA-256
     - checkpoint.json の署名（ECDSA P-256 または RSA。鍵が同梱の証明書のものであること）
     - 各イベントが署名済みチェックポイントに含まれていること（含有証明）
     - files/receipts/ の受領確認書に添付された証跡アンカー（下記 5.）

   署名の鍵は、同梱の signing-certificate.pem（鍵を更新した場合は previous-certificates/ の
   旧証明書も）に含まれる公開鍵です。スクリプトは使われた証明書の SHA-256 フィンガープリントを
   表示しますので、販売店から別途受け取ったフィンガープリントと一致することを確認してください。
   RFC 3161 タイムスタンプが付いている場合（checkpoint.json の timestamp_token、DER を Base64 化）は、
   `openssl ts -verify` などで時刻を確認できます。

5. お手元の受領確認書（PDF）の確認
   Kokuchi の受領確認書には、確認の記録（証跡イベント）のハッシュ、その時点の署名付き
   チェックポイント、含有証明が kokuchi-anchor.json として PDF に添付され、証跡フィンガープリントが
   印字されています（PDF 閲覧ソフトの「添付ファイル」から取り出せます）。
   お手元の受領確認書を次のように確認できます。

       python3 verify_bundle.py . --receipt 受領確認書.pdf

   受領確認書の署名・含有証明に加え、このパッケージのログが受領確認書の時点のログを
   書き換えずに延長したものであること（一貫性証明）を確認します。受領確認書の後に
   証跡ログが書き換えられていれば「NG」と表示されます。

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
    checkpoint_json = _checkpoint_json(events)
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
        extra_files = {
            "signing-certificate.pem": certificate,
            "checkpoint.json": checkpoint_json,
            "verify_bundle.py": VERIFIER_SCRIPT.read_bytes(),
        }
        for index, previous in enumerate(settings.SIGNING_PREVIOUS_CERTS, start=1):
            extra_files[f"previous-certificates/{index}.pem"] = Path(previous).read_bytes()
        for name, content in extra_files.items():
            archive.writestr(name, content)
            sums.append((sha256_hex(content), name))
        archive.writestr("SHA256SUMS", "".join(f"{digest}  {name}\n" for digest, name in sums))
        readme = README_TEMPLATE.format(
            deal_number=deal_number,
            certificate_fingerprint=_fingerprint(certificate),
            exported_at=exported_at.astimezone(_jst()).strftime("%Y-%m-%d %H:%M:%S"),
            event_count=len(events),
            file_count=len(archive_names),
            tree_size=json.loads(checkpoint_json)["checkpoint"]["tree_size"],
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


def _checkpoint_json(events: list[EvidenceEvent]) -> bytes:
    """A fresh signed checkpoint of the whole log, the inclusion proof of each of the deal's events in
    it, and consistency proofs from the checkpoints the deal's receipts carry (RFC 9162)."""
    checkpoint = record_checkpoint(reason=CheckpointReason.EXPORT)
    leaves = log_leaves()[: checkpoint.tree_size]
    receipt_sizes = {
        event.parameters["anchor"]["checkpoint"]["tree_size"]
        for event in events
        if event.event_type == EventType.RECEIPT_ISSUED and isinstance(event.parameters.get("anchor"), dict)
    }
    return json.dumps(
        {
            "checkpoint": checkpoint_tree_head(checkpoint).as_json(),
            "inclusion_proofs": {
                str(event.sequence): [node.hex() for node in merkle.inclusion_proof(event.sequence - 1, leaves)]
                for event in events
                if event.sequence <= checkpoint.tree_size
            },
            "consistency_proofs": {
                str(size): [node.hex() for node in merkle.consistency_proof(size, leaves)]
                for size in sorted(receipt_sizes)
                if 0 < size <= checkpoint.tree_size
            },
        },
        indent=1,
    ).encode("utf-8")


def _signing_certificate_pem() -> bytes:
    cert_path, _key_path = configured_certificate_paths()
    return cert_path.read_bytes()


def _fingerprint(pem: bytes) -> str:
    """The certificate's SHA-256 fingerprint as validators show it (AA:BB:...)."""
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return ":".join(f"{byte:02X}" for byte in hashlib.sha256(der).digest())


def _jst():
    return ZoneInfo("Asia/Tokyo")

#!/usr/bin/env python3
"""Check a Kokuchi evidence bundle, and customer receipts, without Kokuchi.

Python 3.10+ standard library only (ECDSA P-256 and RSA signatures are checked in pure Python).
Usage:  python3 verify_bundle.py [BUNDLE_DIR_OR_ZIP] [--receipt RECEIPT.pdf ...]
Exit status 0 when everything holds, 1 naming each problem (NG lines).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import sys
import zipfile
import zlib
from pathlib import Path

ANCHOR = b"kokuchi-receipt-anchor/1"
STATEMENT = "kokuchi-evidence-checkpoint/1"
BODY_EXCLUDED = {"previous_hash", "hash", "files_in_bundle"}


# --- RFC 9162 Merkle tree -------------------------------------------------------------------
def leaf_hash(event_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(event_hash)).digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list, root: bytes) -> bool:
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(m: int, n: int, old: bytes, new: bytes, proof: list) -> bool:
    if m == n:
        return not proof and old == new
    if not 0 < m < n or not proof:
        return False
    path = ([old] if m & (m - 1) == 0 else []) + list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old and sr == new and sn == 0


# --- Signatures: DER, ECDSA P-256, RSA PKCS#1 v1.5 -------------------------------------------
def der(data: bytes, at: int = 0) -> tuple[int, bytes, int]:
    """(tag, content, end) of the DER element at `at`."""
    tag, length, at = data[at], data[at + 1], at + 2
    if length & 0x80:
        count = length & 0x7F
        length, at = int.from_bytes(data[at : at + count], "big"), at + count
    return tag, data[at : at + length], at + length


def der_children(content: bytes) -> list[tuple[int, bytes]]:
    items: list[tuple[int, bytes]] = []
    at = 0
    while at < len(content):
        tag, value, at = der(content, at)
        items.append((tag, value))
    return items


# NIST P-256 (SEC 2, secp256r1): field prime, group order, base point.
P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)


def ec_add(a, b):
    p = P256_P
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % p == 0:
        return None
    doubling = a == b
    numerator = 3 * a[0] * a[0] - 3 if doubling else b[1] - a[1]
    slope = numerator * pow(2 * a[1] if doubling else b[0] - a[0], -1, p) % p
    x = (slope * slope - a[0] - b[0]) % p
    return x, (slope * (a[0] - x) - a[1]) % p


def ec_mul(k: int, point):
    result = None
    while k:
        if k & 1:
            result = ec_add(result, point)
        point, k = ec_add(point, point), k >> 1
    return result


def verify_signature(algorithm: str, spki: bytes, signature: bytes, message: bytes) -> bool:
    _tag, body, _end = der(spki)
    _alg, bits = der_children(body)
    key = bits[1][1:]  # BIT STRING: unused-bits byte, then the key
    digest = hashlib.sha256(message).digest()
    if algorithm == "ecdsa-p256-sha256":
        if key[0] != 4 or len(key) != 65:
            return False
        q = (int.from_bytes(key[1:33], "big"), int.from_bytes(key[33:], "big"))
        r, s = (int.from_bytes(v, "big") for _t, v in der_children(der(signature)[1]))
        n = P256_N
        if not (0 < r < n and 0 < s < n):
            return False
        w = pow(s, -1, n)
        point = ec_add(ec_mul(int.from_bytes(digest, "big") * w % n, P256_G), ec_mul(r * w % n, q))
        return point is not None and point[0] % n == r
    if algorithm == "rsa-pkcs1v15-sha256":
        modulus, exponent = (int.from_bytes(v, "big") for _t, v in der_children(der(key)[1]))
        size = (modulus.bit_length() + 7) // 8
        digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + digest
        expected = b"\x00\x01" + b"\xff" * (size - 3 - len(digest_info)) + b"\x00" + digest_info
        return pow(int.from_bytes(signature, "big"), exponent, modulus).to_bytes(size, "big") == expected
    return False  # other algorithms (e.g. Ed25519): check the checkpoint with the `cryptography` package


# --- The bundle -------------------------------------------------------------------------------
class Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def ok(self, text: str) -> None:
        print("OK  " + text)

    def ng(self, text: str) -> None:
        self.problems.append(text)
        print("NG  " + text)

    def check(self, condition: bool, good: str, bad: str) -> bool:
        (self.ok if condition else self.ng)(good if condition else bad)
        return condition


def read_bundle(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {str(p.relative_to(path)).replace("\\", "/"): p.read_bytes() for p in path.rglob("*") if p.is_file()}
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}


def certificates(files: dict[str, bytes]) -> dict[bytes, str]:
    """DER → fingerprint of every certificate in the bundle (current and previous signing keys)."""
    found = {}
    for name, content in files.items():
        if name.endswith(".pem"):
            for block in re.findall(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", content, re.S):
                cert = base64.b64decode(b"".join(block.split()))
                found[cert] = ":".join(f"{b:02X}" for b in hashlib.sha256(cert).digest())
    return found


def check_checkpoint(c: Checker, head: dict, certs: dict[bytes, str], label: str) -> bool:
    statement = (
        f"{STATEMENT}\nsize {head['tree_size']}\nroot {head['root']}\nhead {head['head']}\ntime {head['time']}\n"
    )
    spki = base64.b64decode(head["public_key"])
    holder = next((fp for cert, fp in certs.items() if spki in cert), None)
    if not c.check(
        holder is not None,
        f"{label}: key is in the signing certificate {holder}",
        f"{label}: signed with a key that is in no certificate of the bundle (forged or wrong key)",
    ):
        return False
    valid = verify_signature(head["algorithm"], spki, base64.b64decode(head["signature"]), statement.encode("ascii"))
    return c.check(
        valid,
        f"{label}: signature valid (size {head['tree_size']}, {head['time']})",
        f"{label}: signature does not verify (checkpoint altered or forged)",
    )


def chain_hash(event: dict) -> str:
    body = {k: v for k, v in event.items() if k not in BODY_EXCLUDED}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(event["previous_hash"].encode("ascii") + b"\n" + text.encode("utf-8")).hexdigest()


def pdf_anchor(pdf: bytes):
    """The kokuchi-anchor.json embedded in a receipt PDF (raw or Flate-compressed stream), or None."""
    for start in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", start.end())
        chunk = pdf[start.end() : end]
        candidates = [chunk]
        with contextlib.suppress(zlib.error):
            candidates.append(zlib.decompressobj().decompress(chunk))
        for data in candidates:
            if ANCHOR in data:
                try:
                    return json.loads(data.strip())
                except ValueError:
                    continue
    return None


def check_receipt(c: Checker, name: str, pdf: bytes, certs, bundle_head, events_by_sequence, consistency) -> None:
    anchor = pdf_anchor(pdf)
    if anchor is None and name.startswith("files/"):
        print(f"--  {name}: issued before receipts carried anchors; checked by its SHA-256 above")
        return
    if not c.check(anchor is not None, f"{name}: evidence anchor found", f"{name}: no evidence anchor in the PDF"):
        return
    head, event = anchor["checkpoint"], anchor["event"]
    if not check_checkpoint(c, head, certs, f"{name}: checkpoint"):
        return
    proof = [bytes.fromhex(h) for h in anchor["inclusion_proof"]]
    c.check(
        verify_inclusion(
            event["sequence"] - 1, head["tree_size"], leaf_hash(event["hash"]), proof, bytes.fromhex(head["root"])
        ),
        f"{name}: event {event['sequence']} is in the signed checkpoint",
        f"{name}: the inclusion proof of event {event['sequence']} does not lead to the signed root",
    )
    in_bundle = events_by_sequence.get(event["sequence"])
    if in_bundle is not None:
        c.check(
            in_bundle["hash"] == event["hash"],
            f"{name}: event {event['sequence']} is unchanged in the bundle",
            f"{name}: event {event['sequence']} in the bundle differs from the receipt (log rewritten)",
        )
    if bundle_head is None:
        return
    size, new_size = head["tree_size"], bundle_head["tree_size"]
    proof = consistency.get(str(size))
    if size > new_size or proof is None:
        c.ng(
            f"{name}: no consistency proof from size {size} in this bundle; ask for `kokuchi evidence verify --receipt`"
        )
        return
    c.check(
        verify_consistency(
            size,
            new_size,
            bytes.fromhex(head["root"]),
            bytes.fromhex(bundle_head["root"]),
            [bytes.fromhex(h) for h in proof],
        ),
        f"{name}: the log of the bundle (size {new_size}) extends the receipt's (size {size}) unchanged",
        f"{name}: the log was rewritten after this receipt was issued (size {size} is not a prefix of {new_size})",
    )


def main(argv: list[str]) -> int:
    args: list[str] = []
    receipts: list[str] = []
    while argv:
        arg = argv.pop(0)
        (receipts if arg == "--receipt" and argv else args).append(argv.pop(0) if arg == "--receipt" else arg)
    bundle = Path(args[0]) if args else Path(__file__).resolve().parent
    files = read_bundle(bundle)
    c = Checker()
    for line in files.get("SHA256SUMS", b"").decode().splitlines():
        digest, name = line.split("  ", 1)
        actual = hashlib.sha256(files[name]).hexdigest() if name in files else None
        c.check(actual == digest, f"{name}: SHA-256 matches", f"{name}: SHA-256 differs or the file is missing")
    certs = certificates(files)
    data = json.loads(files["events.json"])
    events = data["events"]
    events_by_sequence = {e["sequence"]: e for e in events}
    for event in events:
        seq = event["sequence"]
        c.check(
            chain_hash(event) == event["hash"],
            f"event {seq}: hash matches its content",
            f"event {seq}: content does not match its hash (event altered)",
        )
        before = events_by_sequence.get(seq - 1)
        if before is not None and before["hash"] != event["previous_hash"]:
            c.ng(f"event {seq}: previous_hash is not the hash of event {seq - 1} (events reordered or replaced)")
        for stored, name in zip(event["files"], event["files_in_bundle"], strict=True):
            actual = hashlib.sha256(files[name]).hexdigest() if name in files else None
            c.check(
                actual == stored["sha256"],
                f"event {seq}: file {name} is the recorded one",
                f"event {seq}: file {name} differs from the recorded SHA-256 or is missing",
            )
    proofs = json.loads(files["checkpoint.json"]) if "checkpoint.json" in files else {}
    head = proofs.get("checkpoint")
    if head is None:
        c.ng("checkpoint.json missing: the bundle's events are not anchored in a signed checkpoint")
    elif check_checkpoint(c, head, certs, "bundle checkpoint"):
        root = bytes.fromhex(head["root"])
        for event in events:
            seq = event["sequence"]
            if seq > head["tree_size"]:
                continue
            path = [bytes.fromhex(h) for h in proofs["inclusion_proofs"].get(str(seq), [])]
            c.check(
                verify_inclusion(seq - 1, head["tree_size"], leaf_hash(event["hash"]), path, root),
                f"event {seq}: included in the signed checkpoint",
                f"event {seq}: not included in the signed checkpoint (inserted, changed or reordered)",
            )
    consistency = proofs.get("consistency_proofs", {})
    receipt_files = [(n, b) for n, b in files.items() if n.startswith("files/receipts/") and n.endswith(".pdf")]
    receipt_files += [(r, Path(r).read_bytes()) for r in receipts]
    for name, pdf in receipt_files:
        check_receipt(c, name, pdf, certs, head, events_by_sequence, consistency)
    if c.problems:
        print(f"\n検証失敗 / FAILED: {len(c.problems)} problem(s)")
        return 1
    print("\n検証成功 / OK: the bundle is intact and consistent with its signed checkpoint")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

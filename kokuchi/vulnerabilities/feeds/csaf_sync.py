"""Online sync of vendors' CSAF 2.0 advisories (CSAF 2.0 section 7: provider-metadata.json).

For each provider in settings.CSAF_PROVIDERS (URLs of provider-metadata.json): the OpenPGP keys it
publishes (public_openpgp_keys), then its distributions: ROLIE feeds (entries with content, hash
and signature links) or a directory (changes.csv: path, time). Documents changed since the last
run are downloaded; the sha512/sha256 file and the detached .asc signature are checked where the
provider publishes them, and a document that fails a check is refused (nothing written for it,
the run fails naming the URL). Each document is loaded in its own transaction with the record of
what was loaded (FeedState.file_hashes: URL → {sha256, updated}): an entry whose time in the
feed or changes.csv is the one already loaded is not even fetched, so a second run changes
nothing and downloads only the feed.

Signatures are checked with GnuPG through python-gnupg, in a temporary keyring holding only the
provider's keys.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import tempfile
from dataclasses import dataclass
from urllib.parse import urljoin

import gnupg
from django.conf import settings
from django.db import transaction

from kokuchi.vulnerabilities.models import FeedState

from .csaf import parse_csaf
from .http import FeedHttpClient, FeedHttpError
from .loader import ImportResult, announce_changes_on_commit
from .records import FeedError
from .runs import feed_state
from .statement_loader import load_advisory


@dataclass(frozen=True)
class CsafEntry:
    """One advisory a provider lists: where it is, when it changed, its hash and signature files."""

    url: str
    updated: str = ""
    hash_urls: tuple[str, ...] = ()
    signature_url: str = ""


def _json(data: bytes, url: str) -> dict:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"not JSON: {exc}", file=url) from exc
    if not isinstance(value, dict):
        raise FeedError("expected a JSON object", file=url)
    return value


def rolie_entries(data: bytes, url: str) -> list[CsafEntry]:
    """Entries of a ROLIE feed (feed.entry[]: content.src, link rel=hash / rel=signature)."""
    feed = _json(data, url).get("feed")
    if not isinstance(feed, dict) or not isinstance(feed.get("entry", []), list):
        raise FeedError("expected feed.entry[]", file=url, position="feed")
    entries = []
    for i, entry in enumerate(feed.get("entry", [])):
        content = entry.get("content") if isinstance(entry, dict) else None
        if not isinstance(content, dict) or not isinstance(content.get("src"), str):
            raise FeedError("expected content.src", file=url, position=f"feed.entry[{i}]")
        links = [link for link in entry.get("link") or () if isinstance(link, dict)]
        hashes = tuple(
            urljoin(url, str(link["href"])) for link in links if link.get("rel") == "hash" and link.get("href")
        )
        signature = next(
            (urljoin(url, str(link["href"])) for link in links if link.get("rel") == "signature" and link.get("href")),
            "",
        )
        entries.append(CsafEntry(urljoin(url, content["src"]), str(entry.get("updated") or ""), hashes, signature))
    return entries


def directory_entries(data: bytes, directory_url: str) -> list[CsafEntry]:
    """Entries of a directory's changes.csv ("path","time" rows, newest first)."""
    base = directory_url.rstrip("/") + "/"
    entries = []
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FeedError(f"not a CSV file: {exc}", file=base + "changes.csv") from exc
    for number, row in enumerate(rows, start=1):
        if not row:
            continue
        if len(row) != 2:
            raise FeedError("expected two columns (path, time)", file=base + "changes.csv", position=f"line {number}")
        url = urljoin(base, row[0])
        entries.append(CsafEntry(url, row[1], (url + ".sha512", url + ".sha256"), url + ".asc"))
    return entries


def _optional(client: FeedHttpClient, url: str) -> bytes | None:
    """The file at `url`, or None when the provider does not publish it (HTTP 404)."""
    try:
        return client.get(url).content
    except FeedHttpError as exc:
        if "HTTP 404" in str(exc):
            return None
        raise


def check_hash(data: bytes, published: bytes, *, algorithm: str, url: str) -> None:
    """Refuse `data` unless its digest is the one in the published hash file ("<hex>  <name>")."""
    expected = published.decode("ascii", "replace").split()[0].lower() if published.strip() else ""
    actual = hashlib.new(algorithm, data).hexdigest()
    if actual != expected:
        raise FeedError(
            f"{algorithm} {actual} does not match the published {expected or '(empty)'}; not loaded", file=url
        )


class SignatureChecker:
    """Detached OpenPGP signatures checked against a provider's published keys only."""

    def __init__(self) -> None:
        self._home = tempfile.TemporaryDirectory(prefix="kokuchi-csaf-gpg-")
        self._gpg = gnupg.GPG(gnupghome=self._home.name)
        self.fingerprints: set[str] = set()

    def close(self) -> None:
        self._home.cleanup()

    def add_key(self, key: bytes, *, fingerprint: str = "") -> None:
        imported = self._gpg.import_keys(key)
        found = {fp.upper() for fp in imported.fingerprints if fp}
        if fingerprint and fingerprint.upper().replace(" ", "") not in found:
            raise FeedError(f"the key does not have the published fingerprint {fingerprint}")
        self.fingerprints |= found

    def check(self, data: bytes, signature: bytes, *, url: str) -> None:
        with tempfile.NamedTemporaryFile(dir=self._home.name, suffix=".asc") as handle:
            handle.write(signature)
            handle.flush()
            verified = self._gpg.verify_data(handle.name, data)
        if not verified.valid or (verified.fingerprint or "").upper() not in self.fingerprints:
            raise FeedError(f"OpenPGP signature not valid ({verified.status or 'no signature'}); not loaded", file=url)


def _document_entries(client: FeedHttpClient, metadata: dict, url: str) -> list[CsafEntry]:
    entries: list[CsafEntry] = []
    for distribution in metadata.get("distributions") or ():
        if not isinstance(distribution, dict):
            continue
        for feed in (distribution.get("rolie") or {}).get("feeds") or ():
            if isinstance(feed, dict) and isinstance(feed.get("url"), str):
                feed_url = urljoin(url, feed["url"])
                entries.extend(rolie_entries(client.get(feed_url).content, feed_url))
        directory = distribution.get("directory_url")
        if isinstance(directory, str):
            directory = urljoin(url, directory)
            entries.extend(directory_entries(client.get(directory.rstrip("/") + "/changes.csv").content, directory))
    return entries


def sync_provider(*, client: FeedHttpClient, url: str, state: FeedState, result: ImportResult) -> None:
    """Bring one provider's advisories up to date (see module docstring)."""
    metadata = _json(client.get(url).content, url)
    checker = SignatureChecker()
    try:
        for key in metadata.get("public_openpgp_keys") or ():
            if isinstance(key, dict) and isinstance(key.get("url"), str):
                key_url = urljoin(url, key["url"])
                try:
                    checker.add_key(client.get(key_url).content, fingerprint=str(key.get("fingerprint") or ""))
                except FeedError as exc:
                    raise FeedError(exc.message, file=key_url) from exc
        for entry in _document_entries(client, metadata, url):
            seen = state.file_hashes.get(entry.url) or {}
            if entry.updated and seen.get("updated") == entry.updated:
                result.unchanged += 1  # the feed or changes.csv says it has not changed: not fetched
                continue
            data = client.get(entry.url).content
            digest = hashlib.sha256(data).hexdigest()
            if seen.get("sha256") == digest:
                result.unchanged += 1
                continue
            for hash_url in entry.hash_urls:
                published = _optional(client, hash_url)
                if published is not None:
                    check_hash(data, published, algorithm=hash_url.rsplit(".", 1)[-1], url=entry.url)
                    break
            if entry.signature_url and checker.fingerprints:
                signature = _optional(client, entry.signature_url)
                if signature is not None:
                    checker.check(data, signature, url=entry.url)
            record = parse_csaf(data, file=entry.url, url=entry.url)
            with transaction.atomic():
                batch = load_advisory(record, sha256=digest, location=entry.url)
                batch.pages = 1
                state.file_hashes = {**state.file_hashes, entry.url: {"sha256": digest, "updated": entry.updated}}
                FeedState.objects.filter(pk=state.pk).update(file_hashes=state.file_hashes)
                announce_changes_on_commit(batch.changed_ids)
            result.add(batch)
    finally:
        checker.close()


def sync_csaf(
    *, client: FeedHttpClient, now: datetime.datetime | None = None, result: ImportResult | None = None
) -> ImportResult:
    """Sync every configured provider (settings.CSAF_PROVIDERS); none configured does nothing."""
    state = feed_state("csaf")
    result = result if result is not None else ImportResult(source="csaf")
    providers = list(getattr(settings, "CSAF_PROVIDERS", []) or [])
    if not providers:
        result.messages.append("no CSAF provider configured (KOKUCHI_CSAF_PROVIDERS)")
        return result
    for url in providers:
        sync_provider(client=client, url=url, state=state, result=result)
    return result

"""CSAF sync against a local HTTP server serving real advisories: provider-metadata.json, a ROLIE
feed, sha256 files and OpenPGP signatures; a bad hash or a bad signature is refused and the
database stays unchanged."""

import hashlib
import json
import subprocess
import tempfile

import pytest

from kokuchi.vulnerabilities.feeds.http import FeedHttpClient
from kokuchi.vulnerabilities.feeds.sync import FeedSyncError, sync_feeds
from kokuchi.vulnerabilities.models import AdvisoryDocument, FeedRun, ProductStatement, Vulnerability
from kokuchi.vulnerabilities.tests.feedserver import FeedServer, sample

pytestmark = pytest.mark.django_db

ADVISORY = "csaf/vendor-cisco/cisco-sa-ios-xr-verii-bypass-HhPwQRvx.json"
OTHER = "csaf/oasis-examples/csaf_vex/2022-evd-uc-01-na-001.json"


@pytest.fixture(scope="module")
def signing_key():
    """A throw-away ed25519 key made for the test run: (armored public key, sign(bytes) → .asc)."""
    home = tempfile.TemporaryDirectory(prefix="kokuchi-test-gpg-")
    gpg = ["gpg", "--batch", "--homedir", home.name, "--pinentry-mode", "loopback", "--passphrase", ""]
    subprocess.run(
        [*gpg, "--quick-gen-key", "Kokuchi test <test@example.invalid>", "ed25519", "sign", "never"],
        check=True,
        capture_output=True,
    )
    public = subprocess.run([*gpg, "--armor", "--export"], check=True, capture_output=True).stdout
    listing = subprocess.run([*gpg, "--with-colons", "--fingerprint"], check=True, capture_output=True).stdout
    fingerprint = next(line.split(":")[9] for line in listing.decode().splitlines() if line.startswith("fpr"))

    def sign(data: bytes) -> bytes:
        return subprocess.run([*gpg, "--armor", "--detach-sign"], input=data, check=True, capture_output=True).stdout

    yield public, fingerprint, sign
    home.cleanup()


def _serve(server, signing_key, *, hash_for=None, signature_of=None):
    public, fingerprint, sign = signing_key
    data = sample(ADVISORY).read_bytes()
    base = server.base
    metadata = {
        "canonical_url": f"{base}/.well-known/csaf/provider-metadata.json",
        "distributions": [{"rolie": {"feeds": [{"tlp_label": "WHITE", "url": f"{base}/csaf/feed-tlp-white.json"}]}}],
        "metadata_version": "2.0",
        "public_openpgp_keys": [{"fingerprint": fingerprint, "url": f"{base}/csaf/key.asc"}],
        "publisher": {"category": "vendor", "name": "Cisco", "namespace": "https://www.cisco.com"},
        "role": "csaf_trusted_provider",
    }
    doc = f"{base}/csaf/white/2025/cisco-sa-ios-xr-verii-bypass-hhpwqrvx.json"
    feed = {
        "feed": {
            "id": "example-csaf-feed-tlp-white",
            "entry": [
                {
                    "id": "cisco-sa-ios-xr-verii-bypass-HhPwQRvx",
                    "updated": "2025-03-12T15:22:33+00:00",
                    "content": {"type": "application/json", "src": doc},
                    "link": [
                        {"rel": "self", "href": doc},
                        {"rel": "hash", "href": doc + ".sha256"},
                        {"rel": "signature", "href": doc + ".asc"},
                    ],
                }
            ],
        }
    }
    digest = hashlib.sha256(hash_for if hash_for is not None else data).hexdigest()
    signature = sign(signature_of if signature_of is not None else data)
    path = "/csaf/white/2025/cisco-sa-ios-xr-verii-bypass-hhpwqrvx.json"
    server.routes["/.well-known/csaf/provider-metadata.json"] = lambda q, h: (200, {}, json.dumps(metadata).encode())
    server.routes["/csaf/feed-tlp-white.json"] = lambda q, h: (200, {}, json.dumps(feed).encode())
    server.routes["/csaf/key.asc"] = lambda q, h: (200, {}, public)
    server.routes[path] = lambda q, h: (200, {}, data)
    server.routes[path + ".sha256"] = lambda q, h: (200, {}, f"{digest}  cisco-sa.json\n".encode())
    server.routes[path + ".asc"] = lambda q, h: (200, {}, signature)
    return f"{base}/.well-known/csaf/provider-metadata.json"


def _database():
    return (
        sorted(Vulnerability.objects.values_list("vuln_id", "source")),
        sorted(ProductStatement.objects.values_list("vuln_id", "product", "status")),
        sorted(AdvisoryDocument.objects.values_list("document_id", "sha256")),
    )


def _sync():
    client = FeedHttpClient(sleep=lambda s: None, max_retries=0)
    try:
        return sync_feeds(sources=["csaf"], client=client)
    finally:
        client.close()


def test_csaf_sync_checks_hash_and_signature_then_loads_and_is_idempotent(settings, signing_key):
    with FeedServer() as server:
        settings.CSAF_PROVIDERS = [_serve(server, signing_key)]
        first = _sync()["csaf"]
        loaded = _database()
        second = _sync()["csaf"]

    assert loaded == (
        [("CVE-2025-20177", "csaf")],
        [("CVE-2025-20177", "Cisco IOS XR Software", "affected")],
        [("cisco-sa-ios-xr-verii-bypass-HhPwQRvx", hashlib.sha256(sample(ADVISORY).read_bytes()).hexdigest())],
    )
    assert (first.created, first.changed_ids) == (1, {"CVE-2025-20177"})
    assert (second.created, second.unchanged, second.changed_ids) == (0, 1, set())
    assert _database() == loaded


def test_csaf_sync_refuses_a_bad_hash_database_unchanged(settings, signing_key):
    with FeedServer() as server:
        settings.CSAF_PROVIDERS = [_serve(server, signing_key, hash_for=b"other bytes")]
        with pytest.raises(FeedSyncError) as failure:
            _sync()

    assert "does not match the published" in str(failure.value)
    assert "cisco-sa-ios-xr-verii-bypass-hhpwqrvx.json" in str(failure.value)
    assert _database() == ([], [], [])
    assert FeedRun.objects.get(source="csaf").status == "failed"


def test_csaf_sync_refuses_a_bad_signature_database_unchanged(settings, signing_key):
    with FeedServer() as server:
        settings.CSAF_PROVIDERS = [_serve(server, signing_key, signature_of=sample(OTHER).read_bytes())]
        with pytest.raises(FeedSyncError) as failure:
            _sync()

    assert "OpenPGP signature not valid" in str(failure.value)
    assert _database() == ([], [], [])


def test_csaf_sync_without_providers_does_nothing(settings):
    settings.CSAF_PROVIDERS = []
    result = _sync()["csaf"]
    assert result.messages == ["no CSAF provider configured (KOKUCHI_CSAF_PROVIDERS)"]
    assert _database() == ([], [], [])


def test_csaf_sync_through_a_directory_changes_csv_only_fetches_changed_documents(settings):
    data = sample(ADVISORY).read_bytes()
    fetched = []
    with FeedServer() as server:
        base = server.base
        metadata = {"distributions": [{"directory_url": f"{base}/csaf/white/"}], "metadata_version": "2.0"}
        changes = [b'"2025/cisco-sa-ios-xr-verii-bypass-hhpwqrvx.json","2025-03-12T15:22:33+00:00"\n']
        server.routes["/.well-known/csaf/provider-metadata.json"] = lambda q, h: (
            200,
            {},
            json.dumps(metadata).encode(),
        )
        server.routes["/csaf/white/changes.csv"] = lambda q, h: (200, {}, changes[0])
        path = "/csaf/white/2025/cisco-sa-ios-xr-verii-bypass-hhpwqrvx.json"

        def document(q, h):
            fetched.append(path)
            return 200, {}, data

        server.routes[path] = document
        # No .sha512 published (404): the .sha256 is checked.
        server.routes[path + ".sha256"] = lambda q, h: (200, {}, hashlib.sha256(data).hexdigest().encode())
        settings.CSAF_PROVIDERS = [f"{base}/.well-known/csaf/provider-metadata.json"]
        first = _sync()["csaf"]
        second = _sync()["csaf"]

    assert (first.created, second.created, second.unchanged) == (1, 0, 1)
    assert fetched == [path]
    assert _database()[1] == [("CVE-2025-20177", "Cisco IOS XR Software", "affected")]

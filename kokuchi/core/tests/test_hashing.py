"""One hasher for secret link tokens (acknowledgement links and notice links)."""

import hashlib

from kokuchi.core.hashing import token_sha256


def test_token_sha256_is_the_hex_sha256_of_the_utf8_token():
    assert token_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert token_sha256("トークン") == hashlib.sha256("トークン".encode()).hexdigest()

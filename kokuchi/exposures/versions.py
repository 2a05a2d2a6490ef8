"""Comparison of vendor firmware version strings.

Network-device firmware is rarely semver: ``Rev.15.02.29`` (Yamaha), ``7.2.4 build1396``
(Fortinet), ``17.9.4a`` / ``16.12.10a`` (Cisco IOS XE), ``6.0(2)A6(8)`` (Cisco NX-OS),
``12.5(1)SU8`` (Cisco UCM), ``v6 R4`` (JVN texts), ``24.00.04`` (Yamaha WLX). This module puts all
of them in one total order with these rules:

1. The string is lower-cased; NVD's escapes (``12.5\\(1\\)su8``) are removed; a leading label
   ``rev``, ``ver``, ``version``, ``バージョン``, ``firmware``, ``fw`` or ``v`` (with an optional dot)
   is dropped, so ``Rev.15.02.29`` = ``15.02.29`` and ``v6 R4`` = ``6 r4``.
2. The rest is split into tokens: runs of digits (numbers, compared numerically, so ``02`` = ``2``)
   and runs of letters (words). Every other character (``.``, ``-``, ``_``, space, parentheses)
   only separates tokens.
3. Token lists are compared position by position; the shorter list is padded with a zero, so
   ``1.0`` = ``1.0.0`` and ``16.12`` < ``16.12.1``.
4. At one position: a pre-release word (``alpha``, ``beta``, ``rc``, ``pre``, ``preview``, ``dev``,
   ``snapshot``) < any number < any other word. So ``1.0rc1`` < ``1.0`` < ``1.0a`` and
   ``17.9.4`` < ``17.9.4a`` < ``17.9.4b`` (Cisco's rebuild letters come after the plain release),
   ``7.2.4`` < ``7.2.4 build1396`` and ``14.0`` < ``14su3``. Two words compare alphabetically.

The order is total and consistent with equality of the normalised token lists (``parse_version``),
so it can be used as a sort key. Unparseable input (no token at all: ``""``, ``"-"``, ``"*"``) is
reported by ``parse_version`` returning ``None``; callers treat that as "version unknown".
"""

from __future__ import annotations

import re
from functools import lru_cache, total_ordering

PRE_RELEASE_WORDS = frozenset({"alpha", "beta", "rc", "pre", "preview", "dev", "snapshot"})
_LABEL_RE = re.compile(r"^\s*(?:version|ver|rev|firmware|fw|バージョン|v)\.?\s*(?=\d)", re.IGNORECASE)
_TOKEN_RE = re.compile(r"\d+|[a-z]+")

# Sort ranks of one token position (rule 4).
_PRE, _NUM, _WORD = 0, 1, 2
_PAD = (_NUM, 0, "")


# Keys are padded to this many tokens so that plain tuple comparison implements rule 3.
_WIDTH = 16


@total_ordering
class Version:
    """A parsed firmware version: comparable with <, ==, and hashable consistently with ==."""

    __slots__ = ("key", "text")

    def __init__(self, text: str, key: tuple[tuple[int, int, str], ...]) -> None:
        self.text = text
        tokens = list(key)
        while tokens and tokens[-1] == _PAD:
            tokens.pop()
        # Padding with the zero token makes "1.0" and "1.0.0" the same key, and lets Python
        # compare keys natively (a longer key only arises past _WIDTH tokens, then padded too).
        width = max(_WIDTH, len(tokens))
        self.key = tuple(tokens) + (_PAD,) * (width - len(tokens))

    def _aligned(self, other: Version) -> tuple[tuple, tuple]:
        a, b = self.key, other.key
        if len(a) != len(b):
            width = max(len(a), len(b))
            a, b = a + (_PAD,) * (width - len(a)), b + (_PAD,) * (width - len(b))
        return a, b

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return False
        if len(self.key) == len(other.key):
            return self.key == other.key
        a, b = self._aligned(other)
        return a == b

    def __lt__(self, other: Version) -> bool:
        if len(self.key) == len(other.key):
            return self.key < other.key
        a, b = self._aligned(other)
        return a < b

    def __hash__(self) -> int:
        key = list(self.key)
        while key and key[-1] == _PAD:
            key.pop()
        return hash(tuple(key))

    def __repr__(self) -> str:
        return f"Version({self.text!r})"


@lru_cache(maxsize=200_000)
def parse_version(text: str | None) -> Version | None:
    """Return the parsed version of `text`, or None when it holds no digit or letter."""
    if not text:
        return None
    normalised = text.replace("\\", "").strip().lower()
    normalised = _LABEL_RE.sub("", normalised)
    tokens = _TOKEN_RE.findall(normalised)
    if not tokens:
        return None
    key = []
    for token in tokens:
        if token.isdigit():
            key.append((_NUM, int(token), ""))
        elif token in PRE_RELEASE_WORDS:
            key.append((_PRE, 0, token))
        else:
            key.append((_WORD, 0, token))
    return Version(text, tuple(key))


def compare_versions(a: str, b: str) -> int:
    """Return -1, 0 or 1 as `a` sorts before, equal to or after `b`.

    Raise ValueError when either string holds no version at all.
    """
    va, vb = parse_version(a), parse_version(b)
    if va is None or vb is None:
        raise ValueError(f"not a version: {a if va is None else b!r}")
    if va == vb:
        return 0
    return -1 if va < vb else 1

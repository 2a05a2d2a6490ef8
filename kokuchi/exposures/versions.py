"""Comparison of vendor firmware version strings: one documented order for every vendor scheme.

Network-device firmware is rarely semver: ``Rev.14.01.33`` / ``Rev.15.02.29`` (Yamaha),
``S5.82.00``, ``7.2.5`` and ``7.2.4 build1396`` (Fortinet), ``10.2.4-h3`` (PAN-OS hotfix),
``15.03.06.48_multi_TDE01`` (vendor build tags), ``17.9.4a`` / ``16.12.10a`` (Cisco IOS XE),
``11.0(20.3)``, ``12.0(3.4)T1``, ``6.0(2)A6(8)`` (Cisco), ``12.5(1)SU8`` (Cisco UCM),
``1.1.2 Build 20231115`` (TP-Link), ``1.000A`` (letter-suffixed builds), ``v6 R4`` (JVN texts),
``24.00.04`` (Yamaha WLX) and the wildcard ``10.5.x`` (a whole series). This module puts all of them
in one total order with these rules:

1. The string is lower-cased; NVD's escapes (``12.5\\(1\\)su8``) are removed; a leading label
   ``rev``, ``ver``, ``version``, ``バージョン``, ``firmware``, ``fw`` or ``v`` (with an optional dot)
   is dropped, so ``Rev.15.02.29`` = ``15.02.29`` and ``v6 R4`` = ``6 r4``.
2. The rest is split into tokens: runs of digits (numbers, compared numerically, so ``02`` = ``2``)
   and runs of letters (words). Every other character (``.``, ``-``, ``_``, space, parentheses)
   only separates tokens: ``11.0(20.3)`` is 11, 0, 20, 3 and ``12.0(3.4)T1`` is 12, 0, 3, 4, t, 1.
   A ``x`` or ``*`` standing alone after a dot (``10.5.x``, ``3.6.*``) is the wildcard token.
3. Token lists are compared position by position; the shorter list is padded with a zero, so
   ``1.0`` = ``1.0.0`` and ``16.12`` < ``16.12.1``.
4. At one position: the wildcard < a pre-release word (``alpha``, ``beta``, ``rc``, ``pre``,
   ``preview``, ``dev``, ``snapshot``) < any number < any other word. So ``1.0rc1`` < ``1.0`` <
   ``1.0a`` and ``17.9.4`` < ``17.9.4a`` < ``17.9.4b`` (Cisco's rebuild letters come after the
   plain release), ``7.2.4`` < ``7.2.4 build1396`` < ``7.2.5``, ``10.2.4`` < ``10.2.4-h3`` <
   ``10.2.4-h10`` < ``10.2.5``, ``1.1.2`` < ``1.1.2 Build 20231115`` < ``1.1.2 Build 20240101``,
   ``1.000A`` < ``1.000B`` < ``1.014Q`` and ``14.0`` < ``14su3``. Two words compare alphabetically.
   A leading word that is not a label stays a word (``S5.82.00`` is s, 5, 82, 0): such versions
   compare as expected with versions of the same scheme (``S5.82.00`` < ``S5.83.00``).
5. Because the wildcard is the lowest token at its position, ``10.5.x`` sorts just before every
   ``10.5`` version (``10.4.9`` < ``10.5.x`` < ``10.5`` < ``10.5.0.1`` < ``10.5.8``). As a sort key
   it is the floor of its series; as a *bound* it means the whole series, which
   ``version_in_bounds`` implements: ``≤ 10.5.x`` admits every ``10.5…`` version and
   ``> 10.5.x`` only versions after the series, so 「10.5.x から 10.5.8 まで」 is the non-empty
   range 10.5.x ≤ v ≤ 10.5.8, and an exact ``10.5.x`` means every ``10.5…`` version.

The order is total and consistent with equality of the normalised token lists (``parse_version``),
so it can be used as a sort key: two versions are equal exactly when neither sorts before the
other, and an exact entry therefore matches only the same build (``1.1.2 Build 20231115`` is not
``1.1.2`` nor ``1.1.2 Build 20231116``). Unparseable input (no token at all: ``""``, ``"-"``,
``"*"``) is reported by ``parse_version`` returning ``None``; callers treat that as "version
unknown".
"""

from __future__ import annotations

import re
from functools import lru_cache, total_ordering

PRE_RELEASE_WORDS = frozenset({"alpha", "beta", "rc", "pre", "preview", "dev", "snapshot"})
_LABEL_RE = re.compile(r"^\s*(?:version|ver|rev|firmware|fw|バージョン|v)\.?\s*(?=\d)", re.IGNORECASE)
_TOKEN_RE = re.compile(r"\d+|[a-z]+|\x00")
# A lone "x" or "*" after a dot, before a dot or the end (10.5.x, 3.6.*): the wildcard (rule 2).
_WILDCARD_RE = re.compile(r"(?<=\.)[x*](?=\.|\s|$)")
_WILDCARD_MARK = "\x00"

# Sort ranks of one token position (rule 4).
_WILD, _PRE, _NUM, _WORD = -1, 0, 1, 2
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

    @property
    def series(self) -> tuple[tuple[int, int, str], ...] | None:
        """The tokens before the first wildcard (``10.5.x`` -> 10, 5), or None without one."""
        for index, token in enumerate(self.key):
            if token[0] == _WILD:
                return self.key[:index]
        return None

    def in_series(self, series: tuple[tuple[int, int, str], ...]) -> int:
        """-1, 0 or 1 as this version sorts before, inside or after the series (rule 5)."""
        head = self.key[: len(series)]
        if head == series:
            return 0
        return -1 if head < series else 1


@lru_cache(maxsize=200_000)
def parse_version(text: str | None) -> Version | None:
    """Return the parsed version of `text`, or None when it holds no digit or letter."""
    if not text:
        return None
    normalised = text.replace("\\", "").strip().lower()
    normalised = _LABEL_RE.sub("", normalised)
    normalised = _WILDCARD_RE.sub(_WILDCARD_MARK, normalised)
    tokens = _TOKEN_RE.findall(normalised)
    if not tokens:
        return None
    key = []
    for token in tokens:
        if token == _WILDCARD_MARK:
            key.append((_WILD, 0, ""))
        elif token.isdigit():
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


def version_in_bounds(
    version: Version,
    *,
    start: str | None = None,
    start_inclusive: bool = True,
    end: str | None = None,
    end_inclusive: bool = False,
    exact: str | None = None,
) -> bool:
    """Whether `version` lies within the bounds (a missing or unparseable bound is open).

    A bound with a wildcard stands for its whole series (rule 5): an exact ``10.5.x`` admits every
    ``10.5…`` version, an inclusive end ``10.5.x`` every version up to the end of the series, an
    exclusive start ``10.5.x`` only versions after it. An exact entry otherwise admits only the
    same build.
    """
    if exact:
        bound = parse_version(exact)
        if bound is None:
            return False
        series = bound.series
        return version.in_series(series) == 0 if series is not None else version == bound
    if start:
        bound = parse_version(start)
        if bound is not None:
            series = bound.series
            if series is not None and not start_inclusive:
                if version.in_series(series) <= 0:
                    return False
            elif version < bound or (version == bound and not start_inclusive):
                return False
    if end:
        bound = parse_version(end)
        if bound is not None:
            series = bound.series
            if series is not None and end_inclusive:
                if version.in_series(series) > 0:
                    return False
            elif version > bound or (version == bound and not end_inclusive):
                return False
    return True

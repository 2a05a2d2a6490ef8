"""CPE helpers: the one parser of CPE 2.3 formatted strings, their validation, and conversion from
CPE 2.2 URIs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cpe import CPE
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The formatted-string binding regex from NISTIR 7695 (CPE 2.3 Naming), §6.2.
_AVSTRING = r"((\*|\?+)?([A-Za-z0-9\-._]|(\\[\\*?!\"#$%&'()+,/:;<=>@\[\]^`{|}~]))+(\*|\?+)?|[*\-])"
CPE23_RE = re.compile(
    r"^cpe:2\.3:[aho*\-]"
    + (r":" + _AVSTRING) * 4
    + r":(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[*\-])"
    + (r":" + _AVSTRING) * 5
    + r"$"
)
_UNESCAPED_COLON = re.compile(r"(?<!\\):")


def is_cpe23(value: str) -> bool:
    return bool(CPE23_RE.match(value))


def validate_cpe23(value: str) -> None:
    """Django validator: the value must be a CPE 2.3 formatted string."""
    if value and not is_cpe23(value):
        raise ValidationError(
            _("%(value)s is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:…, 13 parts)."),
            params={"value": value},
            code="invalid_cpe",
        )


# A vendor attribute as NVD and JVN write it: lower case, no wildcard (CPE 2.3 Naming, §5.3.2).
CPE_VENDOR_RE = re.compile(r"^([a-z0-9\-._]|(\\[\\*?!\"#$%&'()+,/:;<=>@\[\]^`{|}~]))+$")


def is_cpe_vendor(value: str) -> bool:
    return bool(CPE_VENDOR_RE.match(value))


def cpe22_to_cpe23(uri: str) -> str:
    """Convert a CPE 2.2 URI (cpe:/h:vendor:product:version) to a CPE 2.3 formatted string."""

    return CPE(uri).as_fs()


CPE23_ATTRIBUTES = (
    "part",
    "vendor",
    "product",
    "version",
    "update",
    "edition",
    "language",
    "sw_edition",
    "target_sw",
    "target_hw",
    "other",
)


@dataclass(frozen=True)
class Cpe23:
    """A CPE 2.3 formatted string split into its eleven attributes, still escaped and lower-cased
    (CPE name matching ignores case, so every caller compares the same values)."""

    attrs: tuple[str, ...]

    @property
    def part(self) -> str:
        return self.attrs[0]

    @property
    def vendor(self) -> str:
        return self.attrs[1]

    @property
    def product(self) -> str:
        return self.attrs[2]

    @property
    def version(self) -> str:
        return self.attrs[3]

    @property
    def update(self) -> str:
        return self.attrs[4]

    @property
    def key(self) -> tuple[str, str, str]:
        """(part, vendor, product): what the vulnerability CPE index is keyed by."""
        return self.attrs[0], self.attrs[1], self.attrs[2]

    def with_version(self, version: str) -> Cpe23:
        return Cpe23(self.attrs[:3] + (version,) + self.attrs[4:])


@lru_cache(maxsize=100_000)
def parse_cpe23(value: str) -> Cpe23:
    """Split a CPE 2.3 formatted string (escaped colons respected, surrounding blanks ignored);
    raise ValueError when it does not have the 13 colon-separated fields of one."""
    text = value.strip()
    fields = text.split(":") if "\\" not in text else _UNESCAPED_COLON.split(text)
    if len(fields) != 13 or fields[0].lower() != "cpe" or fields[1] != "2.3":
        raise ValueError(f"not a CPE 2.3 formatted string: {value!r}")
    return Cpe23(tuple(field.lower() for field in fields[2:]))


def cpe23_key(value: str) -> tuple[str, str, str] | None:
    """(part, vendor, product) of a CPE 2.3 formatted string, or None when it is not one."""
    try:
        return parse_cpe23(value).key
    except ValueError:
        return None

"""CPE helpers: validation of CPE 2.3 formatted strings and conversion from CPE 2.2 URIs."""

from __future__ import annotations

import re

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


def cpe22_to_cpe23(uri: str) -> str:
    """Convert a CPE 2.2 URI (cpe:/h:vendor:product:version) to a CPE 2.3 formatted string."""

    return CPE(uri).as_fs()


def cpe23_parts(value: str) -> dict[str, str]:
    """Split a CPE 2.3 formatted string into its named attributes (escaped colons respected)."""
    names = (
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
    fields = re.split(r"(?<!\\):", value)
    if len(fields) != 13 or fields[:2] != ["cpe", "2.3"]:
        raise ValueError(f"not a CPE 2.3 formatted string: {value!r}")
    return dict(zip(names, fields[2:], strict=True))

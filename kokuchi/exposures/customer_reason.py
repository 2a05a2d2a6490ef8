"""Why an exposure concerns the customer, in words a business customer reads (S-VULN).

The staff explanation of a match (``Exposure.explanation``) is written for staff: it carries the
review mark, the matching method and the ranges as matching read them. Customers read this
reason instead, built from the exposure's structured fields only (its method, the firmware it was
matched on, the source of the vulnerability and the date staff confirmed a review candidate),
never from the staff text. It names the source in customer words and no internal figure or code.
"""

from __future__ import annotations

import datetime

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from kokuchi.exposures.matching import REVIEW_METHODS, Method

# Customer documents are Japanese whatever language the staff member who caused them reads.
CUSTOMER_LANGUAGE = "ja"

NVD = gettext_lazy("NVD (the US national vulnerability database)")
JVN = gettext_lazy("JVN iPedia (the Japanese vulnerability countermeasure database)")
CVE_RECORD = gettext_lazy("the CVE record")
CVE_RECORD_CISA = gettext_lazy("the CVE record (as supplemented by US CISA)")
MAKER_ADVISORY = gettext_lazy("the maker's security advisory")
CVE_RECORD_OR_MAKER = gettext_lazy("the CVE record or the maker's security advisory")
PUBLISHED_INFORMATION = gettext_lazy("the published vulnerability information")

# The source each method reads, in customer words. A firmware version that was not recorded is
# matched the same way against NVD and JVN data, so that method names no single source.
METHOD_SOURCES = {
    Method.NVD_EXACT: NVD,
    Method.NVD_RANGE: NVD,
    Method.NVD_ALL_VERSIONS: NVD,
    Method.NVD_VERSION_UNKNOWN: PUBLISHED_INFORMATION,
    Method.JVN_RANGE: JVN,
    Method.JVN_VENDOR_PRODUCT: JVN,
    Method.CVE5_CNA_RANGE: CVE_RECORD,
    Method.CVE5_ADP_RANGE: CVE_RECORD_CISA,
    Method.CSAF_RANGE: MAKER_ADVISORY,
    Method.STATEMENT_VERSION_UNKNOWN: CVE_RECORD_OR_MAKER,
}
# Who published a vulnerability's description (Vulnerability.source), for text candidates.
DESCRIPTION_SOURCES = {"nvd": NVD, "jvn": JVN, "cve5": CVE_RECORD, "csaf": MAKER_ADVISORY}


# The sentences; %(source)s is one of the sources above, %(firmware)s the firmware matched on.
IN_AFFECTED_VERSIONS = gettext_lazy(
    "Your firmware %(firmware)s is among the versions affected according to %(source)s."
)
EVERY_VERSION = gettext_lazy("According to %(source)s, every version of this product is affected.")
EVERY_VERSION_WITH_FIRMWARE = gettext_lazy(
    "According to %(source)s, every version of this product is affected (your firmware: %(firmware)s)."
)
FIRMWARE_NOT_RECORDED = gettext_lazy(
    "Your model is among the products affected according to %(source)s. We have not recorded "
    "its firmware version, so we inform you that it may be affected."
)
REVIEW_PENDING = gettext_lazy("We are checking whether your device is affected.")
REVIEWED_PUBLICATION = gettext_lazy("what %(source)s published")
REVIEWED_DESCRIPTION = gettext_lazy("the vulnerability description published by %(source)s")
CONFIRMED = gettext_lazy(
    "Our staff reviewed %(reviewed)s and judged that your firmware %(firmware)s is affected (reviewed on %(date)s)."
)
CONFIRMED_WITHOUT_FIRMWARE = gettext_lazy(
    "Our staff reviewed %(reviewed)s and judged that your device is affected (reviewed on %(date)s)."
)


def customer_source(*, method: str, vulnerability_source: str = "") -> str:
    """The source of a match in customer words (a text candidate: who published the description)."""
    with translation.override(CUSTOMER_LANGUAGE):
        if method == Method.TEXT_CANDIDATE:
            return str(DESCRIPTION_SOURCES.get(vulnerability_source, PUBLISHED_INFORMATION))
        return str(METHOD_SOURCES.get(method, PUBLISHED_INFORMATION))


def customer_reason(
    *,
    method: str,
    firmware: str,
    vulnerability_source: str = "",
    review_confirmed_on: datetime.date | None = None,
) -> str:
    """The reason a customer reads for one exposure: the firmware and the source that makes it
    affected, or, for a review candidate, that staff checked the source and when."""
    firmware = firmware.strip()
    source = customer_source(method=method, vulnerability_source=vulnerability_source)
    values = {"firmware": firmware, "source": source}
    with translation.override(CUSTOMER_LANGUAGE):
        if method in REVIEW_METHODS:
            return _review_reason(method, firmware, source, review_confirmed_on)
        if method == Method.NVD_ALL_VERSIONS:
            return str(EVERY_VERSION_WITH_FIRMWARE if firmware else EVERY_VERSION) % values
        if method == Method.NVD_VERSION_UNKNOWN or not firmware:
            return str(FIRMWARE_NOT_RECORDED) % values
        return str(IN_AFFECTED_VERSIONS) % values


def _review_reason(method: str, firmware: str, source: str, confirmed_on: datetime.date | None) -> str:
    if confirmed_on is None:
        # Review candidates reach customers only once confirmed; said plainly should one slip through.
        return str(REVIEW_PENDING)
    reviewed = REVIEWED_DESCRIPTION if method == Method.TEXT_CANDIDATE else REVIEWED_PUBLICATION
    values = {
        "reviewed": str(reviewed) % {"source": source},
        "firmware": firmware,
        "date": date_format(confirmed_on, "DATE_FORMAT"),
    }
    return str(CONFIRMED if firmware else CONFIRMED_WITHOUT_FIRMWARE) % values

"""The send step: the open customer links this staff user created, each with its URL ready to
copy and as a QR code for handing over in person."""

from __future__ import annotations

from dataclasses import dataclass

import segno
from django.utils.safestring import SafeString, mark_safe

from kokuchi.acknowledgements.models import CustomerLink

# At most this many customer links are kept in a staff user's session for the send panel.
SESSION_LINKS_KEPT = 20
SESSION_LINKS_KEY = "customer_links"


def remember_customer_link(request, *, link_pk: int, url: str) -> None:
    links = dict(request.session.get(SESSION_LINKS_KEY, {}))
    links[str(link_pk)] = url
    request.session[SESSION_LINKS_KEY] = dict(list(links.items())[-SESSION_LINKS_KEPT:])


def remembered_links(request) -> dict[str, str]:
    """The customer links this staff user created in this session, by link primary key."""
    session = getattr(request, "session", None)
    return dict(session.get(SESSION_LINKS_KEY, {})) if session is not None else {}


@dataclass(frozen=True)
class SendableLink:
    link: CustomerLink
    url: str
    qr_svg: SafeString


def qr_svg(url: str) -> SafeString:
    """The URL as an inline SVG QR code (no style attributes, so a strict CSP allows it)."""
    # segno writes only its own markup and numbers; the URL is encoded in the path, not as text.
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, title="QR", dark="#000", light="#fff"))


def send_links(status, remembered: dict[str, str]) -> list[SendableLink]:
    """The open links of the deal whose URL this staff user still has (created in this session)."""
    rows = []
    for link in getattr(status, "links", None) or []:
        url = remembered.get(str(link.pk))
        if url and not link.is_revoked and not link.is_expired():
            rows.append(SendableLink(link=link, url=url, qr_svg=qr_svg(url)))
    return rows

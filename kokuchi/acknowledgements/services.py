"""Acknowledgement workflows: customer links, the acknowledgement itself (link, in person, paper),
the signed receipt, and the evidence events each step appends."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kokuchi.acknowledgements.models import (
    DEFAULT_LINK_DAYS,
    AckItem,
    AckMethod,
    Acknowledgement,
    CustomerLink,
    CustomerLinkView,
)
from kokuchi.acknowledgements.selectors import required_items
from kokuchi.acknowledgements.signals import disclosure_acknowledged
from kokuchi.core.hashing import token_sha256
from kokuchi.core.models import Reseller
from kokuchi.core.pdf import attach_file, render_pdf
from kokuchi.customers.models import Contact
from kokuchi.disclosures.models import Disclosure, DisclosureVersion
from kokuchi.evidence.models import Channel, CheckpointReason
from kokuchi.evidence.services import (
    Actor,
    Origin,
    Subject,
    anchor_event,
    anchor_fingerprint,
    record_acknowledged_event,
    record_link_created_event,
    record_link_opened_event,
    record_receipt_issued_event,
    record_revoked_event,
    record_scan_uploaded_event,
    store_file,
)
from kokuchi.evidence.signing import sign_pdf
from kokuchi.evidence.verification import RECEIPT_ANCHOR_NAME

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits from the OS CSPRNG
MAX_SCAN_BYTES = 10 * 1024 * 1024
MAX_SIGNATURE_BYTES = 512 * 1024
SCAN_TYPES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
METHOD_CHANNEL = {
    AckMethod.CUSTOMER_LINK: Channel.CUSTOMER_LINK,
    AckMethod.IN_PERSON: Channel.IN_PERSON,
    AckMethod.PAPER: Channel.PAPER,
}


class AlreadyAcknowledged(Exception):
    """The version has an acknowledgement already; `acknowledgement` is that one."""

    def __init__(self, acknowledgement: Acknowledgement):
        super().__init__(f"Disclosure version {acknowledgement.version_id} is already acknowledged.")
        self.acknowledgement = acknowledgement


class LinkRefused(Exception):
    """A customer link that exists but cannot be used; `reason` is one of expired, revoked, replaced (by a
    reminder's fresh link), superseded."""

    def __init__(self, link: CustomerLink, reason: str):
        super().__init__(f"Customer link {link.pk} refused: {reason}.")
        self.link = link
        self.reason = reason


def _subject(version: DisclosureVersion, files=()) -> Subject:
    return Subject(
        deal_number=version.disclosure.deal.number,
        disclosure_version_id=version.pk,
        document_sha256=version.sha256,
        files=tuple(files),
    )


def customer_link_url(token: str) -> str:
    return settings.SITE_URL + reverse("acknowledgements:customer", args=[token])


@dataclass(frozen=True)
class NewLink:
    """A created link and its token: the token exists only here and in the e-mail, never in the database."""

    link: CustomerLink
    token: str
    url: str
    emailed: bool
    # Why the e-mail was not sent (empty when it was, or when the contact has no address).
    email_error: str = ""


def create_customer_link(
    *,
    version: DisclosureVersion,
    created_by,
    origin: Origin,
    contact: Contact | None = None,
    days: int = DEFAULT_LINK_DAYS,
) -> NewLink:
    """Create a link for one version, e-mail it to the contact when it has an address, record `link_created`."""
    if version.superseded_by_id is not None:
        raise ValidationError(_("A superseded disclosure version cannot be sent for acknowledgement."))
    if Acknowledgement.objects.filter(version=version).exists():
        raise ValidationError(_("This disclosure version is already acknowledged."))
    if not 1 <= days <= 90:
        raise ValidationError({"days": _("A link is valid for 1 to 90 days.")})
    if contact is not None and contact.customer_id != version.disclosure.deal.customer_id:
        raise ValidationError({"contact": _("The contact is not one of the deal's customer's contacts.")})
    now = timezone.now()
    with transaction.atomic():
        link, token = insert_customer_link(
            version=version,
            contact=contact,
            recipient_email=contact.email if contact else "",
            created_by=created_by,
            actor=Actor.from_user(created_by),
            origin=origin,
            created_at=now,
            expires_at=now + datetime.timedelta(days=days),
        )
    url = customer_link_url(token)
    emailed = False
    email_error = ""
    if link.recipient_email:
        try:
            _send_link_email(link=link, url=url)
            emailed = True
            link.emailed_at = timezone.now()
            link.save(update_fields=["emailed_at"])
        except Exception as error:
            # Whatever fails (connection, a misconfigured mailer, a template), the link exists and its
            # URL can never be shown again: staff must still see it, with the reason, to send it another way.
            email_error = f"{type(error).__name__}: {error}"[:500]
            logger.exception("Could not e-mail customer link %s to %s", link.pk, link.recipient_email)
    return NewLink(link=link, token=token, url=url, emailed=emailed, email_error=email_error)


def insert_customer_link(
    *,
    version: DisclosureVersion,
    contact: Contact | None,
    recipient_email: str,
    created_by,
    actor: Actor,
    origin: Origin,
    created_at: datetime.datetime,
    expires_at: datetime.datetime,
    reminder_of: CustomerLink | None = None,
) -> tuple[CustomerLink, str]:
    """Save a new link with a fresh token and record `link_created`; call inside a transaction.

    Returns the link and its token, which exists nowhere else. No checks, no e-mail: the callers
    (staff sending a link, a reminder replacing one) do those.
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = CustomerLink(
        version=version,
        token_sha256=token_sha256(token),
        contact=contact,
        recipient_email=recipient_email,
        created_by=created_by,
        created_at=created_at,
        expires_at=expires_at,
        reminder_of=reminder_of,
        reminder_number=reminder_of.reminder_number + 1 if reminder_of else 0,
    )
    link.full_clean(validate_constraints=False)
    link.save()
    record_link_created_event(
        actor=actor,
        origin=origin,
        subject=_subject(version),
        link_id=link.pk,
        expires_at=link.expires_at,
        recipient=link.recipient_email,
        reminder_of_link_id=reminder_of.pk if reminder_of else None,
    )
    return link, token


def _send_link_email(*, link: CustomerLink, url: str) -> None:
    reseller = Reseller.get()
    with translation.override("ja"):
        context = {
            "link": link,
            "url": url,
            "reseller": reseller,
            "version": link.version,
            "deal": link.version.disclosure.deal,
            "contact": link.contact,
            "expires_at": timezone.localtime(link.expires_at),
        }
        subject = render_to_string("acknowledgements/email/link_subject.txt", context).strip()
        body = render_to_string("acknowledgements/email/link_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [link.recipient_email])


def resolve_customer_link(token: str) -> CustomerLink | None:
    """Return the link a token opens, or None when no link has this token. Raises LinkRefused when the
    link exists but is revoked, expired, or its version was superseded."""
    link = (
        CustomerLink.objects.select_related("version__disclosure__deal__customer")
        .filter(token_sha256=token_sha256(token))
        .first()
    )
    if link is None:
        return None
    if link.is_revoked:
        raise LinkRefused(link, "replaced" if link.replaced_by_reminder() else "revoked")
    if link.is_expired():
        raise LinkRefused(link, "expired")
    if link.version.superseded_by_id is not None:
        raise LinkRefused(link, "superseded")
    return link


def record_link_opened(*, link: CustomerLink, origin: Origin) -> bool:
    """Count a view of the customer page; only the first view of a link per day (JST) becomes an
    evidence event, so reloading the page cannot flood the append-only log. True when it did."""
    day = timezone.localdate()
    with transaction.atomic():
        try:
            with transaction.atomic():
                CustomerLinkView.objects.create(link=link, day=day, first_viewed_at=timezone.now(), views=1)
        except IntegrityError:
            CustomerLinkView.objects.filter(link=link, day=day).update(views=F("views") + 1)
            return False
        # Who holds the link is not known until the signer gives a name: the actor names the link.
        record_link_opened_event(
            actor=Actor.signer(f"customer link #{link.pk}"),
            origin=origin,
            subject=_subject(link.version),
            link_id=link.pk,
        )
    return True


def revoke_customer_link(
    *, link: CustomerLink, revoked_by, origin: Origin, reason: str = "", actor: Actor | None = None
) -> CustomerLink:
    """Revoke a link; `revoked_by` is the staff user, or None with an `actor` for Kokuchi's own jobs."""
    with transaction.atomic():
        link = CustomerLink.objects.select_for_update().get(pk=link.pk)
        if link.revoked_at is not None:
            return link
        link.revoked_at = timezone.now()
        link.revoked_by = revoked_by
        link.save(update_fields=["revoked_at", "revoked_by"])
        record_revoked_event(
            actor=actor or Actor.from_user(revoked_by),
            origin=origin,
            subject=_subject(link.version),
            what="customer_link",
            object_id=link.pk,
            reason=reason,
        )
    return link


def detect_scan_type(content: bytes) -> tuple[str, str]:
    """Return (content type, extension) from the file's magic bytes; ValidationError when not PDF/JPEG/PNG."""
    for magic, content_type, extension in SCAN_TYPES:
        if content.startswith(magic):
            return content_type, extension
    raise ValidationError({"scan": _("The scan must be a PDF, JPEG or PNG file (checked from its content).")})


def read_scan(uploaded) -> tuple[bytes, str, str]:
    """Read an uploaded scan with the size limit and the type check; returns (bytes, content type, extension)."""
    if uploaded.size > MAX_SCAN_BYTES:
        limit = MAX_SCAN_BYTES // (1024 * 1024)
        raise ValidationError({"scan": _("The scan is larger than %(mb)d MB.") % {"mb": limit}})
    content = uploaded.read()
    if not content:
        raise ValidationError({"scan": _("The scan is empty.")})
    content_type, extension = detect_scan_type(content)
    return content, content_type, extension


def decode_signature(data_url: str) -> bytes:
    """Decode a canvas signature (data:image/png;base64,…) into PNG bytes."""
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise ValidationError({"signature": _("The drawn signature must be a PNG data URL.")})
    try:
        png = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationError({"signature": _("The drawn signature is not valid base64.")}) from error
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValidationError({"signature": _("The drawn signature is not a PNG image.")})
    if len(png) > MAX_SIGNATURE_BYTES:
        raise ValidationError({"signature": _("The drawn signature image is too large.")})
    return png


@dataclass(frozen=True)
class Signer:
    name: str
    company: str
    title: str = ""

    def as_json(self) -> dict:
        return {"name": self.name, "title": self.title, "company": self.company}


def _check_items(version: DisclosureVersion, items: list[str]) -> list[str]:
    needed = required_items(version)
    unknown = [item for item in items if item not in AckItem.values]
    if unknown:
        raise ValidationError({"items": _("Unknown confirmation item(s): %(items)s.") % {"items": ", ".join(unknown)}})
    missing = [item for item in needed if item not in items]
    if missing:
        raise ValidationError(
            {"items": _("Every item must be confirmed; missing: %(items)s.") % {"items": ", ".join(missing)}}
        )
    return list(needed)  # in document order; items that do not apply are not recorded


def record_acknowledgement(
    *,
    version: DisclosureVersion,
    method: str,
    items: list[str],
    signer: Signer,
    origin: Origin,
    staff=None,
    link: CustomerLink | None = None,
    typed_signature: str = "",
    signature_png: bytes | None = None,
    scan: tuple[bytes, str, str] | None = None,
    scan_name: str = "",
) -> Acknowledgement:
    """Record the acknowledgement of a version, render and sign its receipt, and append the evidence.

    Serialised per disclosure: a second submission (double click, second tab) raises AlreadyAcknowledged
    with the first acknowledgement, so one version never has two.
    """
    if method not in AckMethod.values:
        raise ValidationError({"method": _("Unknown method %(method)s.") % {"method": method}})
    if not signer.name.strip() or not signer.company.strip():
        raise ValidationError({"signer": _("The signer's name and company are required.")})
    if method == AckMethod.CUSTOMER_LINK and link is None:
        raise ValidationError({"link": _("A customer-link acknowledgement needs its link.")})
    if method in (AckMethod.IN_PERSON, AckMethod.PAPER) and staff is None:
        raise ValidationError({"staff": _("In-person and paper acknowledgements record the staff member.")})
    if method == AckMethod.IN_PERSON and not (typed_signature.strip() or signature_png):
        raise ValidationError({"signature": _("Draw or type the signature.")})
    if method == AckMethod.PAPER and scan is None:
        raise ValidationError({"scan": _("Upload the signed scan.")})
    confirmed = _check_items(version, items)
    try:
        with transaction.atomic():
            # Lock the disclosure so that concurrent submissions for its versions queue up here.
            Disclosure.objects.select_for_update().get(pk=version.disclosure_id)
            version = DisclosureVersion.objects.select_related("disclosure__deal__customer").get(pk=version.pk)
            existing = Acknowledgement.objects.filter(version=version).first()
            if existing is not None:
                raise AlreadyAcknowledged(existing)
            if version.superseded_by_id is not None:
                raise ValidationError(_("This disclosure version was superseded by a newer one."))
            return _create_acknowledgement(
                version=version,
                method=method,
                items=confirmed,
                signer=signer,
                origin=origin,
                staff=staff,
                link=link,
                typed_signature=typed_signature,
                signature_png=signature_png,
                scan=scan,
                scan_name=scan_name,
            )
    except IntegrityError as error:
        # Two submissions passed the check at once (possible only without row locks): the first one won.
        existing = Acknowledgement.objects.filter(version_id=version.pk).first()
        if existing is None:
            raise
        raise AlreadyAcknowledged(existing) from error


def _create_acknowledgement(
    *, version, method, items, signer, origin, staff, link, typed_signature, signature_png, scan, scan_name
) -> Acknowledgement:
    suffix = secrets.token_hex(6)  # stored names are not guessable from the document number
    acknowledgement = Acknowledgement(
        version=version,
        method=method,
        items=items,
        signer_name=signer.name.strip(),
        signer_title=signer.title.strip(),
        signer_company=signer.company.strip(),
        typed_signature=typed_signature.strip(),
        staff=staff,
        link=link,
        acknowledged_at=timezone.now(),
        ip_address=origin.ip_address,
        user_agent=origin.user_agent[:500],
    )
    files = []
    if signature_png:
        stored = store_file(content=signature_png, name=f"signatures/{version.document_number}-{suffix}.png")
        acknowledgement.signature_path, acknowledgement.signature_sha256 = stored.path, stored.sha256
        files.append(stored)
    scan_file = None
    if scan is not None:
        content, content_type, extension = scan
        scan_file = store_file(content=content, name=f"scans/{version.document_number}-{suffix}.{extension}")
        acknowledgement.scan_path, acknowledgement.scan_sha256 = scan_file.path, scan_file.sha256
        acknowledgement.scan_content_type = content_type
    acknowledgement.full_clean()
    acknowledgement.save()
    channel_origin = Origin(channel=METHOD_CHANNEL[method], ip_address=origin.ip_address, user_agent=origin.user_agent)
    if scan_file is not None:
        record_scan_uploaded_event(
            actor=Actor.from_user(staff),
            origin=channel_origin,
            subject=_subject(version, [scan_file]),
            original_name=scan_name,
            content_type=acknowledgement.scan_content_type,
            size=len(scan[0]),
        )
    actor = Actor.from_user(staff) if method != AckMethod.CUSTOMER_LINK else Actor.signer(signer.name)
    acknowledged = record_acknowledged_event(
        actor=actor,
        origin=channel_origin,
        subject=_subject(version, files),
        acknowledgement_id=acknowledgement.pk,
        items=items,
        signer=signer.as_json(),
        staff=staff.get_username() if staff else "",
    )
    # The receipt the customer keeps carries the signed checkpoint that includes this event, so a
    # later rewrite of the log contradicts it; the receipt itself is recorded by the next event.
    anchor = anchor_event(event=acknowledged, reason=CheckpointReason.ACKNOWLEDGED)
    receipt = store_file(
        content=render_receipt_pdf(acknowledgement, signature_png=signature_png, anchor=anchor),
        name=f"receipts/{version.document_number}-{suffix}.pdf",
    )
    acknowledgement.receipt_path, acknowledgement.receipt_sha256 = receipt.path, receipt.sha256
    acknowledgement.save(update_fields=["receipt_path", "receipt_sha256"])
    record_receipt_issued_event(
        actor=actor,
        origin=channel_origin,
        subject=_subject(version, [receipt]),
        acknowledgement_id=acknowledgement.pk,
        anchor=anchor,
    )
    transaction.on_commit(lambda: disclosure_acknowledged.send(sender=Acknowledgement, acknowledgement=acknowledgement))
    return acknowledgement


def render_receipt_pdf(
    acknowledgement: Acknowledgement, *, signature_png: bytes | None = None, anchor: dict | None = None
) -> bytes:
    """The acknowledgement receipt (受領確認書): who, when, which items, the document's sha256; with the
    evidence anchor (event hash, signed checkpoint, inclusion proof) embedded as kokuchi-anchor.json
    and its fingerprint printed; PAdES-signed."""
    version = acknowledgement.version
    reseller = Reseller.get()
    signature_data_url = (
        "data:image/png;base64," + base64.b64encode(signature_png).decode("ascii") if signature_png else ""
    )
    with translation.override("ja"):
        html = render_to_string(
            "acknowledgements/receipt.html",
            {
                "ack": acknowledgement,
                "version": version,
                "deal": version.disclosure.deal,
                "customer": version.disclosure.deal.customer,
                "reseller": reseller,
                "items": acknowledgement.item_labels(),
                "signature_data_url": signature_data_url,
                "acknowledged_at": timezone.localtime(acknowledgement.acknowledged_at),
                "anchor": anchor,
                "anchor_fingerprint": anchor_fingerprint(anchor) if anchor else "",
            },
        )
    pdf = render_pdf(html)
    if anchor is not None:
        pdf = attach_file(
            pdf,
            name=RECEIPT_ANCHOR_NAME,
            content=json.dumps(anchor, ensure_ascii=False, indent=1).encode("utf-8"),
            mime_type="application/json",
            description="Kokuchi evidence anchor: event hash, signed checkpoint, inclusion proof (RFC 9162)",
        )
    return sign_pdf(pdf, reason=f"受領確認書 {version.document_number}", location=reseller.address)

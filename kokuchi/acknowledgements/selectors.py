"""Reads across disclosures, acknowledgements and evidence: what a deal still needs, compliance,
search by the 電子帳簿保存法 keys, and the document check that `kokuchi evidence verify` runs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import UTC

from django.conf import settings
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kokuchi.acknowledgements.models import ITEM_REQUIREMENTS, AckItem, Acknowledgement, CustomerLink
from kokuchi.catalog.models import MAINTENANCE_KINDS
from kokuchi.core.hashing import sha256_hex
from kokuchi.core.models import Reseller
from kokuchi.deals.models import Deal, DealLine, ProposalResponse
from kokuchi.disclosures.content import DISCLOSURE_REQUIRED_IDS, REQUIREMENT_LABELS
from kokuchi.disclosures.models import DisclosureVersion
from kokuchi.disclosures.services import DATA_REQ_RE
from kokuchi.evidence.models import EventType, EvidenceEvent


def maintenance_declined(deal: Deal) -> bool:
    """True when the customer contracts no maintenance in this deal (declined, or none accepted): then the
    customer's own tasks and its acceptance of the risk need an explicit confirmation (G5.3)."""
    maintenance = deal.proposed_plans.filter(plan__kind__in=MAINTENANCE_KINDS)
    if maintenance.filter(response=ProposalResponse.DECLINED).exists():
        return True
    return not maintenance.filter(response=ProposalResponse.ACCEPTED).exists()


def required_items(version: DisclosureVersion) -> list[str]:
    """The items the signer must tick for this version: G5.2-1, G5.2-2, G5.2-3, and G5.3 when it applies."""
    items = [AckItem.PAID_SERVICES, AckItem.DISCLAIMERS, AckItem.INFORMATION_SOURCE]
    if maintenance_declined(version.disclosure.deal):
        items.append(AckItem.OWN_TASKS)
    return [str(item) for item in items]


def disclosed_requirement_ids(version: DisclosureVersion) -> list[str]:
    """Requirement IDs the frozen document carries as data-req sections."""
    found = set(DATA_REQ_RE.findall(version.html))
    return [req_id for req_id in DISCLOSURE_REQUIRED_IDS if req_id in found]


@dataclass
class ComplianceRow:
    requirement_id: str
    disclosed: bool
    acknowledged: bool
    needs_acknowledgement: bool

    @property
    def label(self) -> str:
        """What the requirement covers, in plain words (the ID is shown beside it as a tag)."""
        return str(REQUIREMENT_LABELS.get(self.requirement_id, self.requirement_id))


@dataclass
class DealAckStatus:
    """Where a deal stands: its current version, whether it is acknowledged, and what is needed."""

    deal: Deal
    versions: list[DisclosureVersion]
    current: DisclosureVersion | None
    acknowledgement: Acknowledgement | None
    previously_acknowledged: DisclosureVersion | None
    links: list[CustomerLink]
    events: list[EvidenceEvent]
    compliance: list[ComplianceRow] = field(default_factory=list)
    # Every version, newest first, with its acknowledgement (None when not acknowledged).
    history: list[tuple[DisclosureVersion, Acknowledgement | None]] = field(default_factory=list)
    retention_years: int = 10
    retain_until: datetime.date | None = None

    @property
    def needs_reacknowledgement(self) -> bool:
        """A newer version replaced an acknowledged one and is not yet acknowledged itself."""
        return self.current is not None and self.acknowledgement is None and self.previously_acknowledged is not None

    @property
    def awaiting_acknowledgement(self) -> bool:
        return self.current is not None and self.acknowledgement is None

    @property
    def reminders_sent(self) -> list[CustomerLink]:
        """The reminder links of the current version whose e-mail went out, the latest first."""
        sent = [
            link
            for link in self.links
            if self.current is not None
            and link.version_id == self.current.pk
            and link.reminder_number
            and link.emailed_at is not None
        ]
        return sorted(sent, key=lambda link: link.emailed_at or link.created_at, reverse=True)


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def deal_ack_status(deal: Deal) -> DealAckStatus:
    # The PDF bytes stay in the database; only the current version's HTML is read (compliance).
    versions = list(
        DisclosureVersion.objects.filter(disclosure__deal=deal)
        .select_related("issued_by")
        .defer("pdf")
        .order_by("-number")
    )
    current = next((v for v in versions if v.superseded_by_id is None), None)
    acknowledgements = {
        a.version_id: a for a in Acknowledgement.objects.filter(version__in=versions).select_related("staff")
    }
    previously = next((v for v in versions if v is not current and v.pk in acknowledgements), None)
    acknowledgement = acknowledgements.get(current.pk) if current else None
    reseller = Reseller.get()
    first_issue = min((v.issued_at for v in versions), default=None)
    status = DealAckStatus(
        deal=deal,
        versions=versions,
        current=current,
        acknowledgement=acknowledgement,
        previously_acknowledged=previously,
        links=list(CustomerLink.objects.filter(version__in=versions).select_related("version", "created_by")),
        events=list(EvidenceEvent.objects.filter(deal_number=deal.number).order_by("sequence")),
        retention_years=reseller.retention_years,
        retain_until=(_add_years(timezone.localdate(first_issue), reseller.retention_years) if first_issue else None),
    )
    status.history = [(version, acknowledgements.get(version.pk)) for version in versions]
    if current is not None:
        status.compliance = compliance_rows(current, acknowledgement)
    return status


def reminder_wait_days(link: CustomerLink) -> int:
    """Days after its sending that an unanswered link is reminded: the first wait, then the interval."""
    days = settings.ACK_REMINDER_AFTER_DAYS if link.reminder_number == 0 else settings.ACK_REMINDER_INTERVAL_DAYS
    # At least a day, so that a reminder sent today is never due again the same day.
    return max(1, days)


def links_due_for_reminder(*, at: datetime.datetime) -> list[CustomerLink]:
    """Open, e-mailable links of current, unacknowledged versions whose wait has passed at `at`.

    A link counts from the (local) day it was sent; a link replaced by a reminder is revoked, so only
    the latest link of each chain is found; at most ACK_REMINDER_MAX reminders follow a staff link.
    """
    if settings.ACK_REMINDER_MAX <= 0:
        return []
    today = timezone.localdate(at)
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    open_reminder = CustomerLink.objects.filter(reminder_of=OuterRef("pk"), revoked_at__isnull=True)
    candidates = (
        CustomerLink.objects.filter(
            revoked_at__isnull=True,
            expires_at__gt=at,
            created_at__lt=start_of_today,
            reminder_number__lt=settings.ACK_REMINDER_MAX,
            version__superseded_by__isnull=True,
            version__acknowledgement__isnull=True,
        )
        .exclude(recipient_email="")
        .exclude(Exists(open_reminder))
        .select_related("version__disclosure__deal__customer", "contact", "created_by")
        .order_by("created_at", "pk")
    )
    return [
        link
        for link in candidates
        if timezone.localdate(link.created_at) + datetime.timedelta(days=reminder_wait_days(link)) <= today
    ]


def compliance_rows(version: DisclosureVersion, acknowledgement: Acknowledgement | None) -> list[ComplianceRow]:
    """Per requirement ID: carried by the document, confirmed by the signer, and whether it needs confirming."""
    disclosed = set(disclosed_requirement_ids(version))
    needed = {req for item in required_items(version) for req in ITEM_REQUIREMENTS[item]}
    acknowledged = (
        {req for item in acknowledgement.items for req in ITEM_REQUIREMENTS.get(item, ())} if acknowledgement else set()
    )
    return [
        ComplianceRow(
            requirement_id=req_id,
            disclosed=req_id in disclosed,
            acknowledged=req_id in acknowledged,
            needs_acknowledgement=req_id in needed,
        )
        for req_id in DISCLOSURE_REQUIRED_IDS
    ]


def deals_without_acknowledgement() -> QuerySet[Deal]:
    """Delivered deals whose current disclosure is not acknowledged (or that have none issued)."""
    acknowledged = DisclosureVersion.objects.filter(superseded_by__isnull=True, acknowledgement__isnull=False)
    return (
        Deal.objects.delivered()
        .exclude(pk__in=acknowledged.values("disclosure__deal_id"))
        .select_related("customer")
        .order_by("delivered_on", "number")
    )


def _deal_subtotal():
    lines = (
        DealLine.objects.filter(deal_id=OuterRef("disclosure__deal_id"))
        .order_by()
        .values("deal_id")
        .annotate(total=Sum(F("quantity") * F("unit_price")))
        .values("total")
    )
    return Coalesce(Subquery(lines, output_field=IntegerField()), Value(0))


def search_disclosures(
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    customer: str = "",
    amount_min: int | None = None,
    amount_max: int | None = None,
) -> QuerySet[DisclosureVersion]:
    """Issued versions by the 電子帳簿保存法 search keys: issue date (JST) range, customer, and the deal's
    amount incl. 消費税 (range). The tax is the deal's rule: 10 % rounded down."""
    versions = (
        DisclosureVersion.objects.select_related("disclosure__deal__customer")
        .defer("pdf", "html")
        .annotate(subtotal=_deal_subtotal())
        .annotate(amount=F("subtotal") + F("subtotal") / 10)
        .order_by("-issued_at", "-pk")
    )
    tz = timezone.get_current_timezone()
    if date_from:
        versions = versions.filter(issued_at__gte=datetime.datetime.combine(date_from, datetime.time(), tzinfo=tz))
    # The last day the calendar has (9999-12-31) has no next day: no upper bound then.
    if date_to and date_to < datetime.date.max:
        end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
        versions = versions.filter(issued_at__lt=end)
    if customer:
        versions = versions.filter(
            Q(disclosure__deal__customer__name__icontains=customer)
            | Q(disclosure__deal__customer__customer_code__iexact=customer)
        )
    if amount_min is not None:
        versions = versions.filter(amount__gte=amount_min)
    if amount_max is not None:
        versions = versions.filter(amount__lte=amount_max)
    return versions


def check_disclosure_document(event: EvidenceEvent) -> str | None:
    """Evidence check: the disclosure version an event names still holds the PDF with the recorded sha256."""
    if event.disclosure_version_id is None or not event.document_sha256:
        return None
    version = DisclosureVersion.objects.filter(pk=event.disclosure_version_id).only("sha256", "pdf").first()
    if version is None:
        return f"disclosure version {event.disclosure_version_id} no longer exists"
    if version.sha256 != event.document_sha256:
        return (
            f"disclosure version {event.disclosure_version_id} has sha256 {version.sha256}, "
            f"the event recorded {event.document_sha256} (document replaced)"
        )
    actual = sha256_hex(bytes(version.pdf))
    if actual != version.sha256:
        return f"disclosure version {event.disclosure_version_id}: stored PDF has sha256 {actual} (PDF changed)"
    return None


def receipt_anchor(acknowledgement: Acknowledgement) -> dict | None:
    """The evidence anchor the acknowledgement's receipt carries (None for receipts from before anchors)."""
    event = (
        EvidenceEvent.objects.filter(
            event_type=EventType.RECEIPT_ISSUED, disclosure_version_id=acknowledgement.version_id
        )
        .order_by("sequence")
        .first()
    )
    if event is None:
        return None
    anchor = event.parameters.get("anchor")
    return anchor if isinstance(anchor, dict) else None


def _document_problems() -> list[str]:
    """Each disclosure version an event names still holds the PDF with the recorded sha256 (read once)."""
    pairs: set[tuple[int, str]] = {
        (version_id, sha256)
        for version_id, sha256 in EvidenceEvent.objects.exclude(disclosure_version_id=None)
        .exclude(document_sha256="")
        .values_list("disclosure_version_id", "document_sha256")
        .distinct()
        if version_id is not None
    }
    versions = {
        v.pk: v for v in DisclosureVersion.objects.filter(pk__in={pk for pk, _sha in pairs}).only("sha256", "pdf")
    }
    problems = []
    for version_id, recorded in sorted(pairs):
        version = versions.get(version_id)
        if version is None:
            problems.append(f"disclosure version {version_id}: no longer exists (row deleted)")
        elif version.sha256 != recorded:
            problems.append(
                f"disclosure version {version_id}: has sha256 {version.sha256}, an event recorded {recorded} "
                f"(document replaced)"
            )
    for version in versions.values():
        actual = sha256_hex(bytes(version.pdf))
        if actual != version.sha256:
            problems.append(f"disclosure version {version.pk}: stored PDF has sha256 {actual} (PDF changed)")
    return problems


def _events_by(event_type: str, key: str) -> dict[int, EvidenceEvent]:
    found: dict[int, EvidenceEvent] = {}
    for event in EvidenceEvent.objects.filter(event_type=event_type).order_by("sequence"):
        value = event.parameters.get(key)
        if isinstance(value, int):
            found.setdefault(value, event)
    return found


def _signer_text(signer: object) -> str:
    # A fixed order: PostgreSQL's jsonb does not keep the keys in the order they were written.
    if not isinstance(signer, dict):
        return repr(signer)
    return " / ".join(repr(signer.get(key, "")) for key in ("name", "title", "company"))


def _acknowledgement_problems() -> list[str]:
    """Signer, ticked items, staff, receipt and files of every acknowledgement against its events."""
    events = _events_by(EventType.ACKNOWLEDGED, "acknowledgement_id")
    receipts = _events_by(EventType.RECEIPT_ISSUED, "acknowledgement_id")
    problems = []
    rows = Acknowledgement.objects.select_related("staff").order_by("pk")
    for ack in rows:
        name = f"acknowledgement #{ack.pk} (disclosure version {ack.version_id})"
        event = events.pop(ack.pk, None)
        if event is None:
            problems.append(f"{name}: no acknowledged event records it (row inserted)")
            continue
        where = f"the event at sequence {event.sequence}"
        recorded = event.parameters
        if recorded.get("items") != ack.items:
            problems.append(f"{name}: ticked items {ack.items} differ from {recorded.get('items')} in {where}")
        signer = {"name": ack.signer_name, "title": ack.signer_title, "company": ack.signer_company}
        if recorded.get("signer") != signer:
            problems.append(
                f"{name}: signer {_signer_text(signer)} differs from {_signer_text(recorded.get('signer'))} in {where}"
            )
        staff = ack.staff.get_username() if ack.staff else ""
        if recorded.get("staff", "") != staff:
            problems.append(f"{name}: staff {staff!r} differs from {recorded.get('staff')!r} in {where}")
        if event.disclosure_version_id != ack.version_id:
            problems.append(f"{name}: {where} names disclosure version {event.disclosure_version_id}")
        receipt_event = receipts.get(ack.pk)
        receipt_files = (receipt_event.files if receipt_event else []) + event.files  # older receipts: on the event
        if ack.receipt_sha256 and {"path": ack.receipt_path, "sha256": ack.receipt_sha256} not in receipt_files:
            problems.append(f"{name}: receipt {ack.receipt_path} ({ack.receipt_sha256}) is not the recorded one")
        if ack.signature_sha256 and {"path": ack.signature_path, "sha256": ack.signature_sha256} not in event.files:
            problems.append(f"{name}: drawn signature {ack.signature_path} is not the recorded one")
    for ack_id, event in sorted(events.items()):
        problems.append(
            f"acknowledgement #{ack_id}: recorded at sequence {event.sequence} but no longer in the database "
            f"(row deleted)"
        )
    return problems


def _link_problems() -> list[str]:
    """Version, recipient, expiry and revocation of every customer link against its events."""
    created = _events_by(EventType.LINK_CREATED, "link_id")
    revoked = {
        object_id: event
        for object_id, event in _events_by(EventType.REVOKED, "object_id").items()
        if event.parameters.get("what") == "customer_link"
    }
    problems = []
    for link in CustomerLink.objects.order_by("pk"):
        name = f"customer link #{link.pk}"
        event = created.pop(link.pk, None)
        if event is None:
            problems.append(f"{name}: no link_created event records it (row inserted)")
            continue
        where = f"the event at sequence {event.sequence}"
        if event.disclosure_version_id != link.version_id:
            problems.append(f"{name}: disclosure version {link.version_id} differs from {where}")
        if event.parameters.get("recipient") != link.recipient_email:
            problems.append(f"{name}: recipient {link.recipient_email!r} differs from {where}")
        if event.parameters.get("expires_at") != link.expires_at.astimezone(UTC).isoformat():
            problems.append(f"{name}: expiry {link.expires_at.isoformat()} differs from {where}")
        revocation = revoked.get(link.pk)
        if link.revoked_at is None and revocation is not None:
            problems.append(
                f"{name}: revoked at sequence {revocation.sequence} but not revoked in the database "
                f"(revocation removed)"
            )
        if link.revoked_at is not None and revocation is None:
            problems.append(f"{name}: revoked in the database, but no revoked event records it")
    for link_id, event in sorted(created.items()):
        problems.append(
            f"customer link #{link_id}: created at sequence {event.sequence} but no longer in the database "
            f"(row deleted)"
        )
    return problems


def evidence_record_problems() -> list[str]:
    """What `kokuchi evidence verify` reports about the rows this app keeps as evidence."""
    return _document_problems() + _acknowledgement_problems() + _link_problems()

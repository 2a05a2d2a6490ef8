"""Deal workflows: status transitions, the lines while they may change and the answers to
proposed service plans (G5.3)."""

from __future__ import annotations

import datetime
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kokuchi.catalog.models import ServicePlan
from kokuchi.core.deletion import delete_unless_referenced
from kokuchi.deals.models import DEAL_TRANSITIONS, Deal, DealLine, DealStatus, ProposalResponse, ProposedPlan

logger = logging.getLogger(__name__)

# The date field each status stamps when a deal reaches it.
STATUS_DATE_FIELDS: dict[str, str] = {
    DealStatus.QUOTED: "quoted_on",
    DealStatus.ORDERED: "ordered_on",
    DealStatus.DELIVERED: "delivered_on",
    DealStatus.CLOSED: "closed_on",
}
STATUS_ORDER = [DealStatus.DRAFT, DealStatus.QUOTED, DealStatus.ORDERED, DealStatus.DELIVERED, DealStatus.CLOSED]
# Lines fix what is delivered; once delivered they are the record of the sale.
LINE_EDITABLE_STATUSES = frozenset({DealStatus.DRAFT, DealStatus.QUOTED, DealStatus.ORDERED})


@transaction.atomic
def change_deal_status(*, deal: Deal, status: str, user: AbstractBaseUser, on: datetime.date | None = None) -> Deal:
    """Move `deal` to `status` if DEAL_TRANSITIONS allows it, stamping the date of the new stage
    (today unless `on` is given). A step back (re-quote) clears the dates of the stages left.
    A deal cannot be quoted without lines: the quote is what the disclosure accompanies."""
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if status not in DealStatus.values:
        raise ValidationError(_("Unknown deal status: %(status)s") % {"status": status}, code="unknown_status")
    if not deal.can_transition_to(status):
        raise ValidationError(
            _("A deal cannot go from %(current)s to %(target)s.")
            % {"current": deal.get_status_display(), "target": DealStatus(status).label},
            code="transition_not_allowed",
        )
    if status == DealStatus.QUOTED and not deal.lines.exists():
        raise ValidationError(_("Add at least one line before quoting the deal."), code="no_lines")
    day = on or timezone.localdate()
    previous = deal.status
    changed = ["status", "updated_at"]
    if STATUS_ORDER.index(DealStatus(status)) > STATUS_ORDER.index(DealStatus(previous)):
        date_field = STATUS_DATE_FIELDS[status]
        setattr(deal, date_field, day)
        changed.append(date_field)
    else:
        for later in STATUS_ORDER[STATUS_ORDER.index(DealStatus(status)) + 1 :]:
            field = STATUS_DATE_FIELDS.get(later)
            if field and getattr(deal, field) is not None:
                setattr(deal, field, None)
                changed.append(field)
    deal.status = status
    deal.save(update_fields=changed)
    logger.info("deal %s: %s -> %s by %s", deal.number, previous, status, user.get_username())
    return deal


def allowed_transitions(deal: Deal) -> list[DealStatus]:
    """The statuses `deal` may move to, in workflow order (for the status buttons)."""
    return [status for status in STATUS_ORDER if status in DEAL_TRANSITIONS[deal.status]]


def lines_editable(deal: Deal) -> bool:
    """Whether the deal's lines may still be added, changed or deleted."""
    return deal.status in LINE_EDITABLE_STATUSES


def check_lines_editable(deal: Deal) -> None:
    if not lines_editable(deal):
        raise ValidationError(_("Lines cannot change once the deal is delivered or closed."))


@transaction.atomic
def save_deal_line(*, line: DealLine) -> DealLine:
    """Add or change a line of a deal that is not delivered or closed yet."""
    check_lines_editable(Deal.objects.select_for_update().get(pk=line.deal_id))
    line.full_clean()
    line.save()
    return line


@transaction.atomic
def delete_deal_line(*, line: DealLine) -> None:
    """Delete a line of a deal that is not delivered or closed yet; raises ValidationError once the
    deal is delivered or closed and DeletionRefused while an issued 告知書 names the deal's lines
    (S-EVID)."""
    check_lines_editable(Deal.objects.select_for_update().get(pk=line.deal_id))
    delete_unless_referenced(record=line)


@transaction.atomic
def propose_plan(*, deal: Deal, plan: ServicePlan) -> ProposedPlan:
    """Record that `plan` was proposed in `deal` (G5.1-4, G5.3, G5.4); the answer is pending."""
    if not plan.active:
        raise ValidationError({"plan": _("This service plan is no longer offered.")})
    proposal = ProposedPlan(deal=deal, plan=plan)
    proposal.full_clean()
    proposal.save()
    return proposal


@transaction.atomic
def record_plan_answer(
    *, proposal: ProposedPlan, response: str, decline_reason: str = "", answered_on: datetime.date | None = None
) -> ProposedPlan:
    """Record the customer's answer to a proposed plan. A decline needs its reason: the
    disclosure's no-liability statement (G5.3) rests on it."""
    proposal.response = response
    proposal.decline_reason = decline_reason if response == ProposalResponse.DECLINED else ""
    if response == ProposalResponse.PENDING:
        proposal.answered_on = None
    else:
        proposal.answered_on = answered_on or timezone.localdate()
    proposal.full_clean()
    proposal.save(update_fields=["response", "decline_reason", "answered_on", "updated_at"])
    return proposal

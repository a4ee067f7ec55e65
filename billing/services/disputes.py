"""Disputes: a customer contests an invoice or some lines; an agent reviews, accepts with a credit note
or rejects with a reason. Status moves follow DISPUTE_TRANSITIONS."""

import uuid
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    DISPUTE_TRANSITIONS,
    Dispute,
    DisputeAttachment,
    DisputeEvent,
    DisputeMessage,
    DisputeStatus,
    DocumentKind,
    Invoice,
    InvoiceStatus,
)
from billing.selectors import credited_total, lines_with_tax
from billing.services.dispute_notices import dispute_email_enqueue
from billing.services.invoices import credit_note_create
from csol.core.money import format_money, quantize_money
from csol.core.uploads import DOCUMENTS, safe_download_name, validate_uploads

# The agent answers within this many days of a dispute being opened.
RESPONSE_DAYS = 10
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
DISPUTABLE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)


def target_response_date(opened: date) -> date:
    """Opening date plus RESPONSE_DAYS, moved off a weekend."""
    target = opened + timedelta(days=RESPONSE_DAYS)
    while target.weekday() >= 5:
        target += timedelta(days=1)
    return target


def _attach(message: DisputeMessage, files, types) -> None:
    for upload, content_type in zip(files, types, strict=True):
        original = safe_download_name(upload.name or "")[:200]
        # Stored under a random name: the customer's file name never reaches the file system.
        upload.name = f"{uuid.uuid4().hex}{EXTENSIONS.get(content_type, '')}"
        DisputeAttachment.objects.create(
            message=message, file=upload, original_name=original, content_type=content_type, size=upload.size
        )


def dispute_amount_validate(*, invoice: Invoice, amount, lines=()) -> None:
    """Refuse an amount above what may be disputed: what remains of the invoice and, when lines are
    chosen, those lines' net with their share of the invoice's tax."""
    amount = quantize_money(amount)
    if amount <= 0:
        raise ValidationError(_("The disputed amount must be more than zero."), code="amount")
    remaining = invoice.total - credited_total(invoice=invoice)
    lines = list(lines)
    if lines:
        maximum = lines_with_tax(invoice=invoice, lines=lines)
        if maximum < remaining:
            if amount > maximum:
                raise ValidationError(
                    _("The disputed amount cannot exceed %(amount)s, the chosen lines with their taxes.")
                    % {"amount": format_money(maximum)},
                    code="amount",
                )
            return
    if amount > remaining:
        raise ValidationError(
            _("The disputed amount cannot exceed %(amount)s, what remains of the invoice.")
            % {"amount": format_money(remaining)},
            code="amount",
        )


def dispute_open(
    *, invoice: Invoice, actor, viewer, reason: str, amount, message: str, lines=(), files=()
) -> Dispute:
    """Open a dispute on an issued invoice (accounts-payable and administrator users, or agents)."""
    if not viewer.can("pay", invoice.customer_id):
        raise PermissionDenied
    files = list(files)
    types = validate_uploads(files, DOCUMENTS)
    amount = quantize_money(amount)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.kind != DocumentKind.INVOICE or invoice.status not in DISPUTABLE_STATUSES:
            raise ValidationError(_("Only an issued invoice can be disputed."), code="not_disputable")
        lines = list(lines)
        if any(line.invoice_id != invoice.pk for line in lines):
            raise ValidationError(_("Choose lines of this invoice."), code="lines")
        dispute_amount_validate(invoice=invoice, amount=amount, lines=lines)
        dispute = Dispute.objects.create(
            invoice=invoice,
            amount=amount,
            reason=reason,
            opened_by=actor,
            target_response_date=target_response_date(timezone.localdate()),
        )
        if lines:
            dispute.lines.set(lines)
        first = DisputeMessage.objects.create(
            dispute=dispute, author=actor, from_agent=bool(actor.is_staff), body=message
        )
        _attach(first, files, types)
        DisputeEvent.objects.create(dispute=dispute, actor=actor, to_status=DisputeStatus.OPEN)
        # The billing desk hears of a customer's dispute; the customer of one an agent opened for it.
        dispute_email_enqueue(dispute=dispute, key="opened")
    return dispute


def dispute_transition(*, dispute: Dispute, to: str, actor, note: str = "") -> Dispute:
    """Move a dispute along DISPUTE_TRANSITIONS, locking it and writing the event."""
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if to not in DISPUTE_TRANSITIONS[dispute.status]:
            raise ValidationError(
                _("A dispute cannot go from %(from)s to %(to)s.")
                % {"from": DisputeStatus(dispute.status).label, "to": DisputeStatus(to).label},
                code="transition",
            )
        previous = dispute.status
        dispute.status = to
        fields = ["status", "updated_at"]
        decided = to in (DisputeStatus.ACCEPTED, DisputeStatus.REJECTED)
        if note and decided:
            dispute.resolution = note
            fields.append("resolution")
        dispute.save(update_fields=fields)
        event = DisputeEvent.objects.create(
            dispute=dispute, actor=actor, from_status=previous, to_status=to, note=note
        )
        if decided:
            # The customer hears of the decision once it commits (with the credit note, or the reason).
            dispute_email_enqueue(dispute=dispute, key=f"decision:{event.pk}")
    return dispute


def dispute_reply(*, dispute: Dispute, actor, viewer, body: str, files=()) -> DisputeMessage:
    """Add a message (and attachments) to the conversation; closed disputes take no more."""
    if not viewer.is_agent and not viewer.can("pay", dispute.invoice.customer_id):
        raise PermissionDenied
    files = list(files)
    types = validate_uploads(files, DOCUMENTS)
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write a message."), code="empty")
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if dispute.status == DisputeStatus.CLOSED:
            raise ValidationError(_("This dispute is closed."), code="closed")
        message = DisputeMessage.objects.create(
            dispute=dispute, author=actor, from_agent=viewer.is_agent, body=body
        )
        _attach(message, files, types)
        dispute.save(update_fields=["updated_at"])
        # An agent's reply goes to the customer; a customer's to the agent handling it (or the desk).
        dispute_email_enqueue(dispute=dispute, key=f"message:{message.pk}")
    if viewer.is_agent and dispute.status == DisputeStatus.OPEN:
        dispute_transition(dispute=dispute, to=DisputeStatus.UNDER_REVIEW, actor=actor)
    return message


def dispute_assign(*, dispute: Dispute, agent, actor) -> Dispute:
    """Give the dispute to an agent; an open dispute goes under review."""
    if not agent.is_staff:
        raise ValidationError(_("Only an agent can handle a dispute."), code="not_agent")
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        dispute.assigned_to = agent
        dispute.save(update_fields=["assigned_to", "updated_at"])
        DisputeEvent.objects.create(
            dispute=dispute,
            actor=actor,
            from_status=dispute.status,
            to_status=dispute.status,
            note=_("Assigned to %(agent)s") % {"agent": agent},
        )
        if dispute.status == DisputeStatus.OPEN:
            dispute = dispute_transition(dispute=dispute, to=DisputeStatus.UNDER_REVIEW, actor=actor)
    return dispute


def dispute_accept(*, dispute: Dispute, actor, amount=None, note: str = "") -> Dispute:
    """Accept the dispute and issue a credit note for the agreed amount (the disputed one by default)."""
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update(of=("self",)).select_related("invoice").get(pk=dispute.pk)
        if DisputeStatus.ACCEPTED not in DISPUTE_TRANSITIONS[dispute.status]:
            raise ValidationError(_("This dispute can no longer be accepted."), code="transition")
        agreed = quantize_money(amount if amount is not None else dispute.amount)
        if agreed <= 0:
            raise ValidationError(_("The agreed amount must be more than zero."), code="amount")
        reason = _("dispute %(id)s") % {"id": dispute.pk}
        credit = credit_note_create(invoice=dispute.invoice, amount=agreed, reason=reason, actor=actor)
        dispute.agreed_amount = credit.total
        dispute.credit_note = credit
        dispute.save(update_fields=["agreed_amount", "credit_note", "updated_at"])
        dispute = dispute_transition(
            dispute=dispute,
            to=DisputeStatus.ACCEPTED,
            actor=actor,
            note=note or _("Credit note %(number)s issued.") % {"number": credit.number},
        )
    return dispute


def dispute_reject(*, dispute: Dispute, actor, reason: str) -> Dispute:
    """Reject the dispute; the reason is required and shown to the customer."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the rejection."), code="reason")
    with transaction.atomic():
        dispute = dispute_transition(dispute=dispute, to=DisputeStatus.REJECTED, actor=actor, note=reason)
        DisputeMessage.objects.create(dispute=dispute, author=actor, from_agent=True, body=reason)
    return dispute

"""The one place money moves on an account: payments, allocations, credit notes applied, write-offs.

Locks are always taken in the same order, payment first and then invoice rows by id, so two agents
working on the same payment or invoices wait for each other instead of deadlocking. Every refusal is
a translated ValidationError raised inside the transaction: nothing is written.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import DocumentKind, Invoice, InvoiceStatus
from billing.services import invoice_settle
from collections_ar.models import (
    PAYMENT_TRANSITIONS,
    Allocation,
    CreditApplication,
    EventKind,
    InvoiceAccount,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ReceivableEvent,
    WriteOff,
    WriteOffReason,
)
from csol.core.models import Customer
from csol.core.money import format_money, quantize_money

OPEN_INVOICE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)
CREDIT_NOTE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)


def _amount(value) -> Decimal:
    amount = quantize_money(value)
    if amount <= 0:
        raise ValidationError(_("Enter an amount greater than zero."), code="amount")
    return amount


def _lock_invoices(ids: Iterable[int]) -> dict[int, Invoice]:
    """Invoice rows locked by increasing id (the fixed lock order)."""
    rows = Invoice.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk")
    return {invoice.pk: invoice for invoice in rows}


def _account(invoice: Invoice) -> InvoiceAccount:
    """The invoice's running totals; call with the invoice row locked (so creating it cannot race)."""
    account = InvoiceAccount.objects.select_for_update().filter(pk=invoice.pk).first()
    if account is None:
        total = abs(invoice.total)
        account = InvoiceAccount.objects.create(
            invoice=invoice, customer_id=invoice.customer_id, total=total, open_balance=total
        )
    return account


def _move(account: InvoiceAccount, field: str, amount: Decimal) -> None:
    setattr(account, field, getattr(account, field) + amount)
    account.open_balance = account.total - account.paid - account.credited - account.written_off
    account.save(update_fields=[field, "open_balance"])


def _check_invoice(invoice: Invoice, customer_id: int) -> None:
    if invoice.customer_id != customer_id:
        raise ValidationError(
            _("Invoice %(number)s belongs to another customer.") % {"number": invoice}, code="customer"
        )
    if invoice.kind != DocumentKind.INVOICE or invoice.status not in OPEN_INVOICE_STATUSES:
        raise ValidationError(
            _("Invoice %(number)s is not an issued invoice: nothing can be applied to it.")
            % {"number": invoice},
            code="not_open",
        )


def _check_room(account: InvoiceAccount, invoice: Invoice, amount: Decimal) -> None:
    if amount > account.open_balance:
        raise ValidationError(
            _("%(amount)s is more than the open balance of invoice %(number)s (%(open)s).")
            % {"amount": format_money(amount), "number": invoice, "open": format_money(account.open_balance)},
            code="over_invoice",
        )


def _event(*, customer_id, kind, actor=None, payment=None, invoice=None, amount=None, note=""):
    ReceivableEvent.objects.create(
        customer_id=customer_id,
        kind=kind,
        actor=actor,
        payment=payment,
        invoice=invoice,
        amount=amount,
        note=note[:250],
    )


@transaction.atomic
def payment_record(
    *,
    customer: Customer,
    received_on: date,
    method: str,
    amount,
    reference: str = "",
    actor=None,
    allocations: Iterable[tuple[Invoice, Decimal]] = (),
) -> Payment:
    """Record a payment received and, optionally, allocate it at once; the rest is unapplied cash."""
    if method not in PaymentMethod.values:
        raise ValidationError(_("Choose a payment method."), code="method")
    payment = Payment.objects.create(
        customer=customer,
        received_on=received_on,
        method=method,
        amount=_amount(amount),
        reference=reference.strip()[:60],
        created_by=actor,
    )
    payment.number = f"PAY-{payment.pk:07d}"
    payment.save(update_fields=["number"])
    _event(
        customer_id=customer.pk,
        kind=EventKind.PAYMENT_RECORDED,
        actor=actor,
        payment=payment,
        amount=payment.amount,
    )
    allocations = list(allocations)
    if allocations:
        payment_allocate(payment=payment, lines=allocations, actor=actor)
        payment.refresh_from_db()
    return payment


@transaction.atomic
def payment_allocate(
    *, payment: Payment, lines: Iterable[tuple[Invoice, Decimal]], actor=None
) -> list[Allocation]:
    """Apply parts of a payment to invoices of its customer, within the payment and each open balance."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != PaymentStatus.RECEIVED:
        raise ValidationError(_("Payment %(number)s is void: it cannot be allocated.") % {"number": payment})
    wanted: dict[int, Decimal] = {}
    for invoice, amount in lines:
        if invoice.pk in wanted:
            raise ValidationError(
                _("Invoice %(number)s appears twice.") % {"number": invoice}, code="duplicate"
            )
        wanted[invoice.pk] = _amount(amount)
    if not wanted:
        raise ValidationError(_("Choose at least one invoice."), code="empty")
    requested = sum(wanted.values(), Decimal("0"))
    left = payment.amount - payment.allocated
    if requested > left:
        raise ValidationError(
            _("The allocations (%(requested)s) exceed what is left of payment %(number)s (%(left)s).")
            % {"requested": format_money(requested), "number": payment, "left": format_money(left)},
            code="over_payment",
        )
    invoices = _lock_invoices(wanted)
    created = []
    for invoice_id, amount in sorted(wanted.items()):
        invoice = invoices.get(invoice_id)
        if invoice is None:
            raise ValidationError(_("This invoice no longer exists."), code="missing")
        _check_invoice(invoice, payment.customer_id)
        account = _account(invoice)
        _check_room(account, invoice, amount)
        _move(account, "paid", amount)
        created.append(
            Allocation.objects.create(payment=payment, invoice=invoice, amount=amount, created_by=actor)
        )
        _event(
            customer_id=payment.customer_id,
            kind=EventKind.ALLOCATED,
            actor=actor,
            payment=payment,
            invoice=invoice,
            amount=amount,
        )
        invoice_settle(invoice=invoice, open_balance=account.open_balance)
    payment.allocated += requested
    payment.save(update_fields=["allocated"])
    return created


# Statuses of an invoice whose payments may be taken back (a cancelled or draft one has none in force).
REVERSIBLE_INVOICE_STATUSES = (InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID, InvoiceStatus.ISSUED)


@transaction.atomic
def allocation_reverse(*, allocation: Allocation, actor, reason: str) -> Allocation:
    """Take an allocation back (an agent's correction): the payment's amount is unapplied cash again,
    the invoice's open balance and status come back, and the allocation stays as history."""
    if actor is None or not actor.is_staff:
        raise PermissionDenied(_("Only an agent can reverse an allocation."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the reversal."), code="reason")
    # The fixed lock order: the payment, then the invoice, then the allocation row itself.
    payment = Payment.objects.select_for_update().get(pk=allocation.payment_id)
    invoice = _lock_invoices([allocation.invoice_id])[allocation.invoice_id]
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.reversed_at is not None:
        raise ValidationError(
            _("This allocation was already reversed on %(date)s.")
            % {"date": timezone.localtime(allocation.reversed_at).date().isoformat()},
            code="reversed",
        )
    if payment.status != PaymentStatus.RECEIVED:
        raise ValidationError(
            _("Payment %(number)s is void: it has no allocation to reverse.") % {"number": payment},
            code="void",
        )
    if invoice.kind != DocumentKind.INVOICE or invoice.status not in REVERSIBLE_INVOICE_STATUSES:
        raise ValidationError(
            _("Invoice %(number)s is %(status)s: its payments can no longer be reversed.")
            % {"number": invoice, "status": invoice.get_status_display().lower()},
            code="not_open",
        )
    account = _account(invoice)
    if allocation.amount > account.paid or allocation.amount > payment.allocated:
        # The running totals no longer hold this allocation: refuse rather than push them below zero.
        raise ValidationError(
            _(
                "The running totals of invoice %(number)s do not include this allocation; "
                "ask for a reconciliation."
            )
            % {"number": invoice},
            code="totals",
        )
    _move(account, "paid", -allocation.amount)
    payment.allocated -= allocation.amount
    payment.save(update_fields=["allocated"])
    allocation.reversed_at = timezone.now()
    allocation.reversed_by = actor
    allocation.reversal_reason = reason[:250]
    allocation.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    _event(
        customer_id=payment.customer_id,
        kind=EventKind.ALLOCATION_REVERSED,
        actor=actor,
        payment=payment,
        invoice=invoice,
        amount=allocation.amount,
        note=reason,
    )
    invoice_settle(invoice=invoice, open_balance=account.open_balance)
    return allocation


def open_invoices_oldest_first(customer_id: int, invoice_ids: Iterable[int] | None = None):
    from collections_ar.selectors import open_invoices

    invoices = open_invoices(customer_ids=[customer_id])
    if invoice_ids is not None:
        invoices = invoices.filter(pk__in=list(invoice_ids))
    return invoices.order_by("due_date", "pk")


@transaction.atomic
def payment_allocate_oldest_first(
    *, payment: Payment, invoice_ids: Iterable[int] | None = None, actor=None
) -> list:
    """Apply what is left of a payment to open invoices, oldest due first; any excess stays unapplied."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    left = payment.amount - payment.allocated
    lines = []
    for invoice in open_invoices_oldest_first(payment.customer_id, invoice_ids):
        if left <= 0:
            break
        share = min(left, invoice.open_amount)
        if share > 0:
            lines.append((invoice, share))
            left -= share
    if not lines:
        return []
    return payment_allocate(payment=payment, lines=lines, actor=actor)


@transaction.atomic
def payment_transition(*, payment: Payment, to: str, actor=None, note: str = "") -> Payment:
    """Move a payment to another status (only a payment with nothing allocated may be voided)."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if to not in PAYMENT_TRANSITIONS.get(payment.status, set()):
        raise ValidationError(
            _("A payment that is %(current)s cannot become %(target)s.")
            % {"current": payment.get_status_display(), "target": PaymentStatus(to).label},
            code="transition",
        )
    if to == PaymentStatus.VOID and payment.allocated > 0:
        raise ValidationError(_("Only a payment with nothing allocated can be voided."), code="allocated")
    payment.status = to
    payment.save(update_fields=["status"])
    _event(
        customer_id=payment.customer_id,
        kind=EventKind.PAYMENT_VOIDED,
        actor=actor,
        payment=payment,
        note=note,
    )
    return payment


@transaction.atomic
def credit_note_apply(
    *, credit_note: Invoice, invoice: Invoice | None = None, amount=None, actor=None, on: date | None = None
) -> CreditApplication | None:
    """Apply (part of) a credit note to an invoice: by default its linked invoice, as much as fits."""
    target_id = invoice.pk if invoice is not None else credit_note.credited_invoice_id
    if target_id is None:
        raise ValidationError(_("Choose the invoice to apply this credit note to."), code="invoice")
    locked = _lock_invoices([credit_note.pk, target_id])
    credit_note, invoice = locked[credit_note.pk], locked.get(target_id)
    if credit_note.kind != DocumentKind.CREDIT_NOTE or credit_note.status not in CREDIT_NOTE_STATUSES:
        raise ValidationError(
            _("%(number)s is not an issued credit note.") % {"number": credit_note}, code="not_credit"
        )
    if invoice is None:
        raise ValidationError(_("This invoice no longer exists."), code="missing")
    _check_invoice(invoice, credit_note.customer_id)
    note_account, invoice_account = _account(credit_note), _account(invoice)
    if amount is None:
        amount = min(note_account.open_balance, invoice_account.open_balance)
        if amount <= 0:
            return None
    amount = _amount(amount)
    if amount > note_account.open_balance:
        raise ValidationError(
            _("Only %(left)s of credit note %(number)s is left to apply.")
            % {"left": format_money(note_account.open_balance), "number": credit_note},
            code="over_credit",
        )
    _check_room(invoice_account, invoice, amount)
    _move(note_account, "credited", amount)
    _move(invoice_account, "credited", amount)
    application = CreditApplication.objects.create(
        credit_note=credit_note,
        invoice=invoice,
        amount=amount,
        applied_on=on or timezone.localdate(),
        created_by=actor,
    )
    _event(
        customer_id=invoice.customer_id,
        kind=EventKind.CREDIT_APPLIED,
        actor=actor,
        invoice=invoice,
        amount=amount,
        note=str(credit_note),
    )
    invoice_settle(invoice=invoice, open_balance=invoice_account.open_balance)
    return application


def linked_credit_notes_apply(*, customer_id: int | None = None) -> int:
    """Apply issued credit notes to the invoice they correct, as far as that invoice is still open.

    Idempotent: a credit note already used up, or whose invoice is settled, is left as it is (what
    remains of it is a credit on the customer's account).
    """
    notes = (
        Invoice.objects.filter(
            kind=DocumentKind.CREDIT_NOTE, status__in=CREDIT_NOTE_STATUSES, credited_invoice__isnull=False
        )
        .exclude(receivable__open_balance=0)
        .exclude(credited_invoice__receivable__open_balance=0)
        .filter(credited_invoice__status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID))
    )
    if customer_id is not None:
        notes = notes.filter(customer_id=customer_id)
    applied = 0
    for note in notes.order_by("pk"):
        if credit_note_apply(credit_note=note, on=note.issue_date) is not None:
            applied += 1
    return applied


@transaction.atomic
def write_off_record(
    *, invoice: Invoice, amount, reason: str, actor, note: str = "", on: date | None = None
) -> WriteOff:
    """Write off part of an invoice's open balance, with the reason (agents only)."""
    if reason not in WriteOffReason.values:
        raise ValidationError(_("Choose the reason for the write-off."), code="reason")
    if reason == WriteOffReason.OTHER and not note.strip():
        raise ValidationError(_("Explain the write-off in the note."), code="note")
    amount = _amount(amount)
    invoice = _lock_invoices([invoice.pk])[invoice.pk]
    _check_invoice(invoice, invoice.customer_id)
    account = _account(invoice)
    _check_room(account, invoice, amount)
    _move(account, "written_off", amount)
    write_off = WriteOff.objects.create(
        invoice=invoice,
        amount=amount,
        reason=reason,
        note=note.strip()[:250],
        written_off_on=on or timezone.localdate(),
        created_by=actor,
    )
    _event(
        customer_id=invoice.customer_id,
        kind=EventKind.WRITTEN_OFF,
        actor=actor,
        invoice=invoice,
        amount=amount,
        note=f"{WriteOffReason(reason).label}: {note}" if note else str(WriteOffReason(reason).label),
    )
    invoice_settle(invoice=invoice, open_balance=account.open_balance)
    return write_off

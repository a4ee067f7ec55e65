"""Writes on invoices and credit notes: drafts, issue with gap-free numbering, credit notes, status."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    DocumentKind,
    Invoice,
    InvoiceCounter,
    InvoiceEvent,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTax,
)
from billing.receivers import renew_invoice_list_versions
from billing.taxes import compute_taxes, rates_table
from csol.audit.recorder import record_updated, stored_values
from csol.core.jobs import enqueue
from csol.core.money import format_money, quantize_money

# Moves an actor may make by hand; settlement (issued ↔ partly paid ↔ paid) follows payments.
INVOICE_TRANSITIONS = {
    InvoiceStatus.DRAFT: {InvoiceStatus.ISSUED},
    InvoiceStatus.ISSUED: {InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID, InvoiceStatus.CANCELLED},
    InvoiceStatus.PARTLY_PAID: {InvoiceStatus.ISSUED, InvoiceStatus.PAID},
    InvoiceStatus.PAID: {InvoiceStatus.PARTLY_PAID, InvoiceStatus.ISSUED},
    InvoiceStatus.CANCELLED: set(),
}


class ImmutableInvoice(ValidationError):
    """Raised when something tries to change an issued document."""


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _require_draft(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        raise ImmutableInvoice(
            _("Invoice %(number)s is issued and can no longer change; issue a credit note instead.")
            % {"number": invoice.number},
            code="immutable",
        )


def _event(invoice, *, actor, action, from_status="", to_status="", note=""):
    InvoiceEvent.objects.create(
        invoice=invoice,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note[:250],
    )


def invoice_transition(*, invoice: Invoice, to: str, actor=None, note: str = "") -> Invoice:
    """Move a document's status along INVOICE_TRANSITIONS, with an event row."""
    with transaction.atomic():
        invoice = _locked(invoice)
        if to == invoice.status:
            return invoice
        if to not in INVOICE_TRANSITIONS[invoice.status]:
            raise ValidationError(
                _("An invoice cannot go from %(from)s to %(to)s.")
                % {"from": InvoiceStatus(invoice.status).label, "to": InvoiceStatus(to).label},
                code="transition",
            )
        previous = invoice.status
        invoice.status = to
        invoice.save(update_fields=["status"])
        _event(invoice, actor=actor, action="status", from_status=previous, to_status=to, note=note)
    return invoice


def invoice_draft_build(
    *,
    customer,
    bill_to,
    kind=DocumentKind.INVOICE,
    po_number="",
    reference="",
    grouping_key="",
    issue_after=None,
    language=None,
) -> Invoice:
    """An unsaved draft for the customer, in its invoice language (the rules of every draft creation)."""
    from billing.selectors import billing_options_for

    if bill_to is None:
        raise ValidationError(_("The customer has no address to bill."), code="no_bill_to")
    return Invoice(
        customer=customer,
        bill_to=bill_to,
        kind=kind,
        po_number=po_number,
        reference=reference,
        province=customer.province,
        language=language or billing_options_for(customer=customer).language,
        grouping_key=grouping_key,
        issue_after=issue_after,
    )


def invoice_draft_create(
    *,
    customer,
    bill_to=None,
    kind=DocumentKind.INVOICE,
    po_number="",
    reference="",
    grouping_key="",
    issue_after=None,
    language=None,
    actor=None,
) -> Invoice:
    """A new draft document for the customer, in its invoice language."""
    bill_to = (
        bill_to
        or customer.sites.filter(is_bill_to=True).order_by("id").first()
        or customer.sites.order_by("id").first()
    )
    invoice = invoice_draft_build(
        customer=customer,
        bill_to=bill_to,
        kind=kind,
        po_number=po_number,
        reference=reference,
        grouping_key=grouping_key,
        issue_after=issue_after,
        language=language,
    )
    invoice.save()
    _event(invoice, actor=actor, action="created", to_status=InvoiceStatus.DRAFT)
    return invoice


def invoice_line_build(
    *,
    invoice: Invoice,
    line_number: int,
    description: str,
    quantity,
    unit_price,
    tax_category: str,
    province: str = "",
    reference: str = "",
    order_line=None,
    billing_period=None,
    net_amount=None,
) -> InvoiceLine:
    """An unsaved line of a draft (the rules of every line added)."""
    quantity = Decimal(quantity)
    unit_price = Decimal(unit_price)
    return InvoiceLine(
        invoice=invoice,
        line_number=line_number,
        description=description[:250],
        quantity=quantity,
        unit_price=unit_price,
        net_amount=quantize_money(net_amount if net_amount is not None else quantity * unit_price),
        tax_category=tax_category,
        province=province or invoice.customer.province,
        reference=reference,
        order_line=order_line,
        billing_period=billing_period,
    )


def invoice_line_add(*, invoice: Invoice, **fields) -> InvoiceLine:
    """Add a line to a draft (`fields` as for invoice_line_build; the draft row is locked so line
    numbers never collide)."""
    with transaction.atomic():
        invoice = _locked(invoice)
        _require_draft(invoice)
        line_number = (invoice.lines.aggregate(m=Max("line_number"))["m"] or 0) + 1
        line = invoice_line_build(invoice=invoice, line_number=line_number, **fields)
        line.save()
        invoice_recalculate(invoice=invoice)
    return line


def invoice_line_remove(*, line: InvoiceLine) -> None:
    """Remove a line from a draft; an issued document's lines never go."""
    with transaction.atomic():
        invoice = _locked(line.invoice)
        _require_draft(invoice)
        InvoiceLine.objects.filter(pk=line.pk, invoice=invoice).delete()
        invoice_recalculate(invoice=invoice)


TOTAL_FIELDS = ["net_total", "tax_total", "total"]


def _lines_by_invoice(invoices) -> dict[int, list[tuple]]:
    """(province, tax category, net) of each document's lines, in one query."""
    lines: dict[int, list[tuple]] = {invoice.pk: [] for invoice in invoices}
    rows = InvoiceLine.objects.filter(invoice__in=list(invoices)).order_by("invoice_id", "line_number")
    for invoice_id, *line in rows.values_list("invoice_id", "province", "tax_category", "net_amount"):
        lines[invoice_id].append(tuple(line))
    return lines


def _taxes_replace(invoices, lines: dict, taxes_of: dict) -> None:
    """Store each document's taxes in place of the old ones and set its totals (not saved)."""
    InvoiceTax.objects.filter(invoice__in=list(invoices)).delete()
    InvoiceTax.objects.bulk_create(
        InvoiceTax(
            invoice=invoice,
            kind=t.kind,
            province=t.province,
            tax_category=t.tax_category,
            base=t.base,
            rate=t.rate,
            amount=t.amount,
        )
        for invoice in invoices
        for t in taxes_of[invoice.pk]
    )
    for invoice in invoices:
        invoice.net_total = sum((net for _p, _c, net in lines[invoice.pk]), Decimal("0.00"))
        invoice.tax_total = sum((t.amount for t in taxes_of[invoice.pk]), Decimal("0.00"))
        invoice.total = invoice.net_total + invoice.tax_total


def invoices_recalculate(*, invoices: list[Invoice], on: date | None = None) -> None:
    """Recompute drafts' taxes and totals from their lines (rates in force on `on`, today by default).

    One set of queries for all the drafts, whatever their number.
    """
    for invoice in invoices:
        _require_draft(invoice)
    day = on or timezone.localdate()
    lines = _lines_by_invoice(invoices)
    rate_lookup = rates_table()
    taxes_of = {
        invoice.pk: compute_taxes(lines[invoice.pk], day, rate_lookup) if lines[invoice.pk] else []
        for invoice in invoices
    }
    before = {invoice.pk: stored_values(invoice, TOTAL_FIELDS) for invoice in invoices}
    _taxes_replace(invoices, lines, taxes_of)
    Invoice.objects.bulk_update(invoices, TOTAL_FIELDS)
    record_updated(invoices, TOTAL_FIELDS, before)
    renew_invoice_list_versions(invoice.customer_id for invoice in invoices)


def invoice_recalculate(*, invoice: Invoice, on: date | None = None) -> Invoice:
    """Recompute a draft's taxes and totals from its lines (rates in force on `on`, today by default)."""
    invoices_recalculate(invoices=[invoice], on=on)
    return invoice


def next_number(*, year: int) -> str:
    """The next number of the year's sequence; call inside the issuing transaction (gap-free)."""
    return next_numbers(year=year, count=1)[0]


def next_numbers(*, year: int, count: int) -> list[str]:
    """The next `count` consecutive numbers of the year's sequence, inside the issuing transaction."""
    counter = InvoiceCounter.objects.select_for_update().filter(year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                InvoiceCounter.objects.create(year=year, last_number=0)
        except IntegrityError:
            pass  # another issuer created it first; the lock below waits for it
        counter = InvoiceCounter.objects.select_for_update().get(year=year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return [f"{year}-{n:06d}" for n in range(first, first + count)]


@dataclass
class IssueResult:
    issued: list[Invoice] = field(default_factory=list)
    held: dict[int, ValidationError] = field(default_factory=dict)  # draft id → why it stays a draft
    not_drafts: list[Invoice] = field(default_factory=list)  # issued meanwhile (e.g. by a concurrent run)


ISSUED_FIELDS = [
    *TOTAL_FIELDS,
    "issue_date",
    "due_date",
    "number",
    "status",
    "issue_after",
]


def invoices_issue(
    *, invoice_ids, actor=None, on: date | None = None, tax_date: date | None = None
) -> IssueResult:
    """Issue drafts together: taxes at the issue date, consecutive numbers, due dates, one event each.

    One transaction and a constant number of queries for the whole batch; a draft that may not be
    issued (no lines, a PO number required, no tax rate) stays a draft and is returned in `held`.
    The PDFs and emails follow after commit, as one job for the batch.
    """
    from billing.selectors import billing_options_for
    from billing.tasks import invoice_documents_task

    result = IssueResult()
    day = on or timezone.localdate()
    with transaction.atomic():
        drafts = list(
            Invoice.objects.select_for_update(of=("self",))
            .select_related("customer", "customer__billing_options")
            .filter(pk__in=list(invoice_ids))
            .order_by("pk")
        )
        lines = _lines_by_invoice(drafts)
        rate_lookup = rates_table()
        ready, taxes_of = [], {}
        for invoice in drafts:
            if invoice.status != InvoiceStatus.DRAFT:
                result.not_drafts.append(invoice)
                continue
            try:
                if not lines[invoice.pk]:
                    raise ValidationError(_("An invoice without lines cannot be issued."), code="no_lines")
                options = billing_options_for(customer=invoice.customer)
                if invoice.kind == DocumentKind.INVOICE and options.po_required and not invoice.po_number:
                    raise ValidationError(
                        _("%(customer)s requires a purchase order number on its invoices.")
                        % {"customer": invoice.customer},
                        code="po_required",
                    )
                taxes_of[invoice.pk] = compute_taxes(lines[invoice.pk], tax_date or day, rate_lookup)
            except ValidationError as error:
                result.held[invoice.pk] = error
                continue
            ready.append(invoice)
        if not ready:
            return result
        before = {invoice.pk: stored_values(invoice, ISSUED_FIELDS) for invoice in ready}
        _taxes_replace(ready, lines, taxes_of)
        # Numbers last: the counter's lock is the one every issuer waits for, so hold it briefly.
        for invoice, number in zip(ready, next_numbers(year=day.year, count=len(ready)), strict=True):
            invoice.issue_date = day
            invoice.due_date = day + timedelta(days=invoice.customer.payment_terms_days)
            invoice.number = number
            invoice.status = InvoiceStatus.ISSUED
            invoice.issue_after = None
        # Credit notes are saved one by one: receivables applies a credit note to the invoice it
        # corrects when it sees it issued (a post_save listener). Invoices are written at once.
        invoices = [invoice for invoice in ready if not invoice.is_credit_note]
        for note in (invoice for invoice in ready if invoice.is_credit_note):
            note.save(update_fields=ISSUED_FIELDS)
        Invoice.objects.bulk_update(invoices, ISSUED_FIELDS)
        record_updated(invoices, ISSUED_FIELDS, before)
        renew_invoice_list_versions(invoice.customer_id for invoice in invoices)
        InvoiceEvent.objects.bulk_create(
            InvoiceEvent(
                invoice=invoice,
                actor=actor,
                action="issued",
                from_status=InvoiceStatus.DRAFT,
                to_status=InvoiceStatus.ISSUED,
            )
            for invoice in ready
        )
        enqueue(invoice_documents_task, [invoice.pk for invoice in ready])
    result.issued = ready
    return result


def invoice_issue(
    *, invoice: Invoice, actor=None, on: date | None = None, tax_date: date | None = None
) -> Invoice:
    """Issue a draft: taxes at the issue date, number, due date; the PDF and email follow after commit."""
    result = invoices_issue(invoice_ids=[invoice.pk], actor=actor, on=on, tax_date=tax_date)
    if invoice.pk in result.held:
        raise result.held[invoice.pk]
    if result.not_drafts:
        _require_draft(result.not_drafts[0])
    return result.issued[0]


def invoice_update_draft(*, invoice: Invoice, actor=None, **fields) -> Invoice:
    """Change a draft's header (PO number, reference); an issued document refuses."""
    allowed = {"po_number", "reference", "bill_to", "language", "issue_after"}
    with transaction.atomic():
        invoice = _locked(invoice)
        _require_draft(invoice)
        for name, value in fields.items():
            if name not in allowed:
                raise ValueError(name)
            setattr(invoice, name, value)
        invoice.save(update_fields=list(fields))
        _event(invoice, actor=actor, action="edited")
    return invoice


def _credit_groups(invoice: Invoice, amount: Decimal) -> list[tuple[str, str, Decimal]]:
    """Net per (place of supply, category) of a credit totalling `amount` with tax, as near as cents allow."""
    groups: dict[tuple[str, str], Decimal] = {}
    for province, category, net in invoice.lines.values_list("province", "tax_category", "net_amount"):
        groups[(province, category)] = groups.get((province, category), Decimal("0")) + net
    if not groups or invoice.total <= 0:
        raise ValidationError(_("This invoice has nothing to credit."), code="nothing_to_credit")
    ratio = amount / invoice.total
    nets = {key: quantize_money(net * ratio) for key, net in groups.items()}
    biggest = max(nets, key=lambda k: nets[k])

    def total_of(nets) -> tuple[Decimal, list]:
        taxes = compute_taxes([(p, c, n) for (p, c), n in nets.items()], invoice.issue_date)
        return sum(nets.values()) + sum(t.amount for t in taxes), taxes

    # Taxes are rounded per group, so nudge the biggest group until the total lands on the amount.
    for _attempt in range(6):
        total, taxes = total_of(nets)
        diff = amount - total
        if diff == 0:
            break
        rate = sum((t.rate for t in taxes if (t.province, t.tax_category) == biggest), Decimal("0"))
        step = quantize_money(diff / (1 + rate))
        if step == 0:
            step = Decimal("0.01") if diff > 0 else Decimal("-0.01")
        nets[biggest] += step
    # Some totals cannot be reached to the cent (two taxes each rounded): never credit more than agreed.
    while total_of(nets)[0] > amount and nets[biggest] > 0:
        nets[biggest] -= Decimal("0.01")
    return [(p, c, n) for (p, c), n in nets.items() if n > 0]


def credit_note_create(
    *,
    invoice: Invoice,
    amount: Decimal | None = None,
    reason: str,
    actor=None,
    issue: bool = True,
    on: date | None = None,
) -> Invoice:
    """A credit note against an issued invoice: the whole invoice (amount None) or an amount with tax.

    Taxes use the rates of the credited invoice's date, so a full credit mirrors the invoice exactly.
    """
    from billing.selectors import credited_total

    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.kind != DocumentKind.INVOICE or invoice.status in (
            InvoiceStatus.DRAFT,
            InvoiceStatus.CANCELLED,
        ):
            raise ValidationError(_("Only an issued invoice can be credited."), code="not_creditable")
        available = invoice.total - credited_total(invoice=invoice)
        if amount is not None:
            amount = quantize_money(amount)
            if amount <= 0:
                raise ValidationError(_("The amount to credit must be positive."), code="amount")
            if amount > available:
                raise ValidationError(
                    _("At most %(amount)s can still be credited on this invoice.")
                    % {"amount": format_money(available)},
                    code="amount",
                )
        elif available != invoice.total:
            raise ValidationError(_("This invoice is already partly credited."), code="partly_credited")
        note = invoice_draft_create(
            customer=invoice.customer,
            bill_to=invoice.bill_to,
            kind=DocumentKind.CREDIT_NOTE,
            po_number=invoice.po_number,
            reference=invoice.reference,
            language=invoice.language,
            actor=actor,
        )
        note.credited_invoice = invoice
        note.credit_reason = reason[:250]
        note.save(update_fields=["credited_invoice", "credit_reason"])
        label = _("Credit on invoice %(number)s: %(reason)s") % {"number": invoice.number, "reason": reason}
        if amount is None:
            for line in invoice.lines.all():
                invoice_line_add(
                    invoice=note,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    net_amount=line.net_amount,
                    tax_category=line.tax_category,
                    province=line.province,
                    reference=line.reference,
                )
        else:
            for province, category, net in _credit_groups(invoice, amount):
                invoice_line_add(
                    invoice=note,
                    description=label,
                    quantity=1,
                    unit_price=net,
                    tax_category=category,
                    province=province,
                    reference=invoice.number,
                )
        if issue:
            note = invoice_issue(invoice=note, actor=actor, on=on, tax_date=invoice.issue_date)
            _event(invoice, actor=actor, action="credited", note=note.number or "")
    return note


def invoice_cancel(*, invoice: Invoice, reason: str, actor=None, on: date | None = None) -> Invoice:
    """Cancel an unpaid issued invoice through a credit note for its whole amount."""
    with transaction.atomic():
        locked = _locked(invoice)
        if locked.status != InvoiceStatus.ISSUED:
            raise ValidationError(
                _("Only an issued, unpaid invoice can be cancelled."), code="not_cancellable"
            )
        note = credit_note_create(invoice=locked, reason=reason, actor=actor, on=on)
        invoice_transition(invoice=locked, to=InvoiceStatus.CANCELLED, actor=actor, note=note.number)
    return note

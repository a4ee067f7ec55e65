"""Invoice generation from delivered order lines and due contract billing periods.

Each source is invoiced exactly once: the invoice line's OneToOne key on the source is unique in the
database, so a second (concurrent or retried) run fails that insert and skips the source. Each source
is added in its own transaction, so one failure never loses the others.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from billing.models import Invoice, InvoiceStatus, InvoicingMode
from billing.selectors import billing_options_for, billing_periods_due
from billing.services.invoices import ImmutableInvoice, invoice_draft_create, invoice_issue, invoice_line_add
from billing.taxes import STANDARD

logger = logging.getLogger(__name__)

# Goods are taxed where they are delivered; services and licences where the customer is.
GOODS_KINDS = {"hardware", "publication"}


@dataclass
class GenerationResult:
    order_lines: int = 0
    billing_periods: int = 0
    skipped: int = 0
    issued: list[str] = field(default_factory=list)
    held: list[int] = field(default_factory=list)


def _first_of_next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _draft_for(
    *, customer, key: str, issue_after: date, bill_to=None, po_number: str = "", actor=None
) -> Invoice:
    """The customer's open draft for the grouping key, locked; created if there is none."""
    draft = (
        Invoice.objects.select_for_update()
        .filter(customer=customer, grouping_key=key, status=InvoiceStatus.DRAFT)
        .first()
    )
    if draft is not None:
        return draft
    try:
        with transaction.atomic():
            return invoice_draft_create(
                customer=customer,
                bill_to=bill_to,
                grouping_key=key,
                issue_after=issue_after,
                po_number=po_number,
                actor=actor,
            )
    except IntegrityError:
        # A concurrent run created it (the partial unique constraint): use theirs.
        return Invoice.objects.select_for_update().get(
            customer=customer, grouping_key=key, status=InvoiceStatus.DRAFT
        )


def _grouping(*, customer, day: date, own_key: str) -> tuple[str, date]:
    options = billing_options_for(customer=customer)
    if options.mode == InvoicingMode.MONTHLY:
        return f"month:{day:%Y-%m}", _first_of_next_month(day)
    return own_key, day


def _invoice_order_line(line, *, today: date, actor) -> bool:
    order = line.order
    customer = order.customer
    key, issue_after = _grouping(
        customer=customer, day=line.delivered_at or today, own_key=f"order:{order.number}"
    )
    product = line.product
    province = order.ship_to.province if product.kind in GOODS_KINDS else customer.province
    try:
        with transaction.atomic():
            draft = _draft_for(
                customer=customer,
                key=key,
                issue_after=issue_after,
                bill_to=order.bill_to,
                po_number=order.po_number,
                actor=actor,
            )
            invoice_line_add(
                invoice=draft,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net_amount=line.net_amount,
                tax_category=product.tax_category,
                province=province,
                reference=f"{order.number}/{line.line_number}",
                order_line=line,
            )
    except IntegrityError:
        return False
    return True


def _invoice_billing_period(period, *, today: date, actor) -> bool:
    contract = period.contract
    customer = contract.customer
    key, issue_after = _grouping(
        customer=customer, day=max(period.due_on, today), own_key=f"contract:{contract.number}"
    )
    # The line reads in the customer's invoice language (French first when bilingual).
    with translation.override(billing_options_for(customer=customer).language[:2]):
        kind = contract.get_kind_display()
        description = f"{contract.number} {kind} {period.start_date} – {period.end_date}"
    try:
        with transaction.atomic():
            draft = _draft_for(customer=customer, key=key, issue_after=issue_after, actor=actor)
            invoice_line_add(
                invoice=draft,
                description=description,
                quantity=1,
                unit_price=period.amount,
                net_amount=period.amount,
                tax_category=STANDARD,
                province=customer.province,
                reference=contract.number,
                billing_period=period,
            )
    except IntegrityError:
        return False
    return True


def invoice_generation_run(
    *, on: date | None = None, customer_id: int | None = None, actor=None, issue: bool = True
) -> GenerationResult:
    """Invoice what is due on `on` (today by default), for one customer or all, then issue ready drafts."""
    from orders.models import OrderLine

    today = on or timezone.localdate()
    result = GenerationResult()
    lines = (
        OrderLine.objects.filter(
            delivered_at__isnull=False, delivered_at__lte=today, invoice_line__isnull=True
        )
        .exclude(order__status="cancelled")
        .select_related("order", "order__customer", "order__ship_to", "order__bill_to", "product")
        .order_by("order_id", "line_number")
    )
    periods = billing_periods_due(on=today)
    if customer_id is not None:
        lines = lines.filter(order__customer_id=customer_id)
        periods = periods.filter(contract__customer_id=customer_id)
    for line in lines.iterator(chunk_size=500):
        if _invoice_order_line(line, today=today, actor=actor):
            result.order_lines += 1
        else:
            result.skipped += 1
    for period in periods.select_related("contract", "contract__customer").iterator(chunk_size=500):
        if _invoice_billing_period(period, today=today, actor=actor):
            result.billing_periods += 1
        else:
            result.skipped += 1
    if issue:
        ready = Invoice.objects.filter(status=InvoiceStatus.DRAFT, issue_after__lte=today).exclude(
            grouping_key=""
        )
        if customer_id is not None:
            ready = ready.filter(customer_id=customer_id)
        for draft_id in ready.values_list("id", flat=True):
            try:
                invoice = invoice_issue(invoice=Invoice(pk=draft_id), actor=actor)
            except ImmutableInvoice:
                continue  # a concurrent run issued it
            except ValidationError as exc:
                # Held (e.g. a PO number is required): agents see it among the drafts.
                logger.info("invoice draft %s held: %s", draft_id, exc.messages)
                result.held.append(draft_id)
            else:
                result.issued.append(invoice.number)
    return result

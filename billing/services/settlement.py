"""Status from payments: called by receivables after it allocates payments and credit notes."""

from decimal import Decimal

from django.db import transaction

from billing.models import DocumentKind, Invoice, InvoiceEvent, InvoiceStatus


@transaction.atomic
def invoice_settle(*, invoice: Invoice, open_balance: Decimal) -> Invoice:
    """Set an issued invoice's status from its open balance (called by receivables after allocations).

    Status follows the balance: the whole total open → issued; part of it → partly paid; none → paid.
    Only the status moves: an issued invoice's content never changes.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != DocumentKind.INVOICE or invoice.status in (
        InvoiceStatus.DRAFT,
        InvoiceStatus.CANCELLED,
    ):
        return invoice
    if open_balance <= 0:
        status = InvoiceStatus.PAID
    elif open_balance < invoice.total:
        status = InvoiceStatus.PARTLY_PAID
    else:
        status = InvoiceStatus.ISSUED
    if status != invoice.status:
        previous = invoice.status
        invoice.status = status
        invoice.save(update_fields=["status"])
        InvoiceEvent.objects.create(invoice=invoice, action="settled", from_status=previous, to_status=status)
    return invoice

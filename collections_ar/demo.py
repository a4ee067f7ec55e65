"""Demo receivables: payments on some of billing's demo invoices, a collector's note and promise,
a do-not-dun customer and a bank remittance file to reconcile. Idempotent: keyed on references."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from billing.models import DocumentKind, Invoice, InvoiceStatus
from collections_ar.models import CollectionNote, Payment, PromiseToPay, RemittanceImport
from collections_ar.services import (
    credit_profile_update,
    linked_credit_notes_apply,
    note_add,
    payment_record,
    promise_add,
)
from collections_ar.services.remittance import remittance_import
from csol.core.models import Customer, User
from csol.core.money import quantize_money
from csol.core.seeding import register_seeder

# customer → (method, share of the oldest open invoice paid, also the next one?)
PAYMENTS = {
    "C-100001": ("cheque", Decimal("1"), False),
    "C-100002": ("eft", Decimal("0.5"), False),
    "C-100005": ("pad", Decimal("1"), True),
}


def _open_invoices(customer):
    return list(
        Invoice.objects.filter(
            customer=customer,
            kind=DocumentKind.INVOICE,
            status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID),
        ).order_by("issue_date", "pk")
    )


@register_seeder(order=50)
def seed_receivables(*, stdout=None):
    customers = {c.number: c for c in Customer.objects.filter(number__startswith="C-1000")}
    agent = User.objects.filter(email="agent@csol.example").first()
    linked_credit_notes_apply()
    today = timezone.localdate()
    for number, (method, share, next_too) in PAYMENTS.items():
        customer = customers.get(number)
        # The customer's demo payments are made once: a second run finds them and stops.
        if customer is None:
            continue
        if Payment.objects.filter(customer=customer, reference__startswith="DEMO-").exists():
            continue
        for invoice in _open_invoices(customer)[: 2 if next_too else 1]:
            reference = f"DEMO-{invoice.number}"
            amount = quantize_money(invoice.total * share)
            received = min(today, (invoice.issue_date or today) + timedelta(days=20))
            payment_record(
                customer=customer,
                received_on=received,
                method=method,
                amount=amount,
                reference=reference,
                actor=agent,
                allocations=[(invoice, amount)],
            )
    if "C-100004" in customers:
        credit_profile_update(customer=customers["C-100004"], do_not_dun=True)
    if "C-100001" in customers:
        credit_profile_update(customer=customers["C-100001"], accepted_methods=["eft", "cheque", "pad"])
    late = customers.get("C-100003")
    if late is not None and agent is not None:
        if not CollectionNote.objects.filter(customer=late).exists():
            note_add(
                customer=late,
                author=agent,
                text="Called accounts payable: cheque run on Friday, will pay the oldest invoice.",
            )
        if not PromiseToPay.objects.filter(customer=late).exists():
            open_amount = sum((i.total for i in _open_invoices(late)[:1]), Decimal("0"))
            if open_amount > 0:
                promise_add(
                    customer=late,
                    promised_on=today + timedelta(days=7),
                    amount=open_amount,
                    actor=agent,
                    note="Cheque",
                )
        _seed_bank_file(late, agent)


def _seed_bank_file(customer, agent):
    """A small bank file: one line naming an invoice, one unknown payer (left for the agent)."""
    invoices = _open_invoices(customer)
    if not invoices:
        return
    invoice = invoices[-1]
    content = (
        "date,amount,payer reference,details\n"
        f"{invoice.issue_date.isoformat()},{invoice.total},PACIFIC TIMBER CORP,Payment {invoice.number}\n"
        f"{invoice.issue_date.isoformat()},125.00,UNKNOWN PAYER 4471,misc deposit\n"
    ).encode()
    import hashlib

    if RemittanceImport.objects.filter(file_hash=hashlib.sha256(content).hexdigest()).exists():
        return
    remittance_import(name="demo-bank-remittance.csv", content=content, actor=agent)

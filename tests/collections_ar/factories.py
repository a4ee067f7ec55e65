"""Invoices made directly (billing's own factories may not exist yet): INTERFACE fields only."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from billing.models import Dispute, DocumentKind, Invoice, InvoiceStatus
from tests.factories import CustomerFactory, SiteFactory


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    kind = DocumentKind.INVOICE
    customer = factory.SubFactory(CustomerFactory)
    bill_to = factory.LazyAttribute(
        lambda o: o.customer.sites.filter(is_bill_to=True).first() or SiteFactory(customer=o.customer)
    )
    status = InvoiceStatus.ISSUED
    number = factory.Sequence(lambda n: f"F{700000 + n}")
    issue_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    due_date = factory.LazyAttribute(lambda o: o.issue_date + timedelta(days=30))
    province = factory.LazyAttribute(lambda o: o.customer.province)
    language = factory.LazyAttribute(lambda o: o.customer.language)
    total = Decimal("1130.00")
    net_total = factory.LazyAttribute(lambda o: (o.total / Decimal("1.13")).quantize(Decimal("0.01")))
    tax_total = factory.LazyAttribute(lambda o: o.total - o.net_total)


class CreditNoteFactory(InvoiceFactory):
    kind = DocumentKind.CREDIT_NOTE
    number = factory.Sequence(lambda n: f"NC{800000 + n}")
    total = Decimal("100.00")


class DisputeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dispute

    invoice = factory.SubFactory(InvoiceFactory)
    amount = Decimal("100.00")

"""Billing test data: documents built through the services, so they are what production builds."""

from datetime import date
from decimal import Decimal

import factory

from billing.services import invoice_draft_create, invoice_issue, invoice_line_add
from contracts.models import BillingPeriod, Contract
from orders.models import Order, OrderLine, Product
from tests.factories import CustomerFactory, SiteFactory


def make_invoice(
    customer, lines=((Decimal("100.00"), "standard", None),), *, issue=True, on=None, po_number="", actor=None
):
    """A document for the customer with `(net, category, province)` lines, issued on `on` by default."""
    invoice = invoice_draft_create(customer=customer, po_number=po_number, actor=actor)
    for index, (net, category, province) in enumerate(lines, start=1):
        invoice_line_add(
            invoice=invoice,
            description=f"Article {index} — entretien",
            quantity=1,
            unit_price=Decimal(net),
            tax_category=category,
            province=province or customer.province,
        )
    if issue:
        invoice = invoice_issue(invoice=invoice, actor=actor, on=on or date(2026, 11, 2))
    return invoice


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    kind = "hardware"
    name_fr = "Serveur lame"
    name_en = "Blade server"
    unit_price = Decimal("1000.00")
    tax_category = "standard"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"O-{700000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    po_number = factory.Sequence(lambda n: f"PO-{n}")
    ship_to = factory.LazyAttribute(lambda o: o.customer.sites.first() or SiteFactory(customer=o.customer))
    bill_to = factory.LazyAttribute(lambda o: o.ship_to)
    status = "delivered"


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    product = factory.SubFactory(ProductFactory)
    description = factory.LazyAttribute(lambda line: line.product.name_en)
    quantity = 2
    unit_price = Decimal("500.00")
    net_amount = factory.LazyAttribute(lambda line: line.unit_price * line.quantity)
    delivered_at = date(2026, 11, 2)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"K-{500000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    kind = "hw_maintenance"
    start_date = date(2026, 1, 1)
    end_date = date(2026, 12, 31)
    status = "active"
    billing_frequency = "monthly"
    amount_per_period = Decimal("250.00")


class BillingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingPeriod

    contract = factory.SubFactory(ContractFactory)
    start_date = date(2026, 11, 1)
    end_date = date(2026, 11, 30)
    due_on = date(2026, 11, 1)
    amount = Decimal("250.00")


def plain(text: str) -> str:
    """Text with no-break spaces made ordinary (French money formatting uses them)."""
    return text.replace("\xa0", " ").replace("\u202f", " ")

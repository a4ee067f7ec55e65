"""Factories of contracts: contracts in force, licences, products to license."""

from datetime import date
from decimal import Decimal

import factory

from contracts.models import (
    BillingFrequency,
    Contract,
    ContractKind,
    ContractStatus,
    Entitlement,
    LicenceMetric,
)
from orders.models import Product, ProductKind
from tests.factories import CustomerFactory, UserFactory


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ["sku"]

    sku = factory.Sequence(lambda n: f"LIC-T{n:04d}")
    kind = ProductKind.SOFTWARE
    name_fr = factory.Sequence(lambda n: f"Logiciel {n}")
    name_en = factory.Sequence(lambda n: f"Software {n}")
    unit_price = Decimal("100.00")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"CT-T{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    kind = ContractKind.HARDWARE_MAINTENANCE
    start_date = date(2026, 1, 1)
    end_date = date(2026, 12, 31)
    status = ContractStatus.ACTIVE
    billing_frequency = BillingFrequency.ANNUAL
    amount_per_period = Decimal("1200.00")
    auto_renew = False
    notice_days = 30


class EntitlementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entitlement

    contract = factory.SubFactory(ContractFactory)
    customer = factory.LazyAttribute(lambda e: e.contract.customer)
    product = factory.SubFactory(ProductFactory)
    metric = LicenceMetric.PER_USER
    quantity = 10
    term_start = factory.LazyAttribute(lambda e: e.contract.start_date)
    term_end = factory.LazyAttribute(lambda e: e.contract.end_date)
    licence_key = factory.Sequence(lambda n: f"KEY-{n:06d}")
    granted_by = factory.SubFactory(UserFactory, is_staff=True)

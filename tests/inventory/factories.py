"""Factories for the installed base (and the few orders/contracts rows it reads)."""

import datetime

import factory

from contracts.models import Contract, ContractKind, ContractStatus
from inventory.models import InventoryRecord
from orders.models import Order, OrderLine, Product, ProductKind
from tests.factories import CustomerFactory, SiteFactory


class HardwareProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"HW-{1000 + n}")
    kind = ProductKind.HARDWARE
    machine_type = "9080"
    model = "HEX"
    name_fr = "Serveur Power E1080"
    name_en = "Power E1080 server"
    unit_price = 125000


class SoftwareProductFactory(HardwareProductFactory):
    sku = factory.Sequence(lambda n: f"SW-{1000 + n}")
    kind = ProductKind.SOFTWARE
    machine_type = ""
    model = ""
    name_fr = "Logiciel de sauvegarde"
    name_en = "Backup software"
    unit_price = 900


class RecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InventoryRecord

    customer = factory.SubFactory(CustomerFactory)
    site = factory.LazyAttribute(lambda r: r.customer.sites.first() or SiteFactory(customer=r.customer))
    product = factory.SubFactory(HardwareProductFactory)
    machine_type = factory.LazyAttribute(lambda r: r.product.machine_type)
    model = factory.LazyAttribute(lambda r: r.product.model)
    serial_number = factory.Sequence(lambda n: f"78A{n:05d}")
    install_date = datetime.date(2025, 1, 15)
    warranty_end = None


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"MC-{5000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    kind = ContractKind.HARDWARE_MAINTENANCE
    start_date = datetime.date(2025, 1, 1)
    end_date = datetime.date(2027, 12, 31)
    status = ContractStatus.ACTIVE


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"SO-{70000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    ship_to = factory.LazyAttribute(lambda o: o.customer.sites.first() or SiteFactory(customer=o.customer))
    bill_to = factory.LazyAttribute(lambda o: o.ship_to)


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    product = factory.SubFactory(HardwareProductFactory)
    description = factory.LazyAttribute(lambda line: line.product.name_en)
    quantity = 1
    unit_price = factory.LazyAttribute(lambda line: line.product.unit_price)
    net_amount = factory.LazyAttribute(lambda line: line.product.unit_price * line.quantity)

"""Factories and helpers for orders tests: orders are made through the services, as in production."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from orders import services
from orders.models import Order, OrderStatus, Product, ProductKind


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{1000 + n}")
    kind = ProductKind.HARDWARE
    machine_type = "9080"
    model = "HEX"
    name_fr = factory.Sequence(lambda n: f"Serveur {n}")
    name_en = factory.Sequence(lambda n: f"Server {n}")
    unit_price = Decimal("1250.00")


def make_order(
    customer, *, actor=None, lines=1, quantity=2, product=None, po_number="PO-1", **fields
) -> Order:
    """A received order of `lines` lines, each `quantity` units."""
    products = [product] * lines if product else [ProductFactory() for _ in range(lines)]
    return services.order_create(
        customer=customer,
        ship_to=customer.sites.first(),
        lines=[services.LineRequest(product=p, quantity=quantity) for p in products],
        actor=actor,
        po_number=po_number,
        **fields,
    )


def ship_all(order, *, actor):
    """Plan and ship everything left on one shipment."""
    remaining = {k: v for k, v in services.remaining_quantities(order).items() if v}
    shipment = services.shipment_create(
        order=order, lines=remaining, actor=actor, carrier="Purolator", tracking_number="T1"
    )
    return services.shipment_ship(shipment=shipment, actor=actor)


def advance(order, to, *, actor):
    """Walk an order along the happy path up to `to`."""
    path = [OrderStatus.VALIDATED, OrderStatus.SCHEDULED, OrderStatus.SHIPPED, OrderStatus.DELIVERED]
    for status in path:
        order.refresh_from_db()
        if order.status == to:
            break
        if status == OrderStatus.SHIPPED:
            ship_all(order, actor=actor)
        else:
            services.order_transition(order=order, to=status, actor=actor)
    order.refresh_from_db()
    return order


def tomorrow_at(hour):
    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour=hour)))

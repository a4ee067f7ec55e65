import datetime

import pytest

from inventory.models import EventKind, InventoryRecord
from orders.hooks import notify_lines_delivered
from tests.inventory.factories import OrderFactory, OrderLineFactory, SoftwareProductFactory

pytestmark = pytest.mark.django_db


def test_delivered_hardware_line_creates_one_record_per_unit(customer, agent):
    order = OrderFactory(customer=customer)
    line = OrderLineFactory(order=order, quantity=3, delivered_at=datetime.date(2026, 3, 15))
    notify_lines_delivered(line_ids=[line.pk], actor=agent)

    records = InventoryRecord.objects.filter(order_line=line)
    assert records.count() == 3
    for record in records:
        assert record.customer == customer
        assert record.site == order.ship_to
        assert record.serial_number == ""  # not known until someone reads the label
        assert (record.machine_type, record.model) == ("9080", "HEX")
        assert record.install_date == datetime.date(2026, 3, 15)
        assert record.warranty_end == datetime.date(2027, 3, 14)
        assert record.events.get().kind == EventKind.DELIVERED


def test_delivery_listener_is_idempotent(customer):
    line = OrderLineFactory(
        order=OrderFactory(customer=customer), quantity=2, delivered_at=datetime.date(2026, 3, 15)
    )
    notify_lines_delivered(line_ids=[line.pk])
    notify_lines_delivered(line_ids=[line.pk])
    assert InventoryRecord.objects.filter(order_line=line).count() == 2


def test_software_and_undelivered_lines_create_nothing(customer):
    order = OrderFactory(customer=customer)
    software = OrderLineFactory(
        order=order, product=SoftwareProductFactory(), delivered_at=datetime.date(2026, 3, 15)
    )
    undelivered = OrderLineFactory(order=order, delivered_at=None)
    notify_lines_delivered(line_ids=[software.pk, undelivered.pk])
    assert not InventoryRecord.objects.exists()


def test_leap_day_delivery_warranty(customer):
    line = OrderLineFactory(order=OrderFactory(customer=customer), delivered_at=datetime.date(2028, 2, 29))
    notify_lines_delivered(line_ids=[line.pk])
    assert InventoryRecord.objects.get(order_line=line).warranty_end == datetime.date(2029, 2, 28)


def test_orders_delivery_flow_creates_records_once(customer, agent):
    # Through the orders services, as in production: a partial delivery, then the rest.
    from orders import services as order_services
    from orders.models import OrderStatus
    from tests.orders.factories import advance, make_order

    order = advance(
        make_order(customer, actor=agent, lines=2, quantity=2), OrderStatus.VALIDATED, actor=agent
    )
    first, second = order.lines.order_by("line_number")
    shipment = order_services.shipment_create(order=order, lines={first.id: 2, second.id: 1}, actor=agent)
    order_services.shipment_ship(shipment=shipment, actor=agent)
    order_services.shipment_deliver(shipment=shipment, actor=agent)
    assert InventoryRecord.objects.filter(order_line=first).count() == 2
    assert not InventoryRecord.objects.filter(order_line=second).exists()  # not delivered yet

    rest = order_services.shipment_create(order=order, lines={second.id: 1}, actor=agent)
    order_services.shipment_ship(shipment=rest, actor=agent)
    order_services.shipment_deliver(shipment=rest, actor=agent)
    assert InventoryRecord.objects.filter(order_line__order=order).count() == 4
    assert set(InventoryRecord.objects.values_list("site_id", flat=True)) == {order.ship_to_id}

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from csol.core.models import CustomerStatus
from orders import hooks, services
from orders.models import OrderEvent, OrderEventKind, OrderLine, OrderStatus, ProductKind, ShipmentStatus
from tests.orders.factories import ProductFactory, advance, make_order, ship_all

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
S = OrderStatus


@pytest.fixture
def delivered_lines():
    """Collects what the delivery hook reports, as inventory would."""
    seen = []

    def listener(*, line_ids, actor):
        seen.append((sorted(line_ids), actor))

    hooks.on_lines_delivered(listener)
    yield seen
    hooks._delivery_listeners.remove(listener)


def test_order_create_computes_lines_and_total(customer, customer_user):
    product = ProductFactory(unit_price=Decimal("19.99"))
    order = make_order(customer, actor=customer_user, product=product, quantity=3)
    line = order.lines.get()
    assert order.status == S.RECEIVED
    assert order.number == f"O-{order.pk:07d}"
    assert line.net_amount == Decimal("59.97")
    assert order.net_total == Decimal("59.97")
    assert order.events.get().kind == OrderEventKind.CREATED


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], S.SHIPPED),
        ([], S.DELIVERED),
        ([S.VALIDATED], S.RECEIVED),
        ([S.CANCELLED], S.VALIDATED),
    ],
)
def test_refused_moves(customer, agent, path, refused):
    order = make_order(customer, actor=agent)
    for status in path:
        order = services.order_transition(order=order, to=status, actor=agent)
    with pytest.raises(ValidationError):
        services.order_transition(order=order, to=refused, actor=agent)
    order.refresh_from_db()
    assert order.status == (path[-1] if path else S.RECEIVED)


def test_allowed_move_records_who_and_when(customer, agent):
    order = make_order(customer, actor=agent)
    services.order_transition(order=order, to=S.VALIDATED, actor=agent)
    event = OrderEvent.objects.get(order=order, kind=OrderEventKind.STATUS)
    assert (event.from_status, event.to_status, event.actor) == (S.RECEIVED, S.VALIDATED, agent)


def test_credit_hold_customer_cannot_be_validated(customer, agent):
    order = make_order(customer, actor=agent)
    customer.status = CustomerStatus.CREDIT_HOLD
    customer.save()
    with pytest.raises(ValidationError, match="credit hold"):
        services.order_transition(order=order, to=S.VALIDATED, actor=agent)
    order.refresh_from_db()
    assert order.status == S.RECEIVED


def test_hold_returns_only_to_previous_status(customer, agent):
    order = advance(make_order(customer, actor=agent), S.SCHEDULED, actor=agent)
    order = services.order_transition(order=order, to=S.ON_HOLD, actor=agent)
    assert order.is_open and order.held_from == S.SCHEDULED
    with pytest.raises(ValidationError):
        services.order_transition(order=order, to=S.RECEIVED, actor=agent)
    order = services.order_transition(order=order, to=S.SCHEDULED, actor=agent)
    assert order.status == S.SCHEDULED and order.held_from == ""


def test_installed_only_for_hardware(customer, agent):
    order = make_order(
        customer, actor=agent, product=ProductFactory(kind=ProductKind.SOFTWARE, machine_type="")
    )
    order = advance(order, S.DELIVERED, actor=agent)
    with pytest.raises(ValidationError):
        services.order_transition(order=order, to=S.INSTALLED, actor=agent)
    assert services.order_transition(order=order, to=S.COMPLETED, actor=agent).is_open is False


def test_shipment_cannot_exceed_ordered_quantity(customer, agent):
    order = advance(make_order(customer, actor=agent, quantity=5), S.VALIDATED, actor=agent)
    line = order.lines.get()
    services.shipment_create(order=order, lines={line.id: 3}, actor=agent)
    with pytest.raises(ValidationError, match="only 2 left"):
        services.shipment_create(order=order, lines={line.id: 3}, actor=agent)
    services.shipment_create(order=order, lines={line.id: 2}, actor=agent)
    with pytest.raises(ValidationError):
        services.shipment_create(order=order, lines={line.id: 1}, actor=agent)


def test_shipment_refuses_lines_of_another_order(customer, agent):
    order = advance(make_order(customer, actor=agent), S.VALIDATED, actor=agent)
    other = make_order(customer, actor=agent)
    with pytest.raises(ValidationError):
        services.shipment_create(order=order, lines={other.lines.get().id: 1}, actor=agent)


def test_partial_then_full_shipping_and_delivery(customer, agent, delivered_lines):
    order = advance(make_order(customer, actor=agent, lines=2, quantity=2), S.VALIDATED, actor=agent)
    first, second = order.lines.order_by("line_number")
    s1 = services.shipment_create(order=order, lines={first.id: 2, second.id: 1}, actor=agent)
    services.shipment_ship(shipment=s1, actor=agent)
    order.refresh_from_db()
    assert order.status == S.PARTLY_SHIPPED

    services.shipment_deliver(shipment=s1, actor=agent)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.delivered_at is not None and second.delivered_at is None
    assert delivered_lines == [([first.id], agent)]

    s2 = services.shipment_create(order=order, lines={second.id: 1}, actor=agent)
    services.shipment_ship(shipment=s2, actor=agent)
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    services.shipment_deliver(shipment=s2, actor=agent)
    order.refresh_from_db()
    assert order.status == S.DELIVERED and not order.is_open
    assert delivered_lines == [([first.id], agent), ([second.id], agent)]
    assert not OrderLine.objects.filter(order=order, delivered_at__isnull=True).exists()


def test_moving_to_delivered_delivers_every_line_once(customer, agent, delivered_lines):
    order = advance(make_order(customer, actor=agent, lines=3), S.SHIPPED, actor=agent)
    services.order_transition(order=order, to=S.DELIVERED, actor=agent)
    assert len(delivered_lines) == 1 and len(delivered_lines[0][0]) == 3
    assert order.shipments.get().status == ShipmentStatus.DELIVERED
    assert not order.lines.filter(delivered_at__isnull=True).exists()


def test_cannot_ship_cancelled_or_received(customer, agent):
    order = make_order(customer, actor=agent)
    with pytest.raises(ValidationError):
        services.shipment_create(order=order, lines={order.lines.get().id: 1}, actor=agent)


def test_shipped_requires_all_quantities(customer, agent):
    order = advance(make_order(customer, actor=agent, quantity=4), S.SCHEDULED, actor=agent)
    with pytest.raises(ValidationError):
        services.order_transition(order=order, to=S.SHIPPED, actor=agent)
    ship_all(order, actor=agent)
    order.refresh_from_db()
    assert order.status == S.SHIPPED

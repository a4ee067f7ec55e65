"""The back office uses the same services: actions move statuses, shipments respect quantities."""

from datetime import timedelta

import pytest
from django.utils import timezone

from csol.core.models import CustomerStatus
from orders import services
from orders.models import DeliveryWindow, OrderEvent, OrderStatus, Shipment, WindowStatus
from tests.orders.factories import ProductFactory, advance, make_order, ship_all

pytestmark = pytest.mark.django_db
S = OrderStatus
ORDERS = "/en/admin/orders/order/"


def action(client, name, orders):
    return client.post(ORDERS, {"action": name, "_selected_action": [o.pk for o in orders]}, follow=True)


def test_changelists_render(agent_client, customer, agent):
    advance(make_order(customer, actor=agent), S.SCHEDULED, actor=agent)
    for model in ("order", "product", "shipment", "deliverywindow", "orderevent", "orderemail"):
        assert agent_client.get(f"/en/admin/orders/{model}/").status_code == 200, model


def test_customer_users_have_no_back_office(customer_client):
    assert customer_client.get(ORDERS).status_code == 302


def test_validate_action_uses_the_service(agent_client, customer, agent):
    order = make_order(customer, actor=agent)
    response = action(agent_client, "move_to_validated", [order])
    assert "1 order moved." in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.VALIDATED
    assert OrderEvent.objects.filter(order=order, to_status=S.VALIDATED, actor=agent).exists()


def test_refused_action_reports_each_order(agent_client, customer, agent):
    good = make_order(customer, actor=agent, po_number="GOOD")
    customer.status = CustomerStatus.CREDIT_HOLD
    customer.save()
    page = action(agent_client, "move_to_validated", [good]).content.decode()
    assert "credit hold" in page
    good.refresh_from_db()
    assert good.status == S.RECEIVED


def test_hold_and_release_actions(agent_client, customer, agent):
    order = advance(make_order(customer, actor=agent), S.VALIDATED, actor=agent)
    action(agent_client, "move_to_on_hold", [order])
    order.refresh_from_db()
    assert order.status == S.ON_HOLD
    action(agent_client, "release_hold", [order])
    order.refresh_from_db()
    assert order.status == S.VALIDATED


def test_search_by_serial_number(agent_client, customer, agent):
    order = advance(make_order(customer, actor=agent, po_number="PO-SERIAL"), S.VALIDATED, actor=agent)
    line = order.lines.get()
    services.shipment_create(
        order=order, lines={line.id: 1}, actor=agent, serial_numbers={line.id: "78ABC12"}
    )
    other = make_order(customer, actor=agent, po_number="PO-NOPE")
    page = agent_client.get(ORDERS, {"q": "78ABC12"}).content.decode()
    assert order.number in page and other.number not in page


def shipment_post(order, quantities, **extra):
    data = {
        "order": order.pk,
        "carrier": "Purolator",
        "tracking_number": "TRK-1",
        "planned_ship_date": "",
        "planned_delivery_date": "",
        "lines-TOTAL_FORMS": str(len(quantities)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, (line, quantity) in enumerate(quantities):
        data[f"lines-{index}-order_line"] = line.pk
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-serial_numbers"] = ""
    data.update(extra)
    return data


def test_new_shipment_starts_with_remaining_quantities(agent_client, customer, agent):
    order = advance(make_order(customer, actor=agent, quantity=5), S.VALIDATED, actor=agent)
    line = order.lines.get()
    services.shipment_create(order=order, lines={line.id: 2}, actor=agent)
    page = agent_client.get(f"/en/admin/orders/shipment/add/?order={order.pk}").content.decode()
    assert 'name="lines-0-quantity" value="3"' in page


def test_admin_shipment_refuses_more_than_ordered(agent_client, customer, agent):
    order = advance(make_order(customer, actor=agent, quantity=2), S.VALIDATED, actor=agent)
    line = order.lines.get()
    response = agent_client.post(
        f"/en/admin/orders/shipment/add/?order={order.pk}", shipment_post(order, [(line, 3)])
    )
    assert response.status_code == 200
    assert "only 2 left to ship" in response.content.decode()
    assert not Shipment.objects.exists()


def test_admin_shipment_created_through_the_service(agent_client, customer, agent):
    order = advance(make_order(customer, actor=agent, quantity=2), S.VALIDATED, actor=agent)
    line = order.lines.get()
    response = agent_client.post(
        f"/en/admin/orders/shipment/add/?order={order.pk}", shipment_post(order, [(line, 2)])
    )
    assert response.status_code == 302
    shipment = Shipment.objects.get()
    assert shipment.sequence == 1 and shipment.lines.get().quantity == 2
    order.refresh_from_db()
    assert order.status == S.SCHEDULED
    agent_client.post(
        "/en/admin/orders/shipment/", {"action": "mark_shipped", "_selected_action": [shipment.pk]}
    )
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    agent_client.post(
        "/en/admin/orders/shipment/", {"action": "mark_delivered", "_selected_action": [shipment.pk]}
    )
    order.refresh_from_db()
    assert order.status == S.DELIVERED and order.lines.get().delivered_at is not None


def test_admin_proposes_delivery_window(agent_client, customer, agent):
    order = advance(make_order(customer, actor=agent), S.SCHEDULED, actor=agent)
    day = timezone.localdate() + timedelta(days=2)
    data = {
        "order": order.pk,
        "starts_at_0": day.isoformat(),
        "starts_at_1": "09:00",
        "ends_at_0": day.isoformat(),
        "ends_at_1": "12:00",
        "has_loading_dock": "unknown",
        "access_hours": "",
        "site_contact_name": "",
        "site_contact_phone": "",
        "special_instructions": "",
    }
    response = agent_client.post("/en/admin/orders/deliverywindow/add/", data)
    assert response.status_code == 302
    window = DeliveryWindow.objects.get()
    assert window.status == WindowStatus.PROPOSED and window.proposed_by == agent

    data["ends_at_1"] = "08:00"
    page = agent_client.post("/en/admin/orders/deliverywindow/add/", data).content.decode()
    assert "The window must end after it starts." in page


def test_admin_accepts_customer_counter(agent_client, customer, customer_user, agent):
    order = advance(make_order(customer, actor=agent), S.SCHEDULED, actor=agent)
    start = timezone.now() + timedelta(days=2)
    window = services.delivery_window_propose(
        order=order, starts_at=start, ends_at=start + timedelta(hours=2), actor=agent
    )
    counter = services.delivery_window_counter(
        window=window,
        starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=1, hours=2),
        actor=customer_user,
    )
    agent_client.post(
        "/en/admin/orders/deliverywindow/",
        {"action": "accept_customer_proposal", "_selected_action": [counter.pk]},
    )
    counter.refresh_from_db()
    assert counter.status == WindowStatus.ACCEPTED and counter.answered_by == agent


def test_agent_adds_order_with_lines(agent_client, customer, agent):
    product = ProductFactory()
    site = customer.sites.first()
    data = {
        "customer": customer.pk,
        "po_number": "PO-PHONE",
        "ship_to": site.pk,
        "bill_to": site.pk,
        "requested_delivery_date": "",
        "notes": "",
        "placed_by": "",
        "partner": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-line_number": "",
        "lines-0-product": product.pk,
        "lines-0-description": "",
        "lines-0-quantity": "4",
        "lines-0-unit_price": "",
        "shipments-TOTAL_FORMS": "0",
        "shipments-INITIAL_FORMS": "0",
        "delivery_windows-TOTAL_FORMS": "0",
        "delivery_windows-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    response = agent_client.post(f"{ORDERS}add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    order = customer.orders.get()
    assert order.number == f"O-{order.pk:07d}"
    line = order.lines.get()
    assert line.line_number == 1 and line.unit_price == product.unit_price
    assert order.net_total == product.unit_price * 4


def test_lines_locked_once_scheduled(agent_client, customer, agent):
    order = ship_all(advance(make_order(customer, actor=agent), S.SCHEDULED, actor=agent), actor=agent).order
    page = agent_client.get(f"{ORDERS}{order.pk}/change/").content.decode()
    assert 'name="lines-0-quantity"' not in page

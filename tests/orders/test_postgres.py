"""What only PostgreSQL shows: row locks under concurrency, the partner UNION page, search indexes."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from csol.core.models import Role
from csol.core.tenancy import viewer_for
from orders import services
from orders.models import Order, OrderStatus, Shipment
from orders.selectors import OrderFilters, order_list, order_page
from tests.factories import (
    CustomerFactory,
    PartnerAuthorisationFactory,
    PartnerFactory,
    SiteFactory,
    UserFactory,
    member,
)
from tests.orders.factories import ProductFactory, advance, make_order

pytestmark = pytest.mark.postgres
S = OrderStatus


@pytest.mark.django_db(transaction=True)
def test_concurrent_shipments_never_exceed_the_order(customer, agent):
    order = advance(make_order(customer, actor=agent, quantity=3), S.VALIDATED, actor=agent)
    line = order.lines.get()
    results = []
    barrier = threading.Barrier(4)

    def ship_two():
        barrier.wait()
        try:
            services.shipment_create(order=order, lines={line.id: 2}, actor=agent)
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=ship_two) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused", "refused", "refused"]
    assert Shipment.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_partner_page_merges_customers_in_order():
    partner = PartnerFactory()
    customers = [CustomerFactory() for _ in range(3)]
    for customer in customers:
        SiteFactory(customer=customer)
        PartnerAuthorisationFactory(partner=partner, customer=customer)
    viewer = viewer_for(UserFactory(partner=partner))
    product = ProductFactory()
    now = timezone.now()
    for index in range(24):
        order = make_order(customers[index % 3], product=product)
        Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(minutes=index))
    closed = Order.objects.order_by("created_at").first()
    Order.objects.filter(pk=closed.pk).update(is_open=False, status=S.CANCELLED)

    expected = list(order_list(viewer=viewer, filters=OrderFilters()).values_list("number", flat=True))
    seen = []
    for number in range(1, 5):
        page = order_page(viewer=viewer, filters=OrderFilters(), page=number, per_page=7)
        seen += [o.number for o in page.items]
        assert page.has_next == (number < 4)
    assert seen == expected
    assert seen[-1] == closed.number  # open orders first


@pytest.mark.django_db
def test_search_is_case_insensitive_and_uses_prefix(customer):
    make_order(customer, po_number="abc-123")
    make_order(customer, po_number="XYZ-9")
    viewer = viewer_for(member(customer, Role.VIEWER))
    found = order_list(viewer=viewer, filters=OrderFilters(q="ABC"))
    assert [o.po_number for o in found] == ["abc-123"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes"
            " WHERE tablename = 'orders_order' AND indexname LIKE 'order_cust_upper%%'"
        )
        assert {row[0] for row in cursor.fetchall()} == {"order_cust_upper_number", "order_cust_upper_po"}

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from csol.core.models import PartnerAuthorisation, Role
from orders import services
from orders.models import Order, OrderStatus, WindowStatus
from tests.conftest import signed_in
from tests.factories import member
from tests.orders.factories import ProductFactory, advance, make_order, tomorrow_at

pytestmark = pytest.mark.django_db
S = OrderStatus


def detail_url(order, lang="en"):
    return f"/{lang}/orders/{order.number}/"


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


# Tenancy -------------------------------------------------------------------------------------------


def test_customer_sees_own_order(customer_client, customer, customer_user):
    order = make_order(customer, actor=customer_user, po_number="PO-ACME-7")
    response = customer_client.get(detail_url(order))
    assert response.status_code == 200
    assert "PO-ACME-7" in response.content.decode()


def test_other_customers_order_is_404(other_client, customer, customer_user):
    order = make_order(customer, actor=customer_user)
    assert other_client.get(detail_url(order)).status_code == 404


def test_other_customers_orders_absent_from_list_and_export(
    other_client, customer, customer_user, other_customer
):
    mine = make_order(other_customer, actor=None, po_number="PO-OTHER")
    theirs = make_order(customer, actor=customer_user, po_number="PO-SECRET")
    page = other_client.get("/en/orders/").content.decode()
    assert mine.number in page and theirs.number not in page
    rows = csv_rows(other_client.get("/en/orders/export.csv"))
    numbers = [row[0] for row in rows[1:]]
    assert numbers == [mine.number]


def test_partner_sees_authorised_customer_only(partner_client, customer, other_customer, customer_user):
    authorised = make_order(other_customer, po_number="PO-AUTH")
    hidden = make_order(customer, actor=customer_user, po_number="PO-HIDDEN")
    page = partner_client.get("/en/orders/").content.decode()
    assert authorised.number in page and hidden.number not in page
    assert other_customer.legal_name in page  # the customer column for partners
    assert partner_client.get(detail_url(authorised)).status_code == 200
    assert partner_client.get(detail_url(hidden)).status_code == 404


def test_revoked_partner_loses_access_at_once(partner_client, partner, other_customer):
    order = make_order(other_customer)
    assert partner_client.get(detail_url(order)).status_code == 200
    PartnerAuthorisation.objects.filter(partner=partner).update(revoked_at=timezone.now())
    assert partner_client.get(detail_url(order)).status_code == 404
    assert order.number not in partner_client.get("/en/orders/").content.decode()
    assert len(csv_rows(partner_client.get("/en/orders/export.csv"))) == 1


def test_anonymous_is_sent_to_sign_in(client, customer):
    order = make_order(customer)
    response = client.get(detail_url(order))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


# List -----------------------------------------------------------------------------------------------


def test_open_orders_first_by_default(customer_client, customer, agent):
    closed = advance(make_order(customer, actor=agent, po_number="PO-CLOSED"), S.DELIVERED, actor=agent)
    Order.objects.filter(pk=closed.pk).update(created_at=timezone.now() + timedelta(minutes=5))
    open_order = make_order(customer, actor=agent, po_number="PO-OPEN")
    page = customer_client.get("/en/orders/").content.decode()
    assert page.index(open_order.number) < page.index(closed.number)
    newest = customer_client.get("/en/orders/?sort=newest").content.decode()
    assert newest.index(closed.number) < newest.index(open_order.number)


def test_filters_and_search(customer_client, customer, agent):
    a = make_order(customer, actor=agent, po_number="ALPHA-1")
    b = advance(make_order(customer, actor=agent, po_number="BETA-2"), S.VALIDATED, actor=agent)
    page = customer_client.get("/en/orders/?q=alpha").content.decode()
    assert a.number in page and b.number not in page
    page = customer_client.get(f"/en/orders/?q={b.number}").content.decode()
    assert b.number in page and a.number not in page
    page = customer_client.get("/en/orders/?status=validated").content.decode()
    assert b.number in page and a.number not in page
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = customer_client.get(f"/en/orders/?date_from={tomorrow}").content.decode()
    assert a.number not in page and b.number not in page


def test_bad_filter_input_is_explained_not_crashing(customer_client, customer):
    make_order(customer)
    response = customer_client.get("/en/orders/?date_from=not-a-date&status=bogus&page=abc&sort=evil")
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_pagination_without_counting(customer_client, customer, django_assert_max_num_queries):
    product = ProductFactory()
    for _ in range(27):
        make_order(customer, product=product)
    first = customer_client.get("/en/orders/").content.decode()
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = customer_client.get("/en/orders/?page=2").content.decode()
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert second.count("/en/orders/O-") == 2


def test_list_query_count_is_low_and_the_same_for_one_or_thirty_orders(
    customer_client, customer, django_assert_max_num_queries
):
    product = ProductFactory()
    make_order(customer, product=product, lines=2)
    with django_assert_max_num_queries(8) as one:
        assert customer_client.get("/en/orders/").status_code == 200
    for _ in range(29):
        make_order(customer, product=product, lines=2)
    # Session, user, memberships (with the active customer for the shell), the page's rows.
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = customer_client.get("/en/orders/")
    assert len(response.context["orders"]) == 25


@pytest.mark.parametrize("count", [1, 30])
def test_partner_list_query_ceiling(partner_client, other_customer, count, django_assert_max_num_queries):
    product = ProductFactory()
    for _ in range(count):
        make_order(other_customer, product=product)
    with django_assert_max_num_queries(8):
        assert partner_client.get("/en/orders/").status_code == 200


def test_list_rows_escape_what_customers_typed(partner_client, other_customer):
    order = make_order(other_customer, po_number='<b>PO</b>"')
    other_customer.legal_name = "Smith & <Sons>"
    other_customer.save()
    page = partner_client.get("/en/orders/").content.decode()
    assert "&lt;b&gt;PO&lt;/b&gt;&quot;" in page and "<b>PO</b>" not in page
    # A partner acting for all its customers sees the customer column.
    assert "Smith &amp; &lt;Sons&gt;" in page
    assert f'<a href="/en/orders/{order.number}/">{order.number}</a>' in page


@pytest.mark.parametrize("lines", [1, 30])
def test_detail_query_ceiling(customer_client, customer, agent, lines, django_assert_max_num_queries):
    order = advance(make_order(customer, actor=agent, lines=lines), S.SCHEDULED, actor=agent)
    services.delivery_window_propose(
        order=order, starts_at=tomorrow_at(9), ends_at=tomorrow_at(12), actor=agent
    )
    with django_assert_max_num_queries(16):
        response = customer_client.get(detail_url(order))
    assert response.status_code == 200


def test_detail_query_count_does_not_grow_with_lines(
    customer_client, customer, agent, django_assert_max_num_queries
):
    product = ProductFactory()

    def scheduled_order(lines):
        order = advance(
            make_order(customer, actor=agent, lines=lines, product=product), S.SCHEDULED, actor=agent
        )
        services.delivery_window_propose(
            order=order, starts_at=tomorrow_at(9), ends_at=tomorrow_at(12), actor=agent
        )
        return order

    one, many = scheduled_order(1), scheduled_order(200)
    with django_assert_max_num_queries(10) as few:
        assert customer_client.get(detail_url(one)).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = customer_client.get(detail_url(many))
    assert response.status_code == 200
    assert response.content.decode().count(f"<td>{product.sku}") == 200


# CSV ------------------------------------------------------------------------------------------------


def test_csv_content_and_formula_safety(customer_client, customer, customer_user):
    order = make_order(customer, actor=customer_user, po_number="=HYPERLINK(1)", quantity=1)
    order.po_number = '=HYPERLINK("http://evil")'
    order.save(update_fields=["po_number"])
    rows = csv_rows(customer_client.get("/fr/orders/export.csv"))
    assert rows[0][0] == "Numéro de commande"
    assert rows[1][0] == order.number
    assert rows[1][2] == "Acme Québec inc."
    assert rows[1][3] == '\'=HYPERLINK("http://evil")'
    assert rows[1][4] == "Reçue"
    assert rows[1][8] == f"{order.net_total:.2f}"


def test_csv_follows_filters(customer_client, customer, agent):
    a = make_order(customer, actor=agent, po_number="KEEP")
    make_order(customer, actor=agent, po_number="DROP")
    rows = csv_rows(customer_client.get("/en/orders/export.csv?q=keep"))
    assert [row[0] for row in rows[1:]] == [a.number]


# Order request --------------------------------------------------------------------------------------


def request_data(customer, product, **overrides):
    data = {
        "customer": customer.pk,
        "po_number": "PO-2026-001",
        "ship_to": customer.sites.first().pk,
        "requested_delivery_date": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "notes": "Dock 3",
        "lines-TOTAL_FORMS": "5",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
        "lines-0-product": product.pk,
        "lines-0-quantity": "3",
    }
    data.update(overrides)
    return data


def test_buyer_requests_an_order(client, customer, buyer):
    product = ProductFactory()
    response = signed_in(buyer).post("/en/orders/request/", request_data(customer, product))
    order = Order.objects.get(customer=customer)
    assert response.status_code == 302 and response["Location"] == detail_url(order)
    assert order.status == S.RECEIVED and order.placed_by == buyer and order.lines.get().quantity == 3
    assert order.net_total == product.unit_price * 3


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lines-0-product": "", "lines-0-quantity": ""}, "Add at least one product."),
        ({"lines-0-quantity": "0"}, "greater than or equal to 1"),
        ({"lines-0-quantity": "abc"}, "Enter a whole number."),
        ({"requested_delivery_date": "2020-01-01"}, "Choose a date after today."),
        ({"po_number": "=cmd|' /C calc'!A0"}, "Use letters, digits"),
        ({"ship_to": "999999"}, "Select a valid choice."),
    ],
)
def test_order_request_bad_input(customer_client, customer, overrides, message):
    product = ProductFactory()
    response = customer_client.post("/en/orders/request/", request_data(customer, product, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Order.objects.exists()


def test_order_request_keeps_what_was_typed(customer_client, customer):
    product = ProductFactory()
    data = request_data(customer, product, requested_delivery_date="2020-01-01", notes="Keep me")
    page = customer_client.post("/en/orders/request/", data).content.decode()
    assert "Keep me" in page and "PO-2026-001" in page


def test_order_request_refuses_duplicate_product(customer_client, customer):
    product = ProductFactory()
    data = request_data(customer, product, **{"lines-1-product": product.pk, "lines-1-quantity": "1"})
    assert "Each product once" in customer_client.post("/en/orders/request/", data).content.decode()


def test_other_customers_site_is_refused(customer_client, customer, other_customer):
    product = ProductFactory()
    data = request_data(customer, product, ship_to=other_customer.sites.first().pk)
    assert customer_client.post("/en/orders/request/", data).status_code == 200
    assert not Order.objects.exists()


def test_viewer_role_cannot_request(customer, viewer_user):
    assert signed_in(viewer_user).get("/en/orders/request/").status_code == 403


def test_partner_with_order_scope_requests_for_authorised_customer(
    partner_client, other_customer, partner_user
):
    product = ProductFactory()
    response = partner_client.post("/en/orders/request/", request_data(other_customer, product))
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.customer == other_customer and order.partner == partner_user.partner


def test_partner_cannot_request_for_unauthorised_customer(partner_client, customer):
    product = ProductFactory()
    response = partner_client.post("/en/orders/request/", request_data(customer, product))
    assert response.status_code == 200
    assert not Order.objects.exists()


def test_partner_without_order_scope_is_refused(partner, partner_client):
    PartnerAuthorisation.objects.filter(partner=partner).update(can_order=False)
    assert partner_client.get("/en/orders/request/").status_code == 403


# Delivery window -------------------------------------------------------------------------------------


@pytest.fixture
def proposed(customer, agent):
    order = advance(make_order(customer, actor=agent), S.SCHEDULED, actor=agent)
    window = services.delivery_window_propose(
        order=order, starts_at=tomorrow_at(9), ends_at=tomorrow_at(12), actor=agent
    )
    return order, window


def test_customer_accepts_window_with_site_details(customer_client, proposed):
    order, window = proposed
    page = customer_client.get(detail_url(order)).content.decode()
    assert "Accept this window" in page
    response = customer_client.post(
        reverse("orders:window_accept", kwargs={"number": order.number, "pk": window.pk}),
        {
            "has_loading_dock": "yes",
            "access_hours": "7:00-15:00",
            "site_contact_name": "Lise",
            "site_contact_phone": "514 555-0123",
        },
    )
    assert response.status_code == 302
    window.refresh_from_db()
    assert (
        window.status == WindowStatus.ACCEPTED
        and window.has_loading_dock is True
        and window.site_contact_name == "Lise"
    )


def test_refused_acceptance_shows_the_order_again_with_what_was_typed(customer_client, proposed, english):
    order, window = proposed
    response = customer_client.post(
        reverse("orders:window_accept", kwargs={"number": order.number, "pk": window.pk}),
        {
            "has_loading_dock": "no",
            "access_hours": "6 h 30 – 14 h",
            "site_contact_name": "Lise Gagnon",
            "site_contact_phone": "555-01",
            "special_instructions": "Sonner à la porte 4",
        },
    )
    # The order page again (not a redirect), with the error beside the telephone and every value kept.
    assert response.status_code == 400
    assert response.templates[0].name == "orders/order_detail.html"
    form = response.context["accept_form"]
    assert form.errors == {
        "site_contact_phone": ["Enter a telephone number with its area code, for example 514 555-0123."]
    }
    page = response.content.decode()
    assert "Enter a telephone number with its area code, for example 514 555-0123." in page
    assert 'value="555-01"' in page and 'value="Lise Gagnon"' in page
    assert 'value="6 h 30 – 14 h"' in page and "Sonner à la porte 4</textarea>" in page
    assert '<option value="no" selected>' in page
    window.refresh_from_db()
    assert window.status == WindowStatus.PROPOSED and window.site_contact_name == ""


def test_refused_acceptance_is_explained_in_french(customer_client, proposed):
    order, window = proposed
    response = customer_client.post(
        reverse("orders:window_accept", kwargs={"number": order.number, "pk": window.pk}),
        {"site_contact_name": "Lise Gagnon", "site_contact_phone": "12"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Saisissez un numéro de téléphone avec" in page
    assert 'value="Lise Gagnon"' in page


def test_refused_acceptance_of_a_window_answered_meanwhile_goes_back_to_the_order(
    customer_client, customer_user, proposed
):
    order, window = proposed
    services.delivery_window_accept(window=window, actor=customer_user)
    response = customer_client.post(
        reverse("orders:window_accept", kwargs={"number": order.number, "pk": window.pk}),
        {"site_contact_phone": "12"},
    )
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()


def test_customer_counter_proposes(customer_client, customer_user, proposed):
    order, window = proposed
    url = reverse("orders:window_counter", kwargs={"number": order.number, "pk": window.pk})
    assert customer_client.get(url).status_code == 200
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = customer_client.post(
        url, {"day": day, "start": "13:00", "end": "16:00", "special_instructions": "Call at the gate"}
    )
    assert response.status_code == 302
    window.refresh_from_db()
    assert window.status == WindowStatus.COUNTERED
    counter = order.delivery_windows.get(status=WindowStatus.PROPOSED)
    assert counter.proposed_by == customer_user and counter.special_instructions == "Call at the gate"
    assert "Accept this window" not in customer_client.get(detail_url(order)).content.decode()


def test_counter_proposal_bad_input(customer_client, proposed, english):
    order, window = proposed
    url = reverse("orders:window_counter", kwargs={"number": order.number, "pk": window.pk})
    response = customer_client.post(url, {"day": "2020-01-01", "start": "16:00", "end": "13:00"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a date after today." in page and "The window must end after it starts." in page
    window.refresh_from_db()
    assert window.status == WindowStatus.PROPOSED


def test_refused_counter_proposal_keeps_the_site_details(customer_client, proposed, english):
    order, window = proposed
    url = reverse("orders:window_counter", kwargs={"number": order.number, "pk": window.pk})
    response = customer_client.post(
        url,
        {
            "day": "2020-01-01",
            "start": "13:00",
            "end": "16:00",
            "has_loading_dock": "yes",
            "access_hours": "7 h – 15 h",
            "site_contact_name": "Lise Gagnon",
            "site_contact_phone": "514 555-0123",
            "special_instructions": "Quai B",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a date after today." in page
    assert 'value="Lise Gagnon"' in page and 'value="514 555-0123"' in page
    assert 'value="7 h – 15 h"' in page and "Quai B</textarea>" in page
    assert '<option value="yes" selected>' in page


def test_viewer_role_cannot_answer_window(customer, viewer_user, proposed):
    order, window = proposed
    client = signed_in(viewer_user)
    assert "Accept this window" not in client.get(detail_url(order)).content.decode()
    url = reverse("orders:window_accept", kwargs={"number": order.number, "pk": window.pk})
    assert client.post(url, {}).status_code == 403


def test_other_customer_cannot_answer_window(other_client, proposed):
    order, window = proposed
    url = reverse("orders:window_accept", kwargs={"number": order.number, "pk": window.pk})
    assert other_client.post(url, {}).status_code == 404
    counter = reverse("orders:window_counter", kwargs={"number": order.number, "pk": window.pk})
    assert other_client.get(counter).status_code == 404


def test_dashboard_card(customer_client, proposed):
    page = customer_client.get("/en/").content.decode()
    assert "Open orders" in page and "Delivery windows awaiting your confirmation" in page


def test_buyer_member_of_two_customers_sees_only_active(customer, other_customer, proposed):
    user = member(customer, Role.BUYER, email="two@example.com")
    member_other = make_order(other_customer, po_number="PO-OTHER-SIDE")
    from csol.core.models import Membership

    Membership.objects.create(user=user, customer=other_customer, role=Role.BUYER)
    client = signed_in(user)
    page = client.get("/en/orders/").content.decode()
    assert (member_other.number in page) != (proposed[0].number in page)


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_detail_query_counts_do_not_grow(customer_client, customer, agent):
    product = ProductFactory()
    small = advance(make_order(customer, actor=agent, product=product), S.SHIPPED, actor=agent)
    customer_client.get("/en/")  # the user's access is cached from the first page on
    list_small = _count_queries(customer_client, "/en/orders/")
    detail_small = _count_queries(customer_client, detail_url(small))
    big = advance(make_order(customer, actor=agent, lines=30), S.SHIPPED, actor=agent)
    for _ in range(29):
        make_order(customer, product=product)
    assert _count_queries(customer_client, "/en/orders/") == list_small
    assert _count_queries(customer_client, detail_url(big)) == detail_small


def test_counter_proposal_is_read_in_the_sites_time_zone(agent):
    # A Vancouver site: 13:00 typed by the customer is 13:00 Pacific, not the server's Eastern time.
    from zoneinfo import ZoneInfo

    from tests.factories import CustomerFactory, SiteFactory

    customer = CustomerFactory(province="BC")
    SiteFactory(customer=customer, province="BC", city="Vancouver", postal_code="V6E 3P3")
    buyer = member(customer, Role.BUYER)
    order = advance(make_order(customer, actor=agent), S.SCHEDULED, actor=agent)
    window = services.delivery_window_propose(
        order=order, starts_at=tomorrow_at(12), ends_at=tomorrow_at(15), actor=agent
    )
    client = signed_in(buyer)
    page = client.get(detail_url(order)).content.decode()
    assert "09:00 – 12:00" in page  # noon Eastern shown as 9:00 at the site
    day = timezone.localdate() + timedelta(days=3)
    url = reverse("orders:window_counter", kwargs={"number": order.number, "pk": window.pk})
    client.post(url, {"day": day.isoformat(), "start": "13:00", "end": "16:00"})
    counter = order.delivery_windows.get(status=WindowStatus.PROPOSED)
    local = counter.starts_at.astimezone(ZoneInfo("America/Vancouver"))
    assert (local.date(), local.hour) == (day, 13)

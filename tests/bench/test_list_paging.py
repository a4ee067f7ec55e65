"""Long lists page by cursor: Next and Previous walk the whole list, with the same queries on every page."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db

ORDER_LINK = re.compile(r'href="/en/orders/(O-T\d+)/"')


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]*)"[^>]*rel="{rel}"', page)
    return html.unescape(found.group(1)) if found else None


def make_orders(customer, count):
    site = customer.sites.first()
    now = timezone.now()
    Order.objects.bulk_create(
        Order(
            number=f"O-T{n:04d}",
            customer=customer,
            status=OrderStatus.RECEIVED,
            is_open=n % 4 != 0,
            ship_to=site,
            bill_to=site,
            po_number=f"PO-{n}",
        )
        for n in range(count)
    )
    # Equal timestamps in pairs: the id breaks the ties, so no order is shown twice or skipped.
    for order in Order.objects.filter(customer=customer):
        Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(minutes=order.pk // 2))


def test_order_list_next_and_previous_walk_every_order_once(customer, customer_client):
    make_orders(customer, 60)
    expected = list(
        Order.objects.filter(customer=customer)
        .order_by("-is_open", "-created_at", "-id")
        .values_list("number", flat=True)
    )
    url, pages, counts = "/en/orders/", [], []
    customer_client.get("/en/")  # the user's access is cached from the first page on
    while url:
        with CaptureQueriesContext(connection) as queries:
            page = customer_client.get(url).content.decode()
        counts.append(len(queries))
        pages.append(ORDER_LINK.findall(page))
        url = link(page, "next") and "/en/orders/" + link(page, "next")
    assert [n for p in pages for n in p] == expected
    assert [len(p) for p in pages] == [25, 25, 10]
    assert len(set(counts)) == 1  # a page deep in the list costs the queries of the first
    assert "after=" in link(customer_client.get("/en/orders/").content.decode(), "next")

    # Back from the last page with Previous: the same pages in reverse, page 1 without Previous.
    back = []
    while True:
        back.append(ORDER_LINK.findall(page))
        previous = link(page, "prev")
        if not previous:
            break
        page = customer_client.get("/en/orders/" + previous).content.decode()
    assert back == list(reversed(pages))


def test_order_list_keeps_filters_in_cursor_links_and_ignores_a_bad_cursor(customer, customer_client):
    make_orders(customer, 40)
    page = customer_client.get("/en/orders/?status=open").content.decode()
    assert "status=open" in link(page, "next")
    response = customer_client.get("/en/orders/?page=2&after=garbage")
    assert response.status_code == 200  # an unusable cursor falls back to page 2 by offset
    assert len(ORDER_LINK.findall(response.content.decode())) == 15


INVOICE_LINK = re.compile(r'href="/en/invoices/(2026-T\d+)/"')


def test_invoice_list_next_and_previous_walk_every_invoice_once(customer, customer_client):
    from billing.models import Invoice

    site, today = customer.sites.first(), timezone.localdate()
    Invoice.objects.bulk_create(
        Invoice(
            number=f"2026-T{n:04d}",
            customer=customer,
            bill_to=site,
            status="issued",
            issue_date=today - timedelta(days=n // 3),
            due_date=today + timedelta(days=30),
            province="QC",
            language="fr",
            net_total=100,
            tax_total=15,
            total=115,
        )
        for n in range(55)
    )
    expected = list(
        Invoice.objects.filter(customer=customer)
        .order_by("-issue_date", "-id")
        .values_list("number", flat=True)
    )
    url, pages, counts = "/en/invoices/", [], []
    customer_client.get(url)  # the first view counts and sums the list; the next ones use the cache
    while url:
        with CaptureQueriesContext(connection) as queries:
            page = customer_client.get(url).content.decode()
        counts.append(len(queries))
        pages.append(INVOICE_LINK.findall(page))
        url = link(page, "next") and "/en/invoices/" + link(page, "next")
    assert [n for p in pages for n in p] == expected
    assert [len(p) for p in pages] == [25, 25, 5]
    assert len(set(counts)) == 1
    back = []
    while True:
        back.append(INVOICE_LINK.findall(page))
        previous = link(page, "prev")
        if not previous:
            break
        page = customer_client.get("/en/invoices/" + previous).content.decode()
    assert back == list(reversed(pages))
    assert len(INVOICE_LINK.findall(customer_client.get("/en/invoices/?page=3").content.decode())) == 5

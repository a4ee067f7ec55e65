"""Concurrent issuers and generation runs on PostgreSQL (row locks and unique keys)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import Invoice, InvoiceCounter, InvoiceLine
from billing.services import invoice_generation_run, invoice_issue
from tests.billing.factories import BillingPeriodFactory, OrderFactory, OrderLineFactory, make_invoice

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_threads(*calls):
    """Run each call in its own thread (own connection and transaction), started together."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_two_issuers_get_consecutive_numbers(customer):
    drafts = [make_invoice(customer, [(Decimal("10.00"), "standard", None)], issue=False) for _ in range(4)]
    day = date(2026, 11, 2)
    issued = _in_threads(*[lambda d=d: invoice_issue(invoice=d, on=day).number for d in drafts])
    assert sorted(issued) == ["2026-000001", "2026-000002", "2026-000003", "2026-000004"]
    assert InvoiceCounter.objects.get(year=2026).last_number == 4


def test_first_issue_of_a_year_creates_the_counter_once(customer):
    drafts = [make_invoice(customer, issue=False) for _ in range(2)]
    day = date(2031, 1, 1)
    numbers = _in_threads(*[lambda d=d: invoice_issue(invoice=d, on=day).number for d in drafts])
    assert sorted(numbers) == ["2031-000001", "2031-000002"]
    assert InvoiceCounter.objects.filter(year=2031).count() == 1


def test_two_generation_runs_at_once_invoice_each_source_once(customer):
    for _ in range(3):
        order = OrderFactory(customer=customer)
        OrderLineFactory(order=order, line_number=1)
        OrderLineFactory(order=order, line_number=2)
    BillingPeriodFactory(contract__customer=customer)
    on = date(2026, 11, 10)
    results = _in_threads(lambda: invoice_generation_run(on=on), lambda: invoice_generation_run(on=on))
    assert InvoiceLine.objects.filter(order_line__isnull=False).count() == 6
    assert InvoiceLine.objects.filter(billing_period__isnull=False).count() == 1
    assert sum(r.order_lines + r.billing_periods for r in results) == 7
    issued = [number for r in results for number in r.issued]
    assert len(issued) == len(set(issued)) == Invoice.objects.exclude(status="draft").count() == 4

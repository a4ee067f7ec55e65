"""The invoice list's totals come from the cache until one of the customer's invoices changes.

Writes renew the customer's InvoiceListVersion token after commit: in these tests the commit is
simulated by `django_capture_on_commit_callbacks(execute=True)`, as for emails and tasks.
"""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import InvoiceListVersion
from billing.receivers import InvoiceListRenewal
from billing.services import credit_note_create, invoice_settle
from tests.billing.factories import make_invoice

pytestmark = pytest.mark.django_db

ZERO_RATED = "zero_rated"  # no tax: totals are the nets


def totals_seen(client, **filters):
    """The totals the page shows, and whether it had to count and sum the rows for them."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("billing:list"), filters)
    assert response.status_code == 200
    aggregated = any("SUM(" in query["sql"].upper() for query in queries.captured_queries)
    return response.context["totals"], aggregated


def test_second_view_reads_the_totals_from_the_cache(customer_client, customer):
    make_invoice(customer, [(Decimal("100.00"), ZERO_RATED, None)])
    first, aggregated = totals_seen(customer_client)
    assert aggregated and first["count"] == 1 and first["total"] == Decimal("100.00")
    again, aggregated = totals_seen(customer_client)
    assert not aggregated and again == first


def test_totals_follow_an_issued_invoice_and_a_credit_note(
    customer_client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_invoice(customer, [(Decimal("100.00"), ZERO_RATED, None)])
    assert totals_seen(customer_client)[0]["total"] == Decimal("100.00")

    with django_capture_on_commit_callbacks(execute=True):
        second = make_invoice(customer, [(Decimal("50.00"), ZERO_RATED, None)])
    totals, aggregated = totals_seen(customer_client)
    assert aggregated
    assert (totals["count"], totals["total"]) == (2, Decimal("150.00"))

    with django_capture_on_commit_callbacks(execute=True):
        credit_note_create(invoice=second, amount=Decimal("20.00"), reason="Price")
    totals, _ = totals_seen(customer_client)
    # Credit notes count as documents and are subtracted from the sums.
    assert (totals["count"], totals["net"], totals["total"]) == (3, Decimal("130.00"), Decimal("130.00"))


def test_filtered_totals_follow_a_payment(customer_client, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice(customer, [(Decimal("100.00"), ZERO_RATED, None)])
        make_invoice(customer, [(Decimal("40.00"), ZERO_RATED, None)])
    assert totals_seen(customer_client, status="open")[0]["total"] == Decimal("140.00")
    assert totals_seen(customer_client, status="paid")[0]["count"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        invoice_settle(invoice=invoice, open_balance=Decimal("0"))
    assert totals_seen(customer_client, status="open")[0]["total"] == Decimal("40.00")
    paid = totals_seen(customer_client, status="paid")[0]
    assert (paid["count"], paid["total"]) == (1, Decimal("100.00"))


def test_another_customers_invoice_leaves_the_cached_totals_alone(
    customer_client, customer, other_customer, django_capture_on_commit_callbacks
):
    make_invoice(customer)
    totals_seen(customer_client)
    with django_capture_on_commit_callbacks(execute=True):
        make_invoice(other_customer)
    assert not totals_seen(customer_client)[1]


def test_agents_totals_are_counted_each_time(agent_client, customer):
    make_invoice(customer)
    assert totals_seen(agent_client)[1]
    assert totals_seen(agent_client)[1]


def test_a_rolled_back_change_keeps_the_token(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_invoice(customer)
    token = InvoiceListVersion.objects.get(customer=customer).token
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            make_invoice(customer)
            raise RuntimeError
    assert callbacks == []
    assert InvoiceListVersion.objects.get(customer=customer).token == token


def test_one_renewal_per_customer_and_transaction(
    customer, other_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for _ in range(3):
            make_invoice(customer)
        make_invoice(other_customer)
    renewals = [c for c in callbacks if isinstance(c, InvoiceListRenewal)]
    assert sorted(id for r in renewals for id in r.customer_ids) == sorted([customer.pk, other_customer.pk])
    for renewal in renewals:
        renewal()
    assert InvoiceListVersion.objects.filter(customer__in=[customer, other_customer]).count() == 2


def test_invoices_issued_by_the_generation_job_renew_the_totals(
    customer_client, customer, django_capture_on_commit_callbacks
):
    from datetime import date

    from billing.services import invoice_generation_run
    from tests.billing.factories import OrderFactory, OrderLineFactory

    with django_capture_on_commit_callbacks(execute=True):
        make_invoice(customer, [(Decimal("100.00"), ZERO_RATED, None)])
    assert totals_seen(customer_client)[0]["count"] == 1
    OrderLineFactory(order=OrderFactory(customer=customer), line_number=1)
    OrderLineFactory(order=OrderFactory(customer=customer), line_number=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        # The job writes drafts, lines and the issue in bulk: no signals, so it renews the tokens itself.
        assert len(invoice_generation_run(on=date(2026, 11, 10)).issued) == 2
    assert any(isinstance(c, InvoiceListRenewal) and customer.pk in c.customer_ids for c in callbacks)
    totals, aggregated = totals_seen(customer_client)
    assert aggregated and totals["count"] == 3


def test_a_bulk_renewal_leaves_out_customers_already_waiting(
    customer, other_customer, django_capture_on_commit_callbacks
):
    from billing.receivers import renew_invoice_list_versions

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        make_invoice(customer)  # saved one by one: its own renewal
        renew_invoice_list_versions([customer.pk, other_customer.pk])
        renew_invoice_list_versions([other_customer.pk])
    renewals = [c for c in callbacks if isinstance(c, InvoiceListRenewal)]
    assert [c.customer_ids for c in renewals] == [[customer.pk], [other_customer.pk]]
    renewals[1]()
    assert InvoiceListVersion.objects.filter(customer=other_customer).exists()


@pytest.mark.django_db(transaction=True)
def test_a_renewal_that_fails_after_commit_is_logged_not_raised(customer, monkeypatch, caplog):
    from billing.receivers import renew_invoice_list_versions

    def database_gone(self):
        raise RuntimeError("database gone")

    monkeypatch.setattr(InvoiceListRenewal, "__call__", database_gone)
    with transaction.atomic():  # a real commit: the robust callbacks run and fail
        make_invoice(customer)
        renew_invoice_list_versions([customer.pk + 1000])
    failures = [r for r in caplog.records if "in on_commit() during transaction" in r.getMessage()]
    # The saved invoice's renewal and the other customer's (and the PDF job's, after the commit) each
    # fail and are logged by name.
    assert len(failures) >= 2 and {r.getMessage().split()[2] for r in failures} == {"InvoiceListRenewal"}

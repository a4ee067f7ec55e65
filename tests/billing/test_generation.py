"""Invoice generation: delivered order lines and due billing periods, exactly once."""

from datetime import date
from decimal import Decimal

import pytest

from billing.models import Invoice, InvoiceLine, InvoiceStatus
from billing.services import billing_options_update, invoice_generation_run
from tests.billing.factories import BillingPeriodFactory, OrderFactory, OrderLineFactory, ProductFactory
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

ON = date(2026, 11, 10)


def test_delivered_lines_are_invoiced_once_per_order(customer):
    order = OrderFactory(customer=customer, po_number="PO-9")
    OrderLineFactory(order=order, line_number=1)
    OrderLineFactory(order=order, line_number=2, delivered_at=None)  # not delivered yet
    result = invoice_generation_run(on=ON)
    assert result.order_lines == 1 and len(result.issued) == 1
    invoice = Invoice.objects.get(number=result.issued[0])
    assert invoice.po_number == "PO-9" and invoice.status == InvoiceStatus.ISSUED
    assert invoice.lines.get().reference == f"{order.number}/1"


def test_running_twice_invoices_nothing_more(customer):
    order = OrderFactory(customer=customer)
    OrderLineFactory(order=order, line_number=1)
    BillingPeriodFactory(contract__customer=customer)
    first = invoice_generation_run(on=ON)
    second = invoice_generation_run(on=ON)
    assert (first.order_lines, first.billing_periods) == (1, 1)
    assert (second.order_lines, second.billing_periods, second.issued) == (0, 0, [])
    assert InvoiceLine.objects.count() == 2


def test_a_source_already_invoiced_by_a_concurrent_run_is_skipped(customer):
    # The unique key, not a prior check, refuses the duplicate: simulate the race by invoicing the
    # line between the selection and the insert of a second run.
    from billing.services import generation

    order = OrderFactory(customer=customer)
    line = OrderLineFactory(order=order, line_number=1)
    assert generation._invoice_order_line(line, today=ON, actor=None) is True
    assert generation._invoice_order_line(line, today=ON, actor=None) is False
    assert InvoiceLine.objects.filter(order_line=line).count() == 1


def test_place_of_supply_goods_by_ship_to_services_by_customer(customer):
    ontario = SiteFactory(customer=customer, name="Entrepôt Toronto", province="ON", postal_code="M5J 2J5")
    order = OrderFactory(customer=customer, ship_to=ontario)
    OrderLineFactory(order=order, line_number=1, product=ProductFactory(kind="hardware"))
    OrderLineFactory(order=order, line_number=2, product=ProductFactory(kind="service"))
    OrderLineFactory(
        order=order, line_number=3, product=ProductFactory(kind="software", tax_category="pst_exempt")
    )
    invoice = Invoice.objects.get(number=invoice_generation_run(on=ON).issued[0])
    provinces = dict(invoice.lines.values_list("line_number", "province"))
    assert provinces == {1: "ON", 2: "QC", 3: "QC"}
    taxes = {(t.kind, t.province, t.tax_category): t.amount for t in invoice.taxes.all()}
    assert taxes == {
        ("HST", "ON", "standard"): Decimal("130.00"),
        ("GST", "QC", "standard"): Decimal("50.00"),
        ("QST", "QC", "standard"): Decimal("99.75"),
        ("GST", "QC", "pst_exempt"): Decimal("50.00"),
    }


def test_monthly_mode_consolidates_and_issues_next_month(customer):
    billing_options_update(
        customer=customer, actor=None, mode="monthly", po_required=False, language="fr", extra_emails=""
    )
    OrderLineFactory(order=OrderFactory(customer=customer), line_number=1, delivered_at=date(2026, 11, 3))
    OrderLineFactory(order=OrderFactory(customer=customer), line_number=1, delivered_at=date(2026, 11, 5))
    during = invoice_generation_run(on=ON)
    assert during.order_lines == 2 and during.issued == []
    draft = Invoice.objects.get(status=InvoiceStatus.DRAFT)
    assert draft.grouping_key == "month:2026-11" and draft.lines.count() == 2
    after = invoice_generation_run(on=date(2026, 12, 1))
    assert len(after.issued) == 1
    assert Invoice.objects.get(number=after.issued[0]).pk == draft.pk


def test_po_required_holds_the_draft(customer):
    billing_options_update(
        customer=customer, actor=None, mode="per_order", po_required=True, language="fr", extra_emails=""
    )
    OrderLineFactory(order=OrderFactory(customer=customer, po_number=""), line_number=1)
    result = invoice_generation_run(on=ON)
    assert result.issued == [] and len(result.held) == 1
    assert Invoice.objects.get(pk=result.held[0]).status == InvoiceStatus.DRAFT


def test_due_billing_periods_are_invoiced_in_the_customers_province(customer):
    due = BillingPeriodFactory(contract__customer=customer, due_on=date(2026, 11, 1))
    BillingPeriodFactory(
        contract=due.contract,
        start_date=date(2026, 12, 1),
        end_date=date(2026, 12, 31),
        due_on=date(2026, 12, 1),
    )
    result = invoice_generation_run(on=ON)
    assert result.billing_periods == 1
    line = InvoiceLine.objects.get(billing_period=due)
    assert line.province == "QC" and line.reference == due.contract.number
    assert "Entretien" in line.description or "maintenance" in line.description.lower()


def test_generation_for_one_customer_only(customer, other_customer):
    OrderLineFactory(order=OrderFactory(customer=customer), line_number=1)
    OrderLineFactory(order=OrderFactory(customer=other_customer), line_number=1)
    result = invoice_generation_run(on=ON, customer_id=other_customer.pk)
    assert result.order_lines == 1
    assert Invoice.objects.get(number=result.issued[0]).customer == other_customer


def test_beat_task_runs_the_job(customer):
    from billing.tasks import invoice_generation_run as task

    OrderLineFactory(order=OrderFactory(customer=customer), line_number=1)
    outcome = task.delay(on=ON.isoformat()).get()
    assert outcome["order_lines"] == 1 and len(outcome["issued"]) == 1
    assert task.delay(on=ON.isoformat()).get()["order_lines"] == 0


def test_ten_orders_are_invoiced_with_the_queries_of_one(customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def delivered(orders, lines_each):
        for _ in range(orders):
            order = OrderFactory(customer=customer)
            for number in range(1, lines_each + 1):
                OrderLineFactory(order=order, line_number=number)

    invoice_generation_run(on=ON)  # nothing due; the year's invoice counter is made by the first issue
    delivered(orders=1, lines_each=1)
    invoice_generation_run(on=ON)
    delivered(orders=1, lines_each=1)
    with CaptureQueriesContext(connection) as one:
        assert len(invoice_generation_run(on=ON).issued) == 1
    delivered(orders=10, lines_each=3)
    with CaptureQueriesContext(connection) as ten:
        result = invoice_generation_run(on=ON)
    assert (result.order_lines, len(result.issued)) == (30, 10)
    # One batch of sources and one of issuing either way (the PDFs and emails are the next job's).
    assert len(ten) == len(one)
    assert all(invoice.lines.count() == 3 for invoice in Invoice.objects.filter(number__in=result.issued))


def test_a_batch_meeting_a_source_invoiced_meanwhile_adds_the_others_one_by_one(customer, monkeypatch):
    from billing.services import generation

    order = OrderFactory(customer=customer)
    first = OrderLineFactory(order=order, line_number=1)
    OrderLineFactory(order=order, line_number=2)
    OrderLineFactory(order=OrderFactory(customer=customer), line_number=1)
    real_add_batch = generation._add_batch

    def concurrent_run_first(groups, *, actor):
        # Another run invoices the first line between our selection and our insert.
        assert generation._invoice_order_line(first, today=ON, actor=None) is True
        real_add_batch(groups, actor=actor)

    monkeypatch.setattr(generation, "_add_batch", concurrent_run_first)
    result = invoice_generation_run(on=ON)
    assert (result.order_lines, result.skipped) == (2, 1)
    assert InvoiceLine.objects.filter(order_line__order__customer=customer).count() == 3
    assert len(result.issued) == 2 and Invoice.objects.filter(status=InvoiceStatus.DRAFT).count() == 0


def test_a_run_stopped_by_its_time_limit_continues_in_a_new_one(customer, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from billing.services import generation
    from billing.tasks import invoice_generation_run as task
    from csol.core.models import OutboxJob

    def out_of_time(**kwargs):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(generation, "invoice_generation_run", out_of_time)
    assert task.delay(on=ON.isoformat(), customer_id=customer.pk).get() == {"continued": True}
    job = OutboxJob.objects.get(task_name="billing.tasks.invoice_generation_run")
    assert job.args == [ON.isoformat(), customer.pk, None]

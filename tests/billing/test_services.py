"""Issue, numbering, immutability, credit notes, cancellation."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.models import DocumentKind, Invoice, InvoiceCounter, InvoiceStatus
from billing.services import (
    ImmutableInvoice,
    billing_options_update,
    credit_note_create,
    invoice_cancel,
    invoice_draft_create,
    invoice_issue,
    invoice_line_add,
    invoice_settle,
    invoice_update_draft,
)
from tests.billing.factories import make_invoice

pytestmark = pytest.mark.django_db


def test_issue_assigns_number_dates_and_taxes(customer, agent):
    invoice = make_invoice(
        customer, [(Decimal("1000.00"), "standard", None)], on=date(2026, 11, 2), actor=agent
    )
    assert invoice.number == "2026-000001"
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.issue_date == date(2026, 11, 2)
    assert invoice.due_date == date(2026, 12, 2)
    # Quebec: GST 50.00 + QST 99.75
    assert invoice.tax_total == Decimal("149.75")
    assert invoice.total == Decimal("1149.75")
    assert invoice.events.filter(action="issued", actor=agent).exists()


def test_numbers_are_consecutive_per_year_and_restart_each_year(customer):
    first = make_invoice(customer, on=date(2026, 12, 31))
    second = make_invoice(customer, on=date(2026, 12, 31))
    third = make_invoice(customer, on=date(2027, 1, 1))
    assert [first.number, second.number, third.number] == ["2026-000001", "2026-000002", "2027-000001"]
    assert InvoiceCounter.objects.get(year=2026).last_number == 2


def test_a_failed_issue_consumes_no_number(customer):
    billing_options_update(
        customer=customer, actor=None, mode="per_order", po_required=True, language="fr", extra_emails=""
    )
    draft = make_invoice(customer, issue=False)
    with pytest.raises(ValidationError):
        invoice_issue(invoice=draft, on=date(2026, 11, 2))
    invoice_update_draft(invoice=draft, po_number="PO-77")
    issued = invoice_issue(invoice=draft, on=date(2026, 11, 2))
    assert issued.number == "2026-000001"


def test_draft_without_lines_cannot_be_issued(customer):
    draft = invoice_draft_create(customer=customer)
    with pytest.raises(ValidationError):
        invoice_issue(invoice=draft)


def test_issued_invoice_refuses_changes(customer):
    invoice = make_invoice(customer)
    with pytest.raises(ImmutableInvoice):
        invoice_line_add(
            invoice=invoice, description="more", quantity=1, unit_price=10, tax_category="standard"
        )
    with pytest.raises(ImmutableInvoice):
        invoice_update_draft(invoice=invoice, po_number="changed")
    with pytest.raises(ImmutableInvoice):
        invoice_issue(invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.lines.count() == 1 and invoice.po_number == ""


def test_taxes_use_the_rate_of_the_issue_date_nova_scotia(db):
    from tests.factories import CustomerFactory, SiteFactory

    ns = CustomerFactory(province="NS")
    SiteFactory(customer=ns, postal_code="B3H 4P7")
    before = make_invoice(ns, [(Decimal("100.00"), "standard", None)], on=date(2025, 3, 31))
    after = make_invoice(ns, [(Decimal("100.00"), "standard", None)], on=date(2025, 4, 1))
    assert (before.tax_total, after.tax_total) == (Decimal("15.00"), Decimal("14.00"))


def test_cancel_issues_a_full_credit_note_mirroring_the_invoice(customer, agent):
    invoice = make_invoice(
        customer, [(Decimal("333.33"), "standard", None), (Decimal("10.01"), "pst_exempt", None)]
    )
    note = invoice_cancel(invoice=invoice, reason="Commande en double", actor=agent, on=date(2026, 11, 20))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CANCELLED
    assert note.kind == DocumentKind.CREDIT_NOTE and note.credited_invoice == invoice
    assert note.status == InvoiceStatus.ISSUED and note.number == "2026-000002"
    assert (note.net_total, note.tax_total, note.total) == (
        invoice.net_total,
        invoice.tax_total,
        invoice.total,
    )
    with pytest.raises(ValidationError):
        invoice_cancel(invoice=invoice, reason="again", actor=agent)


@pytest.mark.parametrize("amount", ["114.98", "57.49", "1149.75", "1.15"])
def test_partial_credit_note_totals_the_agreed_amount(customer, agent, amount):
    invoice = make_invoice(customer, [(Decimal("1000.00"), "standard", None)])
    note = credit_note_create(invoice=invoice, amount=Decimal(amount), reason="Prix", actor=agent)
    assert note.total == Decimal(amount)
    assert note.total == note.net_total + note.tax_total


@settings(max_examples=40, deadline=None)
@given(amount=st.decimals(min_value=Decimal("0.05"), max_value=Decimal("1375.75"), places=2))
def test_property_credit_is_within_a_cent_below_the_amount(amount):
    from tests.factories import CustomerFactory, SiteFactory

    customer = CustomerFactory(province="QC")
    SiteFactory(customer=customer)
    invoice = make_invoice(
        customer, [(Decimal("1000.00"), "standard", None), (Decimal("200.00"), "pst_exempt", "ON")]
    )
    note = credit_note_create(invoice=invoice, amount=amount, reason="x", issue=False)
    note.refresh_from_db()
    assert amount - Decimal("0.02") <= note.total <= amount
    assert note.total == note.net_total + note.tax_total


def test_credit_cannot_exceed_what_remains(customer, agent):
    invoice = make_invoice(customer, [(Decimal("100.00"), "standard", None)])
    credit_note_create(invoice=invoice, amount=Decimal("100.00"), reason="a", actor=agent)
    with pytest.raises(ValidationError):
        credit_note_create(invoice=invoice, amount=Decimal("15.00"), reason="b", actor=agent)
    with pytest.raises(ValidationError):
        credit_note_create(invoice=invoice, amount=Decimal("-1"), reason="b", actor=agent)


def test_settle_follows_the_open_balance(customer):
    invoice = make_invoice(customer)
    assert invoice_settle(invoice=invoice, open_balance=Decimal("10.00")).status == InvoiceStatus.PARTLY_PAID
    assert invoice_settle(invoice=invoice, open_balance=Decimal("0")).status == InvoiceStatus.PAID
    assert invoice_settle(invoice=invoice, open_balance=invoice.total).status == InvoiceStatus.ISSUED
    draft = make_invoice(customer, issue=False)
    assert invoice_settle(invoice=draft, open_balance=Decimal("0")).status == InvoiceStatus.DRAFT


def test_goods_and_services_use_their_own_place_of_supply(customer):
    # A Quebec customer: goods shipped to Ontario bear HST, the service bears GST + QST.
    invoice = make_invoice(
        customer, [(Decimal("100.00"), "standard", "ON"), (Decimal("100.00"), "standard", "QC")]
    )
    kinds = {(t.kind, t.province): t.amount for t in invoice.taxes.all()}
    assert kinds == {
        ("HST", "ON"): Decimal("13.00"),
        ("GST", "QC"): Decimal("5.00"),
        ("QST", "QC"): Decimal("9.98"),
    }
    assert Invoice.objects.get(pk=invoice.pk).total == Decimal("227.98")


def test_a_batch_of_drafts_is_issued_with_the_queries_of_one(customer, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.services import invoices_issue
    from csol.audit.models import AuditEvent

    def drafts(count):
        return [
            make_invoice(
                customer,
                [(Decimal("100.00"), "standard", None), (Decimal("50.00"), "zero_rated", "ON")],
                issue=False,
            )
            for _ in range(count)
        ]

    make_invoice(customer, on=date(2026, 11, 2))  # the year's counter exists, as on any day but the first
    one = drafts(1)
    with CaptureQueriesContext(connection) as single:
        first = invoices_issue(invoice_ids=[d.pk for d in one], actor=agent, on=date(2026, 11, 2))
    ten = drafts(10)
    with CaptureQueriesContext(connection) as batch:
        result = invoices_issue(invoice_ids=[d.pk for d in ten], actor=agent, on=date(2026, 11, 2))
    assert len(batch) == len(single)
    numbers = [first.issued[0].number] + [invoice.number for invoice in result.issued]
    assert numbers == [f"2026-{n:06d}" for n in range(2, 13)]
    for invoice in Invoice.objects.filter(pk__in=[d.pk for d in ten]):
        assert (invoice.status, invoice.net_total, invoice.tax_total) == (
            InvoiceStatus.ISSUED,
            Decimal("150.00"),
            Decimal("14.98"),  # GST 5.00 + QST 9.98 on the Quebec line; the Ontario one is zero-rated
        )
        assert invoice.taxes.count() == 2 and invoice.events.filter(action="issued", actor=agent).exists()
        # The audit trail has the change as a save() would record it.
        change = AuditEvent.objects.for_object(invoice).get(action="update", changes__has_key="number")
        assert change.changes["status"] == ["draft", "issued"] and change.changes["number"] == [
            None,
            invoice.number,
        ]


def test_a_batch_issues_what_it_may_and_holds_the_rest(customer):
    from billing.services import invoices_issue

    billing_options_update(
        customer=customer, actor=None, mode="per_order", po_required=True, language="fr", extra_emails=""
    )
    with_po = make_invoice(customer, issue=False, po_number="PO-1")
    without_po = make_invoice(customer, issue=False)
    empty = invoice_draft_create(customer=customer)
    issued = make_invoice(customer, po_number="PO-2")
    result = invoices_issue(
        invoice_ids=[with_po.pk, without_po.pk, empty.pk, issued.pk], on=date(2026, 11, 2)
    )
    assert [invoice.pk for invoice in result.issued] == [with_po.pk]
    assert {pk: error.code for pk, error in result.held.items()} == {
        without_po.pk: "po_required",
        empty.pk: "no_lines",
    }
    assert [invoice.pk for invoice in result.not_drafts] == [issued.pk]
    assert Invoice.objects.get(pk=without_po.pk).status == InvoiceStatus.DRAFT

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import InvoiceStatus
from collections_ar.selectors import (
    aging_by_customer,
    customer_aging,
    invoice_receivable,
    statement,
    worklist,
)
from collections_ar.services import (
    allocation_reverse,
    credit_note_apply,
    payment_allocate,
    payment_record,
    write_off_record,
)
from tests.collections_ar.factories import CreditNoteFactory, DisputeFactory, InvoiceFactory
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("days_past_due", "bucket"),
    [
        (-30, "current"),
        (0, "current"),
        (1, "days_1_30"),
        (30, "days_1_30"),
        (31, "days_31_60"),
        (60, "days_31_60"),
        (61, "days_61_90"),
        (90, "days_61_90"),
        (91, "over_90"),
        (400, "over_90"),
    ],
)
def test_aging_bucket_edges(customer, today, days_past_due, bucket):
    InvoiceFactory(customer=customer, total=D("10.00"), due_date=today - timedelta(days=days_past_due))
    aging = customer_aging(customer=customer, as_of=today)
    amounts = {key: amount for key, _label, amount in aging.buckets}
    assert amounts[bucket] == D("10.00")
    assert sum(amounts.values()) == D("10.00")


def test_aging_uses_open_balance_and_shows_disputes_apart(customer, other_customer, today):
    late = InvoiceFactory(customer=customer, total=D("1000.00"), due_date=today - timedelta(days=45))
    DisputeFactory(invoice=late, amount=D("300.00"))
    DisputeFactory(invoice=late, amount=D("50.00"), status="rejected")  # no longer holds anything
    paid_part = InvoiceFactory(customer=customer, total=D("500.00"), due_date=today + timedelta(days=3))
    payment = payment_record(customer=customer, received_on=today, method="eft", amount=D("200.00"))
    payment_allocate(payment=payment, lines=[(paid_part, D("200.00"))])
    InvoiceFactory(customer=customer, total=D("99.00"), status=InvoiceStatus.DRAFT)
    InvoiceFactory(customer=other_customer, total=D("7.00"))

    aging = customer_aging(customer=customer, as_of=today)
    amounts = {key: amount for key, _label, amount in aging.buckets}
    assert amounts["current"] == D("300.00")
    assert amounts["days_31_60"] == D("1000.00")
    assert aging.total == D("1300.00")
    assert aging.disputed == D("300.00")
    assert aging.overdue == D("1000.00")

    rows = {row["customer__number"]: row for row in aging_by_customer(as_of=today)}
    assert rows[customer.number]["total"] == D("1300.00")
    assert rows[customer.number]["disputed_total"] == D("300.00")
    assert rows[other_customer.number]["total"] == D("7.00")


def test_disputed_amount_never_exceeds_open_balance(customer, today):
    invoice = InvoiceFactory(customer=customer, total=D("100.00"), due_date=today - timedelta(days=5))
    DisputeFactory(invoice=invoice, amount=D("100.00"))
    payment = payment_record(customer=customer, received_on=today, method="eft", amount=D("60.00"))
    payment_allocate(payment=payment, lines=[(invoice, D("60.00"))])
    assert customer_aging(customer=customer, as_of=today).disputed == D("40.00")


def test_worklist_most_overdue_first(today):
    a, b, c = CustomerFactory(), CustomerFactory(), CustomerFactory()
    InvoiceFactory(customer=a, total=D("5000.00"), due_date=today - timedelta(days=10))
    InvoiceFactory(customer=b, total=D("10.00"), due_date=today - timedelta(days=120))
    InvoiceFactory(customer=c, total=D("10.00"), due_date=today + timedelta(days=10))
    rows = list(worklist(as_of=today))
    assert [row["customer"] for row in rows] == [b.pk, a.pk]
    assert rows[0]["over_90"] == D("10.00")


movement = st.tuples(
    st.sampled_from(["invoice", "credit_note", "payment", "write_off"]),
    st.integers(min_value=0, max_value=120),
    st.decimals(min_value=D("0.01"), max_value=D("9999.99"), places=2),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    movements=st.lists(movement, min_size=1, max_size=8),
    start_offset=st.integers(0, 120),
    span=st.integers(0, 90),
)
def test_statement_opening_plus_movements_is_closing(movements, start_offset, span, today):
    # Given any mix of invoices, credit notes, payments and write-offs over four months,
    # then for any period: opening + debits − credits = closing, and the closing balance equals
    # the balance computed from everything dated up to the period's end.
    customer = CustomerFactory()
    actor = UserFactory(is_staff=True)
    origin = today - timedelta(days=120)
    invoices = []
    expected_by_day = []
    for kind, day, amount in movements:
        on = origin + timedelta(days=day)
        if kind == "invoice":
            invoices.append(InvoiceFactory(customer=customer, total=amount, issue_date=on))
            expected_by_day.append((on, amount))
        elif kind == "credit_note":
            note = CreditNoteFactory(customer=customer, total=amount, issue_date=on)
            expected_by_day.append((on, -amount))
            target = next((i for i in invoices if i.issue_date <= on), None)
            if target is not None:
                credit_note_apply(credit_note=note, invoice=target, on=on)
        elif kind == "payment":
            payment = payment_record(customer=customer, received_on=on, method="cheque", amount=amount)
            expected_by_day.append((on, -amount))
            target = next((i for i in invoices if i.issue_date <= on), None)
            if target is not None:
                from collections_ar.services import payment_allocate_oldest_first

                payment_allocate_oldest_first(payment=payment, invoice_ids=[target.pk])
        elif invoices:
            from collections_ar.selectors import open_invoices

            target = open_invoices(customer_ids=[customer.pk]).filter(issue_date__lte=on).first()
            if target is not None:
                share = min(amount, target.open_amount)
                write_off_record(invoice=target, amount=share, reason="bad_debt", actor=actor, on=on)
                expected_by_day.append((on, -share))
    start = origin + timedelta(days=start_offset)
    end = start + timedelta(days=span)
    result = statement(customer=customer, start=start, end=end)
    assert result.opening + result.total_debits - result.total_credits == result.closing
    assert result.opening == sum((a for on, a in expected_by_day if on < start), D("0"))
    assert result.closing == sum((a for on, a in expected_by_day if on <= end), D("0"))
    if result.lines:
        assert result.lines[-1].balance == result.closing


def test_invoice_receivable_lists_each_kind_applied(customer, agent, today):
    invoice = InvoiceFactory(customer=customer, total=D("100.00"), issue_date=today - timedelta(days=5))
    payment = payment_record(customer=customer, received_on=today, method="cheque", amount=D("30.00"))
    payment_allocate(payment=payment, lines=[(invoice, D("30.00"))])
    note = CreditNoteFactory(customer=customer, total=D("20.00"), issue_date=today)
    credit_note_apply(credit_note=note, invoice=invoice, on=today)
    write_off_record(invoice=invoice, amount=D("5.00"), reason="small_balance", actor=agent)

    receivable = invoice_receivable(invoice=invoice)

    assert [a.payment for a in receivable["allocations"]] == [payment]
    assert [c.credit_note for c in receivable["credits"]] == [note]
    assert [w.amount for w in receivable["write_offs"]] == [D("5.00")]
    assert receivable["open_balance"] == D("45.00")


def test_invoice_receivable_reads_only_what_was_applied(customer, today, django_assert_num_queries):
    untouched = InvoiceFactory(customer=customer, total=D("80.00"))
    paid = InvoiceFactory(customer=customer, total=D("100.00"))
    payment = payment_record(customer=customer, received_on=today, method="eft", amount=D("100.00"))
    payment_allocate(payment=payment, lines=[(paid, D("60.00"))])

    with django_assert_num_queries(1):  # no account: nothing applied, the open balance is the total
        receivable = invoice_receivable(invoice=untouched)
    assert receivable["allocations"] == receivable["credits"] == receivable["write_offs"] == []
    assert receivable["open_balance"] == D("80.00")
    with django_assert_num_queries(2):  # the account, then its payments only
        receivable = invoice_receivable(invoice=paid)
    assert [a.amount for a in receivable["allocations"]] == [D("60.00")]
    assert receivable["open_balance"] == D("40.00")


def test_invoice_receivable_leaves_out_reversed_payments(customer, agent, today):
    invoice = InvoiceFactory(customer=customer, total=D("100.00"))
    payment = payment_record(customer=customer, received_on=today, method="eft", amount=D("50.00"))
    [allocation] = payment_allocate(payment=payment, lines=[(invoice, D("50.00"))], actor=agent)
    allocation_reverse(allocation=allocation, actor=agent, reason="Applied to the wrong invoice")

    receivable = invoice_receivable(invoice=invoice)

    assert receivable["allocations"] == []
    assert receivable["open_balance"] == D("100.00")


def test_summaries_of_many_customers_match_each_customers(today):
    from collections_ar.selectors import account_summaries, account_summary
    from collections_ar.services import credit_profile_update, linked_credit_notes_apply

    busy, quiet, empty = CustomerFactory(), CustomerFactory(), CustomerFactory()
    InvoiceFactory(customer=busy, total=D("1000.00"), due_date=today - timedelta(days=45))
    late = InvoiceFactory(customer=busy, total=D("400.00"), due_date=today - timedelta(days=100))
    InvoiceFactory(customer=busy, total=D("250.00"), due_date=today + timedelta(days=10))
    DisputeFactory(invoice=late, amount=D("40.00"))
    CreditNoteFactory(customer=busy, total=D("60.00"))  # not linked: an unused credit
    linked = InvoiceFactory(customer=quiet, total=D("300.00"), due_date=today - timedelta(days=5))
    CreditNoteFactory(customer=quiet, total=D("350.00"), credited_invoice=linked)
    linked_credit_notes_apply()
    payment_record(customer=busy, received_on=today, method="eft", amount=D("500.00"), reference="EFT-9")
    credit_profile_update(customer=quiet, annual_interest_rate=D("12.00"))

    many = account_summaries(customers=[busy, quiet, empty], as_of=today)

    for customer in (busy, quiet, empty):
        one = account_summary(customer=customer, as_of=today)
        summary = many[customer.pk]
        assert (summary.balance, summary.overdue, summary.unapplied_cash, summary.unused_credits) == (
            one.balance,
            one.overdue,
            one.unapplied_cash,
            one.unused_credits,
        )
        assert summary.aging.buckets == one.aging.buckets and summary.aging.disputed == one.aging.disputed
        assert summary.interest_rate == one.interest_rate
    assert many[busy.pk].balance == D("1000.00") + D("400.00") + D("250.00") - D("500.00") - D("60.00")
    assert many[quiet.pk].unused_credits == D("50.00") and many[quiet.pk].interest_rate == D("12.00")

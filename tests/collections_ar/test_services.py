import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from billing.models import InvoiceStatus
from collections_ar.models import (
    Allocation,
    CreditApplication,
    InvoiceAccount,
    Payment,
    PaymentStatus,
    ReceivableEvent,
)
from collections_ar.selectors import account_summary
from collections_ar.services import (
    credit_note_apply,
    customer_credit_hold_set,
    linked_credit_notes_apply,
    payment_allocate,
    payment_allocate_oldest_first,
    payment_record,
    payment_transition,
    write_off_record,
)
from csol.core.models import CustomerStatus
from tests.collections_ar.factories import CreditNoteFactory, InvoiceFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal


def pay(customer, amount, **kwargs):
    return payment_record(
        customer=customer,
        received_on=kwargs.pop("on", None) or _today(),
        method="eft",
        amount=amount,
        reference="EFT-1",
        **kwargs,
    )


def _today():
    from django.utils import timezone

    return timezone.localdate()


def test_partial_then_full_allocation_settles_invoice(customer, agent):
    invoice = InvoiceFactory(customer=customer, total=D("1000.00"))
    payment = pay(customer, "600.00", actor=agent)
    payment_allocate(payment=payment, lines=[(invoice, D("400.00"))], actor=agent)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTLY_PAID
    assert InvoiceAccount.objects.get(pk=invoice.pk).open_balance == D("600.00")

    second = pay(customer, "600.00", actor=agent)
    payment_allocate(payment=second, lines=[(invoice, D("600.00"))], actor=agent)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert ReceivableEvent.objects.filter(kind="allocated", actor=agent).count() == 2


def test_allocation_beyond_payment_is_refused_and_nothing_written(customer, agent):
    a = InvoiceFactory(customer=customer, total=D("500.00"))
    b = InvoiceFactory(customer=customer, total=D("500.00"))
    payment = pay(customer, "600.00")
    with pytest.raises(ValidationError) as excinfo:
        payment_allocate(payment=payment, lines=[(a, D("400.00")), (b, D("300.00"))], actor=agent)
    assert excinfo.value.code == "over_payment"
    assert not Allocation.objects.exists()
    assert not InvoiceAccount.objects.exists()
    payment.refresh_from_db()
    assert payment.allocated == 0


def test_allocation_beyond_open_balance_is_refused_and_nothing_written(customer, agent):
    small = InvoiceFactory(customer=customer, total=D("100.00"))
    other = InvoiceFactory(customer=customer, total=D("900.00"))
    payment = pay(customer, "1000.00")
    with pytest.raises(ValidationError) as excinfo:
        # The first invoice (by id) would succeed; the second breaks the rule: the whole call rolls back.
        payment_allocate(payment=payment, lines=[(other, D("800.00")), (small, D("150.00"))], actor=agent)
    assert excinfo.value.code == "over_invoice"
    assert not Allocation.objects.exists()
    assert Payment.objects.get(pk=payment.pk).allocated == 0
    other.refresh_from_db()
    assert other.status == InvoiceStatus.ISSUED


def test_another_customers_invoice_is_refused(customer, other_customer):
    invoice = InvoiceFactory(customer=other_customer)
    payment = pay(customer, "100.00")
    with pytest.raises(ValidationError):
        payment_allocate(payment=payment, lines=[(invoice, D("50.00"))])


def test_overpayment_leaves_unapplied_cash(customer):
    invoice = InvoiceFactory(customer=customer, total=D("800.00"))
    payment = pay(customer, "1000.00")
    payment_allocate_oldest_first(payment=payment)
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.allocated == D("800.00")
    assert payment.unapplied == D("200.00")
    assert invoice.status == InvoiceStatus.PAID
    summary = account_summary(customer=customer)
    assert summary.unapplied_cash == D("200.00")
    assert summary.balance == D("-200.00")


def test_oldest_first_spreads_over_invoices_by_due_date(customer, today):
    late = InvoiceFactory(customer=customer, total=D("300.00"), due_date=today - timedelta(days=40))
    recent = InvoiceFactory(customer=customer, total=D("300.00"), due_date=today + timedelta(days=5))
    payment = pay(customer, "450.00")
    payment_allocate_oldest_first(payment=payment)
    assert InvoiceAccount.objects.get(pk=late.pk).open_balance == 0
    assert InvoiceAccount.objects.get(pk=recent.pk).open_balance == D("150.00")


def test_linked_credit_note_counts_against_its_invoice(customer):
    invoice = InvoiceFactory(customer=customer, total=D("1000.00"))
    note = CreditNoteFactory(customer=customer, total=D("250.00"), credited_invoice=invoice)
    assert linked_credit_notes_apply() == 1
    assert linked_credit_notes_apply() == 0  # idempotent
    assert InvoiceAccount.objects.get(pk=invoice.pk).open_balance == D("750.00")
    assert InvoiceAccount.objects.get(pk=note.pk).open_balance == 0
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTLY_PAID
    assert account_summary(customer=customer).balance == D("750.00")


def test_linked_credit_note_larger_than_open_balance_leaves_a_credit(customer):
    invoice = InvoiceFactory(customer=customer, total=D("100.00"))
    note = CreditNoteFactory(customer=customer, total=D("150.00"), credited_invoice=invoice)
    linked_credit_notes_apply()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert InvoiceAccount.objects.get(pk=note.pk).open_balance == D("50.00")
    summary = account_summary(customer=customer)
    assert summary.unused_credits == D("50.00")
    assert summary.balance == D("-50.00")


def test_unlinked_credit_note_applied_by_agent(customer, agent):
    invoice = InvoiceFactory(customer=customer, total=D("500.00"))
    note = CreditNoteFactory(customer=customer, total=D("200.00"))
    credit_note_apply(credit_note=note, invoice=invoice, amount=D("120.00"), actor=agent)
    with pytest.raises(ValidationError):
        credit_note_apply(credit_note=note, invoice=invoice, amount=D("90.00"), actor=agent)
    assert CreditApplication.objects.count() == 1
    assert InvoiceAccount.objects.get(pk=invoice.pk).open_balance == D("380.00")
    assert InvoiceAccount.objects.get(pk=note.pk).open_balance == D("80.00")


def test_credit_note_issued_is_applied_after_commit(customer, django_capture_on_commit_callbacks):
    invoice = InvoiceFactory(customer=customer, total=D("400.00"))
    with django_capture_on_commit_callbacks(execute=True):
        CreditNoteFactory(customer=customer, total=D("100.00"), credited_invoice=invoice)
    assert InvoiceAccount.objects.get(pk=invoice.pk).open_balance == D("300.00")


def test_credit_note_issued_by_billing_is_applied_after_commit(customer, django_capture_on_commit_callbacks):
    from billing.services import credit_note_create
    from tests.billing.factories import make_invoice

    invoice = make_invoice(customer, [(D("400.00"), "zero_rated", None)])
    with django_capture_on_commit_callbacks(execute=True):
        credit_note_create(invoice=invoice, amount=D("100.00"), reason="Price")
    assert InvoiceAccount.objects.get(pk=invoice.pk).open_balance == D("300.00")


def test_write_off_needs_room_and_reason(customer, agent):
    invoice = InvoiceFactory(customer=customer, total=D("100.00"))
    with pytest.raises(ValidationError):
        write_off_record(invoice=invoice, amount=D("5.00"), reason="other", note="", actor=agent)
    with pytest.raises(ValidationError):
        write_off_record(invoice=invoice, amount=D("100.01"), reason="small_balance", actor=agent)
    write_off_record(invoice=invoice, amount=D("100.00"), reason="small_balance", actor=agent)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_database_refuses_broken_totals(customer):
    payment = pay(customer, "100.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(allocated=D("100.01"))
    invoice = InvoiceFactory(customer=customer, total=D("100.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceAccount.objects.create(
            invoice=invoice, customer=customer, total=D("100"), paid=D("120"), open_balance=D("-20")
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceAccount.objects.create(
            invoice=invoice, customer=customer, total=D("100"), paid=D("20"), open_balance=D("90")
        )


def test_void_only_when_nothing_allocated(customer):
    invoice = InvoiceFactory(customer=customer, total=D("100.00"))
    payment = pay(customer, "50.00")
    payment_allocate(payment=payment, lines=[(invoice, D("10.00"))])
    with pytest.raises(ValidationError):
        payment_transition(payment=payment, to=PaymentStatus.VOID)
    empty = pay(customer, "20.00")
    payment_transition(payment=empty, to=PaymentStatus.VOID)
    with pytest.raises(ValidationError):
        payment_transition(payment=empty, to=PaymentStatus.VOID)
    with pytest.raises(ValidationError):
        payment_allocate(payment=empty, lines=[(invoice, D("1.00"))])


def test_credit_hold_by_agent_and_release(customer, agent):
    with pytest.raises(ValidationError):
        customer_credit_hold_set(customer=customer, hold=True, actor=agent, reason="")
    customer_credit_hold_set(customer=customer, hold=True, actor=agent, reason="90 days past due")
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.CREDIT_HOLD
    customer_credit_hold_set(customer=customer, hold=False, actor=agent)
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE
    assert list(ReceivableEvent.objects.values_list("kind", flat=True).order_by("id")) == [
        "credit_hold",
        "credit_release",
    ]


def test_automatic_credit_hold(settings, today):
    from collections_ar.services import credit_hold_auto_run

    settings.CSOL_AR_AUTO_CREDIT_HOLD = True
    late = CustomerFactory(credit_limit=D("100000"))
    fine = CustomerFactory(credit_limit=D("100000"))
    over = CustomerFactory(credit_limit=D("500"))
    InvoiceFactory(customer=late, total=D("50.00"), due_date=today - timedelta(days=91))
    InvoiceFactory(customer=fine, total=D("50.00"), due_date=today - timedelta(days=90))
    InvoiceFactory(customer=over, total=D("600.00"), due_date=today + timedelta(days=10))
    held = credit_hold_auto_run(today=today)
    assert set(held) == {late.pk, over.pk}
    settings.CSOL_AR_AUTO_CREDIT_HOLD = False
    fine_late = InvoiceFactory(customer=fine, total=D("1.00"), due_date=today - timedelta(days=200))
    assert credit_hold_auto_run(today=today) == []
    assert fine_late.customer.status == CustomerStatus.ACTIVE


def test_automatic_credit_hold_reads_the_customers_at_once(settings, today):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from collections_ar.services import credit_hold_auto_run

    settings.CSOL_AR_AUTO_CREDIT_HOLD = True

    def customers_in_good_standing(count):
        for _ in range(count):
            InvoiceFactory(
                customer=CustomerFactory(credit_limit=D("100000")), due_date=today - timedelta(days=20)
            )

    customers_in_good_standing(1)
    with CaptureQueriesContext(connection) as one:
        assert credit_hold_auto_run(today=today) == []
    customers_in_good_standing(10)
    with CaptureQueriesContext(connection) as eleven:
        assert credit_hold_auto_run(today=today) == []
    assert len(eleven) == len(one)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_allocating_the_same_payment_never_exceed_it():
    # Given a payment of 100 and two invoices of 80, when two agents allocate 80 each at once,
    # then exactly one succeeds and the payment's allocations stay within its amount.
    customer = CustomerFactory()
    a = InvoiceFactory(customer=customer, total=D("80.00"))
    b = InvoiceFactory(customer=customer, total=D("80.00"))
    payment = pay(customer, "100.00")
    barrier = threading.Barrier(2)
    outcomes = []

    def allocate(invoice):
        try:
            barrier.wait()
            payment_allocate(payment=payment, lines=[(invoice, D("80.00"))])
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate, args=(invoice,)) for invoice in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    payment.refresh_from_db()
    assert payment.allocated == D("80.00")
    assert sum(Allocation.objects.values_list("amount", flat=True)) == D("80.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_payments_on_the_same_invoice_never_overpay_it():
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, total=D("100.00"))
    payments = [pay(customer, "70.00"), pay(customer, "70.00")]
    barrier = threading.Barrier(2)
    outcomes = []

    def allocate(payment):
        try:
            barrier.wait()
            payment_allocate(payment=payment, lines=[(invoice, D("70.00"))])
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate, args=(p,)) for p in payments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert InvoiceAccount.objects.get(pk=invoice.pk).open_balance == D("30.00")


def test_invoice_cancelled_by_a_credit_note_nets_to_zero(customer, today):
    # billing's invoice_cancel: a credit note for the whole invoice, then the invoice is cancelled.
    from collections_ar.selectors import statement

    invoice = InvoiceFactory(customer=customer, total=D("300.00"), status=InvoiceStatus.CANCELLED)
    CreditNoteFactory(
        customer=customer, total=D("300.00"), credited_invoice=invoice, issue_date=invoice.issue_date
    )
    linked_credit_notes_apply()
    summary = account_summary(customer=customer)
    assert summary.balance == 0
    assert summary.unused_credits == 0
    result = statement(customer=customer, start=today - timedelta(days=30), end=today)
    assert [line.kind for line in result.lines] == ["invoice", "credit_note"]
    assert result.closing == 0

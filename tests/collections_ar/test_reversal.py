"""Reversing an allocation: the payment is unapplied again, the invoice reopens, the history keeps it."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import translation

from billing.models import InvoiceStatus
from collections_ar.models import Allocation, EventKind, InvoiceAccount, Payment, ReceivableEvent
from collections_ar.selectors import account_summary, invoice_receivable, statement
from collections_ar.services import allocation_reverse, credit_note_apply, payment_allocate, payment_record
from tests.collections_ar.factories import CreditNoteFactory, InvoiceFactory
from tests.conftest import signed_in
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def pay(customer, amount, **kwargs):
    from django.utils import timezone

    return payment_record(
        customer=customer,
        received_on=timezone.localdate(),
        method="eft",
        amount=amount,
        reference="EFT-7",
        **kwargs,
    )


def _account_holds(invoice):
    account = InvoiceAccount.objects.get(pk=invoice.pk)
    assert account.open_balance == account.total - account.paid - account.credited - account.written_off
    return account


def test_reversal_reopens_the_invoice_and_unapplies_the_payment(customer, agent):
    # Given an invoice of 1000 paid 400 + 600 by two payments (so it is paid),
    invoice = InvoiceFactory(customer=customer, total=D("1000.00"))
    first, second = pay(customer, "400.00"), pay(customer, "700.00")
    payment_allocate(payment=first, lines=[(invoice, D("400.00"))], actor=agent)
    [allocation] = payment_allocate(payment=second, lines=[(invoice, D("600.00"))], actor=agent)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    before = account_summary(customer=customer)
    # when an agent reverses the 600,
    allocation_reverse(allocation=allocation, actor=agent, reason="Applied to the wrong invoice")
    # then the invoice is open for 600 and partly paid, the payment has 700 unapplied,
    invoice.refresh_from_db()
    second.refresh_from_db()
    account = _account_holds(invoice)
    assert (account.paid, account.open_balance) == (D("400.00"), D("600.00"))
    assert invoice.status == InvoiceStatus.PARTLY_PAID
    assert (second.allocated, second.unapplied) == (D("0.00"), D("700.00"))
    # the allocation stays as history, and the account's event names the agent and the reason;
    allocation.refresh_from_db()
    assert allocation.is_reversed and allocation.reversed_by == agent
    assert allocation.reversal_reason == "Applied to the wrong invoice"
    event = ReceivableEvent.objects.get(kind=EventKind.ALLOCATION_REVERSED)
    assert (event.actor, event.payment, event.invoice, event.amount) == (agent, second, invoice, D("600.00"))
    assert event.note == "Applied to the wrong invoice"
    # what the customer owes overall does not change: the money is still theirs, as unapplied cash.
    after = account_summary(customer=customer)
    assert after.balance == before.balance
    assert (after.aging.total, after.unapplied_cash) == (D("600.00"), D("700.00"))


def test_reversing_the_only_payment_makes_the_invoice_issued_again(customer, agent):
    invoice = InvoiceFactory(customer=customer, total=D("250.00"))
    payment = pay(customer, "250.00")
    [allocation] = payment_allocate(payment=payment, lines=[(invoice, D("250.00"))])
    allocation_reverse(allocation=allocation, actor=agent, reason="Cheque returned NSF")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert _account_holds(invoice).open_balance == D("250.00")
    # The payment can then go where it belongs.
    other = InvoiceFactory(customer=customer, total=D("250.00"))
    payment_allocate(payment=payment, lines=[(other, D("250.00"))])
    other.refresh_from_db()
    assert other.status == InvoiceStatus.PAID


def test_credits_and_write_offs_stay_when_a_payment_is_reversed(customer, agent, today):
    invoice = InvoiceFactory(customer=customer, total=D("1000.00"))
    note = CreditNoteFactory(customer=customer, total=D("100.00"), credited_invoice=invoice)
    credit_note_apply(credit_note=note, invoice=invoice)
    payment = pay(customer, "900.00")
    [allocation] = payment_allocate(payment=payment, lines=[(invoice, D("900.00"))])
    allocation_reverse(allocation=allocation, actor=agent, reason="Duplicate entry")
    account = _account_holds(invoice)
    assert (account.credited, account.paid, account.open_balance) == (D("100.00"), D("0.00"), D("900.00"))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTLY_PAID


def test_refusals_are_translated_and_change_nothing(customer, customer_user, agent):
    invoice = InvoiceFactory(customer=customer, total=D("500.00"))
    payment = pay(customer, "500.00")
    [allocation] = payment_allocate(payment=payment, lines=[(invoice, D("500.00"))])
    with pytest.raises(ValidationError) as no_reason:
        allocation_reverse(allocation=allocation, actor=agent, reason="   ")
    assert no_reason.value.code == "reason"
    with pytest.raises(PermissionDenied):
        allocation_reverse(allocation=allocation, actor=customer_user, reason="Mine")
    allocation_reverse(allocation=allocation, actor=agent, reason="Wrong customer")
    with translation.override("fr"), pytest.raises(ValidationError) as twice:
        allocation_reverse(allocation=allocation, actor=agent, reason="Again")
    assert twice.value.code == "reversed"
    assert "déjà été contrepassée" in twice.value.messages[0]
    with translation.override("en"), pytest.raises(ValidationError) as twice_en:
        allocation_reverse(allocation=allocation, actor=agent, reason="Again")
    assert "already reversed" in twice_en.value.messages[0]
    payment.refresh_from_db()
    assert payment.allocated == D("0.00")
    assert _account_holds(invoice).open_balance == D("500.00")
    assert ReceivableEvent.objects.filter(kind=EventKind.ALLOCATION_REVERSED).count() == 1


def test_a_cancelled_invoice_refuses_the_reversal(customer, agent):
    invoice = InvoiceFactory(customer=customer, total=D("300.00"))
    payment = pay(customer, "300.00")
    [allocation] = payment_allocate(payment=payment, lines=[(invoice, D("300.00"))])
    # An invoice that has since left the issued states (here cancelled by hand in the books).
    type(invoice).objects.filter(pk=invoice.pk).update(status=InvoiceStatus.CANCELLED)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        allocation_reverse(allocation=allocation, actor=agent, reason="Late correction")
    assert refused.value.code == "not_open"
    assert "cancelled" in refused.value.messages[0]
    allocation.refresh_from_db()
    assert not allocation.is_reversed


def test_the_database_refuses_a_half_recorded_reversal(customer):
    from django.db import IntegrityError, transaction

    invoice = InvoiceFactory(customer=customer, total=D("300.00"))
    [allocation] = payment_allocate(payment=pay(customer, "300.00"), lines=[(invoice, D("300.00"))])
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=allocation.pk).update(reversal_reason="no date, no agent")


def test_statement_and_invoice_panel_no_longer_show_a_reversed_allocation(customer, agent, today):
    invoice = InvoiceFactory(customer=customer, number="F-REV-1", total=D("800.00"))
    payment = pay(customer, "800.00")
    [allocation] = payment_allocate(payment=payment, lines=[(invoice, D("800.00"))])
    allocation_reverse(allocation=allocation, actor=agent, reason="Wrong invoice")
    assert invoice_receivable(invoice=invoice)["allocations"] == []
    assert invoice_receivable(invoice=invoice)["open_balance"] == D("800.00")
    lines = statement(customer=customer, start=today - timedelta(days=30), end=today).lines
    assert [line.detail for line in lines if line.kind == "payment"] == [""]


# --- The agents' payment page and the admin -------------------------------------------------------


def _url(name, *args):
    with translation.override("fr"):
        return reverse(f"collections_ar:{name}", args=args)


def test_agent_reverses_from_the_payment_page(agent_client, agent, customer):
    invoice = InvoiceFactory(customer=customer, number="F-REV-2", total=D("120.00"))
    payment = pay(customer, "120.00")
    [allocation] = payment_allocate(payment=payment, lines=[(invoice, D("120.00"))])
    page = agent_client.get(_url("payment", payment.number)).content.decode()
    assert _url("allocation_reverse", payment.number, allocation.pk) in page
    empty = agent_client.post(_url("allocation_reverse", payment.number, allocation.pk), {"reason": ""})
    assert empty.status_code == 302
    allocation.refresh_from_db()
    assert not allocation.is_reversed
    done = agent_client.post(
        _url("allocation_reverse", payment.number, allocation.pk),
        {"reason": "Chèque sans provision"},
        follow=True,
    )
    page = done.content.decode()
    assert "Chèque sans provision" in page and "<s>120,00" in page
    allocation.refresh_from_db()
    assert allocation.is_reversed and allocation.reversed_by == agent


def test_the_reversal_url_is_hidden_from_customers_and_checks_the_payment(
    customer_client, agent_client, customer, other_customer
):
    invoice = InvoiceFactory(customer=customer, total=D("50.00"))
    payment = pay(customer, "50.00")
    [allocation] = payment_allocate(payment=payment, lines=[(invoice, D("50.00"))])
    other_payment = pay(other_customer, "10.00")
    target = _url("allocation_reverse", payment.number, allocation.pk)
    assert customer_client.post(target, {"reason": "x"}).status_code == 404
    assert (
        agent_client.post(
            _url("allocation_reverse", other_payment.number, allocation.pk), {"reason": "x"}
        ).status_code
        == 404
    )
    allocation.refresh_from_db()
    assert not allocation.is_reversed


def test_an_agent_without_the_permission_may_not_reverse(customer):
    from django.contrib.auth.models import Group

    from csol.core.services.desks import DESK_GROUP_NAMES, desk_groups_sync

    desk_groups_sync()
    billing_agent = UserFactory(is_staff=True)
    billing_agent.groups.set([Group.objects.get(name=DESK_GROUP_NAMES["billing"])])
    invoice = InvoiceFactory(customer=customer, total=D("50.00"))
    payment = pay(customer, "50.00")
    [allocation] = payment_allocate(payment=payment, lines=[(invoice, D("50.00"))])
    client = signed_in(billing_agent)
    assert (
        client.post(_url("allocation_reverse", payment.number, allocation.pk), {"reason": "x"}).status_code
        == 403
    )


def test_admin_action_asks_the_reason_then_reverses_each(agent, customer):
    client = signed_in(agent)
    invoice = InvoiceFactory(customer=customer, total=D("90.00"))
    payment = pay(customer, "90.00")
    [first] = payment_allocate(payment=payment, lines=[(invoice, D("90.00"))])
    changelist = "/en/admin/collections_ar/allocation/"
    selected = {"action": "reverse", "_selected_action": [first.pk]}
    ask = client.post(changelist, selected)
    assert ask.status_code == 200 and "Reason for the reversal" in ask.content.decode()
    first.refresh_from_db()
    assert not first.is_reversed
    done = client.post(changelist, {**selected, "apply": "1", "reason": "Posted twice"}, follow=True)
    assert "1 allocations reversed." in done.content.decode()
    first.refresh_from_db()
    assert first.is_reversed and first.reversal_reason == "Posted twice"
    # A second run reports the refusal and changes nothing.
    again = client.post(changelist, {**selected, "apply": "1", "reason": "Posted twice"}, follow=True)
    assert "already reversed" in again.content.decode()
    assert Payment.objects.get(pk=payment.pk).allocated == D("0.00")


# --- Concurrency (PostgreSQL row locks) -----------------------------------------------------------


def _race(targets):
    barrier = threading.Barrier(len(targets))
    outcomes = []

    def run(target):
        try:
            barrier.wait()
            target()
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_reversing_the_same_allocation_reverse_it_once():
    customer = CustomerFactory()
    agents = [UserFactory(is_staff=True), UserFactory(is_staff=True)]
    invoice = InvoiceFactory(customer=customer, total=D("100.00"))
    payment = pay(customer, "100.00")
    [allocation] = payment_allocate(payment=payment, lines=[(invoice, D("100.00"))])
    outcomes = _race(
        [lambda a=a: allocation_reverse(allocation=allocation, actor=a, reason="Race") for a in agents]
    )
    assert outcomes == ["ok", "refused"]
    payment.refresh_from_db()
    assert payment.allocated == D("0.00")
    assert _account_holds(invoice).open_balance == D("100.00")
    assert ReceivableEvent.objects.filter(kind=EventKind.ALLOCATION_REVERSED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reversal_racing_a_new_allocation_never_overspends_the_payment():
    # Given a payment of 100 with 80 on invoice A, when one agent reverses that 80 while another
    # allocates 80 to invoice B, then B's allocation succeeds only if it ran after the reversal.
    customer = CustomerFactory()
    agent = UserFactory(is_staff=True)
    a = InvoiceFactory(customer=customer, total=D("80.00"))
    b = InvoiceFactory(customer=customer, total=D("80.00"))
    payment = pay(customer, "100.00")
    [allocation] = payment_allocate(payment=payment, lines=[(a, D("80.00"))])
    outcomes = _race(
        [
            lambda: allocation_reverse(allocation=allocation, actor=agent, reason="Wrong invoice"),
            lambda: payment_allocate(payment=payment, lines=[(b, D("80.00"))]),
        ]
    )
    assert "ok" in outcomes
    payment.refresh_from_db()
    in_force = sum(Allocation.objects.in_force().filter(payment=payment).values_list("amount", flat=True))
    assert payment.allocated == in_force <= payment.amount
    assert _account_holds(a).open_balance == D("80.00")
    b_account = InvoiceAccount.objects.filter(pk=b.pk).first()
    if outcomes == ["ok", "ok"]:
        assert b_account.open_balance == D("0.00")
    else:  # the allocation ran first and found only 20 left: nothing was written on B
        assert b_account is None

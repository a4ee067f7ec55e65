from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from collections_ar.models import DunningReminder, ReminderStatus
from collections_ar.services import credit_profile_update
from collections_ar.services.dunning import dunning_candidates, dunning_run
from collections_ar.tasks import dunning_run as dunning_task
from csol.core.models import Role
from tests.collections_ar.factories import CreditNoteFactory, DisputeFactory, InvoiceFactory
from tests.factories import CustomerFactory, member

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def ap_customer():
    customer = CustomerFactory(province="QC", language="fr")
    member(customer, Role.ACCOUNTS_PAYABLE, email="ap@client.example", language="fr")
    member(customer, Role.BUYER, email="buyer@client.example", language="en")  # not a dunning contact
    return customer


def levels(invoice):
    return dict(DunningReminder.objects.filter(invoice=invoice).values_list("level", "status"))


def test_each_level_sent_once_on_its_day(ap_customer, today):
    invoice = InvoiceFactory(customer=ap_customer, total=D("500.00"), due_date=today + timedelta(days=5))
    result = dunning_run(today=today)
    assert result.sent == 1
    assert levels(invoice) == {"before_due": ReminderStatus.SENT}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ap@client.example"]
    assert "échéance" in mail.outbox[0].subject.lower() or "facture" in mail.outbox[0].subject.lower()

    # The same day again, and the next days before the due date: nothing more.
    for day in range(0, 5):
        dunning_run(today=today + timedelta(days=day))
    assert len(mail.outbox) == 1

    for offset, level in [(0, "on_due"), (7, "plus_7"), (30, "plus_30"), (60, "plus_60")]:
        dunning_run(today=invoice.due_date + timedelta(days=offset))
        dunning_run(today=invoice.due_date + timedelta(days=offset))
        assert levels(invoice)[level] == ReminderStatus.SENT
    assert len(mail.outbox) == 5
    assert "18.00" in mail.outbox[-1].body or "18,00" in mail.outbox[-1].body  # annual interest rate stated
    dunning_run(today=invoice.due_date + timedelta(days=200))
    assert len(mail.outbox) == 5


def test_catch_up_sends_only_the_highest_level_and_records_the_rest_as_skipped(ap_customer, today):
    invoice = InvoiceFactory(customer=ap_customer, due_date=today - timedelta(days=35))
    dunning_run(today=today)
    assert levels(invoice) == {
        "before_due": ReminderStatus.SKIPPED,
        "on_due": ReminderStatus.SKIPPED,
        "plus_7": ReminderStatus.SKIPPED,
        "plus_30": ReminderStatus.SENT,
    }
    assert len(mail.outbox) == 1
    dunning_run(today=today + timedelta(days=1))
    assert len(mail.outbox) == 1


def test_disputed_do_not_dun_paid_and_draft_are_skipped(ap_customer, today):
    disputed = InvoiceFactory(customer=ap_customer, due_date=today - timedelta(days=7))
    DisputeFactory(invoice=disputed, amount=D("10.00"))
    resolved = InvoiceFactory(customer=ap_customer, due_date=today - timedelta(days=7))
    DisputeFactory(invoice=resolved, amount=D("10.00"), status="rejected")
    InvoiceFactory(customer=ap_customer, due_date=today - timedelta(days=7), status="draft")
    InvoiceFactory(customer=ap_customer, due_date=today - timedelta(days=7), status="paid")

    quiet = CustomerFactory()
    member(quiet, Role.ADMINISTRATOR, email="admin@quiet.example")
    InvoiceFactory(customer=quiet, due_date=today - timedelta(days=7))
    credit_profile_update(customer=quiet, do_not_dun=True)

    dunning_run(today=today)
    assert DunningReminder.objects.filter(invoice=disputed).count() == 0
    assert levels(resolved)["plus_7"] == ReminderStatus.SENT
    assert DunningReminder.objects.filter(invoice__customer=quiet).count() == 0
    assert [m.to for m in mail.outbox] == [["ap@client.example"]]


def test_one_email_per_contact_in_their_language(today):
    customer = CustomerFactory(province="ON", language="en")
    member(customer, Role.ACCOUNTS_PAYABLE, email="ap@on.example", language="en")
    member(customer, Role.ADMINISTRATOR, email="boss@on.example", language="fr")
    InvoiceFactory(customer=customer, due_date=today - timedelta(days=7))
    InvoiceFactory(customer=customer, due_date=today - timedelta(days=8))
    dunning_run(today=today)
    assert sorted(m.to[0] for m in mail.outbox) == ["ap@on.example", "boss@on.example"]
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "Payment reminder" in by_address["ap@on.example"].subject
    assert "Rappel" in by_address["boss@on.example"].subject
    assert DunningReminder.objects.filter(status=ReminderStatus.SENT).count() == 2


def test_no_contact_is_recorded_not_retried(today):
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, due_date=today)
    dunning_run(today=today)
    assert levels(invoice) == {"before_due": ReminderStatus.SKIPPED, "on_due": ReminderStatus.NO_CONTACT}
    assert mail.outbox == []


def test_candidates_in_one_query(ap_customer, today, django_assert_num_queries):
    for days in range(5):
        InvoiceFactory(customer=ap_customer, due_date=today - timedelta(days=days * 10))
    with django_assert_num_queries(1):
        rows = list(dunning_candidates(today=today))
    assert len(rows) == 5


def test_daily_task_applies_linked_credit_notes_first(ap_customer, today):
    invoice = InvoiceFactory(customer=ap_customer, total=D("100.00"), due_date=today - timedelta(days=7))
    CreditNoteFactory(customer=ap_customer, total=D("100.00"), credited_invoice=invoice)
    dunning_task.delay()
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert mail.outbox == []


def test_queries_per_run_do_not_grow_with_the_reminders(today):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def due_for(customers: int, invoices_each: int) -> None:
        for n in range(customers):
            customer = CustomerFactory(province="ON", language="en")
            tag = f"{n}-{invoices_each}"
            member(customer, Role.ACCOUNTS_PAYABLE, email=f"ap{tag}@client.example", language="en")
            member(customer, Role.ADMINISTRATOR, email=f"boss{tag}@client.example", language="fr")
            for days in range(invoices_each):
                InvoiceFactory(customer=customer, due_date=today - timedelta(days=40 + days))

    due_for(customers=1, invoices_each=1)
    with CaptureQueriesContext(connection) as one:
        assert dunning_run(today=today).sent == 1
    due_for(customers=4, invoices_each=5)
    with CaptureQueriesContext(connection) as twenty:
        result = dunning_run(today=today)
    assert (result.sent, result.skipped, result.emails) == (20, 60, 8)
    # The candidates, the rows written (savepoints counted), contacts, account summaries, the outcome.
    assert len(twenty.captured_queries) == len(one.captured_queries) <= 14
    # Each contact got one email in their language, listing their company's five invoices.
    assert len(mail.outbox) == 2 + 8
    french = [m for m in mail.outbox[2:] if m.to[0].startswith("boss")]
    assert len(french) == 4 and all("Rappel" in m.subject for m in french)


def test_a_level_another_run_recorded_meanwhile_is_left_to_it(ap_customer, today, monkeypatch):
    from collections_ar.services import dunning

    mine = InvoiceFactory(customer=ap_customer, due_date=today - timedelta(days=8))
    theirs = InvoiceFactory(customer=ap_customer, due_date=today - timedelta(days=9))
    real_record = dunning._record

    def another_run_first(batch, contacts, day):
        DunningReminder.objects.create(
            invoice=theirs, level="plus_7", offset_days=7, status=ReminderStatus.SENDING, run_on=day
        )
        return real_record(batch, contacts, day)

    monkeypatch.setattr(dunning, "_record", another_run_first)
    result = dunning_run(today=today)
    assert result.sent == 1 and levels(mine)["plus_7"] == ReminderStatus.SENT
    assert levels(theirs)["plus_7"] == ReminderStatus.SENDING  # the other run sends it, not us
    [message] = mail.outbox
    assert mine.number in message.body and theirs.number not in message.body

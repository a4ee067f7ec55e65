"""The daily renewal job: offsets, catch-up, exactly once, languages, recipients, expiry and auto-renewal."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import Contract, ContractStatus, RenewalReminder
from contracts.reminders import renewal_reminders_create, renewal_reminders_deliver
from contracts.selectors import contracts_due_for_reminder
from contracts.tasks import renewal_reminders_run
from csol.core.models import Membership, Role
from tests.contracts.factories import ContractFactory
from tests.factories import CustomerFactory, PartnerAuthorisationFactory, UserFactory, member

END = date(2027, 6, 30)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the beat task for a day, delivering what it enqueues after commit."""

    def _run(day: date):
        with django_capture_on_commit_callbacks(execute=True):
            return renewal_reminders_run(day.isoformat())

    return _run


@pytest.fixture
def contract(customer, customer_user):
    return ContractFactory(customer=customer, number="CT-700001", start_date=date(2026, 7, 1), end_date=END)


def offsets_sent(contract):
    return list(
        RenewalReminder.objects.filter(contract=contract)
        .order_by("-offset_days")
        .values_list("offset_days", flat=True)
    )


def test_one_reminder_at_each_offset(contract, run, mailoutbox):
    for days_left in range(120, -1, -1):
        run(END - timedelta(days=days_left))
    assert offsets_sent(contract) == [90, 60, 30]
    assert len(mailoutbox) == 3
    assert all(r.sent_at and "admin@acme.example" in r.recipients for r in RenewalReminder.objects.all())
    # The reminder of each offset went out on its day, not before.
    created = {r.offset_days: r for r in RenewalReminder.objects.all()}
    assert set(created) == {90, 60, 30}


def test_nothing_before_the_first_offset(contract, run, mailoutbox):
    run(END - timedelta(days=91))
    assert offsets_sent(contract) == [] and mailoutbox == []


def test_a_job_down_for_a_week_catches_up_once(contract, run, mailoutbox):
    run(END - timedelta(days=95))
    # Down from 94 to 88 days before the end: the 90-day reminder goes out on the first day back.
    run(END - timedelta(days=87))
    assert offsets_sent(contract) == [90]
    run(END - timedelta(days=64))
    # Down for a week across the 60-day mark.
    run(END - timedelta(days=56))
    run(END - timedelta(days=55))
    assert offsets_sent(contract) == [90, 60]
    assert len(mailoutbox) == 2


def test_a_contract_created_inside_the_window_gets_only_the_current_reminder(
    customer, customer_user, run, mailoutbox
):
    today = date(2027, 1, 10)
    late = ContractFactory(
        customer=customer, start_date=date(2026, 2, 1), end_date=today + timedelta(days=20)
    )
    run(today)
    run(today + timedelta(days=1))
    assert offsets_sent(late) == [30]
    assert len(mailoutbox) == 1


def test_down_across_two_offsets_sends_only_the_latest(contract, run, mailoutbox):
    run(END - timedelta(days=100))
    run(END - timedelta(days=45))  # missed 90 and 60: one reminder, the 60-day one
    assert offsets_sent(contract) == [60]
    assert len(mailoutbox) == 1


def test_two_runs_the_same_day_send_once(contract, run, mailoutbox):
    day = END - timedelta(days=60)
    run(day)
    run(day)
    assert offsets_sent(contract) == [60]
    assert len(mailoutbox) == 1


def test_delivering_the_same_reminders_twice_sends_once(contract, mailoutbox):
    reminders = renewal_reminders_create(today=END - timedelta(days=30), offsets=[90, 60, 30])
    ids = [r.pk for r in reminders]
    assert renewal_reminders_deliver(reminder_ids=ids) == 1
    assert renewal_reminders_deliver(reminder_ids=ids) == 0
    assert len(mailoutbox) == 1


def test_a_renewed_term_is_reminded_again(contract, run, mailoutbox):
    run(END - timedelta(days=30))
    contract.end_date = END + timedelta(days=365)  # an agent extended the term: a new term end
    contract.save(update_fields=["end_date"])
    run(END + timedelta(days=365 - 30))
    assert RenewalReminder.objects.filter(contract=contract, offset_days=30).count() == 2


def test_offsets_come_from_settings(contract, run, settings):
    settings.CONTRACT_REMINDER_OFFSETS = [45, 15]
    for days_left in range(100, 0, -1):
        run(END - timedelta(days=days_left))
    assert offsets_sent(contract) == [45, 15]


def test_each_recipient_in_their_language(customer, contract, run, mailoutbox):
    # customer_user: administrator, French. A buyer contact in English. An authorised partner user in English.
    contact = member(customer, Role.BUYER, email="buyer@acme.example", language="en")
    contract.contacts.add(contact)
    partner_auth = PartnerAuthorisationFactory(customer=customer)
    UserFactory(email="rep@partner.example", partner=partner_auth.partner, language="en")
    ContractFactory(customer=customer, number="CT-700002", end_date=END, auto_renew=True, notice_days=45)
    run(END - timedelta(days=90))
    by_address = {m.to[0]: m for m in mailoutbox}
    assert set(by_address) == {"admin@acme.example", "buyer@acme.example", "rep@partner.example"}
    french = by_address["admin@acme.example"]
    assert "2 contrats arrivent à échéance" in french.subject
    assert "se renouvelle automatiquement" in french.body and "2027-05-16" in french.body
    assert "CT-700001" in french.body and "CT-700002" in french.body
    english = by_address["rep@partner.example"]
    assert "2 contracts end soon" in english.subject
    assert "renews automatically" in english.body and "expires on its end date" in english.body
    # A contact receives only the contracts they follow.
    buyer = by_address["buyer@acme.example"]
    assert "a contract ends soon" in buyer.subject
    assert "CT-700001" in buyer.body and "CT-700002" not in buyer.body
    assert "/en/contracts/renewals/" in buyer.body and "/fr/contracts/renewals/" in french.body


def test_no_one_outside_the_customer_and_no_former_contact(customer, contract, other_user, run, mailoutbox):
    former = member(customer, Role.BUYER, email="gone@acme.example")
    contract.contacts.add(former)
    Membership.objects.filter(user=former).update(is_active=False)
    revoked = PartnerAuthorisationFactory(customer=customer)
    revoked.revoked_at = revoked.granted_at
    revoked.save()
    UserFactory(email="revoked@partner.example", partner=revoked.partner)
    run(END - timedelta(days=30))
    assert [m.to for m in mailoutbox] == [["admin@acme.example"]]


def test_the_job_expires_renews_and_opens_the_window(customer, run):
    today = date(2027, 1, 10)
    ended = ContractFactory(customer=customer, end_date=today - timedelta(days=1))
    auto = ContractFactory(
        customer=customer, number="CT-AUTO", end_date=today - timedelta(days=3), auto_renew=True
    )
    noticed = ContractFactory(
        customer=customer,
        end_date=today - timedelta(days=1),
        auto_renew=True,
        non_renewal_noticed_at="2026-11-01T12:00Z",
    )
    soon = ContractFactory(
        customer=customer, start_date=date(2026, 5, 1), end_date=today + timedelta(days=80)
    )
    later = ContractFactory(
        customer=customer, start_date=date(2026, 5, 1), end_date=today + timedelta(days=200)
    )
    counts = run(today)
    assert counts["expired"] == 2 and counts["renewed"] == 1
    for obj in (ended, auto, noticed, soon, later):
        obj.refresh_from_db()
    assert ended.status == noticed.status == ContractStatus.EXPIRED
    assert auto.status == ContractStatus.RENEWED
    new = Contract.objects.get(previous=auto)
    assert (new.number, new.status, new.start_date) == (
        "CT-AUTO-2",
        ContractStatus.ACTIVE,
        auto.end_date + timedelta(days=1),
    )
    assert soon.status == ContractStatus.EXPIRING and later.status == ContractStatus.ACTIVE
    assert run(today) == {
        "renewed": 0,
        "expired": 0,
        "expiring": 0,
        "reminders": 0,
    }  # the second run finds nothing


def test_the_due_query_does_not_grow_with_contracts_not_due(customer, contract):
    day = END - timedelta(days=30)
    with CaptureQueriesContext(connection) as few:
        renewal_reminders_create(today=day, offsets=[90, 60, 30])
    RenewalReminder.objects.all().delete()
    for n in range(30):
        ContractFactory(customer=customer, end_date=END + timedelta(days=200 + n))  # far from their end
        ContractFactory(customer=customer, end_date=END, status=ContractStatus.TERMINATED)
    with CaptureQueriesContext(connection) as many:
        renewal_reminders_create(today=day, offsets=[90, 60, 30])
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as select:
        assert [c.pk for c in contracts_due_for_reminder(today=day, offsets=[90, 60, 30])] == []
    assert len(select) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_write_one_reminder(customer, customer_user, mailoutbox):
    ContractFactory(customer=customer, end_date=END)
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            barrier.wait()
            renewal_reminders_run((END - timedelta(days=30)).isoformat())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert RenewalReminder.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_mail_failure_is_retried_without_duplicates(customer, contract, mailoutbox, monkeypatch):
    member(customer, Role.ADMINISTRATOR, email="second@acme.example")
    reminders = renewal_reminders_create(today=END - timedelta(days=60), offsets=[90, 60, 30])
    ids = [r.pk for r in reminders]
    from contracts import reminders as module

    real_send = module.send_templated_email

    def flaky(**kwargs):
        if kwargs["to"] == ["second@acme.example"]:
            raise ConnectionError("relay down")
        real_send(**kwargs)

    monkeypatch.setattr(module, "send_templated_email", flaky)
    with pytest.raises(ConnectionError):
        renewal_reminders_deliver(reminder_ids=ids)
    assert [m.to for m in mailoutbox] == [["admin@acme.example"]]
    reminder = RenewalReminder.objects.get()
    assert (
        reminder.sent_at is None
        and reminder.claimed_at is None
        and reminder.recipients == "admin@acme.example"
    )
    monkeypatch.setattr(module, "send_templated_email", real_send)
    assert renewal_reminders_deliver(reminder_ids=ids) == 1  # the retry
    assert [m.to for m in mailoutbox] == [["admin@acme.example"], ["second@acme.example"]]
    reminder.refresh_from_db()
    assert reminder.sent_at is not None


def test_a_batch_claimed_by_another_worker_is_left_alone(contract, mailoutbox):
    reminders = renewal_reminders_create(today=END - timedelta(days=30), offsets=[90, 60, 30])
    RenewalReminder.objects.update(claimed_at=timezone.now())
    assert renewal_reminders_deliver(reminder_ids=[r.pk for r in reminders]) == 0
    assert mailoutbox == []


def _due_contracts(customers: int, contracts_each: int) -> None:
    """Contracts ending at END, already expiring (so the run has no status to move), each customer
    with an administrator, a partner user and a contact per contract."""
    for n in range(customers):
        customer = CustomerFactory(province="ON", language="en")
        member(customer, Role.ADMINISTRATOR, email=f"admin{n}-{contracts_each}@client.example", language="fr")
        partner = PartnerAuthorisationFactory(customer=customer).partner
        UserFactory(email=f"rep{n}-{contracts_each}@partner.example", partner=partner, language="en")
        for _ in range(contracts_each):
            ContractFactory(customer=customer, end_date=END, status=ContractStatus.EXPIRING).contacts.add(
                member(customer, Role.BUYER, language="en")
            )


@pytest.mark.django_db
def test_queries_of_the_daily_run_do_not_grow_with_the_reminders(django_capture_on_commit_callbacks):
    day = END - timedelta(days=30)
    _due_contracts(customers=1, contracts_each=1)
    with CaptureQueriesContext(connection) as one, django_capture_on_commit_callbacks() as jobs_one:
        assert renewal_reminders_run(day.isoformat())["reminders"] == 1
    RenewalReminder.objects.all().delete()
    _due_contracts(customers=4, contracts_each=5)
    with CaptureQueriesContext(connection) as twenty, django_capture_on_commit_callbacks() as jobs_twenty:
        assert renewal_reminders_run(day.isoformat())["reminders"] == 21
    # The roll, the selection, one insert of the rows, the unsent rows, one delivery job for them all.
    assert len(twenty) == len(one) and len(jobs_twenty) == len(jobs_one) == 1


@pytest.mark.django_db
def test_queries_of_a_delivery_follow_the_emails_not_the_reminders(mailoutbox):
    day = END - timedelta(days=30)
    _due_contracts(customers=1, contracts_each=1)
    with CaptureQueriesContext(connection) as one:
        ids = [r.pk for r in renewal_reminders_create(today=day, offsets=[90, 60, 30])]
        assert renewal_reminders_deliver(reminder_ids=ids) == 3  # administrator, partner user, contact
    RenewalReminder.objects.all().delete()
    mailoutbox.clear()
    _due_contracts(customers=1, contracts_each=20)
    with CaptureQueriesContext(connection) as twenty:
        ids = [r.pk for r in renewal_reminders_create(today=day, offsets=[90, 60, 30])]
        assert len(ids) == 21  # and the first customer's contract again, its reminder deleted above
        sent = renewal_reminders_deliver(reminder_ids=ids)
    # Each email writes its recipient on its reminders (one update): 3 emails for one contract; for
    # 21 contracts of two customers 2 administrators and 2 partner users, and 21 contacts.
    assert sent == len(mailoutbox) == 25
    # Twenty more reminders cost nothing more than the 22 more emails: one write each.
    assert len(twenty) - len(one) == sent - 3
    assert "20 contrats" in {m.to[0]: m.subject for m in mailoutbox}["admin0-20@client.example"]

"""Status moves, billing schedules, renewals, notices, renewal requests and documents."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts import services
from contracts.models import (
    TRANSITIONS,
    BillingFrequency,
    Contract,
    ContractEvent,
    ContractStatus,
    RenewalRequestStatus,
)
from tests.contracts.factories import ContractFactory, EntitlementFactory
from tests.factories import UserFactory

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def actor(db):
    return UserFactory(is_staff=True)


# Status machine ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ContractStatus.values)
@pytest.mark.parametrize("target", ContractStatus.values)
def test_every_status_move_follows_the_table(customer, actor, source, target):
    contract = ContractFactory(customer=customer, status=source)
    if target in TRANSITIONS[source]:
        services.contract_transition(contract=contract, to=target, actor=actor, note="why")
        contract.refresh_from_db()
        assert contract.status == target
        event = ContractEvent.objects.get(contract=contract)
        assert (event.from_status, event.to_status, event.actor, event.note) == (source, target, actor, "why")
    else:
        with pytest.raises(ValidationError) as exc:
            services.contract_transition(contract=contract, to=target, actor=actor)
        assert exc.value.code == "bad_transition"
        contract.refresh_from_db()
        assert contract.status == source
        assert not ContractEvent.objects.filter(contract=contract).exists()


def test_final_statuses_have_no_way_out():
    assert TRANSITIONS[ContractStatus.TERMINATED] == set()
    assert TRANSITIONS[ContractStatus.RENEWED] == set()


def test_activation_lays_out_the_billing_schedule(customer, actor):
    contract = services.contract_create(
        actor=actor,
        number="CT-1",
        customer=customer,
        kind="hw_maintenance",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
        billing_frequency=BillingFrequency.QUARTERLY,
        amount_per_period=Decimal("300.00"),
    )
    assert contract.status == ContractStatus.DRAFT
    services.contract_activate(contract=contract, actor=actor)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    periods = list(
        contract.billing_periods.order_by("start_date").values_list("start_date", "end_date", "due_on")
    )
    assert periods == [
        (date(2026, 1, 1), date(2026, 3, 31), date(2026, 1, 1)),
        (date(2026, 4, 1), date(2026, 6, 30), date(2026, 4, 1)),
        (date(2026, 7, 1), date(2026, 9, 30), date(2026, 7, 1)),
        (date(2026, 10, 1), date(2026, 12, 31), date(2026, 10, 1)),
    ]
    assert list(ContractEvent.objects.filter(contract=contract).values_list("to_status", flat=True)) == [
        "draft",
        "active",
    ]


# Billing schedule -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "count"),
    [
        (BillingFrequency.MONTHLY, 12),
        (BillingFrequency.QUARTERLY, 4),
        (BillingFrequency.ANNUAL, 1),
        ("upfront", 1),
    ],
)
def test_schedule_has_one_period_per_frequency(customer, frequency, count):
    contract = ContractFactory(
        customer=customer, billing_frequency=frequency, amount_per_period=Decimal("100.00")
    )
    services.billing_schedule_generate(contract=contract)
    services.billing_schedule_generate(contract=contract)  # twice: nothing more
    periods = list(contract.billing_periods.order_by("start_date"))
    assert len(periods) == count
    assert all(p.amount == Decimal("100.00") for p in periods)
    assert periods[0].start_date == contract.start_date and periods[-1].end_date == contract.end_date
    for before, after in zip(periods, periods[1:], strict=False):
        assert (after.start_date - before.end_date).days == 1  # contiguous, no gap, no overlap


def test_schedule_from_a_month_end_and_a_short_last_period_prorated(customer):
    contract = ContractFactory(
        customer=customer,
        start_date=date(2028, 1, 31),
        end_date=date(2028, 4, 14),
        billing_frequency=BillingFrequency.MONTHLY,
        amount_per_period=Decimal("290.00"),
    )
    plan = services.billing_schedule_plan(contract)
    assert [(s, e) for s, e, _ in plan] == [
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2028, 3, 1), date(2028, 3, 30)),
        (date(2028, 3, 31), date(2028, 4, 14)),
    ]
    # The last period covers 15 of the 31 days of a full one (Mar 31 – Apr 30): 290 × 15 / 31.
    assert plan[-1][2] == Decimal("140.32")


# Renewal ----------------------------------------------------------------------------------------------------


def test_renewal_is_a_new_term_linked_to_the_old(customer, actor):
    old = ContractFactory(customer=customer, number="CT-500", auto_renew=True, notice_days=45)
    contact = UserFactory()
    old.contacts.add(contact)
    licence = EntitlementFactory(contract=old, quantity=10)
    new = services.contract_renew(contract=old, actor=actor, quantities={licence.pk: 14})
    old.refresh_from_db()
    assert old.status == ContractStatus.RENEWED
    assert new.previous == old and old.renewal == new
    assert (new.number, new.term_number, new.status) == ("CT-500-2", 2, ContractStatus.ACTIVE)
    assert (new.start_date, new.end_date) == (date(2027, 1, 1), date(2027, 12, 31))
    assert (new.auto_renew, new.notice_days, new.amount_per_period) == (True, 45, old.amount_per_period)
    assert list(new.contacts.all()) == [contact]
    renewed = new.entitlements.get()
    assert (renewed.quantity, renewed.renewed_from, renewed.licence_key) == (14, licence, licence.licence_key)
    assert (renewed.term_start, renewed.term_end) == (new.start_date, new.end_date)
    assert new.billing_periods.count() == 1
    third = services.contract_renew(contract=new, actor=actor, months=24)
    assert (third.number, third.end_date) == ("CT-500-3", date(2029, 12, 31))


def test_a_term_is_renewed_once(contract, actor):
    services.contract_renew(contract=contract, actor=actor)
    with pytest.raises(ValidationError):
        services.contract_renew(contract=Contract.objects.get(pk=contract.pk), actor=actor)
    assert Contract.objects.filter(previous=contract).count() == 1


def test_terminated_contract_cannot_be_renewed(contract, actor):
    services.contract_terminate(contract=contract, actor=actor, on=date(2026, 6, 30), reason="Site closed")
    with pytest.raises(ValidationError):
        services.contract_renew(contract=contract, actor=actor)


def test_termination_withdraws_the_periods_after_it(customer, actor):
    contract = ContractFactory(customer=customer, billing_frequency=BillingFrequency.MONTHLY)
    services.billing_schedule_generate(contract=contract)
    with pytest.raises(ValidationError):
        services.contract_terminate(contract=contract, actor=actor, on=date(2026, 6, 30), reason="  ")
    services.contract_terminate(contract=contract, actor=actor, on=date(2026, 6, 30), reason="Site closed")
    contract.refresh_from_db()
    assert (contract.status, contract.terminated_on) == (ContractStatus.TERMINATED, date(2026, 6, 30))
    assert contract.billing_periods.count() == 6


# Notice not to renew ----------------------------------------------------------------------------------------


def test_notice_is_accepted_until_the_deadline_inclusive(customer, customer_user):
    contract = ContractFactory(customer=customer, auto_renew=True, end_date=date(2028, 3, 30), notice_days=30)
    assert contract.cancellation_deadline == date(2028, 2, 29)
    with pytest.raises(ValidationError) as exc:
        services.contract_give_non_renewal_notice(
            contract=contract, actor=customer_user, today=date(2028, 3, 1)
        )
    assert exc.value.code == "deadline_passed"
    services.contract_give_non_renewal_notice(contract=contract, actor=customer_user, today=date(2028, 2, 29))
    contract.refresh_from_db()
    assert contract.non_renewal_noticed_by == customer_user and not contract.will_auto_renew
    with pytest.raises(ValidationError) as exc:
        services.contract_give_non_renewal_notice(
            contract=contract, actor=customer_user, today=date(2028, 2, 1)
        )
    assert exc.value.code == "already_noticed"


def test_notice_needs_an_auto_renewing_contract(contract, customer_user):
    with pytest.raises(ValidationError) as exc:
        services.contract_give_non_renewal_notice(
            contract=contract, actor=customer_user, today=date(2026, 6, 1)
        )
    assert exc.value.code == "not_auto_renew"


# Renewal requests -------------------------------------------------------------------------------------------


def test_request_keeps_only_the_quantity_changes(contract, customer_user):
    first = EntitlementFactory(contract=contract, quantity=10)
    second = EntitlementFactory(contract=contract, quantity=5)
    request = services.renewal_request_submit(
        contract=contract,
        actor=customer_user,
        po_number=" PO-77 ",
        message="Add users",
        quantities={first.pk: 12, second.pk: 5},
    )
    assert (request.po_number, request.status) == ("PO-77", RenewalRequestStatus.SUBMITTED)
    assert list(request.lines.values_list("entitlement_id", "current_quantity", "requested_quantity")) == [
        (first.pk, 10, 12)
    ]


@pytest.mark.parametrize("quantity", [0, -3, "12", 2.5])
def test_request_refuses_bad_quantities(contract, customer_user, quantity):
    licence = EntitlementFactory(contract=contract)
    with pytest.raises(ValidationError) as exc:
        services.renewal_request_submit(
            contract=contract, actor=customer_user, quantities={licence.pk: quantity}
        )
    assert exc.value.code == "bad_quantity"
    assert not contract.renewal_requests.exists()


def test_request_refuses_a_licence_of_another_contract(contract, other_contract, customer_user):
    foreign = EntitlementFactory(contract=other_contract)
    with pytest.raises(ValidationError) as exc:
        services.renewal_request_submit(contract=contract, actor=customer_user, quantities={foreign.pk: 3})
    assert exc.value.code == "unknown_entitlement"


def test_one_open_request_per_contract(contract, customer_user):
    services.renewal_request_submit(contract=contract, actor=customer_user, message="first")
    with pytest.raises(ValidationError) as exc:
        services.renewal_request_submit(contract=contract, actor=customer_user, message="second")
    assert exc.value.code == "already_requested"
    assert contract.renewal_requests.count() == 1


def test_no_request_on_a_terminated_contract(contract, customer_user, actor):
    services.contract_terminate(contract=contract, actor=actor, on=date(2026, 3, 1), reason="Closed")
    with pytest.raises(ValidationError):
        services.renewal_request_submit(contract=contract, actor=customer_user, message="please")


def test_processing_a_request_renews_with_the_quantities_asked(contract, customer_user, actor):
    licence = EntitlementFactory(contract=contract, quantity=10)
    request = services.renewal_request_submit(
        contract=contract, actor=customer_user, quantities={licence.pk: 25}
    )
    new = services.renewal_request_process(request=request, actor=actor, amount_per_period=Decimal("1500.00"))
    request.refresh_from_db()
    assert (request.status, request.renewed_contract, request.processed_by) == ("processed", new, actor)
    assert new.entitlements.get().quantity == 25 and new.amount_per_period == Decimal("1500.00")
    with pytest.raises(ValidationError):
        services.renewal_request_process(request=request, actor=actor)
    assert Contract.objects.filter(previous=contract).count() == 1


def test_declining_needs_a_reason(contract, customer_user, actor):
    request = services.renewal_request_submit(contract=contract, actor=customer_user, message="please")
    with pytest.raises(ValidationError):
        services.renewal_request_decline(request=request, actor=actor, note=" ")
    services.renewal_request_decline(request=request, actor=actor, note="Product withdrawn")
    request.refresh_from_db()
    assert (request.status, request.agent_note) == ("declined", "Product withdrawn")
    services.renewal_request_submit(
        contract=contract, actor=customer_user, message="again"
    )  # a new one may open


# Documents --------------------------------------------------------------------------------------------------


def test_a_pdf_is_stored_under_media_root(contract, actor, settings):
    document = services.contract_document_attach(
        contract=contract, upload=SimpleUploadedFile("signed contract.pdf", PDF), title="Signed", actor=actor
    )
    path = document.file.path
    assert str(path).startswith(str(settings.MEDIA_ROOT))
    assert "signed" not in document.file.name  # the stored name never comes from the user
    assert (document.original_name, document.size) == ("signed contract.pdf", len(PDF))


@pytest.mark.parametrize(
    ("name", "content"),
    [("scan.png", PNG), ("fake.pdf", b"just text, not a PDF"), ("image.pdf", PNG), ("empty.pdf", b"")],
)
def test_only_pdfs_are_accepted(contract, actor, name, content):
    with pytest.raises(ValidationError):
        services.contract_document_attach(
            contract=contract, upload=SimpleUploadedFile(name, content), title="x", actor=actor
        )
    assert not contract.documents.exists()

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from csol.core.models import Role
from csol.core.tenancy import viewer_for
from inventory.models import ChangeKind, ChangeRequest, ChangeStatus, EventKind, InventoryRecord, RecordStatus
from inventory.services import (
    change_request_approve,
    change_request_reject,
    change_request_submit,
    record_correct_serial,
    record_create,
    record_move,
    record_transition,
    record_update,
)
from tests.factories import SiteFactory, member
from tests.inventory.factories import HardwareProductFactory, RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(customer):
    return RecordFactory(customer=customer, serial_number="78ABC12")


@pytest.fixture
def second_site(customer):
    return SiteFactory(customer=customer, name="Usine de Laval", city="Laval")


def test_create_normalises_serial_and_copies_type_model(customer, agent):
    product = HardwareProductFactory(machine_type="9080", model="hex")
    record = record_create(
        customer=customer,
        site=customer.sites.first(),
        product=product,
        serial_number=" 78 abc12 ",
        actor=agent,
    )
    assert (record.serial_number, record.machine_type, record.model) == ("78ABC12", "9080", "HEX")
    assert record.events.get().kind == EventKind.CREATED


def test_serial_unique_per_machine_type(customer, record, agent):
    with pytest.raises(ValidationError):
        record_create(
            customer=customer, site=record.site, product=record.product, serial_number="78abc12", actor=agent
        )
    # The same serial under another machine type is another machine.
    other_type = HardwareProductFactory(machine_type="2078", model="24C")
    record_create(
        customer=customer, site=record.site, product=other_type, serial_number="78ABC12", actor=agent
    )


def test_database_refuses_lower_case_serial(customer, record):
    with pytest.raises(IntegrityError), transaction.atomic():
        InventoryRecord.objects.filter(pk=record.pk).update(serial_number="78abc12")


def test_create_refuses_another_customers_site(customer, other_customer, agent):
    with pytest.raises(ValidationError):
        record_create(
            customer=customer,
            site=other_customer.sites.first(),
            product=HardwareProductFactory(),
            actor=agent,
        )


def test_move_keeps_history(record, second_site, agent):
    record_move(record=record, site=second_site, actor=agent, note="New plant")
    record.refresh_from_db()
    assert record.site == second_site
    assert record.status == RecordStatus.MOVED
    event = record.events.get()
    assert (event.kind, event.from_value, event.to_value, event.actor, event.note) == (
        EventKind.MOVED,
        "Siège",
        "Usine de Laval",
        agent,
        "New plant",
    )


def test_transitions_are_checked(record, agent):
    record_transition(record=record, to=RecordStatus.DECOMMISSIONED, actor=agent)
    with pytest.raises(ValidationError):
        record_transition(record=record, to=RecordStatus.MOVED, actor=agent)
    record_transition(record=record, to=RecordStatus.INSTALLED, actor=agent)  # reinstated by an agent
    assert [e.to_display for e in record.events.order_by("at", "id")] == [
        RecordStatus.DECOMMISSIONED.label,
        RecordStatus.INSTALLED.label,
    ]


def test_correct_serial_records_old_value(record, agent):
    record_correct_serial(record=record, serial_number="78abc21", actor=agent)
    record.refresh_from_db()
    assert record.serial_number == "78ABC21"
    event = record.events.get()
    assert (event.kind, event.from_value, event.to_value) == (EventKind.SERIAL, "78ABC12", "78ABC21")


def test_malformed_serial_is_refused(record, agent):
    with pytest.raises(ValidationError):
        record_correct_serial(record=record, serial_number="78ABC#12", actor=agent)


# --- Change requests ------------------------------------------------------------------------------


def test_administrator_reports_a_move_applied_only_on_approval(record, second_site, customer_user, agent):
    viewer = viewer_for(customer_user)
    change = change_request_submit(
        viewer=viewer, record=record, kind=ChangeKind.MOVE, new_site=second_site, message="Moved in March"
    )
    record.refresh_from_db()
    assert record.site != second_site  # nothing applied yet
    assert change.status == ChangeStatus.PENDING and change.customer_id == record.customer_id

    change_request_approve(change=change, actor=agent, note="Checked with the site")
    record.refresh_from_db()
    change.refresh_from_db()
    assert record.site == second_site
    assert record.status == RecordStatus.MOVED
    assert (change.status, change.decided_by, change.decision_note) == (
        ChangeStatus.APPROVED,
        agent,
        "Checked with the site",
    )
    event = record.events.get()
    assert event.change_request == change and event.actor == agent
    assert "Moved in March" in event.note


def test_rejected_change_leaves_record_untouched(record, customer_user, agent):
    change = change_request_submit(
        viewer=viewer_for(customer_user), record=record, kind=ChangeKind.DECOMMISSION, message="Scrapped"
    )
    change_request_reject(change=change, actor=agent, note="Still under contract at that site")
    record.refresh_from_db()
    assert record.status == RecordStatus.INSTALLED
    assert not record.events.exists()
    with pytest.raises(ValidationError):
        change_request_approve(change=change, actor=agent)  # already decided


def test_serial_correction_and_decommission_flows(record, customer_user, agent):
    viewer = viewer_for(customer_user)
    change = change_request_submit(
        viewer=viewer,
        record=record,
        kind=ChangeKind.SERIAL,
        new_serial_number="78abc21",
        message="Typo on the label",
    )
    assert change.new_serial_number == "78ABC21"
    change_request_approve(change=change, actor=agent)
    change = change_request_submit(
        viewer=viewer, record=record, kind=ChangeKind.DECOMMISSION, message="Retired"
    )
    change_request_approve(change=change, actor=agent)
    record.refresh_from_db()
    assert (record.serial_number, record.status) == ("78ABC21", RecordStatus.DECOMMISSIONED)
    assert record.events.count() == 2


def test_one_pending_change_per_record(record, customer_user):
    viewer = viewer_for(customer_user)
    change_request_submit(viewer=viewer, record=record, kind=ChangeKind.DECOMMISSION, message="Retired")
    with pytest.raises(ValidationError):
        change_request_submit(viewer=viewer, record=record, kind=ChangeKind.DECOMMISSION, message="Again")


def test_change_request_validation(record, customer_user, other_customer):
    viewer = viewer_for(customer_user)
    with pytest.raises(ValidationError) as exc:
        change_request_submit(viewer=viewer, record=record, kind=ChangeKind.MOVE, message="x")
    assert "new_site" in exc.value.error_dict
    with pytest.raises(ValidationError):
        change_request_submit(
            viewer=viewer,
            record=record,
            kind=ChangeKind.MOVE,
            new_site=other_customer.sites.first(),
            message="x",
        )
    with pytest.raises(ValidationError):
        change_request_submit(
            viewer=viewer, record=record, kind=ChangeKind.SERIAL, new_serial_number="", message="x"
        )
    with pytest.raises(ValidationError):
        change_request_submit(viewer=viewer, record=record, kind=ChangeKind.DECOMMISSION, message="  ")
    assert not ChangeRequest.objects.exists()


def test_only_administrators_report_changes(record, customer):
    buyer = member(customer, Role.BUYER, email="buyer@acme.example")
    with pytest.raises(PermissionDenied):
        change_request_submit(
            viewer=viewer_for(buyer), record=record, kind=ChangeKind.DECOMMISSION, message="x"
        )


def test_approval_fails_cleanly_when_serial_was_taken_meanwhile(customer, record, customer_user, agent):
    change = change_request_submit(
        viewer=viewer_for(customer_user),
        record=record,
        kind=ChangeKind.SERIAL,
        new_serial_number="78ZZZ00",
        message="Label",
    )
    RecordFactory(customer=customer, product=record.product, serial_number="78ZZZ00")
    with pytest.raises(ValidationError):
        change_request_approve(change=change, actor=agent)
    change.refresh_from_db()
    record.refresh_from_db()
    assert change.status == ChangeStatus.PENDING  # the decision rolled back with the change
    assert record.serial_number == "78ABC12"


# --- Agents' edits --------------------------------------------------------------------------------


def test_record_update_writes_one_event_per_change(record, second_site, agent):
    record_update(
        record=record,
        actor=agent,
        changes={"site": second_site, "warranty_end": datetime.date(2027, 1, 31), "serial_number": "78abc99"},
    )
    record.refresh_from_db()
    assert (record.site, record.warranty_end, record.serial_number) == (
        second_site,
        datetime.date(2027, 1, 31),
        "78ABC99",
    )
    assert sorted(record.events.values_list("kind", flat=True)) == sorted(
        [EventKind.MOVED, EventKind.EDITED, EventKind.SERIAL]
    )


def test_record_update_checks_transitions(record, agent):
    record_update(record=record, actor=agent, changes={"status": RecordStatus.DECOMMISSIONED})
    with pytest.raises(ValidationError):
        record_update(record=record, actor=agent, changes={"status": RecordStatus.MOVED})

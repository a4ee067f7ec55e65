"""Submitting, routing, status moves, the SLA clock and its pauses, conversation rules."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from csol.servicedesk import services
from csol.servicedesk.models import Category, Desk, EventKind, RequestEvent, Status
from tests.servicedesk.factories import make_request

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")


def at(*args):
    return datetime(*args, tzinfo=TORONTO)


def test_references_are_sequential_per_year(customer, customer_user):
    first = make_request(customer, customer_user, now=at(2026, 3, 2, 9))
    second = make_request(customer, customer_user, now=at(2026, 3, 2, 10))
    next_year = make_request(customer, customer_user, now=at(2027, 1, 4, 9))
    assert (first.reference, second.reference) == ("SR-2026-000001", "SR-2026-000002")
    assert next_year.reference == "SR-2027-000001"


@pytest.mark.parametrize(
    ("category", "desk"),
    [
        (Category.BILLING, Desk.BILLING),
        (Category.ORDER_STATUS, Desk.ORDERS),
        (Category.CONTRACT, Desk.CONTRACTS),
        (Category.INVENTORY, Desk.ORDERS),
        (Category.LICENCE, Desk.CONTRACTS),
        (Category.PAYMENT, Desk.COLLECTIONS),
        (Category.GENERAL, Desk.SERVICE),
    ],
)
def test_category_routes_to_desk(customer, customer_user, category, desk):
    assert make_request(customer, customer_user, category=category).desk == desk


def test_targets_use_the_customers_province(customer, customer_user):
    # Quebec customer, Tuesday 23 June 10:00: Saint-Jean-Baptiste does not count.
    sr = make_request(customer, customer_user, category=Category.ORDER_STATUS, now=at(2026, 6, 23, 10))
    assert sr.first_response_due == at(2026, 6, 25, 10)
    # Order status: two business days → Friday 26 June 10:00.
    assert sr.resolution_due == at(2026, 6, 26, 10)
    assert sr.status == Status.NEW
    assert RequestEvent.objects.filter(request=sr, kind=EventKind.CREATED, actor=customer_user).exists()


def test_waiting_on_customer_pauses_the_clock(other_customer, other_user, agent):
    # Ontario, billing (5 business days): Monday 8 June 9:00 → due Monday 15 June 9:00.
    sr = make_request(other_customer, other_user, category=Category.BILLING, now=at(2026, 6, 8, 9))
    assert sr.resolution_due == at(2026, 6, 15, 9)
    services.service_request_reply(
        service_request=sr, author=agent, body="Which line?", now=at(2026, 6, 9, 9)
    )
    sr = services.service_request_transition(
        service_request=sr, to=Status.WAITING, actor=agent, now=at(2026, 6, 9, 9)
    )
    assert sr.paused_at == at(2026, 6, 9, 9)
    assert not sr.is_overdue(now=at(2026, 6, 16))  # paused: never overdue
    # The customer answers the next Monday 9:00: four business days passed while waiting.
    services.service_request_reply(
        service_request=sr, author=other_user, body="Line 3.", now=at(2026, 6, 15, 9)
    )
    sr.refresh_from_db()
    assert sr.status == Status.ASSIGNED
    assert sr.paused_at is None
    assert sr.resolution_due == at(2026, 6, 19, 9)
    assert not sr.is_overdue(now=at(2026, 6, 18, 17))
    assert sr.is_overdue(now=at(2026, 6, 19, 10))


def test_first_response_clock_stops_on_public_reply_not_on_internal_note(customer, customer_user, agent):
    sr = make_request(customer, customer_user, now=at(2026, 6, 1, 9))
    services.service_request_reply(
        service_request=sr, author=agent, body="Check the contract", internal=True, now=at(2026, 6, 1, 10)
    )
    sr.refresh_from_db()
    assert sr.first_responded_at is None
    assert sr.status == Status.NEW
    assert sr.is_overdue(now=at(2026, 6, 2, 10))
    services.service_request_reply(service_request=sr, author=agent, body="Hello", now=at(2026, 6, 2, 11))
    sr.refresh_from_db()
    assert sr.first_responded_at == at(2026, 6, 2, 11)
    assert sr.status == Status.ASSIGNED
    assert sr.assigned_agent == agent


def test_customers_cannot_write_internal_notes(customer, customer_user):
    sr = make_request(customer, customer_user)
    with pytest.raises(PermissionDenied):
        services.service_request_reply(service_request=sr, author=customer_user, body="x", internal=True)


def test_transitions_are_data_and_checked(customer, customer_user, agent):
    sr = make_request(customer, customer_user)
    with pytest.raises(ValidationError):
        services.service_request_transition(service_request=sr, to=Status.RESOLVED, actor=customer_user)
    with pytest.raises(ValidationError):
        services.service_request_transition(service_request=sr, to=Status.WAITING, actor=customer_user)
    sr = services.service_request_transition(service_request=sr, to=Status.CLOSED, actor=customer_user)
    assert sr.status == Status.CLOSED
    with pytest.raises(ValidationError):
        services.service_request_transition(service_request=sr, to=Status.NEW, actor=agent)
    event = RequestEvent.objects.filter(request=sr, kind=EventKind.STATUS).get()
    assert (event.old_value, event.new_value, event.actor) == (Status.NEW, Status.CLOSED, customer_user)


def test_reopen_within_fourteen_days_by_the_requester_only(customer, customer_user, agent):
    colleague = customer_user.__class__.objects.create_user("colleague@acme.example", "x")
    sr = make_request(customer, customer_user, now=at(2026, 6, 1, 9))
    services.service_request_transition(
        service_request=sr, to=Status.RESOLVED, actor=agent, now=at(2026, 6, 2, 9)
    )
    with pytest.raises(PermissionDenied):
        services.service_request_transition(
            service_request=sr, to=Status.ASSIGNED, actor=colleague, now=at(2026, 6, 3, 9)
        )
    sr = services.service_request_transition(
        service_request=sr, to=Status.ASSIGNED, actor=customer_user, now=at(2026, 6, 16, 8)
    )
    assert sr.status == Status.ASSIGNED
    assert sr.resolved_at is None
    # A fresh resolution target from the reopening (general: five business days).
    assert sr.resolution_due == at(2026, 6, 23, 8)


def test_reopen_refused_after_fourteen_days(customer, customer_user, agent):
    sr = make_request(customer, customer_user, now=at(2026, 6, 1, 9))
    services.service_request_transition(
        service_request=sr, to=Status.RESOLVED, actor=agent, now=at(2026, 6, 2, 9)
    )
    services.service_request_transition(
        service_request=sr, to=Status.CLOSED, actor=customer_user, now=at(2026, 6, 3, 9)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.service_request_transition(
            service_request=sr, to=Status.ASSIGNED, actor=customer_user, now=at(2026, 6, 16, 9, 1)
        )
    assert excinfo.value.code == "reopen_window"


def test_assign_moves_new_request_and_records_events(customer, customer_user, agent):
    sr = make_request(customer, customer_user)
    sr = services.service_request_assign(service_request=sr, agent=agent, desk=Desk.BILLING, actor=agent)
    assert (sr.status, sr.desk, sr.assigned_agent) == (Status.ASSIGNED, Desk.BILLING, agent)
    sr = services.service_request_set_priority(service_request=sr, priority="urgent", actor=agent)
    assert sr.priority == "urgent"
    kinds = list(RequestEvent.objects.filter(request=sr).values_list("kind", flat=True))
    assert kinds == [EventKind.CREATED, EventKind.ASSIGNMENT, EventKind.STATUS, EventKind.PRIORITY]
    with pytest.raises(ValidationError):
        services.service_request_assign(
            service_request=sr, agent=customer_user, desk=Desk.BILLING, actor=agent
        )


def test_closed_request_takes_no_reply(customer, customer_user):
    sr = make_request(customer, customer_user)
    services.service_request_transition(service_request=sr, to=Status.CLOSED, actor=customer_user)
    with pytest.raises(ValidationError):
        services.service_request_reply(service_request=sr, author=customer_user, body="Hello?")


def test_overdue_queryset_matches_the_property(customer, customer_user):
    from csol.servicedesk.models import ServiceRequest

    sr = make_request(customer, customer_user, now=at(2026, 6, 1, 9))
    assert list(ServiceRequest.objects.overdue(now=at(2026, 6, 2, 8))) == []
    assert list(ServiceRequest.objects.overdue(now=at(2026, 6, 2, 10))) == [sr]
    assert sr.is_overdue(now=at(2026, 6, 2, 10))
    assert not sr.is_overdue(now=at(2026, 6, 2, 8))

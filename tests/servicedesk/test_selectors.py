"""Reads: who sees which request, counts for the dashboard and the desk tabs, the PostgreSQL counter."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from csol.core.models import PartnerAuthorisation
from csol.core.tenancy import viewer_for
from csol.servicedesk import selectors, services
from csol.servicedesk.models import Category, ServiceRequest, Status
from tests.factories import CustomerFactory, PartnerAuthorisationFactory, SiteFactory
from tests.servicedesk.factories import make_request

pytestmark = pytest.mark.django_db


def test_visibility_rules(
    customer, customer_user, colleague, other_customer, other_user, partner_user, agent
):
    own = make_request(customer, colleague)
    boss = make_request(customer, customer_user)
    by_partner = make_request(other_customer, partner_user)
    by_other = make_request(other_customer, other_user)

    def visible(user):
        return set(ServiceRequest.objects.visible_to(viewer_for(user)))

    assert visible(colleague) == {own}
    assert visible(customer_user) == {own, boss}
    assert visible(other_user) == {by_partner, by_other}
    # A partner sees what its firm submitted for customers it may still act for, nothing else.
    assert visible(partner_user) == {by_partner}
    assert visible(agent) == {own, boss, by_partner, by_other}


def test_partner_loses_sight_when_the_scope_or_the_period_ends(other_customer, partner_user):
    sr = make_request(other_customer, partner_user)
    authorisation = PartnerAuthorisation.objects.get()
    authorisation.can_service_requests = False
    authorisation.save()
    assert not ServiceRequest.objects.visible_to(viewer_for(partner_user)).exists()
    authorisation.can_service_requests = True
    authorisation.valid_to = timezone.localdate() - timedelta(days=1)
    authorisation.valid_from = authorisation.valid_to - timedelta(days=30)
    authorisation.save()
    assert not ServiceRequest.objects.visible_to(viewer_for(partner_user)).exists()
    assert sr.pk  # the request itself stays, for the customer and the agents


def test_partner_acting_for_one_customer_sees_only_that_ones(partner, partner_user, other_customer):
    third = CustomerFactory()
    SiteFactory(customer=third)
    PartnerAuthorisationFactory(partner=partner, customer=third)
    a = make_request(other_customer, partner_user)
    b = make_request(third, partner_user)
    assert set(ServiceRequest.objects.visible_to(viewer_for(partner_user))) == {a, b}
    assert set(ServiceRequest.objects.visible_to(viewer_for(partner_user, third.pk))) == {b}


def test_dashboard_and_desk_counts(customer, customer_user, agent):
    now = timezone.now()
    late = make_request(customer, customer_user, category=Category.BILLING, now=now - timedelta(days=10))
    waiting = make_request(customer, customer_user, category=Category.BILLING)
    services.service_request_transition(service_request=waiting, to=Status.WAITING, actor=agent)
    done = make_request(customer, customer_user, category=Category.GENERAL)
    services.service_request_transition(service_request=done, to=Status.CLOSED, actor=customer_user)
    assert selectors.dashboard_counts(viewer=viewer_for(customer_user)) == {"open": 2, "waiting": 1}
    assert selectors.dashboard_counts(viewer=viewer_for(agent)) == {"open": 2, "mine": 0, "overdue": 1}
    tabs = {row["desk"]: (row["open"], row["overdue"]) for row in selectors.desk_counts()}
    assert tabs["billing"] == (2, 1) and tabs["service"] == (0, 0)
    assert late.is_overdue()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_references_stay_gap_free_under_concurrency(customer, customer_user):
    errors = []

    def submit():
        try:
            make_request(customer, customer_user)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(int(ref[-6:]) for ref in ServiceRequest.objects.values_list("reference", flat=True))
    assert numbers == list(range(1, 9))

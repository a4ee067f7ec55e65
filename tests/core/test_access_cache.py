"""The tenancy cache: a request reads the user's access without a query, and sees any change at once."""

import pytest
from django.utils import timezone

from csol.core.models import Membership, Role, User
from csol.core.tenancy import viewer_for
from tests.factories import member

pytestmark = pytest.mark.django_db


def request_viewer(user, active_customer_id=None):
    """A viewer as the middleware builds it: the user row read again, as on every request."""
    return viewer_for(User.objects.get(pk=user.pk), active_customer_id, cached=True)


def test_second_request_reads_access_without_a_query(customer_user, customer, django_assert_num_queries):
    assert request_viewer(customer_user).customer_ids() == [customer.id]
    fresh = User.objects.get(pk=customer_user.pk)
    with django_assert_num_queries(0):
        viewer = viewer_for(fresh, cached=True)
        assert viewer.customer_ids() == [customer.id]
        assert viewer.active_customer.number == customer.number


def test_new_membership_is_seen_on_the_next_request(customer_user, customer, other_customer):
    assert request_viewer(customer_user).selectable_customer_ids() == [customer.id]
    Membership.objects.create(user=customer_user, customer=other_customer, role=Role.VIEWER)
    viewer = request_viewer(customer_user, other_customer.id)
    assert viewer.selectable_customer_ids() == sorted([customer.id, other_customer.id])
    assert viewer.customer_ids() == [other_customer.id]


def test_role_change_and_deactivation_are_seen_on_the_next_request(customer, other_customer):
    user = member(customer, Role.BUYER)
    assert request_viewer(user).can("order")
    membership = user.memberships.get()
    membership.role = Role.VIEWER
    membership.save()
    assert not request_viewer(user).can("order")
    membership.is_active = False
    membership.save()
    assert request_viewer(user).customer_ids() == []


def test_closed_customer_disappears_for_its_members(customer_user, customer):
    assert request_viewer(customer_user).customer_ids() == [customer.id]
    customer.status = "closed"
    customer.save()
    assert request_viewer(customer_user).customer_ids() == []


def test_renamed_customer_shows_its_new_name(customer_user, customer):
    assert request_viewer(customer_user).active_customer.legal_name == "Acme Québec inc."
    customer.legal_name = "Acme Québec ltée"
    customer.save()
    assert request_viewer(customer_user).active_customer.legal_name == "Acme Québec ltée"


def test_revoked_partner_authorisation_is_seen_on_the_next_request(partner_user, other_customer):
    assert request_viewer(partner_user).customer_ids() == [other_customer.id]
    authorisation = partner_user.partner.authorisations.get()
    authorisation.revoked_at = timezone.now()
    authorisation.save()
    assert request_viewer(partner_user).customer_ids() == []


def test_deleted_membership_is_seen_on_the_next_request(customer_user, customer):
    assert request_viewer(customer_user).customer_ids() == [customer.id]
    customer_user.memberships.all().delete()
    assert request_viewer(customer_user).customer_ids() == []


def test_page_costs_no_membership_query_once_cached(customer_client, customer):
    """Through the middleware: the second page view reads session and user only, then the page's own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    customer_client.get("/en/orders/")
    with CaptureQueriesContext(connection) as queries:
        assert customer_client.get("/en/orders/").status_code == 200
    assert not any("core_membership" in query["sql"] for query in queries.captured_queries)


def test_bulk_updates_are_seen_on_the_next_request(customer, other_customer):
    """QuerySet.update() sends no signal: the querysets of these rows tell the cache themselves."""
    user = member(customer, Role.BUYER)
    assert request_viewer(user).can("order")
    Membership.objects.filter(user=user).update(role=Role.VIEWER)
    assert not request_viewer(user).can("order")
    other = member(other_customer, Role.BUYER, email="moved@example.com")
    other.memberships.update(user=user)  # moved to `user`: its access changes too
    assert request_viewer(user).selectable_customer_ids() == sorted([customer.id, other_customer.id])
    type(customer).objects.filter(pk=customer.pk).update(status="closed")
    assert request_viewer(user).selectable_customer_ids() == [other_customer.id]

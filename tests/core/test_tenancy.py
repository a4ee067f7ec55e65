"""The tenancy primitive: who sees which customers."""

import datetime

import pytest
from django.utils import timezone

from csol.core.models import Role, Scope
from csol.core.tenancy import viewer_for
from tests.factories import CustomerFactory, PartnerAuthorisationFactory, PartnerFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_customer_user_sees_only_its_active_customer(customer, customer_user, other_customer):
    viewer = viewer_for(customer_user)
    assert viewer.customer_ids() == [customer.id]
    assert other_customer.id not in viewer.selectable_customer_ids()


def test_user_in_two_customers_sees_one_at_a_time(customer, other_customer):
    user = member(customer, Role.BUYER)
    member(other_customer, Role.VIEWER, email="x@example.com").memberships.update(user=user)
    viewer = viewer_for(user, active_customer_id=other_customer.id)
    assert viewer.customer_ids() == [other_customer.id]
    assert viewer.can("view") and not viewer.can("order")
    assert viewer_for(user, active_customer_id=customer.id).can("order")


def test_active_customer_outside_memberships_is_ignored(customer_user, other_customer, customer):
    viewer = viewer_for(customer_user, active_customer_id=other_customer.id)
    assert viewer.customer_ids() == [customer.id]


def test_partner_sees_authorised_customers_within_scope(partner_user, other_customer, customer):
    viewer = viewer_for(partner_user)
    assert viewer.customer_ids() == [other_customer.id]
    assert viewer.customer_ids(Scope.ORDER) == [other_customer.id]
    assert customer.id not in viewer.customer_ids()
    assert not viewer.can("pay", other_customer.id)  # partners never handle a customer's payments
    assert not viewer.can("manage_users", other_customer.id)


def test_partner_without_order_scope_cannot_order():
    partner = PartnerFactory()
    customer = CustomerFactory()
    PartnerAuthorisationFactory(partner=partner, customer=customer, can_order=False)
    viewer = viewer_for(UserFactory(partner=partner))
    assert viewer.customer_ids(Scope.VIEW) == [customer.id]
    assert viewer.customer_ids(Scope.ORDER) == []
    assert not viewer.can("order", customer.id)


def test_revoked_authorisation_takes_effect_at_once(partner_user, other_customer):
    partner_user.partner.authorisations.update(revoked_at=timezone.now())
    assert viewer_for(partner_user).customer_ids() == []


def test_expired_and_future_authorisations_give_nothing(partner_user, other_customer):
    today = timezone.localdate()
    auth = partner_user.partner.authorisations.get()
    auth.valid_from, auth.valid_to = today - datetime.timedelta(days=30), today - datetime.timedelta(days=1)
    auth.save()
    assert viewer_for(partner_user).customer_ids() == []
    auth.valid_from, auth.valid_to = today + datetime.timedelta(days=1), None
    auth.save()
    assert viewer_for(partner_user).customer_ids() == []


def test_authorisation_valid_through_its_last_day(partner_user, other_customer):
    auth = partner_user.partner.authorisations.get()
    auth.valid_to = timezone.localdate()
    auth.save()
    assert viewer_for(partner_user).customer_ids() == [other_customer.id]


def test_agent_sees_everything(agent):
    assert viewer_for(agent).customer_ids() is None


def test_deactivated_membership_sees_nothing(customer_user):
    customer_user.memberships.update(is_active=False)
    assert viewer_for(customer_user).customer_ids() == []


def test_closed_customer_is_not_visible(customer, customer_user):
    customer.status = "closed"
    customer.save()
    assert viewer_for(customer_user).customer_ids() == []

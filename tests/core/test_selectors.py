"""Recipients of many customers read at once are those of each customer read alone."""

import pytest
from django.utils import timezone

from csol.core.models import Membership, Role
from csol.core.selectors import (
    customer_contacts,
    customer_partner_contacts,
    customers_contacts,
    customers_partner_contacts,
)
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    PartnerAuthorisationFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db


def test_contacts_of_many_customers_match_each_customers(customer, customer_user, other_customer, other_user):
    roles = [Role.ADMINISTRATOR, Role.ACCOUNTS_PAYABLE]
    member(customer, Role.ACCOUNTS_PAYABLE, email="ap@acme.example")
    member(customer, Role.BUYER, email="buyer@acme.example")  # not in the roles
    left = member(customer, Role.ADMINISTRATOR, email="left@acme.example")
    Membership.objects.filter(user=left).update(is_active=False)
    member(customer, Role.ADMINISTRATOR, email="disabled@acme.example", is_active=False)
    both = member(other_customer, Role.ACCOUNTS_PAYABLE, email="both@shared.example")
    MembershipFactory(user=both, customer=customer, role=Role.ADMINISTRATOR)
    nobody = CustomerFactory()

    many = customers_contacts(customer_ids=[customer.pk, other_customer.pk, nobody.pk], roles=roles)

    for one in (customer, other_customer):
        assert [u.email for u in many[one.pk]] == [
            u.email for u in customer_contacts(customer=one, roles=roles)
        ]
    assert [u.email for u in many[customer.pk]] == [
        "admin@acme.example",
        "ap@acme.example",
        "both@shared.example",
    ]
    assert nobody.pk not in many


def test_partner_contacts_of_many_customers_match_each_customers(customer, other_customer, partner_user):
    in_force = PartnerAuthorisationFactory(customer=customer)
    UserFactory(email="rep@one.example", partner=in_force.partner)
    UserFactory(email="gone@one.example", partner=in_force.partner, is_active=False)
    revoked = PartnerAuthorisationFactory(customer=customer, revoked_at=timezone.now())
    UserFactory(email="rep@revoked.example", partner=revoked.partner)

    many = customers_partner_contacts(customer_ids=[customer.pk, other_customer.pk])

    for one in (customer, other_customer):
        assert [u.email for u in many[one.pk]] == [u.email for u in customer_partner_contacts(customer=one)]
    assert [u.email for u in many[customer.pk]] == ["rep@one.example"]
    assert [u.email for u in many[other_customer.pk]] == ["partner@maple.example"]

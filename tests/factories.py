"""Factories for the shared core. Domain apps keep theirs in tests/<app>/factories.py."""

import factory
from django.utils import timezone

from csol.core.models import Customer, Membership, Partner, PartnerAuthorisation, Role, Site, User

PASSWORD = "a-Long-test-passw0rd"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    number = factory.Sequence(lambda n: f"C-{200000 + n}")
    legal_name = factory.Sequence(lambda n: f"Customer {n} Ltd.")
    province = "ON"
    language = factory.LazyAttribute(lambda c: "fr" if c.province == "QC" else "en")
    credit_limit = 100000


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    street = "100 King Street West"
    city = "Toronto"
    province = factory.LazyAttribute(lambda s: s.customer.province)
    postal_code = "M5X 1A9"
    is_bill_to = True
    is_ship_to = True
    is_installed_at = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"User {n}")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    customer = factory.SubFactory(CustomerFactory)
    role = Role.ADMINISTRATOR


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    number = factory.Sequence(lambda n: f"P-{6000 + n}")
    name = factory.Sequence(lambda n: f"Partner {n} Inc.")


class PartnerAuthorisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerAuthorisation

    partner = factory.SubFactory(PartnerFactory)
    customer = factory.SubFactory(CustomerFactory)
    can_order = True
    can_service_requests = True
    valid_from = factory.LazyFunction(timezone.localdate)


def member(customer=None, role=Role.ADMINISTRATOR, **user_fields):
    """A user with one active membership in `customer` (a new one by default)."""
    customer = customer or CustomerFactory()
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, customer=customer, role=role)
    return user

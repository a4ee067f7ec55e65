"""Reads on the shared core, used by every domain app."""

from django.contrib.auth import get_user_model

from csol.core.models import Customer, Membership, PartnerAuthorisation


def customer_contacts(*, customer: Customer, roles) -> list:
    """Active users of the customer holding one of the roles (email recipients)."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True, memberships__customer=customer, memberships__is_active=True, memberships__role__in=roles
        )
        .distinct()
        .order_by("email")
    )


def customer_partner_contacts(*, customer: Customer) -> list:
    """Active users of the partners authorised today for the customer."""
    partner_ids = PartnerAuthorisation.objects.in_force().filter(customer=customer).values("partner_id")
    return list(get_user_model().objects.filter(is_active=True, partner_id__in=partner_ids).order_by("email"))


def customer_members(*, customer: Customer):
    return Membership.objects.filter(customer=customer).select_related("user").order_by("user__email")

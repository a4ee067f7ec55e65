"""Reads on the shared core, used by every domain app."""

from django.conf import settings
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


def desk_recipients(*, desk: str) -> list[tuple[str, str]]:
    """(email, language) of whoever is told about a desk's new work.

    The desk's shared mailbox when one is configured (`CSOL_DESK_EMAILS`), else the active agents of
    the desk's group, each in their language; with neither, the supplier's address, so nothing is lost.
    """
    from csol.core.services.desks import DESK_GROUP_NAMES

    address = settings.CSOL_DESK_EMAILS.get(desk, "").strip()
    if address:
        return [(address.lower(), settings.LANGUAGE_CODE)]
    agents = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=DESK_GROUP_NAMES[desk])
        .exclude(email="")
        .distinct()
        .order_by("email")
    )
    recipients = [(agent.email.lower(), agent.language or settings.LANGUAGE_CODE) for agent in agents]
    return recipients or [(settings.CSOL_SUPPLIER["email"].lower(), settings.LANGUAGE_CODE)]

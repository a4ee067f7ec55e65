"""Reads on the shared core, used by every domain app."""

from django.conf import settings
from django.contrib.auth import get_user_model

from csol.core.models import Customer, Membership, PartnerAuthorisation


def customer_contacts(*, customer: Customer, roles) -> list:
    """Active users of the customer holding one of the roles (email recipients)."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__customer=customer,
            memberships__is_active=True,
            memberships__role__in=roles,
        )
        .distinct()
        .order_by("email")
    )


def customers_contacts(*, customer_ids, roles) -> dict[int, list]:
    """`customer_contacts` of many customers in one query: customer id → its users, by email."""
    contacts: dict[int, list] = {}
    seen = set()
    memberships = (
        Membership.objects.filter(
            customer_id__in=list(customer_ids), is_active=True, role__in=roles, user__is_active=True
        )
        .select_related("user")
        .order_by("user__email", "id")
    )
    for membership in memberships:
        if (membership.customer_id, membership.user_id) not in seen:
            seen.add((membership.customer_id, membership.user_id))
            contacts.setdefault(membership.customer_id, []).append(membership.user)
    return contacts


def customer_partner_contacts(*, customer: Customer) -> list:
    """Active users of the partners authorised today for the customer."""
    partner_ids = PartnerAuthorisation.objects.in_force().filter(customer=customer).values("partner_id")
    return list(get_user_model().objects.filter(is_active=True, partner_id__in=partner_ids).order_by("email"))


def customers_partner_contacts(*, customer_ids) -> dict[int, list]:
    """`customer_partner_contacts` of many customers (two queries): customer id → partner users, by email."""
    partners: dict[int, set] = {}
    for customer_id, partner_id in (
        PartnerAuthorisation.objects.in_force()
        .filter(customer_id__in=list(customer_ids))
        .values_list("customer_id", "partner_id")
    ):
        partners.setdefault(customer_id, set()).add(partner_id)
    every_partner = set().union(*partners.values())
    users = list(
        get_user_model().objects.filter(is_active=True, partner_id__in=every_partner).order_by("email")
    )
    return {
        customer_id: [user for user in users if user.partner_id in partner_ids]
        for customer_id, partner_ids in partners.items()
    }


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

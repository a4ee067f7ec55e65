"""Demo customers, partner, users and agents (password: csol-demo-2026)."""

from decimal import Decimal

from django.contrib.auth.models import Group

from csol.core.models import Customer, Membership, Partner, PartnerAuthorisation, Role, Site, User
from csol.core.seeding import DEMO_PASSWORD, register_seeder
from csol.core.services.desks import DESK_GROUP_NAMES, desk_groups_sync

# number, legal name, province, language, credit limit, GST/HST number, QST number
CUSTOMERS = [
    ("C-100001", "Boréal Instruments inc.", "QC", "fr", Decimal("250000.00"), "812345678RT0001", "1212345678TQ0001"),
    ("C-100002", "Northwind Logistics Ltd.", "ON", "en", Decimal("500000.00"), "823456789RT0001", ""),
    ("C-100003", "Pacific Timber Corp.", "BC", "en", Decimal("150000.00"), "834567890RT0001", ""),
    ("C-100004", "Atlantic Seafoods Co-operative", "NS", "en", Decimal("80000.00"), "", ""),
    ("C-100005", "Prairie Energy Services Ltd.", "AB", "en", Decimal("300000.00"), "856789012RT0001", ""),
]

# customer number → (site name, street, city, province, postal code)
SITES = {
    "C-100001": [
        ("Siège social", "1200, boulevard René-Lévesque Ouest", "Montréal", "QC", "H3B 4W8"),
        ("Usine de Québec", "455, rue du Marais", "Québec", "QC", "G1M 3A2"),
    ],
    "C-100002": [
        ("Head office", "200 Bay Street", "Toronto", "ON", "M5J 2J5"),
        ("Mississauga warehouse", "6100 Tomken Road", "Mississauga", "ON", "L5T 1X6"),
    ],
    "C-100003": [("Vancouver office", "1055 West Georgia Street", "Vancouver", "BC", "V6E 3P3")],
    "C-100004": [("Halifax plant", "1 Marginal Road", "Halifax", "NS", "B3H 4P7")],
    "C-100005": [("Calgary office", "500 Centre Street SE", "Calgary", "AB", "T2G 1A6")],
}

# email, full name, customer number, role, language
MEMBERS = [
    ("marie.tremblay@boreal.example", "Marie Tremblay", "C-100001", Role.ADMINISTRATOR, "fr"),
    ("comptes@boreal.example", "Luc Gagnon", "C-100001", Role.ACCOUNTS_PAYABLE, "fr"),
    ("alex.chen@northwind.example", "Alex Chen", "C-100002", Role.ADMINISTRATOR, "en"),
    ("sam.lee@pacifictimber.example", "Sam Lee", "C-100003", Role.VIEWER, "en"),
    ("dana.macleod@atlanticseafoods.example", "Dana MacLeod", "C-100004", Role.ADMINISTRATOR, "en"),
    ("chris.olsen@prairieenergy.example", "Chris Olsen", "C-100005", Role.ADMINISTRATOR, "en"),
]


def _user(email, **fields):
    user, created = User.objects.get_or_create(email=email, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@register_seeder(order=0)
def seed_core(*, stdout=None):
    customers = {}
    for number, name, province, language, limit, gst, qst in CUSTOMERS:
        customers[number], _ = Customer.objects.get_or_create(
            number=number,
            defaults={
                "legal_name": name,
                "province": province,
                "language": language,
                "credit_limit": limit,
                "gst_number": gst,
                "qst_number": qst,
            },
        )
    for number, sites in SITES.items():
        for index, (name, street, city, province, postal) in enumerate(sites):
            Site.objects.get_or_create(
                customer=customers[number],
                name=name,
                defaults={
                    "street": street,
                    "city": city,
                    "province": province,
                    "postal_code": postal,
                    "is_bill_to": index == 0,
                    "is_ship_to": True,
                    "is_installed_at": True,
                },
            )
    for email, full_name, number, role, language in MEMBERS:
        user = _user(email, full_name=full_name, language=language)
        Membership.objects.get_or_create(user=user, customer=customers[number], defaults={"role": role})

    partner, _ = Partner.objects.get_or_create(number="P-5001", defaults={"name": "Maple Systems Integration"})
    _user("partner@maplesi.example", full_name="Jordan Patel", language="en", partner=partner)
    for number in ("C-100002", "C-100003"):
        if not PartnerAuthorisation.objects.filter(partner=partner, customer=customers[number]).exists():
            PartnerAuthorisation.objects.create(
                partner=partner, customer=customers[number], can_order=True, can_service_requests=True
            )

    desk_groups_sync()
    agent = _user("agent@csol.example", full_name="Agent CSO", language="fr", is_staff=True)
    agent.groups.set(Group.objects.filter(name__in=DESK_GROUP_NAMES.values()))
    _user("admin@csol.example", full_name="CSOL Admin", language="en", is_staff=True, is_superuser=True)

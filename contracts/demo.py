"""Demo contracts: each demo customer has terms ending within 30, 60 and 90 days, auto-renewing or not,
one in force for longer and one that already expired; software subscriptions carry licences."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contracts.dates import add_months
from contracts.models import Contract, ContractKind, Entitlement, LicenceMetric, RenewalRequest
from contracts.reminders import contracts_roll
from contracts.selectors import reminder_offsets
from contracts.services import contract_activate, contract_create, renewal_request_submit
from csol.core.models import Customer, Membership, Role, User
from csol.core.seeding import register_seeder
from orders.models import Product, ProductKind

# suffix, kind, days to the end, term months, auto-renew, notice days, frequency, amount, level, description
CONTRACTS = [
    (
        "01",
        ContractKind.HARDWARE_MAINTENANCE,
        25,
        12,
        True,
        14,
        "quarterly",
        "4850.00",
        "Next business day",
        "Storage arrays maintenance",
    ),
    (
        "02",
        ContractKind.SOFTWARE_SUBSCRIPTION,
        55,
        12,
        False,
        60,
        "annual",
        "18400.00",
        "24x7",
        "Database subscription and support",
    ),
    (
        "03",
        ContractKind.SERVICE_AGREEMENT,
        85,
        24,
        True,
        90,
        "monthly",
        "2150.00",
        "Business hours",
        "Managed print services",
    ),
    (
        "04",
        ContractKind.HARDWARE_MAINTENANCE,
        300,
        36,
        True,
        60,
        "annual",
        "9600.00",
        "24x7, 4-hour response",
        "Server maintenance",
    ),
    (
        "05",
        ContractKind.SOFTWARE_SUBSCRIPTION,
        -20,
        12,
        False,
        30,
        "upfront",
        "3200.00",
        "Business hours",
        "Backup software subscription",
    ),
]
# Service level and description for French-speaking customers (Quebec: French first).
FRENCH = {
    "01": ("Jour ouvrable suivant", "Entretien des baies de stockage"),
    "02": ("24 h sur 24, 7 jours sur 7", "Abonnement et soutien de la base de données"),
    "03": ("Heures ouvrables", "Services d'impression gérés"),
    "04": ("24 h sur 24, 7 jours sur 7, intervention en 4 heures", "Entretien des serveurs"),
    "05": ("Heures ouvrables", "Abonnement au logiciel de sauvegarde"),
}
PRODUCTS = [
    (
        "LIC-DBX-CORE",
        "Base de données DBX Enterprise (par cœur)",
        "DBX Enterprise database (per core)",
        "1450.00",
    ),
    (
        "LIC-BKP-INST",
        "Logiciel de sauvegarde Vault (par installation)",
        "Vault backup software (per install)",
        "320.00",
    ),
]
LICENCES = {
    "02": ("LIC-DBX-CORE", LicenceMetric.PER_CORE, 16),
    "05": ("LIC-BKP-INST", LicenceMetric.PER_INSTALL, 40),
}


def _products() -> dict[str, Product]:
    products = {}
    for sku, name_fr, name_en, price in PRODUCTS:
        products[sku], _ = Product.objects.get_or_create(
            sku=sku,
            defaults={
                "kind": ProductKind.SOFTWARE,
                "name_fr": name_fr,
                "name_en": name_en,
                "unit_price": Decimal(price),
                "licence_type": "subscription",
            },
        )
    return products


@register_seeder(order=20)  # before inventory, which links its machines to these contracts
def seed_contracts(*, stdout=None):
    today = timezone.localdate()
    agent = User.objects.filter(is_staff=True).order_by("id").first()
    products = _products()
    for customer in Customer.objects.filter(
        number__in=["C-100001", "C-100002", "C-100003", "C-100004", "C-100005"]
    ):
        admins = User.objects.filter(
            memberships__customer=customer, memberships__role=Role.ADMINISTRATOR, memberships__is_active=True
        )
        for (
            suffix,
            kind,
            days,
            months,
            auto_renew,
            notice,
            frequency,
            amount,
            level,
            description,
        ) in CONTRACTS:
            number = f"CT-{customer.number[2:]}-{suffix}"
            if Contract.objects.filter(number=number).exists():
                continue
            if customer.language == "fr":
                level, description = FRENCH[suffix]
            end = today + timedelta(days=days)
            start = add_months(end + timedelta(days=1), -months)
            contract = contract_create(
                actor=agent,
                contacts=list(admins[:1]),
                number=number,
                customer=customer,
                kind=kind,
                start_date=start,
                end_date=end,
                service_level=level,
                billing_frequency=frequency,
                amount_per_period=Decimal(amount),
                auto_renew=auto_renew,
                notice_days=notice,
                description=description,
            )
            contract_activate(contract=contract, actor=agent)
            if suffix in LICENCES and agent is not None:
                sku, metric, quantity = LICENCES[suffix]
                Entitlement.objects.create(
                    customer=customer,
                    contract=contract,
                    product=products[sku],
                    metric=metric,
                    quantity=quantity,
                    term_start=start,
                    term_end=end,
                    licence_key=f"POE-{customer.number[2:]}-{suffix}-{sku[-4:]}",
                    granted_by=agent,
                )
    # Move the demo terms to the status their dates give them (expiring, expired), as the daily job would.
    contracts_roll(today=today, window_days=max(reminder_offsets(), default=0))
    northwind = Contract.objects.filter(number="CT-100002-02").first()
    requester = Membership.objects.filter(customer__number="C-100002", role=Role.ADMINISTRATOR).first()
    if northwind and requester and not RenewalRequest.objects.filter(contract=northwind).exists():
        entitlement = northwind.entitlements.first()
        renewal_request_submit(
            contract=northwind,
            actor=requester.user,
            po_number="PO-NW-2026-118",
            message="Please add 8 cores for the new analytics cluster.",
            quantities={entitlement.pk: entitlement.quantity + 8} if entitlement else {},
        )

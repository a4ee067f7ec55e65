"""Demo installed base: machines under warranty, under maintenance contracts, expiring and not covered."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from csol.core.models import Customer, Site, User
from csol.core.seeding import register_seeder
from inventory.models import ChangeKind, ChangeRequest, EventKind, InventoryRecord, RecordEvent, RecordStatus
from orders.models import Product, ProductKind

# sku, machine type, model, French name, English name, unit price
PRODUCTS = [
    ("9080-HEX", "9080", "HEX", "Serveur Power E1080", "Power E1080 server", Decimal("485000.00")),
    ("9105-22A", "9105", "22A", "Serveur Power S1022", "Power S1022 server", Decimal("38500.00")),
    (
        "2078-24C",
        "2078",
        "24C",
        "Baie de stockage FlashSystem 7300",
        "FlashSystem 7300 storage array",
        Decimal("96000.00"),
    ),
    ("3584-L55", "3584", "L55", "Bibliothèque de bandes TS4500", "TS4500 tape library", Decimal("142000.00")),
]

# sku, serial suffix, warranty end in days from today (None: no warranty), covered by a contract, status
RECORDS = [
    ("9080-HEX", "01", 400, False, RecordStatus.INSTALLED),  # under warranty
    ("9105-22A", "02", 45, False, RecordStatus.INSTALLED),  # warranty ending within 90 days
    ("2078-24C", "03", -200, True, RecordStatus.INSTALLED),  # under maintenance contract (if seeded)
    ("9105-22A", "04", -30, True, RecordStatus.INSTALLED),  # under maintenance contract (if seeded)
    ("3584-L55", "05", -500, False, RecordStatus.INSTALLED),  # not covered
    ("9105-22A", "06", -900, False, RecordStatus.DECOMMISSIONED),
]


def _products() -> dict[str, Product]:
    products = {}
    for sku, machine_type, model, name_fr, name_en, price in PRODUCTS:
        products[sku], _ = Product.objects.get_or_create(
            sku=sku,
            defaults={
                "kind": ProductKind.HARDWARE,
                "machine_type": machine_type,
                "model": model,
                "name_fr": name_fr,
                "name_en": name_en,
                "unit_price": price,
            },
        )
    return products


def _maintenance_contract(customer):
    # The contracts app seeds its contracts first (order 20); link only those that exist.
    from contracts.models import Contract, ContractKind
    from inventory.selectors import COVERING_STATUSES

    return (
        Contract.objects.filter(
            customer=customer, kind=ContractKind.HARDWARE_MAINTENANCE, status__in=COVERING_STATUSES
        )
        .order_by("-end_date")
        .first()
    )


@register_seeder(order=30)
def seed_inventory(*, stdout=None):
    today = timezone.localdate()
    products = _products()
    customers = Customer.objects.filter(number__startswith="C-1000").order_by("number")
    for index, customer in enumerate(customers, start=1):
        sites = list(Site.objects.filter(customer=customer).order_by("-is_bill_to", "name"))
        if not sites:
            continue
        contract = _maintenance_contract(customer)
        for position, (sku, suffix, warranty_days, by_contract, status) in enumerate(RECORDS):
            product = products[sku]
            serial = f"{product.machine_type[-2:]}{index:02d}C{suffix}{index}"
            record, created = InventoryRecord.objects.get_or_create(
                machine_type=product.machine_type.upper(),
                serial_number=serial,
                defaults={
                    "customer": customer,
                    "site": sites[position % len(sites)],
                    "product": product,
                    "model": product.model.upper(),
                    "install_date": today - timedelta(days=1100 - 100 * position),
                    "warranty_end": today + timedelta(days=warranty_days),
                    "status": status,
                },
            )
            if created:
                RecordEvent.objects.create(record=record, kind=EventKind.CREATED, to_value=record.site.name)
            if by_contract and contract is not None:
                record.contracts.add(contract)
    _seed_change_request(today)


def _seed_change_request(today):
    """Northwind's administrator has reported a move that agents have not decided yet."""
    requester = User.objects.filter(email="alex.chen@northwind.example").first()
    if requester is None or ChangeRequest.objects.filter(requested_by=requester).exists():
        return
    record = (
        InventoryRecord.objects.filter(customer__number="C-100002", status=RecordStatus.INSTALLED)
        .exclude(serial_number="")
        .order_by("serial_number")
        .first()
    )
    if record is None:
        return
    target = Site.objects.filter(customer_id=record.customer_id).exclude(pk=record.site_id).first()
    if target is None:
        return
    ChangeRequest.objects.create(
        record=record,
        customer_id=record.customer_id,
        kind=ChangeKind.MOVE,
        new_site=target,
        message="Moved to the warehouse during the office renovation.",
        requested_by=requester,
    )

"""Demo catalogue and orders in every status for the demo customers (idempotent: keyed on the PO number)."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from csol.core.models import Customer, User
from csol.core.seeding import register_seeder
from orders import services
from orders.models import Order, OrderStatus, Product, ProductKind, TaxCategory

S = OrderStatus

# sku, kind, machine type, model, licence type, name fr, name en, price, tax category
PRODUCTS = [
    (
        "9080-HEX",
        ProductKind.HARDWARE,
        "9080",
        "HEX",
        "",
        "Serveur Power E1080",
        "Power E1080 server",
        "412500.00",
        TaxCategory.STANDARD,
    ),
    (
        "9105-22A",
        ProductKind.HARDWARE,
        "9105",
        "22A",
        "",
        "Serveur Power S1022",
        "Power S1022 server",
        "38900.00",
        TaxCategory.STANDARD,
    ),
    (
        "2145-SV3",
        ProductKind.HARDWARE,
        "2145",
        "SV3",
        "",
        "Contrôleur de stockage FlashSystem",
        "FlashSystem storage controller",
        "96400.00",
        TaxCategory.STANDARD,
    ),
    (
        "3584-L55",
        ProductKind.HARDWARE,
        "3584",
        "L55",
        "",
        "Bibliothèque de bandes TS4500",
        "TS4500 tape library",
        "71250.00",
        TaxCategory.STANDARD,
    ),
    (
        "5765-G98",
        ProductKind.SOFTWARE,
        "",
        "",
        "Perpetual, per processor core",
        "Système d'exploitation AIX 7.3",
        "AIX 7.3 operating system",
        "2890.00",
        TaxCategory.PST_EXEMPT,
    ),
    (
        "5737-F87",
        ProductKind.SOFTWARE,
        "",
        "",
        "Subscription, 12 months",
        "Gestion de stockage Spectrum Control",
        "Spectrum Control storage management",
        "14200.00",
        TaxCategory.PST_EXEMPT,
    ),
    (
        "SC27-8520",
        ProductKind.PUBLICATION,
        "",
        "",
        "",
        "Guide d'installation Power E1080 (imprimé)",
        "Power E1080 installation guide (printed)",
        "185.00",
        TaxCategory.ZERO_RATED,
    ),
    (
        "SA23-2799",
        ProductKind.PUBLICATION,
        "",
        "",
        "",
        "Manuel de planification du site",
        "Site planning manual",
        "95.00",
        TaxCategory.ZERO_RATED,
    ),
    (
        "6942-INS",
        ProductKind.SERVICE,
        "",
        "",
        "",
        "Installation sur place",
        "On-site installation",
        "3500.00",
        TaxCategory.STANDARD,
    ),
]

# (status the order ends in, products and quantities, number of shipments, days ago)
SCENARIOS = [
    (S.RECEIVED, [("9105-22A", 2), ("SA23-2799", 2)], 0, 1),
    (S.VALIDATED, [("5765-G98", 16)], 0, 3),
    (S.SCHEDULED, [("2145-SV3", 1), ("SC27-8520", 1)], 0, 6),
    (S.PARTLY_SHIPPED, [("9105-22A", 4), ("3584-L55", 1)], 1, 10),
    (S.SHIPPED, [("9105-22A", 2), ("SA23-2799", 3)], 2, 14),
    (S.DELIVERED, [("2145-SV3", 2), ("5737-F87", 1)], 2, 25),
    (S.INSTALLED, [("9080-HEX", 1), ("6942-INS", 1)], 1, 45),
    (S.COMPLETED, [("5765-G98", 8), ("SC27-8520", 2)], 1, 70),
    (S.ON_HOLD, [("3584-L55", 1)], 0, 8),
    (S.CANCELLED, [("9105-22A", 1)], 0, 30),
]
CUSTOMERS = ["C-100001", "C-100002", "C-100003", "C-100004", "C-100005"]


def _products() -> dict[str, Product]:
    products = {}
    for sku, kind, mtype, model, licence, name_fr, name_en, price, tax in PRODUCTS:
        products[sku], _ = Product.objects.get_or_create(
            sku=sku,
            defaults={
                "kind": kind,
                "machine_type": mtype,
                "model": model,
                "licence_type": licence,
                "name_fr": name_fr,
                "name_en": name_en,
                "unit_price": Decimal(price),
                "tax_category": tax,
            },
        )
    return products


def _window(order, agent, days_ahead: int):
    day = timezone.localdate() + timedelta(days=days_ahead)
    starts = timezone.make_aware(datetime.combine(day, time(9)))
    return services.delivery_window_propose(
        order=order, starts_at=starts, ends_at=starts + timedelta(hours=3), actor=agent
    )


def _ship(order, agent, shipments: int, *, last_ships: bool = True):
    """Split the order over `shipments` shipments (first line alone, then the rest) and ship them."""
    lines = list(order.lines.order_by("line_number"))
    groups = [lines] if shipments == 1 else [lines[:1], lines[1:]]
    done = []
    for index, group in enumerate(groups, start=1):
        shipment = services.shipment_create(
            order=order,
            lines={line.id: line.quantity for line in group},
            actor=agent,
            carrier="Purolator" if index == 1 else "FedEx Freight",
            tracking_number=f"{order.number.replace('-', '')}{index:02d}",
            planned_ship_date=timezone.localdate() - timedelta(days=5 - index),
            planned_delivery_date=timezone.localdate() + timedelta(days=index),
            serial_numbers={
                line.id: f"78{order.pk:04d}{line.line_number}" for line in group if line.product.machine_type
            },
        )
        if last_ships or index < len(groups):
            services.shipment_ship(shipment=shipment, actor=agent)
        done.append(shipment)
    return done


def _play(order, status, agent, shipments, buyer):
    """Move a fresh order to `status` through the services, as agents would."""
    if status == S.RECEIVED:
        return
    if status == S.CANCELLED:
        services.order_transition(order=order, to=S.CANCELLED, actor=agent, note="Duplicate of another order")
        return
    if status == S.ON_HOLD:
        services.order_transition(order=order, to=S.ON_HOLD, actor=agent, note="Waiting for the site survey")
        return
    services.order_transition(order=order, to=S.VALIDATED, actor=agent)
    if status == S.VALIDATED:
        return
    services.order_transition(order=order, to=S.SCHEDULED, actor=agent)
    if status == S.SCHEDULED:
        _window(order, agent, 7)
        return
    if status == S.PARTLY_SHIPPED:
        window = _window(order, agent, 4)
        services.delivery_window_accept(
            window=window,
            actor=buyer,
            side="customer",
            has_loading_dock=True,
            access_hours="7:00-15:30",
            site_contact_name="Receiving desk",
            site_contact_phone="416 555-0142",
        )
        _ship(order, agent, 2, last_ships=False)
        return
    shipped = _ship(order, agent, shipments)
    if status == S.SHIPPED:
        return
    for shipment in shipped:
        services.shipment_deliver(shipment=shipment, actor=agent)
    if status in (S.INSTALLED, S.COMPLETED):
        order.refresh_from_db()
        target = S.INSTALLED if status == S.INSTALLED else S.COMPLETED
        services.order_transition(order=order, to=target, actor=agent)


@register_seeder(order=10)
def seed_orders(*, stdout=None):
    products = _products()
    agent = User.objects.filter(email="agent@csol.example").first()
    for number in CUSTOMERS:
        customer = Customer.objects.filter(number=number).first()
        if customer is None:
            continue
        buyer = customer.memberships.filter(is_active=True).order_by("id").first()
        ship_to = customer.sites.filter(is_ship_to=True).order_by("-id").first()
        for index, (status, items, shipments, days_ago) in enumerate(SCENARIOS, start=1):
            po_number = f"DEMO-{number[2:]}-{index:02d}"
            if Order.objects.filter(customer=customer, po_number=po_number).exists():
                continue
            order = services.order_create(
                customer=customer,
                ship_to=ship_to,
                lines=[services.LineRequest(product=products[sku], quantity=qty) for sku, qty in items],
                actor=buyer.user if buyer else agent,
                po_number=po_number,
                requested_delivery_date=timezone.localdate() + timedelta(days=21 - days_ago),
            )
            _play(order, status, agent, shipments, buyer.user if buyer else agent)
            # Demo history: spread the orders over the last weeks so sorting and date filters show something.
            Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
            order.events.update(created_at=F("created_at") - timedelta(days=days_ago))

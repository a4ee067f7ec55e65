"""Demo service requests in several statuses, one submitted by the partner for Northwind."""

from datetime import timedelta

from django.utils import timezone

from billing.models import Invoice
from contracts.models import Contract
from csol.core.models import Customer, User
from csol.core.seeding import register_seeder
from csol.servicedesk import services
from csol.servicedesk.models import Category, ServiceRequest, Status
from inventory.models import InventoryRecord
from orders.models import Order

# customer, requester, category, subject, description, days ago, final status
REQUESTS = [
    (
        "C-100001",
        "marie.tremblay@boreal.example",
        Category.BILLING,
        "Taxes sur la facture",
        "La TVQ semble calculée sur le montant incluant la TPS. Pouvez-vous vérifier?",
        6,
        Status.WAITING,
    ),
    (
        "C-100001",
        "comptes@boreal.example",
        Category.PAYMENT,
        "Virement du 3 novembre",
        "Nous avons payé par virement; le paiement n'apparaît pas à notre relevé de compte.",
        20,
        Status.RESOLVED,
    ),
    (
        "C-100002",
        "partner@maplesi.example",
        Category.ORDER_STATUS,
        "Delivery date for Northwind's servers",
        "Northwind asks when the servers of their order will ship to the Mississauga warehouse.",
        2,
        Status.ASSIGNED,
    ),
    (
        "C-100002",
        "alex.chen@northwind.example",
        Category.CONTRACT,
        "Add the new storage array to our maintenance contract",
        "We installed a second storage array in October; please add it to the coverage.",
        4,  # unanswered for days: overdue in the agents' queue
        Status.NEW,
    ),
    (
        "C-100003",
        "sam.lee@pacifictimber.example",
        Category.INVENTORY,
        "Server listed at the wrong site",
        "This server moved from Vancouver to our Prince George mill last month.",
        3,
        Status.ASSIGNED,
    ),
    (
        "C-100003",
        "sam.lee@pacifictimber.example",
        Category.GENERAL,
        "Invoice copies by email",
        "Can invoices be emailed to our accounts payable mailbox?",
        40,
        Status.CLOSED,
    ),
]


def _links(customer, category) -> dict:
    """Link the customer's first invoice, order or contract when other apps seeded some."""
    if category in (Category.BILLING, Category.PAYMENT):
        invoice = Invoice.objects.filter(customer=customer, number__isnull=False).order_by("id").first()
        return ({"invoice": invoice}, {"invoice_number": invoice.number}) if invoice else ({}, {})
    if category == Category.ORDER_STATUS:
        order = Order.objects.filter(customer=customer).order_by("id").first()
        return ({"order": order}, {"order_reference": order.number}) if order else ({}, {})
    if category == Category.CONTRACT:
        contract = Contract.objects.filter(customer=customer).order_by("id").first()
        return ({"contract": contract}, {"contract_number": contract.number}) if contract else ({}, {})
    if category == Category.INVENTORY:
        records = InventoryRecord.objects.filter(customer=customer).exclude(serial_number="")
        record = records.order_by("id").first()
        if record is None:
            return {}, {}
        details = {
            "serial_number": record.serial_number,
            "machine_type": record.machine_type,
            "field_to_correct": "site",
            "correct_value": "Prince George mill",
        }
        return {"inventory_record": record}, details
    return {}, {}


def _oldest_first():
    return sorted(REQUESTS, key=lambda row: -row[5])


@register_seeder(order=60)
def seed_service_requests(*, stdout=None):
    agent = User.objects.filter(email="agent@csol.example").first()
    # Oldest first, so the references follow the submission dates.
    for number, email, category, subject, description, days_ago, final in _oldest_first():
        customer = Customer.objects.filter(number=number).first()
        requester = User.objects.filter(email=email).first()
        if customer is None or requester is None or agent is None:
            continue
        if ServiceRequest.objects.filter(customer=customer, subject=subject).exists():
            continue  # idempotent: the subject is the demo's business key
        start = timezone.now() - timedelta(days=days_ago)
        links, details = _links(customer, category)
        sr = services.service_request_create(
            actor=requester,
            customer=customer,
            category=category,
            subject=subject,
            description=description,
            details=details,
            links=links,
            now=start,
        )
        if final == Status.NEW:
            continue
        later = start + timedelta(hours=3)
        services.service_request_assign(service_request=sr, agent=agent, desk=sr.desk, actor=agent, now=later)
        services.service_request_reply(
            service_request=sr,
            author=agent,
            body="Merci, nous examinons votre demande."
            if customer.language == "fr"
            else "Thank you, we are looking into it.",
            now=later,
        )
        services.service_request_reply(
            service_request=sr,
            author=agent,
            body="Customer called earlier about the same question.",
            internal=True,
            now=later,
        )
        if final == Status.WAITING:
            services.service_request_transition(service_request=sr, to=Status.WAITING, actor=agent, now=later)
        elif final in (Status.RESOLVED, Status.CLOSED):
            services.service_request_transition(
                service_request=sr, to=Status.RESOLVED, actor=agent, now=later
            )
            if final == Status.CLOSED:
                services.service_request_transition(
                    service_request=sr, to=Status.CLOSED, actor=requester, now=later + timedelta(days=1)
                )
    if stdout:
        stdout.write(f"service requests: {ServiceRequest.objects.count()}")

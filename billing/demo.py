"""Demo invoices: issued documents for the demo customers in several provinces (Quebec in French),
a credit note, billing options and one open dispute. Receivables' seeder pays some of them later."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from billing.models import BillingOptions, Dispute, Invoice, InvoiceStatus
from billing.services import (
    billing_options_update,
    credit_note_create,
    dispute_open,
    invoice_draft_create,
    invoice_issue,
    invoice_line_add,
)
from csol.core.models import Customer, User
from csol.core.seeding import register_seeder
from csol.core.tenancy import viewer_for

# customer → billing options (mode, PO required, language, extra recipients)
OPTIONS = {
    "C-100001": ("per_order", True, "fr", "factures@boreal.example"),
    "C-100002": ("monthly", False, "en", "ap@northwind.example"),
    "C-100003": ("per_order", False, "en", ""),
}

# (customer, demo reference, days before today, PO, place of supply of its lines)
INVOICES = [
    ("C-100001", "DEMO-QC-1", 75, "BO-4471", "QC"),
    ("C-100001", "DEMO-QC-2", 40, "BO-4522", "QC"),
    ("C-100001", "DEMO-QC-3", 8, "BO-4610", "QC"),
    ("C-100002", "DEMO-ON-1", 62, "", "ON"),
    ("C-100002", "DEMO-ON-2", 20, "", "ON"),
    ("C-100003", "DEMO-BC-1", 50, "PT-2026-88", "BC"),
    ("C-100003", "DEMO-BC-2", 12, "PT-2026-97", "BC"),
    ("C-100004", "DEMO-NS-1", 35, "ASC-311", "NS"),
    ("C-100005", "DEMO-AB-1", 28, "PES-7781", "AB"),
]

# (demo reference, description, quantity, unit price, tax category), in line order
LINES = [
    ("DEMO-QC-1", "Serveur lame modèle 9120, livraison à Québec", 2, "4850.00", "standard"),
    ("DEMO-QC-1", "Installation et mise en service", 1, "1200.00", "standard"),
    ("DEMO-QC-2", "Contrat d'entretien matériel, octobre", 1, "980.00", "standard"),
    ("DEMO-QC-2", "Guide de l'administrateur (publication imprimée)", 3, "45.00", "zero_rated"),
    ("DEMO-QC-3", "Permis d'utilisation — logiciel de sauvegarde, 25 postes", 25, "38.50", "pst_exempt"),
    ("DEMO-ON-1", "Rack storage array 7300, shipped to Mississauga", 1, "18250.00", "standard"),
    ("DEMO-ON-1", "Software subscription and support, annual", 1, "3600.00", "standard"),
    ("DEMO-ON-2", "Hardware maintenance, November", 1, "1450.00", "standard"),
    ("DEMO-BC-1", "Rugged laptop model 14X", 10, "1890.00", "standard"),
    ("DEMO-BC-1", "Software licence, fleet management", 10, "120.00", "pst_exempt"),
    ("DEMO-BC-2", "On-site service call", 3, "275.00", "standard"),
    ("DEMO-NS-1", "Label printers model L40, shipped to Halifax", 4, "640.00", "standard"),
    ("DEMO-AB-1", "Edge server model E2, shipped to Calgary", 2, "5200.00", "standard"),
    ("DEMO-AB-1", "Remote monitoring service, quarterly", 1, "900.00", "standard"),
]


def _agent():
    return User.objects.filter(email="agent@csol.example").first()


@register_seeder(order=40)
def seed_billing(*, stdout=None):
    customers = {c.number: c for c in Customer.objects.filter(number__in={row[0] for row in INVOICES})}
    agent = _agent()
    for number, (mode, po_required, language, extra) in OPTIONS.items():
        if number in customers and not BillingOptions.objects.filter(customer=customers[number]).exists():
            billing_options_update(
                customer=customers[number],
                actor=agent,
                mode=mode,
                po_required=po_required,
                language=language,
                extra_emails=extra,
            )
    today = timezone.localdate()
    issued: dict[str, Invoice] = {}
    # Oldest first, so numbers follow dates as they would have.
    for number, reference, days_ago, po, province in sorted(INVOICES, key=lambda row: -row[2]):
        customer = customers.get(number)
        if customer is None:
            continue
        existing = Invoice.objects.filter(customer=customer, reference=reference, kind="invoice").first()
        if existing is not None:
            issued[reference] = existing
            continue
        draft = invoice_draft_create(customer=customer, po_number=po, reference=reference, actor=agent)
        for line_reference, description, quantity, price, category in LINES:
            if line_reference == reference:
                invoice_line_add(
                    invoice=draft,
                    description=description,
                    quantity=quantity,
                    unit_price=Decimal(price),
                    tax_category=category,
                    province=province,
                )
        issued[reference] = invoice_issue(
            invoice=draft, actor=agent, on=max(today - timedelta(days=days_ago), date(today.year, 1, 1))
        )

    # A price correction on Northwind's first invoice: a credit note.
    first_on = issued.get("DEMO-ON-1")
    if first_on is not None and not first_on.credit_notes.exists():
        credit_note_create(
            invoice=first_on,
            amount=Decimal("565.00"),
            reason="Price adjustment agreed on the call",
            actor=agent,
        )

    # Boréal's accounts payable disputes the maintenance line of its second invoice.
    disputed = issued.get("DEMO-QC-2")
    ap = User.objects.filter(email="comptes@boreal.example").first()
    if disputed is not None and ap is not None and not Dispute.objects.filter(invoice=disputed).exists():
        if disputed.status in (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID):
            dispute_open(
                invoice=disputed,
                actor=ap,
                viewer=viewer_for(ap, disputed.customer_id),
                reason="price",
                amount=Decimal("225.38"),
                message="Le tarif d'entretien convenu pour octobre est de 784,00 $ et non de 980,00 $. "
                "Merci d'émettre une note de crédit.",
                lines=list(disputed.lines.filter(line_number=1)),
            )
    if stdout is not None:
        stdout.write(f"billing: {len(issued)} demo invoices")

"""Domain objects a service request may name, and requests submitted through the service."""

import datetime
import io

from billing.models import Invoice
from contracts.models import Contract
from csol.servicedesk.models import Category
from csol.servicedesk.services import service_request_create
from inventory.models import InventoryRecord
from orders.models import Order, Product


def _site(customer):
    return customer.sites.first()


def make_invoice(customer, number):
    return Invoice.objects.create(
        number=number, customer=customer, bill_to=_site(customer), province=customer.province, status="issued"
    )


def make_order(customer, number, po_number=""):
    site = _site(customer)
    return Order.objects.create(
        number=number, customer=customer, po_number=po_number, ship_to=site, bill_to=site
    )


def make_contract(customer, number):
    return Contract.objects.create(
        number=number,
        customer=customer,
        kind="hw_maintenance",
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
        status="active",
    )


def make_record(customer, serial, machine_type="9009"):
    product, _ = Product.objects.get_or_create(
        sku=f"P-{machine_type}",
        defaults={
            "kind": "hardware",
            "machine_type": machine_type,
            "name_fr": "Serveur",
            "name_en": "Server",
            "unit_price": 1,
        },
    )
    return InventoryRecord.objects.create(
        customer=customer,
        site=_site(customer),
        product=product,
        serial_number=serial,
        machine_type=machine_type,
    )


def make_request(customer, requester, *, category=Category.GENERAL, now=None, subject="Question", **kwargs):
    return service_request_create(
        actor=requester,
        customer=customer,
        category=category,
        subject=subject,
        description="Please help.",
        now=now,
        **kwargs,
    )


# Minimal real file contents, recognised by their first bytes.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100


def upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def buffer(content):
    return io.BytesIO(content)

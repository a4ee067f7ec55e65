"""Every upload goes through the one validator (csol/core/uploads.py): an executable named like an
accepted file is refused at every place a customer or an agent can send a file, and nothing is kept.
Downloads carry a safe Content-Disposition."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import translation

from csol.core.uploads import attachment_disposition, safe_download_name
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def _fake(name):
    return SimpleUploadedFile(name, EXE, content_type="application/pdf")


def _billing(customer, user):
    from billing.services import dispute_open
    from csol.core.tenancy import viewer_for
    from tests.billing.factories import make_invoice

    invoice = make_invoice(customer)
    dispute = dispute_open(
        invoice=invoice, actor=user, viewer=viewer_for(user), reason="price", amount="1.00", message="x"
    )
    return invoice, dispute


def _request(customer, user):
    from tests.servicedesk.factories import make_request

    return make_request(customer, user)


def _open_invoice_ids():
    from billing.models import Invoice

    return list(Invoice.objects.filter(status="issued").values_list("pk", flat=True))


def _invoice_url(view_name):
    def url(customer, user):
        from tests.billing.factories import make_invoice

        make_invoice(customer)
        return reverse(view_name, args=[customer.number])

    return url


@dataclass(frozen=True)
class Place:
    who: str  # "customer" or "agent"
    url: object  # (customer, user) -> url
    data: object  # file -> POST data
    count: object  # () -> rows that a successful upload would add to


def _count(model_path):
    def count():
        from django.apps import apps

        return apps.get_model(model_path).objects.count()

    return count


PLACES = {
    "dispute": Place(
        "customer",
        lambda c, u: reverse("billing:dispute_create", args=[_billing(c, u)[0].number]),
        lambda f: {"reason": "price", "amount": "1.00", "message": "x", "attachments": [f]},
        _count("billing.DisputeAttachment"),
    ),
    "dispute reply": Place(
        "customer",
        lambda c, u: _billing(c, u)[1].get_absolute_url(),
        lambda f: {"message": "x", "attachments": [f]},
        _count("billing.DisputeAttachment"),
    ),
    "dispute handled in the back office": Place(
        "agent",
        lambda c, u: reverse("admin:billing_dispute_handle", args=[_billing(c, u)[1].pk]),
        lambda f: {"action": "reply", "message": "x", "attachments": [f]},
        _count("billing.DisputeAttachment"),
    ),
    "service request": Place(
        "customer",
        lambda c, u: reverse("servicedesk:create", args=["general"]),
        lambda f: {"subject": "x", "description": "x", "attachments": [f]},
        _count("servicedesk.Attachment"),
    ),
    "service request reply": Place(
        "customer",
        lambda c, u: reverse("servicedesk:reply", args=[_request(c, u).reference]),
        lambda f: {"body": "x", "attachments": [f]},
        _count("servicedesk.Attachment"),
    ),
    "service request answered in the back office": Place(
        "agent",
        lambda c, u: reverse("admin:servicedesk_servicerequest_reply", args=[_request(c, u).pk]),
        lambda f: {"body": "x", "attachments": [f]},
        _count("servicedesk.Attachment"),
    ),
    "remittance advice": Place(
        "customer",
        _invoice_url("collections_ar:remittance_advice"),
        lambda f: {
            "paid_on": date(2026, 11, 20).isoformat(),
            "method": "eft",
            "reference": "R1",
            "amount": "1.00",
            **{f"amount_{pk}": "1.00" for pk in _open_invoice_ids()},
            "attachment": f,
        },
        _count("collections_ar.RemittanceAdvice"),
    ),
    "inventory import": Place(
        "agent",
        lambda c, u: reverse("admin:inventory_inventoryrecord_import"),
        lambda f: {"file": f},
        _count("inventory.InventoryRecord"),
    ),
    "bank remittance file": Place(
        "agent",
        lambda c, u: reverse("collections_ar:imports"),
        lambda f: {"file": f},
        _count("collections_ar.RemittanceImport"),
    ),
}


@pytest.mark.parametrize("place", PLACES, ids=str)
def test_a_disguised_executable_is_refused_everywhere(place, customer, customer_user, agent):
    entry = PLACES[place]
    with translation.override("fr"):
        url = entry.url(customer, customer_user)
    client = signed_in(agent if entry.who == "agent" else customer_user)
    before = entry.count()
    name = "bank.csv" if "file" in entry.data(None) else "scan.pdf"

    response = client.post(url, entry.data(_fake(name)))

    assert response.status_code in (200, 400), f"{place}: {response.status_code}"
    assert entry.count() == before
    assert name in response.content.decode(), f"{place}: the refusal does not name the file"


def test_contract_documents_added_in_the_back_office_are_checked():
    from contracts.admin import ContractDocumentForm

    form = ContractDocumentForm(data={"title": "Contrat signé"}, files={"file": _fake("contrat.pdf")})
    assert not form.is_valid() and "file" in form.errors


def test_no_other_back_office_form_takes_a_file():
    """A file field in an admin form escapes the checks above unless it is one of these."""
    from csol.core.models import User

    rf = RequestFactory()
    checked = {"contracts.ContractDocument", "contracts.Contract", "billing.DisputeAttachment"}
    request = rf.get("/fr/admin/")
    request.user = User(email="root@csol.example", is_staff=True, is_superuser=True)
    with translation.override("fr"):
        request.resolver_match = resolve("/fr/admin/")
        found = set()
        for model, model_admin in admin.site._registry.items():
            form = model_admin.get_form(request, None)
            formsets = [i.get_formset(request, None).form for i in model_admin.get_inline_instances(request)]
            for form_class in (form, *formsets):
                if any(isinstance(f, forms.FileField) for f in form_class.base_fields.values()):
                    found.add(model._meta.label)
    assert found <= checked, sorted(found - checked)
    # The dispute attachment's own page cannot add or change one.
    from billing.models import DisputeAttachment

    model_admin = admin.site._registry[DisputeAttachment]
    assert not model_admin.has_add_permission(request) and not model_admin.has_change_permission(request)


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("bon.pdf", 'attachment; filename="bon.pdf"'),
        ('evil"\r\nSet-Cookie: x=1;.pdf', 'attachment; filename="evilSet-Cookie: x=1.pdf"'),
        ("../../etc/passwd", 'attachment; filename="passwd"'),
        ("C:\\Users\\marie\\reçu-œuvre.pdf", "attachment; filename*=utf-8''re%C3%A7u-%C5%93uvre.pdf"),
        ("", 'attachment; filename="download"'),
    ],
)
def test_download_names_are_safe(name, header):
    assert attachment_disposition(name) == header
    assert "\r" not in header and "\n" not in header
    assert "/" not in safe_download_name(name)


def test_an_accented_attachment_downloads_under_its_name(customer, customer_user):
    from billing.models import DisputeAttachment
    from billing.services import dispute_open
    from csol.core.tenancy import viewer_for
    from tests.billing.factories import make_invoice

    pdf = SimpleUploadedFile(
        "reçu-œuvre.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    )
    invoice = make_invoice(customer)
    dispute = dispute_open(
        invoice=invoice,
        actor=customer_user,
        viewer=viewer_for(customer_user),
        reason="price",
        amount=Decimal("1.00"),
        message="x",
        files=[pdf],
    )
    attachment = DisputeAttachment.objects.get()
    url = reverse("billing:dispute_attachment", args=[invoice.number, dispute.pk, attachment.pk])
    response = signed_in(customer_user).get(url)
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''re%C3%A7u-%C5%93uvre.pdf"

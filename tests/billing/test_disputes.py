"""Disputes: opening (with bad input), the conversation, acceptance with a credit note, rejection."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from billing.models import DISPUTE_HOLDING_STATUSES, Dispute, DisputeAttachment, DisputeStatus, DocumentKind
from billing.selectors import lines_with_tax
from billing.services import (
    dispute_accept,
    dispute_assign,
    dispute_open,
    dispute_reject,
    dispute_reply,
    dispute_transition,
)
from csol.core.tenancy import viewer_for
from tests.billing.factories import make_invoice

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def invoice(customer):
    return make_invoice(
        customer, [(Decimal("1000.00"), "standard", None), (Decimal("200.00"), "standard", None)]
    )


def _post(client, invoice, **overrides):
    data = {"reason": "price", "amount": "114.98", "message": "Le prix convenu était plus bas."}
    data.update(overrides)
    return client.post(reverse("billing:dispute_create", args=[invoice.number]), data)


def test_ap_user_opens_a_dispute_on_lines_with_attachments(ap_client, invoice):
    line = invoice.lines.get(line_number=2)
    response = _post(
        ap_client,
        invoice,
        lines=[line.pk],
        attachments=[SimpleUploadedFile("bon.pdf", PDF), SimpleUploadedFile("photo.png", PNG)],
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == dispute.get_absolute_url()
    assert dispute.status == DisputeStatus.OPEN and dispute.status in DISPUTE_HOLDING_STATUSES
    assert dispute.amount == Decimal("114.98") and list(dispute.lines.all()) == [line]
    assert dispute.target_response_date is not None
    files = DisputeAttachment.objects.order_by("id")
    assert [f.content_type for f in files] == ["application/pdf", "image/png"]
    # Stored under a random name, never the customer's.
    assert all("bon" not in f.file.name and "photo" not in f.file.name for f in files)


def test_viewer_role_and_partners_cannot_dispute(viewer_client, invoice):
    assert _post(viewer_client, invoice).status_code == 403
    assert not Dispute.objects.exists()


def test_file_renamed_to_pdf_is_refused_by_content(customer_client, invoice):
    fake = SimpleUploadedFile("facture.pdf", b"MZ\x90\x00 this is an executable, not a PDF" * 10)
    response = _post(customer_client, invoice, attachments=[fake])
    assert response.status_code == 200
    html = response.content.decode()
    assert "facture.pdf" in html and "Le prix convenu" in html  # the error is shown, the input kept
    assert not Dispute.objects.exists()


def test_too_large_file_is_refused(customer_client, invoice, monkeypatch):
    from csol.core import uploads

    monkeypatch.setattr(uploads, "DOCUMENTS", uploads.UploadPolicy(max_bytes=1024))
    from billing.services import disputes

    monkeypatch.setattr(disputes, "DOCUMENTS", uploads.UploadPolicy(max_bytes=1024))
    response = _post(customer_client, invoice, attachments=[SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)])
    assert response.status_code == 200
    assert "big.pdf" in response.content.decode()
    assert not Dispute.objects.exists()


def test_too_many_files_is_refused(customer_client, invoice):
    files = [SimpleUploadedFile(f"p{i}.png", PNG) for i in range(6)]
    assert _post(customer_client, invoice, attachments=files).status_code == 200
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "99999999"])
def test_bad_amounts_are_refused_with_a_message(customer_client, invoice, amount):
    response = _post(customer_client, invoice, amount=amount)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Dispute.objects.exists()


def test_a_line_of_another_invoice_is_refused(customer_client, invoice, customer):
    other = make_invoice(customer)
    response = _post(customer_client, invoice, lines=[other.lines.get().pk])
    assert response.status_code == 200 and not Dispute.objects.exists()


def test_script_in_the_message_is_shown_escaped(customer_client, invoice):
    _post(customer_client, invoice, message="<script>alert('x')</script>")
    dispute = Dispute.objects.get()
    html = customer_client.get(dispute.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_dispute_pages_are_404_for_another_customer(other_client, customer_client, invoice):
    _post(customer_client, invoice, attachments=[SimpleUploadedFile("bon.pdf", PDF)])
    dispute = Dispute.objects.get()
    attachment = DisputeAttachment.objects.get()
    assert other_client.get(dispute.get_absolute_url()).status_code == 404
    url = reverse("billing:dispute_attachment", args=[invoice.number, dispute.pk, attachment.pk])
    assert other_client.get(url).status_code == 404
    response = customer_client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert 'filename="bon.pdf"' in response["Content-Disposition"]
    assert dispute.invoice.number not in other_client.get(reverse("billing:disputes")).content.decode()


def test_flow_to_credit_note(customer_user, agent, invoice):
    viewer = viewer_for(customer_user)
    dispute = dispute_open(
        invoice=invoice,
        actor=customer_user,
        viewer=viewer,
        reason="price",
        amount=Decimal("114.98"),
        message="Prix",
    )
    dispute_assign(dispute=dispute, agent=agent, actor=agent)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UNDER_REVIEW and dispute.assigned_to == agent
    dispute_reply(dispute=dispute, actor=agent, viewer=viewer_for(agent), body="Nous vérifions.")
    dispute_reply(dispute=dispute, actor=customer_user, viewer=viewer, body="Merci.")
    dispute = dispute_accept(dispute=dispute, actor=agent, amount=Decimal("57.49"))
    assert dispute.status == DisputeStatus.ACCEPTED and dispute.status not in DISPUTE_HOLDING_STATUSES
    note = dispute.credit_note
    assert note.kind == DocumentKind.CREDIT_NOTE and note.credited_invoice == invoice
    assert note.total == Decimal("57.49") == dispute.agreed_amount
    assert [m.from_agent for m in dispute.messages.all()] == [False, True, False]
    assert list(dispute.events.values_list("to_status", flat=True)) == [
        "open",
        "open",
        "under_review",
        "accepted",
    ]
    dispute_transition(dispute=dispute, to=DisputeStatus.CLOSED, actor=agent)
    with pytest.raises(ValidationError):
        dispute_reply(dispute=dispute, actor=customer_user, viewer=viewer, body="Encore")
    with pytest.raises(ValidationError):
        dispute_accept(dispute=dispute, actor=agent)


def test_reject_needs_a_reason_and_tells_the_customer(customer_user, agent, invoice):
    dispute = dispute_open(
        invoice=invoice,
        actor=customer_user,
        viewer=viewer_for(customer_user),
        reason="tax",
        amount=Decimal("10.00"),
        message="Taxe",
    )
    with pytest.raises(ValidationError):
        dispute_reject(dispute=dispute, actor=agent, reason="  ")
    dispute = dispute_reject(dispute=dispute, actor=agent, reason="La TVQ s'applique à ce service.")
    assert dispute.status == DisputeStatus.REJECTED and dispute.resolution.startswith("La TVQ")
    assert dispute.messages.filter(from_agent=True).exists()
    with pytest.raises(ValidationError):
        dispute_transition(dispute=dispute, to=DisputeStatus.OPEN, actor=agent)


def test_credit_notes_and_drafts_cannot_be_disputed(customer_user, customer, invoice, agent):
    from billing.services import credit_note_create

    note = credit_note_create(invoice=invoice, amount=Decimal("10.00"), reason="x", actor=agent)
    viewer = viewer_for(customer_user)
    for document in (note, make_invoice(customer, issue=False)):
        with pytest.raises(ValidationError):
            dispute_open(
                invoice=document,
                actor=customer_user,
                viewer=viewer,
                reason="other",
                amount=Decimal("1.00"),
                message="x",
            )


def test_partner_cannot_open_through_the_service(partner_user, other_customer):
    invoice = make_invoice(other_customer)
    with pytest.raises(PermissionDenied):
        dispute_open(
            invoice=invoice,
            actor=partner_user,
            viewer=viewer_for(partner_user),
            reason="other",
            amount=Decimal("1.00"),
            message="x",
        )


def test_admin_handles_a_dispute(agent_client, agent, customer_user, invoice):
    dispute = dispute_open(
        invoice=invoice,
        actor=customer_user,
        viewer=viewer_for(customer_user),
        reason="price",
        amount=Decimal("20.00"),
        message="Prix",
    )
    url = reverse("admin:billing_dispute_handle", args=[dispute.pk])
    assert agent_client.get(url).status_code == 200
    response = agent_client.post(url, {"action": "reject", "message": ""})
    assert response.status_code == 200  # a reason is required
    response = agent_client.post(url, {"action": "accept", "message": "D'accord", "amount": ""})
    assert response.status_code == 302
    dispute.refresh_from_db()
    # 20.00 cannot be reached with GST and QST each rounded (19.99 or 20.01): never more than agreed.
    assert dispute.status == DisputeStatus.ACCEPTED and dispute.credit_note.total == Decimal("19.99")
    assert dispute.agreed_amount == Decimal("19.99")


# The cap of a dispute on chosen lines: their net plus their share of the invoice's tax, which is
# charged per (place of supply, tax category) on the group's summed net.


def _open(user, invoice, amount, lines=()):
    return dispute_open(
        invoice=invoice,
        actor=user,
        viewer=viewer_for(user),
        reason="price",
        amount=Decimal(amount),
        message="Prix",
        lines=lines,
    )


def test_a_line_dispute_may_reach_the_line_with_its_tax_share_and_not_a_cent_more(customer_user, invoice):
    # Quebec, 1000.00 + 200.00 standard: GST 60.00 + QST 119.70 on 1200.00; line 2's share is 29.95.
    line = invoice.lines.get(line_number=2)
    with pytest.raises(ValidationError) as refused:
        _open(customer_user, invoice, "229.96", [line])
    assert refused.value.code == "amount"
    assert "229,95" in refused.value.messages[0]
    dispute = _open(customer_user, invoice, "229.95", [line])
    assert dispute.amount == Decimal("229.95") and list(dispute.lines.all()) == [line]


def test_line_cap_adds_each_group_share_on_a_multi_category_invoice(customer_user, customer):
    invoice = make_invoice(
        customer,
        [
            (Decimal("1000.00"), "standard", None),
            (Decimal("215.37"), "standard", None),  # QC standard: 1215.37, GST 60.77 + QST 121.23 = 182.00
            (Decimal("300.00"), "pst_exempt", None),  # GST only: 15.00
            (Decimal("50.00"), "zero_rated", None),  # no tax
            (Decimal("80.00"), "standard", "ON"),  # shipped to Ontario: HST 10.40
        ],
    )
    chosen = list(invoice.lines.filter(line_number__gte=2))
    # 215.37 + 182.00 × 215.37 / 1215.37 (32.25) + 300.00 + 15.00 + 50.00 + 80.00 + 10.40
    assert lines_with_tax(invoice=invoice, lines=chosen) == Decimal("703.02")
    with pytest.raises(ValidationError):
        _open(customer_user, invoice, "703.03", chosen)
    assert _open(customer_user, invoice, "703.02", chosen).amount == Decimal("703.02")
    # A zero-rated line alone carries no tax.
    zero_rated = invoice.lines.get(line_number=4)
    with pytest.raises(ValidationError):
        _open(customer_user, invoice, "50.01", [zero_rated])


def test_every_line_chosen_gives_back_exactly_the_invoice_total(customer):
    # Rounding each line's share (4.99 three times) would lose a cent of the group's 14.98 of tax.
    invoice = make_invoice(
        customer,
        [
            (Decimal("33.33"), "standard", None),
            (Decimal("33.33"), "standard", None),
            (Decimal("33.34"), "standard", None),
        ],
    )
    assert invoice.total == Decimal("114.98")
    assert lines_with_tax(invoice=invoice, lines=invoice.lines.all()) == invoice.total


def test_lines_cap_never_goes_above_what_remains_of_the_invoice(customer_user, agent, invoice):
    from billing.services import credit_note_create

    credit_note_create(invoice=invoice, amount=Decimal("1000.00"), reason="geste", actor=agent)
    line = invoice.lines.get(line_number=1)  # 1000.00 with 149.75 of tax, but only 379.70 remain
    with pytest.raises(ValidationError) as refused:
        _open(customer_user, invoice, "379.71", [line])
    assert "le solde de la facture" in refused.value.messages[0] and "379,70" in refused.value.messages[0]
    assert _open(customer_user, invoice, "379.70", [line]).amount == Decimal("379.70")


def test_whole_invoice_dispute_keeps_the_invoice_total_as_cap(customer_user, invoice):
    with pytest.raises(ValidationError):
        _open(customer_user, invoice, "1379.71")
    assert _open(customer_user, invoice, "1379.70").amount == invoice.total == Decimal("1379.70")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            "Le montant contesté ne peut dépasser 229,95\xa0$, soit les lignes choisies avec leurs taxes.",
        ),
        ("en", "The disputed amount cannot exceed $229.95, the chosen lines with their taxes."),
    ],
)
def test_form_refuses_an_amount_above_the_chosen_lines_in_each_language(
    customer_client, invoice, language, expected
):
    from django.utils import translation

    line = invoice.lines.get(line_number=2)
    with translation.override(language):
        url = reverse("billing:dispute_create", args=[invoice.number])
    data = {"reason": "price", "amount": "229.96", "message": "Trop facturé", "lines": [line.pk]}
    response = customer_client.post(url, data)
    assert response.status_code == 200 and not Dispute.objects.exists()
    form = response.context["form"]
    assert form.errors == {"amount": [expected]}
    html = response.content.decode()
    assert escape(expected) in html
    # What was typed and chosen is kept.
    assert 'value="229.96"' in html and "Trop facturé" in html
    assert re.search(rf'<input[^>]*value="{line.pk}"[^>]*checked', html)
    data["amount"] = "229.95"
    assert customer_client.post(url, data).status_code == 302
    assert Dispute.objects.get().amount == Decimal("229.95")

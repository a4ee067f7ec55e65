"""Customer pages: list, detail, PDF, export, options; tenancy and query ceilings."""

import copy
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from billing.models import BillingOptions, InvoiceStatus
from billing.services import credit_note_create, invoice_settle
from tests.billing.factories import make_invoice, plain

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(customer):
    return make_invoice(customer, [(Decimal("1000.00"), "standard", None)], po_number="PO-ACME-1")


@pytest.fixture
def foreign_invoice(other_customer):
    return make_invoice(other_customer, [(Decimal("500.00"), "standard", None)], po_number="PO-OTHER")


def test_list_shows_own_issued_documents_only(customer_client, invoice, foreign_invoice, customer):
    draft = make_invoice(customer, issue=False)
    response = customer_client.get(reverse("billing:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert invoice.number in html
    assert foreign_invoice.number not in html
    assert f"Draft {draft.pk}" not in html and "Brouillon" not in html


def test_list_filters_and_totals(customer_client, customer):
    open_one = make_invoice(
        customer, [(Decimal("100.00"), "zero_rated", None)], po_number="PO-A", on=date(2026, 11, 2)
    )
    paid = make_invoice(
        customer, [(Decimal("200.00"), "zero_rated", None)], po_number="PO-B", on=date(2026, 10, 1)
    )
    invoice_settle(invoice=paid, open_balance=Decimal("0"))
    url = reverse("billing:list")
    html = customer_client.get(url, {"status": "paid"}).content.decode()
    assert paid.number in html and open_one.number not in html
    html = customer_client.get(url, {"q": "PO-A"}).content.decode()
    assert open_one.number in html and paid.number not in html
    html = customer_client.get(url, {"date_from": "2026-10-15"}).content.decode()
    assert open_one.number in html and paid.number not in html
    response = customer_client.get(url, {"status": "open"})
    assert response.context["totals"]["total"] == Decimal("100.00")
    overdue = customer_client.get(url, {"status": "overdue"}).context["totals"]
    # Net 30 from 2026-10-01 and 2026-11-02: overdue only when today passes the due date.
    assert overdue["count"] in (0, 1)


def test_list_bad_filter_input_shows_an_error_and_keeps_everything(customer_client, invoice):
    response = customer_client.get(reverse("billing:list"), {"date_from": "not-a-date", "status": "bogus"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert invoice.number in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(customer_client, customer, django_assert_max_num_queries):
    for _ in range(3):
        make_invoice(customer)
    # Session, user, memberships, the totals' version, the totals (not cached yet), the rows.
    with django_assert_max_num_queries(8) as few:
        customer_client.get(reverse("billing:list"))
    for _ in range(30):
        make_invoice(customer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = customer_client.get(reverse("billing:list"))
    assert len(response.context["page"].object_list) == 25


def test_list_rows_escape_and_mark_credit_notes(customer_client, customer):
    invoice = make_invoice(customer, [(Decimal("100.00"), "zero_rated", None)], po_number="<i>PO</i>")
    note = credit_note_create(invoice=invoice, amount=Decimal("10.00"), reason="Price")
    page = customer_client.get("/en/invoices/").content.decode()
    assert "&lt;i&gt;PO&lt;/i&gt;" in page and "<i>PO</i>" not in page
    link = f'<a href="/en/invoices/{note.number}/">{note.number}</a>'
    assert f'{link} <span class="badge text-bg-warning">Credit note</span>' in page
    assert "−$10.00" in page
    # A member acts for one customer: no customer column.
    assert '<th scope="col">Customer</th>' not in page


def test_detail_shows_itc_information(customer_client, invoice, settings):
    html = plain(customer_client.get(reverse("billing:detail", args=[invoice.number])).content.decode())
    assert settings.CSOL_SUPPLIER["gst_number"] in html
    assert settings.CSOL_SUPPLIER["qst_number"] in html
    assert "Acme Québec inc." in html
    assert "TPS" in html or "GST" in html
    assert "1 149,75" in html  # total in French formatting


def test_detail_draws_registered_panels(customer_client, invoice, tmp_path, settings):
    from billing import hooks

    def panel(*, invoice, viewer):
        return ("billing/tests/panel.html", {"balance": "42"})

    template_dir = tmp_path / "tpl" / "billing" / "tests"
    template_dir.mkdir(parents=True)
    (template_dir / "panel.html").write_text(
        "<section>Balance {{ balance }} for {{ invoice.number }}</section>"
    )
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path / "tpl", *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    hooks.invoice_detail_panel(panel)
    try:
        html = customer_client.get(reverse("billing:detail", args=[invoice.number])).content.decode()
    finally:
        hooks._invoice_detail_panels.remove(panel)
    assert f"Balance 42 for {invoice.number}" in html


@pytest.mark.parametrize("name", ["billing:detail", "billing:pdf", "billing:dispute_create"])
def test_another_customers_invoice_is_404(customer_client, foreign_invoice, name):
    assert customer_client.get(reverse(name, args=[foreign_invoice.number])).status_code == 404


def test_partner_sees_only_authorised_customers(partner_client, invoice, foreign_invoice):
    assert partner_client.get(reverse("billing:detail", args=[invoice.number])).status_code == 404
    assert partner_client.get(reverse("billing:detail", args=[foreign_invoice.number])).status_code == 200
    # Partners never dispute (invoices and payments are the customer's).
    assert (
        partner_client.get(reverse("billing:dispute_create", args=[foreign_invoice.number])).status_code
        == 403
    )


def test_draft_is_404_even_for_its_customer(customer_client, customer):
    draft = make_invoice(customer, issue=False)
    assert customer_client.get(f"/fr/invoices/{draft.pk}/").status_code == 404


def test_export_is_filtered_and_scoped(customer_client, invoice, foreign_invoice):
    response = customer_client.get(reverse("billing:export"), {"q": "PO"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert invoice.number in body and foreign_invoice.number not in body
    assert "1149.75" in body


def test_pdf_download_contains_number_taxes_totals_and_accents(customer_client, invoice):
    response = customer_client.get(reverse("billing:pdf", args=[invoice.number]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
    )
    assert invoice.number in text
    assert "Facture" in text and "Québec" in text and "échéance" in text.lower()
    assert "TPS" in text and "TVQ" in text
    assert "99,75" in text and "1 149,75" in plain(text)


def test_pdf_is_served_from_storage_and_rerender_is_identical(customer_client, invoice):
    from billing.models import Invoice
    from billing.services import invoice_pdf_bytes

    first = b"".join(customer_client.get(reverse("billing:pdf", args=[invoice.number])).streaming_content)
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.pdf.name
    assert invoice_pdf_bytes(stored) == first
    second = b"".join(customer_client.get(reverse("billing:pdf", args=[invoice.number])).streaming_content)
    assert second == first


def test_bilingual_pdf_has_french_first_then_english(customer, customer_client):
    BillingOptions.objects.create(customer=customer, language="fr-en", mode="per_order")
    invoice = make_invoice(customer)
    reader = PdfReader(
        io.BytesIO(
            b"".join(customer_client.get(reverse("billing:pdf", args=[invoice.number])).streaming_content)
        )
    )
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert text.index("Facture") < text.index("Invoice")
    assert "Payment terms" in text and "Modalités de paiement" in text


def test_english_customer_pdf(other_customer, other_client):
    invoice = make_invoice(other_customer, [(Decimal("100.00"), "standard", None)])
    reader = PdfReader(
        io.BytesIO(
            b"".join(other_client.get(reverse("billing:pdf", args=[invoice.number])).streaming_content)
        )
    )
    text = reader.pages[0].extract_text()
    assert "Invoice" in text and "HST" in text and "$113.00" in text


def test_options_page_saves_for_admin_and_ap(customer_client, ap_client, customer):
    url = reverse("billing:options")
    assert customer_client.get(url).status_code == 200
    response = ap_client.post(
        url,
        {
            "mode": "monthly",
            "po_required": "on",
            "language": "fr-en",
            "extra_emails": "compta@acme.example, AP@acme.example",
        },
    )
    assert response.status_code == 302
    options = BillingOptions.objects.get(customer=customer)
    assert (options.mode, options.po_required, options.language) == ("monthly", True, "fr-en")
    assert options.extra_email_list == ["compta@acme.example", "ap@acme.example"]


def test_options_refuse_bad_emails_and_keep_input(customer_client, customer):
    response = customer_client.post(
        reverse("billing:options"),
        {"mode": "monthly", "language": "fr", "extra_emails": "ok@acme.example\nnot an email"},
    )
    assert response.status_code == 200
    assert "not an email" in response.content.decode()
    assert not BillingOptions.objects.filter(customer=customer).exists()


def test_options_forbidden_for_viewer_role(viewer_client):
    assert viewer_client.get(reverse("billing:options")).status_code == 403


def test_dashboard_card_shows_open_amount(customer_client, invoice):
    html = customer_client.get("/fr/").content.decode()
    assert "Factures" in html and "1 149,75" in plain(html)


def test_paid_status_is_shown(customer_client, invoice):
    invoice_settle(invoice=invoice, open_balance=Decimal("0"))
    html = customer_client.get(reverse("billing:detail", args=[invoice.number])).content.decode()
    assert invoice.number in html
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_agent_sees_any_invoice(agent_client, invoice, foreign_invoice):
    html = agent_client.get(reverse("billing:list")).content.decode()
    assert invoice.number in html and foreign_invoice.number in html


def test_credit_note_in_detail_of_invoice(customer_client, invoice, agent):
    from billing.services import credit_note_create

    note = credit_note_create(invoice=invoice, amount=Decimal("114.98"), reason="Rabais", actor=agent)
    html = customer_client.get(reverse("billing:detail", args=[invoice.number])).content.decode()
    assert note.number in html


def test_detail_query_count_does_not_grow_with_lines(
    customer_client, customer, django_assert_max_num_queries
):
    small = make_invoice(customer, [(Decimal("10.00"), "standard", None)])
    with django_assert_max_num_queries(11) as few:
        customer_client.get(reverse("billing:detail", args=[small.number]))
    big = make_invoice(
        customer,
        [(Decimal("10.00"), "standard", "ON")] * 100 + [(Decimal("5.00"), "pst_exempt", None)] * 100,
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = customer_client.get(reverse("billing:detail", args=[big.number]))
    assert response.content.decode().count("Article ") == 200


def test_dispute_list_query_count(customer_client, customer, customer_user, django_assert_max_num_queries):
    from billing.services import dispute_open
    from csol.core.tenancy import viewer_for

    invoice = make_invoice(customer)
    viewer = viewer_for(customer_user)

    def open_one():
        dispute_open(
            invoice=invoice,
            actor=customer_user,
            viewer=viewer,
            reason="other",
            amount=Decimal("1.00"),
            message="x",
        )

    open_one()
    with django_assert_max_num_queries(12) as few:
        customer_client.get(reverse("billing:disputes"))
    for _ in range(10):
        open_one()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = customer_client.get(reverse("billing:disputes"))
    assert response.content.decode().count(invoice.number) >= 11

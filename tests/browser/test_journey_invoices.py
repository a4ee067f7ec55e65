"""Journeys of invoices, in French and in English: an accounts-payable user opens an invoice and
downloads its PDF; then disputes one of its lines, first with mistakes, then with a file attached."""

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from billing.models import Dispute, DisputeStatus, Invoice
from csol.core.models import Role
from csol.core.money import format_money
from tests.billing.factories import make_invoice, plain
from tests.browser.conftest import sign_in, text
from tests.factories import CustomerFactory, SiteFactory, member

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# What the PDF says in each language: the title and the federal tax of the invoice's province.
WORDS = {"fr": ("Facture", "TPS", "Invoice"), "en": ("Invoice", "GST", "Facture")}


@pytest.fixture
def payables(language, customer):
    """An accounts-payable user (in `language`) and an issued invoice of two lines of their company.

    French: the Quebec customer (GST and QST); English: an Alberta company (GST only).
    """
    if language == "en":
        customer = CustomerFactory(number="C-900003", legal_name="Prairie Drilling Ltd.", province="AB")
        SiteFactory(customer=customer, name="Head office", city="Calgary", postal_code="T2P 1J9")
    user = member(customer, Role.ACCOUNTS_PAYABLE, email=f"ap-{language}@example.com", language=language)
    invoice = make_invoice(
        customer,
        [(Decimal("1000.00"), "standard", None), (Decimal("200.00"), "standard", None)],
        po_number="PO-7788",
    )
    return user, invoice


def _open_invoice(page, invoice, language):
    page.get_by_role("navigation").get_by_role("link", name=text("Invoices", language), exact=True).click()
    page.get_by_role("link", name=invoice.number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(invoice.number)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_customer_opens_an_invoice_and_downloads_its_pdf(page, payables, language):
    user, invoice = payables
    sign_in(page, user, language=language)

    # From the navigation, through the list of invoices, to the invoice
    _open_invoice(page, invoice, language)
    expect(page).to_have_url(re.compile(rf"/{language}/invoices/{invoice.number}/$"))
    expect(page.get_by_role("table", name=text("Taxes and totals", language))).to_contain_text(
        format_money(invoice.total, language)
    )

    # The PDF arrives as a download, named after the invoice
    with page.expect_download() as download:
        page.get_by_role("link", name=text("Download the PDF", language)).click()
    assert download.value.suggested_filename == f"{invoice.number}.pdf"
    content = Path(download.value.path()).read_bytes()

    # A real PDF, in the customer's language, with the number, the taxes and the total
    assert content.startswith(b"%PDF-")
    pdf = plain("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))
    title, federal_tax, other_language_title = WORDS[language]
    assert f"{title} {invoice.number}" in pdf
    assert other_language_title not in pdf
    with_kind = text("Total %(kind)s", language) % {"kind": federal_tax}
    assert with_kind in pdf and plain(format_money(invoice.total, language)) in pdf
    # and it is the document stored for the invoice, the same bytes every time
    with Invoice.objects.get(pk=invoice.pk).pdf.open("rb") as stored:
        assert stored.read() == content
    assert page.problems == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_customer_disputes_an_invoice_line(page, payables, language):
    user, invoice = payables
    line = invoice.lines.get(line_number=2)
    sign_in(page, user, language=language)
    _open_invoice(page, invoice, language)
    with page.expect_navigation():
        page.get_by_role("link", name=text("Dispute this invoice", language)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(invoice.number)

    # First try: one line, an amount larger than the whole invoice, and no message
    reason = page.get_by_label(text("Reason", language))
    amount = page.get_by_label(text("Disputed amount", language))
    message = page.get_by_label(text("Message", language))
    line_box = page.get_by_label(f"2. {line.description}")
    reason.select_option(label=text("Tax", language))
    line_box.check()
    amount.fill("5000.00")
    with page.expect_navigation():
        page.get_by_role("button", name=text("Send the dispute", language)).click()

    # The message is asked for, in the user's language, and what was chosen and typed is kept
    expect(page.get_by_text(text("This field is required.", language))).to_be_visible()
    expect(reason).to_have_value("tax")
    expect(line_box).to_be_checked()
    expect(amount).to_have_value("5000.00")

    # Second try: the message is there, but the amount is more than line 2 with its share of the tax
    # (200.00 + 29.95 of GST and QST in Quebec, + 10.00 of GST in Alberta)
    message.fill("La TVQ a été comptée deux fois sur la ligne 2.")
    with page.expect_navigation():
        page.get_by_role("button", name=text("Send the dispute", language)).click()
    too_much = text(
        "The disputed amount cannot exceed %(amount)s, the chosen lines with their taxes.", language
    )
    line_cap = Decimal("229.95") if language == "fr" else Decimal("210.00")
    expect(page.get_by_text(too_much % {"amount": format_money(line_cap, language)})).to_be_visible()
    expect(amount).to_have_value("5000.00")
    expect(message).to_have_value("La TVQ a été comptée deux fois sur la ligne 2.")
    expect(line_box).to_be_checked()
    assert not Dispute.objects.exists()

    # Third try: the right amount, with the supplier's quote attached
    amount.fill("19.95")
    page.get_by_label(text("Attachments", language)).set_input_files(
        files=[{"name": "soumission-été.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name=text("Send the dispute", language)).click()

    # The dispute exists on that line for that amount, and its page shows it, open, with the message
    dispute = Dispute.objects.get(invoice=invoice)
    assert list(dispute.lines.all()) == [line]
    assert (dispute.amount, dispute.reason, dispute.status) == (Decimal("19.95"), "tax", DisputeStatus.OPEN)
    assert dispute.opened_by == user
    first = dispute.messages.get()
    assert first.body == "La TVQ a été comptée deux fois sur la ligne 2."
    assert [a.original_name for a in first.attachments.all()] == ["soumission-été.pdf"]
    expect(page).to_have_url(re.compile(rf"/{language}/invoices/{invoice.number}/disputes/{dispute.pk}/$"))
    recorded = text("Your dispute is recorded. An agent will answer by %(date)s.", language)
    expect(page.get_by_role("status")).to_contain_text(
        recorded % {"date": dispute.target_response_date.isoformat()}
    )
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(invoice.number)
    expect(heading).to_contain_text(text("Open", language))
    expect(page.get_by_text(format_money(Decimal("19.95"), language), exact=True)).to_be_visible()
    expect(page.get_by_text(f"2. {line.description}")).to_be_visible()
    expect(page.get_by_text("La TVQ a été comptée deux fois sur la ligne 2.")).to_be_visible()
    expect(page.get_by_role("link", name="soumission-été.pdf")).to_be_visible()
    assert page.problems == []

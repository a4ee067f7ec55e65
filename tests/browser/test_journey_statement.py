"""Journey: read the statement of account, and download it, in French and in English."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from collections_ar.services import payment_allocate, payment_record
from csol.core.money import format_money
from tests.browser.conftest import sign_in, text
from tests.collections_ar.factories import InvoiceFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def books(customer):
    """An invoice of 1 130,00 $ issued ten days ago, 400,00 $ of it paid by cheque two days ago."""
    today = timezone.localdate()
    invoice = InvoiceFactory(
        customer=customer, number="F-880001", total=Decimal("1130.00"), issue_date=today - timedelta(days=10)
    )
    payment = payment_record(
        customer=customer,
        received_on=today - timedelta(days=2),
        method="cheque",
        amount=Decimal("400.00"),
        reference="CHQ-4411",
    )
    payment_allocate(payment=payment, lines=[(invoice, Decimal("400.00"))])
    return invoice


@pytest.mark.parametrize("language", ["fr", "en"])
def test_customer_reads_the_statement_of_account(page, customer, customer_user, books, language):
    customer_user.language = language
    customer_user.save(update_fields=["language"])
    sign_in(page, customer_user, language=language)

    # From the navigation to the account, then the statement of the default period
    page.get_by_role("navigation").get_by_role("link", name=text("Account", language), exact=True).click()
    with page.expect_navigation():
        page.get_by_role("button", name=text("See the statement of account", language)).click()
    expect(page).to_have_url(re.compile(rf"/{language}/account/{customer.number}/statement/\?"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(customer.legal_name)

    # The invoice and the payment are movements; the closing balance is what is left to pay
    table = page.locator("table.statement")
    expect(table.get_by_role("row").filter(has_text="F-880001").first).to_contain_text(
        format_money(Decimal("1130.00"), language)
    )
    expect(table.get_by_role("row").filter(has_text="CHQ-4411")).to_contain_text(
        format_money(Decimal("400.00"), language)
    )
    expect(table.locator("tfoot tr").last).to_contain_text(format_money(Decimal("730.00"), language))

    # and it downloads as a PDF
    with page.expect_download() as download:
        page.get_by_role("link", name=text("Download as PDF", language)).click()
    path = download.value.path()
    assert open(path, "rb").read(5) == b"%PDF-"
    assert page.problems == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_period_that_ends_before_it_starts_is_explained(page, customer, customer_user, books, language):
    customer_user.language = language
    customer_user.save(update_fields=["language"])
    sign_in(page, customer_user, language=language)
    page.get_by_role("navigation").get_by_role("link", name=text("Account", language), exact=True).click()
    with page.expect_navigation():
        page.get_by_role("button", name=text("See the statement of account", language)).click()

    page.get_by_label(text("From", language), exact=True).fill("2026-10-31")
    page.get_by_label(text("To", language), exact=True).fill("2026-10-01")
    with page.expect_navigation():
        page.get_by_role("button", name=text("Show", language), exact=True).click()

    # An error, the dates kept as typed, and no statement
    refusal = text("The start of the period must come before its end.", language)
    expect(page.get_by_role("alert")).to_have_text(refusal)
    expect(page.get_by_label(text("From", language), exact=True)).to_have_value("2026-10-31")
    expect(page.locator("table.statement")).to_have_count(0)

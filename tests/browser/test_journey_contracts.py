"""Journey: request the renewal of a contract, in French and in English."""

import re

import pytest
from playwright.sync_api import expect

from contracts.models import RenewalRequest
from tests.browser.conftest import sign_in, text
from tests.contracts.factories import ContractFactory, EntitlementFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["fr", "en"])
def test_customer_requests_the_renewal_of_a_contract(page, customer, customer_user, language):
    # Given a software contract ending this year, with 10 user licences
    contract = ContractFactory(customer=customer, number="CT-77001")
    entitlement = EntitlementFactory(contract=contract, quantity=10)
    customer_user.language = language
    customer_user.save(update_fields=["language"])
    sign_in(page, customer_user, language=language)

    # From the navigation, through the renewals, to the contract's renewal form
    page.get_by_role("navigation").get_by_role("link", name=text("Contracts", language)).first.click()
    page.get_by_role("link", name=text("Renewals", language), exact=True).click()
    page.get_by_role("link", name=contract.number, exact=True).click()
    page.get_by_role("link", name=text("Request a renewal", language)).click()

    # The customer asks for 12 licences next term, with their purchase order
    quantity = page.locator(f"#id_quantity_{entitlement.pk}")
    expect(quantity).to_have_value("10")
    quantity.fill("12")
    page.get_by_label(text("Purchase order number", language)).fill("BC-2027-118")
    page.get_by_label(text("Message to our team", language)).fill("Deux postes de plus au siège.")
    with page.expect_navigation():
        page.get_by_role("button", name=text("Send the renewal request", language)).click()

    # Then the request is recorded for the agents, and the page says so
    renewal = RenewalRequest.objects.get(contract=contract)
    assert (renewal.po_number, renewal.requested_by) == ("BC-2027-118", customer_user)
    assert [
        (line.entitlement_id, line.current_quantity, line.requested_quantity) for line in renewal.lines.all()
    ] == [(entitlement.pk, 10, 12)]
    expect(page).to_have_url(re.compile(rf"/{language}/contracts/renewal-requests/{renewal.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text(
        text("Your renewal request was sent. Our team will contact you.", language)
    )
    expect(page.locator("main")).to_contain_text("BC-2027-118")
    assert page.problems == []

"""Journey: look up a serial number in the installed base, in French and in English."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in, text
from tests.inventory.factories import RecordFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["fr", "en"])
def test_customer_looks_up_a_serial_number_and_opens_the_machine(
    page, customer, customer_user, other_customer, language
):
    mine = RecordFactory(customer=customer, serial_number="78ACQ12", warranty_end=datetime.date(2030, 6, 30))
    RecordFactory(customer=other_customer, serial_number="78ACQ99")  # same prefix, another company's
    customer_user.language = language
    customer_user.save(update_fields=["language"])
    sign_in(page, customer_user, language=language)

    # From the navigation to the look-up page
    page.get_by_role("navigation").get_by_role("link", name=text("Installed base", language)).click()
    page.get_by_role("link", name=text("Look up a machine", language)).click()

    # A partial serial number finds the company's own machine only
    page.get_by_label(text("Serial number, machine type, type-model or product", language)).fill("78acq")
    with page.expect_navigation():
        page.get_by_role("button", name=text("Look up", language), exact=True).click()
    expect(page.get_by_role("link", name="78ACQ12")).to_be_visible()
    expect(page.get_by_text("78ACQ99")).to_have_count(0)

    # and opens its record
    page.get_by_role("link", name="78ACQ12").click()
    expect(page).to_have_url(re.compile(rf"/{language}/installed-base/{mine.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("78ACQ12")
    assert page.problems == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_another_companys_serial_number_is_not_found(page, customer_user, other_customer, language):
    RecordFactory(customer=other_customer, serial_number="78ZZZ01")
    customer_user.language = language
    customer_user.save(update_fields=["language"])
    sign_in(page, customer_user, language=language)
    page.get_by_role("navigation").get_by_role("link", name=text("Installed base", language)).click()
    page.get_by_role("link", name=text("Look up a machine", language)).click()

    page.get_by_label(text("Serial number, machine type, type-model or product", language)).fill("78ZZZ01")
    with page.expect_navigation():
        page.get_by_role("button", name=text("Look up", language), exact=True).click()

    expect(page.get_by_role("status")).to_have_text(text("No equipment matches this search.", language))

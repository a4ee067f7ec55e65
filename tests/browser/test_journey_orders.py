"""Journey: follow an order to its delivery window and accept it, in French and in English."""

import re

import pytest
from playwright.sync_api import expect

from orders import services
from orders.models import DeliveryWindow, OrderStatus, WindowStatus
from tests.browser.conftest import sign_in, text
from tests.orders.factories import advance, make_order, tomorrow_at

pytestmark = pytest.mark.browser


@pytest.fixture
def proposed_window(customer, agent):
    """A scheduled order for which CSO proposed tomorrow morning."""
    order = advance(
        make_order(customer, actor=agent, po_number="BC-4471"), OrderStatus.SCHEDULED, actor=agent
    )
    return services.delivery_window_propose(
        order=order, starts_at=tomorrow_at(9), ends_at=tomorrow_at(12), actor=agent
    )


def _open_order(page, order, language):
    page.get_by_role("navigation").get_by_role("link", name=text("Orders", language)).click()
    page.get_by_role("link", name=order.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.number)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_customer_follows_an_order_to_its_delivery_window_and_accepts_it(
    page, customer_user, proposed_window, language
):
    order = proposed_window.order
    customer_user.language = language
    customer_user.save(update_fields=["language"])
    sign_in(page, customer_user, language=language)

    # From the dashboard, through the orders list, to the order
    _open_order(page, order, language)
    expect(page.get_by_role("button", name=text("Accept this window", language))).to_be_visible()

    # The customer tells how the site is ready and accepts the window
    page.get_by_label(text("Loading dock", language)).select_option(
        label=text("Yes, a loading dock is available", language)
    )
    page.get_by_label(text("Site access hours", language)).fill("7 h – 15 h")
    page.get_by_label(text("Site contact", language), exact=True).fill("Lise Gagnon")
    page.get_by_label(text("Site contact telephone", language)).fill("514 555-0123")
    with page.expect_navigation():
        page.get_by_role("button", name=text("Accept this window", language)).click()

    # Then the order page confirms it, and the window is accepted with the site's details
    expect(page).to_have_url(re.compile(rf"/{language}/orders/{order.number}/"))
    expect(page.get_by_role("status")).to_contain_text(
        text("Thank you: the delivery window is confirmed.", language)
    )
    expect(page.get_by_role("button", name=text("Accept this window", language))).to_have_count(0)
    window = DeliveryWindow.objects.get(pk=proposed_window.pk)
    assert window.status == WindowStatus.ACCEPTED
    assert window.has_loading_dock is True
    assert (window.site_contact_name, window.site_contact_phone) == ("Lise Gagnon", "514 555-0123")
    assert window.answered_by == customer_user
    assert page.problems == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_wrong_telephone_number_is_refused_and_the_window_stays_open(
    page, customer_user, proposed_window, language
):
    order = proposed_window.order
    customer_user.language = language
    customer_user.save(update_fields=["language"])
    sign_in(page, customer_user, language=language)
    _open_order(page, order, language)

    page.get_by_label(text("Site access hours", language)).fill("7 h – 15 h")
    page.get_by_label(text("Site contact", language), exact=True).fill("Lise Gagnon")
    page.get_by_label(text("Site contact telephone", language)).fill("555-01")
    page.get_by_label(text("Special instructions", language)).fill("Quai B, sonner deux fois")
    with page.expect_navigation():
        page.get_by_role("button", name=text("Accept this window", language)).click()

    # The order page again: the error beside the telephone, and everything typed still there
    refusal = text("Enter a telephone number with its area code, for example 514 555-0123.", language)
    expect(page.get_by_text(refusal)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.number)
    expect(page.get_by_label(text("Site contact telephone", language))).to_have_value("555-01")
    expect(page.get_by_label(text("Site contact", language), exact=True)).to_have_value("Lise Gagnon")
    expect(page.get_by_label(text("Site access hours", language))).to_have_value("7 h – 15 h")
    expect(page.get_by_label(text("Special instructions", language))).to_have_value(
        "Quai B, sonner deux fois"
    )
    expect(page.get_by_role("button", name=text("Accept this window", language))).to_be_visible()
    assert DeliveryWindow.objects.get(pk=proposed_window.pk).status == WindowStatus.PROPOSED

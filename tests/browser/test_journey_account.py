"""Journeys of the shell, in French and in English: sign in, switch customer, switch language."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from csol.accounts.forms import SignInForm
from csol.core.models import Role
from tests.browser.conftest import sign_in, text, url
from tests.factories import CustomerFactory, MembershipFactory, PartnerAuthorisationFactory

pytestmark = pytest.mark.browser

LANGUAGES = ["fr", "en"]
OTHER = {"fr": "en", "en": "fr"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_sign_in_lands_on_the_dashboard_in_the_users_language(page, customer, customer_user, language):
    # Given a user whose profile says `language`, opening the sign-in page in the other language
    customer_user.language = language
    customer_user.save(update_fields=["language"])

    # When they sign in through the form
    sign_in(page, customer_user, language=OTHER[language])

    # Then they land on their dashboard, in their language, acting for their company
    expect(page).to_have_url(re.compile(rf"/{language}/$"))
    expect(page.locator("html")).to_have_attribute("lang", f"{language}-CA")
    expect(page.get_by_role("heading", level=1)).to_contain_text(customer.legal_name)
    expect(page.locator(".csol-active-customer")).to_have_text(customer.legal_name)
    assert page.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_wrong_password_is_refused_with_a_translated_message_and_keeps_the_email(
    page, customer_user, language
):
    sign_in(page, customer_user, language=language, password="not-the-password")

    expect(page).to_have_url(re.compile(rf"/{language}/accounts/sign-in/"))
    with translation.override(language):
        refusal = str(SignInForm.error_messages["invalid_login"])
    expect(page.get_by_text(refusal)).to_be_visible()
    expect(page.get_by_label(text("Email address", language))).to_have_value(customer_user.email)


@pytest.mark.parametrize("language", LANGUAGES)
def test_switch_customer_keeps_the_page(page, customer, customer_user, language):
    # Given a user who also buys for a second company
    second = CustomerFactory(legal_name="Deuxième Compagnie ltée", province="QC")
    MembershipFactory(user=customer_user, customer=second, role=Role.BUYER)
    customer_user.language = language
    customer_user.save(update_fields=["language"])
    sign_in(page, customer_user, language=language)
    page.goto(url("portal:contact", language))
    expect(page.locator(".csol-active-customer")).to_have_text(customer.legal_name)

    # When they pick the second company in the switcher
    page.get_by_label(text("Switch customer", language)).select_option(label=second.legal_name)
    with page.expect_navigation():
        page.get_by_role("button", name=text("Switch", language), exact=True).click()

    # Then they stay on the same page, now acting for the second company
    expect(page).to_have_url(re.compile(rf"/{language}/contact/$"))
    expect(page.locator(".csol-active-customer")).to_have_text(second.legal_name)
    page.goto(url("portal:dashboard", language))
    expect(page.get_by_role("heading", level=1)).to_contain_text(second.legal_name)
    assert page.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_partner_switches_between_all_customers_and_one(page, partner_user, other_customer, language):
    # Given a partner authorised for two customers, looking across all of them
    third = CustomerFactory(legal_name="Pacific Test Timber Ltd.", province="BC")
    PartnerAuthorisationFactory(partner=partner_user.partner, customer=third)
    partner_user.language = language
    partner_user.save(update_fields=["language"])
    sign_in(page, partner_user, language=language)
    expect(page.locator(".csol-active-customer")).to_have_text(text("All my customers", language))

    # When they pick one customer, then they act for it
    page.get_by_label(text("Switch customer", language)).select_option(label=third.legal_name)
    with page.expect_navigation():
        page.get_by_role("button", name=text("Switch", language), exact=True).click()
    expect(page.locator(".csol-active-customer")).to_have_text(third.legal_name)

    # and back to all of them
    all_mine = text("All my customers", language)
    page.get_by_label(text("Switch customer", language)).select_option(label=all_mine)
    with page.expect_navigation():
        page.get_by_role("button", name=text("Switch", language), exact=True).click()
    expect(page.locator(".csol-active-customer")).to_have_text(text("All my customers", language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_switch_keeps_the_page_and_is_remembered(page, customer_user, language):
    # Given a signed-in user on the contact page
    customer_user.language = language
    customer_user.save(update_fields=["language"])
    sign_in(page, customer_user, language=language)
    page.goto(url("portal:contact", language))
    other = OTHER[language]

    # When they press the other language's button in the header
    with page.expect_navigation():
        page.get_by_role("button", name={"en": "English", "fr": "Français"}[other]).click()

    # Then the same page comes back in the other language, and the profile remembers the choice
    expect(page).to_have_url(re.compile(rf"/{other}/contact/$"))
    expect(page.locator("html")).to_have_attribute("lang", f"{other}-CA")
    customer_user.refresh_from_db()
    assert customer_user.language == other
    assert page.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_sign_out_ends_the_session(page, customer_user, language):
    customer_user.language = language
    customer_user.save(update_fields=["language"])
    sign_in(page, customer_user, language=language)

    page.get_by_role("button", name=customer_user.get_full_name()).click()
    with page.expect_navigation():
        page.get_by_role("button", name=text("Sign out", language)).click()

    # The dashboard now asks to sign in again
    page.goto(url("portal:dashboard", language))
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))

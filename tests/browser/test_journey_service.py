"""Journeys of the service desk, in French and in English: a partner submits a request with an
attachment; an agent finds it in the back office and answers it there."""

import re

import pytest
from playwright.sync_api import expect

from csol.servicedesk.models import Category, ServiceRequest
from tests.browser.conftest import sign_in, text, url
from tests.servicedesk.factories import PDF_BYTES, make_request, upload

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["fr", "en"])
def test_partner_submits_a_service_request_with_an_attachment(page, partner_user, other_customer, language):
    partner_user.language = language
    partner_user.save(update_fields=["language"])
    sign_in(page, partner_user, language=language)

    # From the navigation to the category's form
    page.get_by_role("navigation").get_by_role("link", name=text("Service requests", language)).click()
    page.get_by_role("link", name=text("Submit a service request", language)).click()
    page.get_by_role("link", name=re.compile(re.escape(text("General question", language)))).click()

    # The partner names the customer, describes the request and attaches a PDF
    page.get_by_label(text("Customer", language)).select_option(value=str(other_customer.pk))
    page.get_by_label(text("Subject", language)).fill("Écran brisé au 3e étage")
    page.get_by_label(text("Describe your request", language)).fill("L'écran du poste 12 ne s'allume plus.")
    page.get_by_label(text("Attachments", language)).set_input_files(
        files=[{"name": "photo-écran.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name=text("Submit the request", language)).click()

    # Then the request exists for that customer, with its file, and the page says so
    service_request = ServiceRequest.objects.get(subject="Écran brisé au 3e étage")
    assert service_request.customer == other_customer
    assert service_request.partner == partner_user.partner
    assert [a.original_name for a in service_request.attachments.all()] == ["photo-écran.pdf"]
    expect(page).to_have_url(re.compile(rf"/{language}/service/{service_request.reference}/$"))
    expect(page.get_by_role("status")).to_contain_text(service_request.reference)
    download_link = page.get_by_role("link", name="photo-écran.pdf")
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert page.problems == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_refused_attachment_is_explained_and_the_typed_text_is_kept(
    page, partner_user, other_customer, language
):
    partner_user.language = language
    partner_user.save(update_fields=["language"])
    sign_in(page, partner_user, language=language)
    page.goto(url("servicedesk:create", language, category=Category.GENERAL))

    page.get_by_label(text("Subject", language)).fill("Programme à installer")
    page.get_by_label(text("Describe your request", language)).fill("Voici le programme.")
    page.get_by_label(text("Attachments", language)).set_input_files(
        files=[{"name": "setup.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" + b"\x00" * 200}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name=text("Submit the request", language)).click()

    # Refused with an error next to the field; the subject and description are still there
    expect(page.locator(".invalid-feedback, .errorlist").first).to_be_visible()
    expect(page.get_by_label(text("Subject", language))).to_have_value("Programme à installer")
    expect(page.get_by_label(text("Describe your request", language))).to_have_value("Voici le programme.")
    assert not ServiceRequest.objects.filter(subject="Programme à installer").exists()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_agent_finds_the_request_in_the_back_office_and_answers_it(
    page, agent, partner_user, other_customer, language
):
    service_request = make_request(
        other_customer,
        partner_user,
        subject="Licence expirée",
        files=[(upload("licence.pdf", PDF_BYTES), "application/pdf")],
    )
    agent.language = language
    agent.save(update_fields=["language"])
    sign_in(page, agent, language=language)

    # The agent opens the back office and searches for the reference
    page.goto(url("admin:servicedesk_servicerequest_changelist", language))
    page.locator("#searchbar").fill(service_request.reference)
    with page.expect_navigation():
        page.locator("#searchbar").press("Enter")
    page.get_by_role("link", name=service_request.reference).click()
    expect(page.locator("#content")).to_contain_text("Licence expirée")

    # From the request's back-office record to its answer form, still in the back office
    with page.expect_navigation():
        page.get_by_role("link", name=text("Answer", language), exact=True).click()
    expect(page).to_have_url(
        re.compile(rf"/{language}/admin/servicedesk/servicerequest/{service_request.pk}/reply/$")
    )
    expect(page.get_by_role("table", name=text("Conversation", language))).to_be_visible()
    page.get_by_label(text("Your message", language)).fill("Nous avons renouvelé la licence ce matin.")
    page.get_by_label(text("Then", language)).select_option(label=text("Mark as resolved", language))
    with page.expect_navigation():
        page.get_by_role("button", name=text("Send", language), exact=True).click()
    expect(page).to_have_url(
        re.compile(rf"/{language}/admin/servicedesk/servicerequest/{service_request.pk}/change/$")
    )
    expect(page.locator(".messagelist")).to_contain_text(text("Your message has been added.", language))
    expect(page.locator("#content")).to_contain_text("Nous avons renouvelé la licence ce matin.")

    # Then the answer is on the request, visible to the customer's side
    message = service_request.messages.get(body="Nous avons renouvelé la licence ce matin.")
    assert message.author == agent and not message.is_internal
    service_request.refresh_from_db()
    assert service_request.first_responded_at is not None
    assert service_request.status == "resolved"
    assert page.problems == []

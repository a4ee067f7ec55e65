"""The page header served from the cache: per user, customer, language and area, with live CSRF and path."""

import re

import pytest
from django.test import Client

from csol.core.models import Membership, Role
from tests.conftest import signed_in
from tests.factories import member

pytestmark = pytest.mark.django_db

HEADER = re.compile(r"<header.*?</header>", re.S)
NEXT = re.compile(r'<input type="hidden" name="next" value="([^"]*)">')


def header(client, url="/en/orders/"):
    return HEADER.search(client.get(url).content.decode()).group(0)


def test_cached_header_is_the_header_rendered_afresh(customer_client, customer_user, settings):
    first = header(customer_client)
    again = header(customer_client)
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    assert token.sub("", first) == token.sub("", again)
    assert "csolshell" not in again  # no mark is left behind
    assert customer_user.get_full_name() in again and 'aria-current="page"' in again


def test_each_user_sees_their_own_header(customer, other_customer):
    alice = member(customer, Role.BUYER, full_name="Alice Tremblay")
    bob = member(other_customer, Role.BUYER, full_name="Bob Singh")
    header(signed_in(alice))
    bobs = header(signed_in(bob))
    assert "Bob Singh" in bobs and "Alice Tremblay" not in bobs
    assert "Other Co. Ltd." in bobs and customer.legal_name not in bobs


def test_header_follows_the_page_language_and_area(customer_client):
    assert 'aria-current="page" href="/en/orders/"' in header(customer_client, "/en/orders/")
    invoices = header(customer_client, "/en/invoices/")
    assert 'aria-current="page" href="/en/invoices/"' in invoices
    assert 'aria-current="page" href="/en/orders/"' not in invoices
    assert 'lang="en">English' in header(customer_client, "/fr/orders/")
    assert 'lang="fr">Français' in header(customer_client, "/en/orders/")


def test_header_is_rendered_once_then_served_from_the_cache(customer_client):
    def header_renders(url):
        response = customer_client.get(url)
        return [t.name for t in response.templates].count("portal/_shell_header.html")

    assert header_renders("/en/orders/") == 1
    assert header_renders("/en/orders/?page=2") == 0


def test_next_is_the_current_path_escaped(customer_client):
    customer_client.get("/en/orders/")
    page = header(customer_client, '/en/orders/?q="><script>')
    assert NEXT.search(page).group(1) == "/en/orders/?q=%22%3E%3Cscript%3E"
    assert "<script>" not in page


def test_language_switch_from_a_cached_header_passes_the_csrf_check(customer_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_user)
    client.get("/en/orders/")
    page = header(client, "/en/orders/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/en/orders/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_new_membership_shows_in_the_switcher_at_once(customer_user, customer, other_customer):
    client = signed_in(customer_user)
    assert 'id="switch-customer"' not in header(client)
    Membership.objects.create(user=customer_user, customer=other_customer, role=Role.VIEWER)
    switcher = header(client)
    assert 'id="switch-customer"' in switcher and "Other Co. Ltd." in switcher


def test_renamed_customer_shows_in_the_partner_switcher(partner_client, other_customer, partner):
    from tests.factories import PartnerAuthorisationFactory, CustomerFactory

    PartnerAuthorisationFactory(partner=partner, customer=CustomerFactory(legal_name="Second Co."))
    assert "Other Co. Ltd." in header(partner_client)
    other_customer.legal_name = "Renamed Co."
    other_customer.save()
    assert "Renamed Co." in header(partner_client)

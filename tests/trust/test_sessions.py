"""Sessions end: after idle time, after an absolute lifetime, at sign-out, at deactivation."""

import time

import pytest
from django.test import Client

from csol.core.models import Membership, Role
from csol.security.sessions import LAST_SEEN, SIGNED_IN_AT
from tests.conftest import signed_in
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.django_db


def _shift(client, key, seconds):
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def test_idle_session_is_signed_out(customer_client, settings):
    assert customer_client.get("/en/").status_code == 200
    _shift(customer_client, LAST_SEEN, settings.SESSION_IDLE_TIMEOUT + 5)
    response = customer_client.get("/en/orders/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/sign-in/?next=/en/orders/")
    assert customer_client.get("/en/")["Location"].startswith("/en/accounts/sign-in/")


def test_activity_keeps_the_session_alive(customer_client, settings):
    _shift(customer_client, LAST_SEEN, settings.SESSION_IDLE_TIMEOUT - 60)
    assert customer_client.get("/en/").status_code == 200
    assert time.time() - customer_client.session[LAST_SEEN] < 60


def test_absolute_lifetime_ends_even_an_active_session(customer_client, settings):
    _shift(customer_client, SIGNED_IN_AT, settings.SESSION_COOKIE_AGE + 5)
    assert customer_client.get("/en/").status_code == 302


def test_sign_out_ends_the_session_for_a_replayed_cookie(customer_user):
    client = Client()
    client.post("/en/accounts/sign-in/", {"username": customer_user.email, "password": PASSWORD})
    stolen = client.cookies["sessionid"].value
    assert client.get("/en/").status_code == 200
    client.post("/en/accounts/sign-out/")
    replay = Client()
    replay.cookies["sessionid"] = stolen
    assert replay.get("/en/").status_code == 302


def test_deactivation_ends_the_colleagues_session_at_once(customer, customer_client):
    colleague = member(customer, Role.BUYER, email="buyer@acme.example")
    their_client = signed_in(colleague)
    assert their_client.get("/en/").status_code == 200
    membership = Membership.objects.get(user=colleague)
    customer_client.post(f"/en/accounts/team/{membership.pk}/deactivate/")
    assert their_client.get("/en/").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://testserver.evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_sign_in_redirects_only_to_the_portals_own_pages(customer_user, target):
    client = Client()
    response = client.post(
        f"/en/accounts/sign-in/?next={target}",
        {"username": customer_user.email, "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] in {"/en/", "/fr/"}


def test_sign_in_follows_a_next_on_the_portal(customer_user):
    client = Client()
    response = client.post(
        "/fr/accounts/sign-in/",
        {"username": customer_user.email, "password": PASSWORD, "next": "/fr/accounts/team/"},
    )
    assert response["Location"] == "/fr/accounts/team/"


def test_signed_in_pages_are_not_stored(customer_client, client):
    response = customer_client.get("/en/")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    anonymous = client.get("/en/contact/")
    assert "no-store" not in anonymous.get("Cache-Control", "")


def test_a_user_deactivated_in_the_back_office_is_signed_out_at_once(customer_user):
    client = signed_in(customer_user)
    assert client.get("/en/").status_code == 200
    customer_user.is_active = False  # the "active" box of the user's page in the admin
    customer_user.save(update_fields=["is_active"])
    response = client.get("/en/orders/")
    assert response.status_code == 302 and response["Location"].startswith("/en/accounts/sign-in/")

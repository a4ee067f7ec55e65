"""The shell and accounts pages: sign-in, language, customer switch, team management, admin."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from csol.core.middleware import ACTIVE_CUSTOMER_SESSION_KEY
from csol.core.models import Invitation, Membership, Role
from tests.conftest import signed_in
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "name", ["portal:dashboard", "portal:contact", "accounts:team", "accounts:invite", "accounts:password_change"]
)
def test_every_shell_page_renders_in_both_languages(customer_client, name, language):
    response = customer_client.get(f"/{language}" + reverse(name)[3:])
    assert response.status_code == 200
    assert f'<html lang="{language}-CA">' in response.content.decode()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_shell_links_follow_the_language_and_mark_the_current_area(customer_client, language):
    page = customer_client.get(f"/{language}/invoices/").content.decode()
    nav = page[page.index('<nav class="csol-nav"') : page.index("</nav>")]
    # The current area is marked for screen readers too; the others and the dashboard are not.
    assert f'<a class="nav-link active" aria-current="page" href="/{language}/invoices/">' in nav
    assert nav.count('aria-current="page"') == 1
    assert f'<a class="nav-link" href="/{language}/orders/">' in nav
    assert f'<a class="nav-link" href="/{language}/">' in nav
    assert f'action="/{language}/accounts/sign-out/"' in page
    assert f'<a href="/{language}/contact/">' in page


def test_dashboard_is_marked_current_on_the_dashboard(customer_client):
    page = customer_client.get("/en/").content.decode()
    assert '<a class="nav-link active" aria-current="page" href="/en/">' in page


def test_the_shell_names_the_active_customer_without_a_query_of_its_own(customer_client, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page = customer_client.get("/en/contact/").content.decode()
    assert "Acme Québec inc." in page
    # The customer's name came with the memberships.
    assert not [q for q in queries.captured_queries if 'FROM "core_customer"' in q["sql"]]


@pytest.mark.parametrize("name", ["accounts:login", "accounts:password_reset", "portal:contact"])
def test_public_pages_render(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_sign_in_lands_in_the_users_language(client, customer_user):
    # Given a French-speaking user signing in from the English page
    response = client.post("/en/accounts/sign-in/", {"username": "ADMIN@acme.example", "password": PASSWORD})
    # Then they land on the French dashboard
    assert response.status_code == 302
    assert response["Location"] == "/fr/"


def test_sign_in_refuses_an_external_next(client, customer_user):
    response = client.post(
        "/fr/accounts/sign-in/?next=https://evil.example/", {"username": customer_user.email, "password": PASSWORD}
    )
    assert response["Location"] == "/fr/"


def test_wrong_password_gives_a_translated_error(client, customer_user):
    response = client.post("/fr/accounts/sign-in/", {"username": customer_user.email, "password": "nope"})
    assert response.status_code == 200
    assert "Le mot de passe ou l" in response.content.decode() or "adresse courriel ou le mot de passe" in response.content.decode()


def test_failed_sign_ins_are_throttled_then_cool_off(client, customer_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/en/accounts/sign-in/", {"username": customer_user.email, "password": "wrong"})
    # Even the right password is refused during the cool-off
    response = client.post("/en/accounts/sign-in/", {"username": customer_user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    from axes.models import AccessAttempt

    # After the cool-off the attempts expire: not a permanent lock-out
    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")
    response = client.post("/en/accounts/sign-in/", {"username": customer_user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_language_switch_keeps_the_page_and_is_remembered(customer_client, customer_user):
    response = customer_client.post(
        "/i18n/setlang/", {"language": "en", "next": "/fr/accounts/password/change/"}
    )
    assert response["Location"] == "/en/accounts/password/change/"
    customer_user.refresh_from_db()
    assert customer_user.language == "en"


def test_language_switch_refuses_external_next(customer_client):
    response = customer_client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/x"})
    assert response["Location"] == "/en/"


def test_header_shows_the_active_customer(customer_client, customer):
    assert customer.legal_name in customer_client.get("/fr/").content.decode()


def test_switch_customer_between_memberships(customer, other_customer):
    user = member(customer, Role.ADMINISTRATOR)
    Membership.objects.create(user=user, customer=other_customer, role=Role.VIEWER)
    client = signed_in(user)
    response = client.post("/en/customer/switch/", {"customer": other_customer.id, "next": "/en/"})
    assert response.status_code == 302
    assert client.session[ACTIVE_CUSTOMER_SESSION_KEY] == other_customer.id
    assert "Dashboard of Other Co. Ltd." in client.get("/en/").content.decode()


def test_switch_to_a_stranger_customer_is_404(customer_client, other_customer):
    response = customer_client.post("/en/customer/switch/", {"customer": other_customer.id})
    assert response.status_code == 404


def test_partner_switches_among_authorised_customers_only(partner_client, other_customer, customer):
    assert partner_client.post("/en/customer/switch/", {"customer": other_customer.id}).status_code == 302
    assert partner_client.post("/en/customer/switch/", {"customer": customer.id}).status_code == 404


def test_customer_user_never_reaches_the_admin(customer_client, customer_user, client):
    response = customer_client.get("/en/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post("/en/admin/login/", {"username": customer_user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_agent_reaches_the_admin(agent_client):
    assert agent_client.get("/fr/admin/core/customer/").status_code in (200, 302)


# Team management ----------------------------------------------------------------------------------


def test_viewer_cannot_manage_users(customer):
    viewer = member(customer, Role.VIEWER)
    client = signed_in(viewer)
    assert client.get("/en/accounts/team/").status_code == 404
    assert client.post("/en/accounts/team/invite/", {"email": "a@b.example", "role": "viewer"}).status_code == 404
    assert Invitation.objects.count() == 0


def test_admin_of_a_cannot_manage_users_of_b(customer_client, other_user):
    other_membership = other_user.memberships.get()
    assert customer_client.get(f"/en/accounts/team/{other_membership.pk}/").status_code == 404
    response = customer_client.post(f"/en/accounts/team/{other_membership.pk}/deactivate/")
    assert response.status_code == 404
    other_membership.refresh_from_db()
    assert other_membership.is_active


def test_partner_cannot_manage_customer_users(partner_client):
    assert partner_client.get("/en/accounts/team/").status_code == 404


def test_invite_with_malformed_email_changes_nothing(customer_client):
    response = customer_client.post("/fr/accounts/team/invite/", {"email": "not-an-email", "role": "buyer"})
    assert response.status_code == 200
    assert "Saisissez une adresse" in response.content.decode()
    assert Invitation.objects.count() == 0 and len(mail.outbox) == 0


def _invite(client, email="new.person@acme.example", role="buyer"):
    with_commit = client.post("/en/accounts/team/invite/", {"email": email, "role": role})
    assert with_commit.status_code == 302
    return Invitation.objects.get(email=email)


def test_invitation_flow_creates_a_member(customer_client, customer, django_capture_on_commit_callbacks, client):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(customer_client)
    # The email is in the customer's language (French for a Quebec customer) and carries the link
    assert len(mail.outbox) == 1
    assert "vous invite" in mail.outbox[0].subject
    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    response = client.post(
        path, {"full_name": "New Person", "password1": "Correct-horse-battery-9", "password2": "Correct-horse-battery-9"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.person@acme.example", customer=customer)
    assert membership.role == Role.BUYER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # A used link cannot be used again
    assert client.get(path).status_code == 400


def test_tampered_invitation_link_is_refused(customer_client, client):
    invitation = _invite(customer_client)
    from csol.core.services.memberships import invitation_token

    token = invitation_token(invitation)
    response = client.get(f"/fr/accounts/invitation/{token[:-2]}xx/")
    assert response.status_code == 400
    assert "lien d&#x27;invitation n&#x27;est pas valide" in response.content.decode()


def test_expired_invitation_link_is_refused(customer_client, client, settings):
    invitation = _invite(customer_client)
    from csol.core.services.memberships import invitation_token

    link_token = invitation_token(invitation)
    settings.INVITATION_MAX_AGE = __import__("datetime").timedelta(seconds=-1)
    response = client.get(f"/en/accounts/invitation/{link_token}/")
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_too_long_name_on_invitation_is_refused(customer_client, client):
    invitation = _invite(customer_client)
    from csol.core.services.memberships import invitation_token

    response = client.post(
        f"/en/accounts/invitation/{invitation_token(invitation)}/",
        {"full_name": "x" * 151, "password1": "Correct-horse-battery-9", "password2": "Correct-horse-battery-9"},
    )
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert not Membership.objects.filter(user__email=invitation.email).exists()


def test_administrator_changes_a_role(customer_client, customer):
    colleague = member(customer, Role.VIEWER)
    membership = colleague.memberships.get()
    response = customer_client.post(f"/en/accounts/team/{membership.pk}/", {"role": "ap"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.ACCOUNTS_PAYABLE


def test_deactivation_ends_sessions_at_once(customer_client, customer):
    colleague = member(customer, Role.BUYER)
    colleague_client = signed_in(colleague)
    assert colleague_client.get("/en/").status_code == 200
    customer_client.post(f"/en/accounts/team/{colleague.memberships.get().pk}/deactivate/")
    response = colleague_client.get("/en/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_last_administrator_cannot_be_demoted(customer_client, customer_user):
    # Only via another admin's page would this be possible; the service refuses it anyway.
    from django.core.exceptions import ValidationError

    from csol.core.services.memberships import membership_change_role

    with pytest.raises(ValidationError):
        membership_change_role(membership=customer_user.memberships.get(), role=Role.VIEWER, actor=customer_user)


def test_password_reset_sends_an_email(client, customer_user):
    response = client.post("/fr/accounts/password/reset/", {"email": customer_user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "mot de passe" in mail.outbox[0].subject

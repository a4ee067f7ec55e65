"""Two-step verification: agents always, company users when their administrator requires it."""

import re

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from csol.audit.models import AuditAction, AuditEvent
from csol.core.models import Role
from tests.conftest import signed_in
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.django_db


def code_for(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token()).zfill(device.digits)


def sign_in(client, email, language="en"):
    return client.post(f"/{language}/accounts/sign-in/", {"username": email, "password": PASSWORD})


def test_agent_sets_up_the_app_then_reaches_the_back_office(agent):
    client = Client()
    sign_in(client, agent.email)
    # Signed in with the password only: the back office sends the agent to set up a second factor.
    response = client.get("/en/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/security/two-step/")
    page = client.get(response["Location"], follow=True)
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    device = TOTPDevice.objects.get(user=agent, confirmed=False)

    wrong = client.post(
        "/en/security/two-step/", {"token": "000000" if code_for(device) != "000000" else "111111"}
    )
    assert "does not match" in wrong.content.decode()

    done = client.post("/en/security/two-step/", {"token": code_for(device), "next": "/en/admin/"})
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z0-9]{10})</li>", done.content.decode())
    assert len(codes) == 10
    assert "no-store" in done["Cache-Control"]
    assert client.get("/en/admin/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_ENABLED, actor=agent).exists()

    # The codes are not shown again.
    status = client.get("/en/security/two-step/").content.decode()
    assert not any(code in status for code in codes)
    assert "10 unused backup codes" in status


def test_next_sign_in_asks_for_the_code(agent):
    device = TOTPDevice.objects.create(user=agent, name="authenticator", confirmed=True)
    client = Client()
    sign_in(client, agent.email)
    response = client.get("/en/admin/core/customer/")
    assert response.status_code == 302
    assert response["Location"] == "/en/security/two-step/verify/?next=%2Fen%2Fadmin%2Fcore%2Fcustomer%2F"
    # A second factor cannot be replaced with the password alone.
    assert client.get("/en/security/two-step/?new=1")["Location"].startswith("/en/security/two-step/verify/")

    bad = client.post("/en/security/two-step/verify/", {"token": "12345"})
    assert "not valid" in bad.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_FAILED, actor=agent).exists()

    device.refresh_from_db()
    device.throttle_reset()
    ok = client.post(
        "/en/security/two-step/verify/", {"token": code_for(device), "next": "/en/admin/core/customer/"}
    )
    assert ok["Location"] == "/en/admin/core/customer/"
    assert client.get("/en/admin/core/customer/").status_code == 200


def test_a_backup_code_works_once(agent):
    TOTPDevice.objects.create(user=agent, name="authenticator", confirmed=True)
    from csol.security.services import backup_codes_regenerate

    codes = backup_codes_regenerate(user=agent)
    client = Client()
    sign_in(client, agent.email)
    response = client.post("/en/security/two-step/verify/", {"token": codes[0], "next": "/en/admin/"})
    assert response["Location"] == "/en/admin/"
    assert StaticToken.objects.filter(device__user=agent).count() == 9

    again = Client()
    sign_in(again, agent.email)
    refused = again.post("/en/security/two-step/verify/", {"token": codes[0]})
    assert refused.status_code == 200
    assert again.get("/en/admin/").status_code == 302


def test_verify_refuses_to_send_the_user_elsewhere(agent):
    device = TOTPDevice.objects.create(user=agent, name="authenticator", confirmed=True)
    client = Client()
    sign_in(client, agent.email)
    response = client.post(
        "/en/security/two-step/verify/", {"token": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/en/"


def test_the_admin_site_itself_requires_a_verified_device(agent):
    unverified = signed_in(agent, verified=False)
    from django.test import RequestFactory

    from csol.security.admin_site import SecureAdminSite

    request = RequestFactory().get("/en/admin/")
    request.user = agent
    agent.is_verified = lambda: False
    assert SecureAdminSite().has_permission(request) is False
    agent.is_verified = lambda: True
    assert SecureAdminSite().has_permission(request) is True
    assert unverified.get("/en/admin/").status_code == 302


def test_customer_users_need_no_second_factor_by_default(customer_client):
    assert customer_client.get("/en/").status_code == 200


def test_company_administrator_requires_it_for_every_user(customer, customer_user):
    colleague = member(customer, Role.BUYER, email="buyer@acme.example")
    admin_client = signed_in(customer_user)

    # The administrator must use it before imposing it.
    response = admin_client.post("/en/security/two-step/company/", {"require_two_factor": "on"})
    assert response["Location"] == "/en/security/two-step/"
    customer.refresh_from_db()
    assert customer.require_two_factor is False

    admin_client = signed_in(customer_user, verified=True)
    team = admin_client.get("/en/accounts/team/").content.decode()
    assert 'name="require_two_factor"' in team
    response = admin_client.post("/en/security/two-step/company/", {"require_two_factor": "on"})
    assert response["Location"] == "/en/accounts/team/"
    customer.refresh_from_db()
    assert customer.require_two_factor is True
    change = AuditEvent.objects.get(action=AuditAction.UPDATE, content_type__model="customer")
    assert change.changes == {"require_two_factor": [False, True]} and change.actor == customer_user

    # The colleague, at the next sign-in, sets it up before seeing anything.
    client = Client()
    sign_in(client, colleague.email)
    response = client.get("/en/")
    assert response.status_code == 302 and response["Location"].startswith("/en/security/two-step/")

    # Turning it off again lets them in.
    admin_client.post("/en/security/two-step/company/", {})
    customer.refresh_from_db()
    assert customer.require_two_factor is False
    client = Client()
    sign_in(client, colleague.email)
    assert client.get("/en/").status_code == 200


def test_other_companies_are_not_affected(customer, customer_user, other_user):
    customer.require_two_factor = True
    customer.save()
    assert signed_in(other_user).get("/en/").status_code == 200


def test_partners_acting_for_such_a_company_need_it(partner_user, other_customer):
    other_customer.require_two_factor = True
    other_customer.save()
    client = Client()
    sign_in(client, partner_user.email)
    assert client.get("/en/")["Location"].startswith("/en/security/two-step/")


def test_only_the_administrator_sets_the_rule(customer):
    buyer = member(customer, Role.BUYER, email="buyer@acme.example")
    client = signed_in(buyer, verified=True)
    assert client.post("/en/security/two-step/company/", {"require_two_factor": "on"}).status_code == 404
    customer.refresh_from_db()
    assert customer.require_two_factor is False

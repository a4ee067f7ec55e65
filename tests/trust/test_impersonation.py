"""An agent views the portal as a customer user: recorded, read-only, and reversible."""

import pytest

from csol.audit.middleware import IMPERSONATION_SESSION_KEY
from csol.audit.models import AuditAction, AuditEvent, ImpersonationSession
from csol.core.models import Invitation, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _start(client, user, reason="Call 4471"):
    return client.post(f"/en/audit/view-as/{user.pk}/", {"reason": reason})


def test_agent_views_the_portal_as_the_customer_user(
    agent_client, agent, customer_user, customer, other_customer
):
    page = agent_client.get(f"/en/audit/view-as/{customer_user.pk}/")
    assert page.status_code == 200
    response = _start(agent_client, customer_user)
    assert response.status_code == 302
    assert response["Location"] == "/en/"

    session = ImpersonationSession.objects.get()
    assert (session.agent, session.user, session.reason, session.ended_at) == (
        agent,
        customer_user,
        "Call 4471",
        None,
    )
    started = AuditEvent.objects.get(action=AuditAction.IMPERSONATION_START)
    assert (started.actor, started.acting_as, started.customer_id) == (agent, customer_user, customer.pk)

    dashboard = agent_client.get("/en/")
    html = dashboard.content.decode()
    assert "You are viewing the portal as" in html and customer_user.email in html
    # The Viewer is the customer user: their company only, not the agent's view of everything.
    viewer = dashboard.wsgi_request.viewer
    assert not viewer.is_agent
    assert viewer.customer_ids() == [customer.pk]
    assert viewer.active_customer_id == customer.pk


def test_nothing_can_be_written_while_viewing_as(agent_client, customer_user):
    _start(agent_client, customer_user)
    response = agent_client.post(
        "/en/accounts/team/invite/", {"email": "new@acme.example", "role": Role.BUYER}
    )
    assert response.status_code == 403
    assert "Read-only" in response.content.decode()
    assert not Invitation.objects.exists()
    denied = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert denied.changes == {"status": 403, "method": "POST"}
    assert denied.acting_as == customer_user


def test_stopping_returns_to_the_agent(agent_client, agent, customer_user):
    _start(agent_client, customer_user)
    response = agent_client.post("/en/audit/view-as/stop/")
    assert response.status_code == 302
    assert response["Location"] == f"/en/admin/core/user/{customer_user.pk}/change/"
    assert ImpersonationSession.objects.get().ended_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.IMPERSONATION_END, actor=agent).count() == 1
    dashboard = agent_client.get("/en/")
    assert dashboard.wsgi_request.viewer.is_agent
    assert "You are viewing the portal as" not in dashboard.content.decode()


def test_signing_out_ends_the_session(agent_client, customer_user):
    _start(agent_client, customer_user)
    agent_client.post("/en/accounts/sign-out/")
    assert ImpersonationSession.objects.get().ended_at is not None


def test_the_back_office_stays_the_agents_own(agent_client, customer_user):
    _start(agent_client, customer_user)
    assert agent_client.get("/en/admin/").status_code == 200


def test_a_reason_is_required(agent_client, customer_user):
    response = _start(agent_client, customer_user, reason="  ")
    assert response.status_code == 200
    assert not ImpersonationSession.objects.exists()


def test_customers_cannot_view_as_anyone(customer_client, other_user):
    response = _start(customer_client, other_user)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not ImpersonationSession.objects.exists()


def test_agents_cannot_view_as_another_agent(agent_client):
    colleague = UserFactory(is_staff=True)
    assert _start(agent_client, colleague).status_code == 404
    assert not ImpersonationSession.objects.exists()


def test_deactivated_user_ends_the_session(agent_client, customer_user):
    _start(agent_client, customer_user)
    customer_user.is_active = False
    customer_user.save(update_fields=["is_active"])
    page = agent_client.get("/en/")
    assert page.wsgi_request.impersonation is None
    assert ImpersonationSession.objects.get().ended_at is not None
    assert IMPERSONATION_SESSION_KEY not in agent_client.session


def test_sessions_are_listed_read_only_in_the_admin(agent_client, customer_user):
    _start(agent_client, customer_user)
    agent_client.post("/en/audit/view-as/stop/")
    page = agent_client.get("/en/admin/audit/impersonationsession/")
    assert page.status_code == 200
    assert "Call 4471" in page.content.decode()
    assert agent_client.get("/en/admin/audit/impersonationsession/add/").status_code == 403


def test_user_page_offers_view_as(agent_client, customer_user):
    page = agent_client.get(f"/en/admin/core/user/{customer_user.pk}/change/").content.decode()
    assert f"/en/audit/view-as/{customer_user.pk}/" in page


# While viewing as, these only change what the agent sees (or end the session): allowed.
ALLOWED_WHILE_VIEWING = {"audit:impersonation_stop", "accounts:logout", "portal:switch_customer"}


def test_every_portal_write_is_refused_while_viewing_as(agent_client, customer, customer_user):
    """Table-driven from the URL resolver: each customer-facing URL, POSTed (and one PUT and DELETE)
    while viewing as the customer's administrator, is a 403 and changes nothing."""
    from tests.tenancy.registry import Owner, customer_facing_patterns, page_kwargs, url_for

    owner = Owner(customer=customer, user=customer_user)
    urls = [
        url_for(pattern.view_name, kwargs, "en")
        for pattern in customer_facing_patterns()
        if pattern.view_name not in ALLOWED_WHILE_VIEWING
        for kwargs in page_kwargs(pattern, owner)
    ]
    assert len(urls) > 40  # the table covers the portal, not a handful of pages
    _start(agent_client, customer_user)
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    refused = []
    for url in urls:
        response = agent_client.post(url, {"reason": "x", "body": "x", "amount": "1.00", "role": Role.VIEWER})
        if response.status_code != 403:
            refused.append(f"POST {url}: {response.status_code}")
    for method in (agent_client.put, agent_client.delete, agent_client.patch):
        if method(urls[0]).status_code != 403:
            refused.append(f"{method.__name__.upper()} {urls[0]}")

    assert refused == []
    written = AuditEvent.objects.filter(pk__gt=last or 0).exclude(action=AuditAction.ACCESS_DENIED)
    assert list(written) == []
    assert AuditEvent.objects.filter(pk__gt=last or 0, acting_as=customer_user).count() == len(urls) + 3


def test_language_and_customer_switches_still_work_while_viewing_as(agent_client, customer, customer_user):
    _start(agent_client, customer_user)
    assert agent_client.post("/i18n/setlang/", {"language": "fr", "next": "/fr/"}).status_code == 302
    switched = agent_client.post("/fr/customer/switch/", {"customer": customer.pk, "next": "/fr/orders/"})
    assert (switched.status_code, switched["Location"]) == (302, "/fr/orders/")
    assert ImpersonationSession.objects.get().ended_at is None

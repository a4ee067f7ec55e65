"""Agents answer a service request in the back office."""

import pytest
from django.urls import reverse

from csol.core.models import User
from csol.servicedesk.models import Attachment, Status
from tests.conftest import signed_in
from tests.servicedesk.factories import EXE_BYTES, PDF_BYTES, make_request, upload

pytestmark = pytest.mark.django_db


def _reply_url(sr):
    return reverse("admin:servicedesk_servicerequest_reply", args=[sr.pk])


def test_change_page_offers_the_answer_and_the_audit_trail(agent_client, customer, customer_user):
    sr = make_request(customer, customer_user)
    page = agent_client.get(reverse("admin:servicedesk_servicerequest_change", args=[sr.pk])).content.decode()
    assert _reply_url(sr) in page
    assert "/admin/audit/auditevent/?content_type__id__exact=" in page


def test_agent_answers_in_the_back_office(
    agent_client, agent, customer, customer_user, mailoutbox, django_capture_on_commit_callbacks
):
    sr = make_request(customer, customer_user, subject="Imprimante hors ligne")
    page = agent_client.get(_reply_url(sr))
    assert page.status_code == 200 and "Imprimante hors ligne" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            _reply_url(sr),
            {
                "body": "Nous avons redémarré le serveur.",
                "then": Status.WAITING,
                "attachments": [upload("note.pdf", PDF_BYTES)],
            },
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:servicedesk_servicerequest_change", args=[sr.pk])
    message = sr.messages.get(body="Nous avons redémarré le serveur.")
    assert message.author == agent and message.by_agent and not message.is_internal
    assert [a.original_name for a in Attachment.objects.filter(message=message)] == ["note.pdf"]
    sr.refresh_from_db()
    assert sr.first_responded_at is not None and sr.status == Status.WAITING
    assert [m.to for m in mailoutbox] == [[customer_user.email]]  # the requester is told


def test_internal_note_is_not_mailed(
    agent_client, customer, customer_user, mailoutbox, django_capture_on_commit_callbacks
):
    sr = make_request(customer, customer_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(_reply_url(sr), {"body": "Vérifier la garantie.", "internal": "on"})
    assert response.status_code == 302
    assert sr.messages.get().is_internal and mailoutbox == []
    sr.refresh_from_db()
    assert sr.first_responded_at is None


def test_bad_answers_are_refused_and_kept(agent_client, customer, customer_user):
    sr = make_request(customer, customer_user)
    empty = agent_client.post(_reply_url(sr), {"body": "  "})
    assert empty.status_code == 400 and not sr.messages.exists()
    disguised = agent_client.post(
        _reply_url(sr), {"body": "Voici le correctif.", "attachments": [upload("fix.pdf", EXE_BYTES)]}
    )
    assert disguised.status_code == 400 and not sr.messages.exists()
    html = disguised.content.decode()
    assert "fix.pdf" in html and "Voici le correctif." in html


def test_closed_request_takes_no_answer(agent_client, agent, customer, customer_user):
    from csol.servicedesk import services

    sr = make_request(customer, customer_user)
    services.service_request_transition(service_request=sr, to=Status.CLOSED, actor=agent)
    response = agent_client.post(_reply_url(sr), {"body": "Trop tard."})
    assert response.status_code == 400 and not sr.messages.exists()


def test_only_agents_of_the_service_desk_may_answer(customer, customer_user, customer_client):
    sr = make_request(customer, customer_user)
    assert customer_client.post(_reply_url(sr), {"body": "x"}).status_code == 302  # to the admin sign-in
    outsider = User.objects.create_user(
        email="desk-less@csol.example", password="x-Long-passw0rd", is_staff=True
    )
    response = signed_in(outsider).post(_reply_url(sr), {"body": "x"})
    assert response.status_code == 403
    assert not sr.messages.exists()


def test_unknown_request_is_404(agent_client):
    assert (
        agent_client.get(reverse("admin:servicedesk_servicerequest_reply", args=[999999])).status_code == 404
    )

"""Emails: acknowledgement, public replies, resolution: once each, after commit, in the reader's language."""

import re

import pytest
from django.core import mail

from csol.servicedesk import services, tasks
from csol.servicedesk.models import EmailKind, SentEmail, Status
from tests.servicedesk.factories import make_request

pytestmark = pytest.mark.django_db


def test_acknowledgement_after_commit_once_and_in_french(
    customer, customer_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sr = make_request(customer, customer_user)
    assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@acme.example"]
    assert sr.reference in message.subject and "Nous avons reçu" in message.subject
    assert sr.reference in message.body
    assert re.search(r"d’ici le \d{4}-\d{2}-\d{2} \d{2}:\d{2} E[SD]T", message.body)  # Quebec's time
    # A second run (a retried task) sends nothing more.
    tasks.send_acknowledgement.apply(args=[sr.pk])
    assert len(mail.outbox) == 1
    assert SentEmail.objects.get().kind == EmailKind.ACKNOWLEDGEMENT


def test_english_recipient_gets_english(other_customer, other_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sr = make_request(other_customer, other_user)
    assert mail.outbox[0].subject == f"We received your service request {sr.reference}"


def test_the_recipients_language_wins_over_the_customers(customer, django_capture_on_commit_callbacks):
    from tests.factories import member

    anglophone = member(customer, email="en@acme.example", language="en")  # Quebec customer, English user
    with django_capture_on_commit_callbacks(execute=True):
        make_request(customer, anglophone)
    assert mail.outbox[0].subject.startswith("We received")


def test_public_replies_are_emailed_once_internal_notes_and_own_replies_never(
    customer, customer_user, agent, django_capture_on_commit_callbacks
):
    sr = make_request(customer, customer_user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.service_request_reply(service_request=sr, author=agent, body="Internal only", internal=True)
        services.service_request_reply(service_request=sr, author=customer_user, body="My own words")
        reply = services.service_request_reply(
            service_request=sr, author=agent, body="Here is the answer & more"
        )
    assert len(mail.outbox) == 1
    assert "Here is the answer & more" in mail.outbox[0].body  # plain text: not HTML-escaped
    assert "Internal only" not in mail.outbox[0].body
    assert mail.outbox[0].subject == f"Nouvelle réponse à votre demande de service {sr.reference}"
    tasks.send_reply.apply(args=[sr.pk, reply.pk])
    assert len(mail.outbox) == 1


def test_internal_note_task_never_sends(customer, customer_user, agent):
    sr = make_request(customer, customer_user)
    note = services.service_request_reply(service_request=sr, author=agent, body="secret", internal=True)
    mail.outbox.clear()
    tasks.send_reply.apply(args=[sr.pk, note.pk])
    assert mail.outbox == []


def test_resolution_email_once_per_resolution(
    other_customer, other_user, agent, django_capture_on_commit_callbacks
):
    sr = make_request(other_customer, other_user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.service_request_transition(service_request=sr, to=Status.RESOLVED, actor=agent)
    assert [m.subject for m in mail.outbox] == [f"Your service request {sr.reference} is resolved"]
    event = sr.events.get(new_value=Status.RESOLVED)
    tasks.send_resolution.apply(args=[sr.pk, event.pk])
    assert len(mail.outbox) == 1


def test_resolution_task_is_quiet_when_the_request_moved_on(other_customer, other_user, agent):
    sr = make_request(other_customer, other_user)
    services.service_request_transition(service_request=sr, to=Status.RESOLVED, actor=agent)
    services.service_request_transition(service_request=sr, to=Status.ASSIGNED, actor=other_user)
    mail.outbox.clear()
    tasks.send_resolution.apply(args=[sr.pk, sr.events.get(new_value=Status.RESOLVED).pk])
    tasks.send_acknowledgement.apply(args=[999999])
    assert mail.outbox == []

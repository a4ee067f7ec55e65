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
    to_requester = [m for m in mail.outbox if m.to == [customer_user.email]]
    assert len(to_requester) == 1
    assert "Here is the answer & more" in to_requester[0].body  # plain text: not HTML-escaped
    assert "Internal only" not in to_requester[0].body
    assert to_requester[0].subject == f"Nouvelle réponse à votre demande de service {sr.reference}"
    tasks.send_reply.apply(args=[sr.pk, reply.pk])
    assert len([m for m in mail.outbox if m.to == [customer_user.email]]) == 1
    # The customer's own words went to the desk's agents, never back to them.
    assert [m.to for m in mail.outbox if m not in to_requester] == [[agent.email]]


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


# --- A customer's reply reaches the agent who has the request, or its desk -------------------------


def test_customer_reply_reaches_the_assigned_agent_once_in_their_language(
    customer, customer_user, agent, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    handler = UserFactory(
        email="handler@csol.example", full_name="Hélène Agent", is_staff=True, language="fr"
    )
    sr = make_request(customer, customer_user, subject="Écran noir")
    services.service_request_assign(service_request=sr, agent=handler, desk=sr.desk, actor=agent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = services.service_request_reply(
            service_request=sr, author=customer_user, body="Toujours noir & froid"
        )
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["handler@csol.example"]]  # not the rest of the desk
    notice = mail.outbox[0]
    assert notice.subject == f"Réponse du client à la demande de service {sr.reference} (Acme Québec inc.)"
    assert "Bonjour Hélène Agent," in notice.body and "Toujours noir & froid" in notice.body
    assert f"/fr/service/{sr.reference}/" in notice.body
    assert tasks.send_customer_reply.apply(args=[sr.pk, message.pk]).get() == 0
    assert len(mail.outbox) == 1
    assert SentEmail.objects.get(kind=EmailKind.CUSTOMER_REPLY).recipient == handler


def test_customer_reply_on_an_unassigned_request_reaches_its_desk(
    settings, other_customer, other_user, agent, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group

    from csol.core.services.desks import DESK_GROUP_NAMES
    from tests.factories import UserFactory

    billing_only = UserFactory(email="billing-agent@csol.example", is_staff=True)
    billing_only.groups.set([Group.objects.get(name=DESK_GROUP_NAMES["billing"])])
    sr = make_request(other_customer, other_user)  # a general question: the service desk
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = services.service_request_reply(service_request=sr, author=other_user, body="Any news?")
    assert [m.to for m in mail.outbox] == [[agent.email]]  # the service desk's agent, not billing's
    assert mail.outbox[0].subject == f"Customer reply on service request {sr.reference} (Other Co. Ltd.)"
    assert mail.outbox[0].body.startswith("Hello,")
    assert tasks.send_customer_reply.apply(args=[sr.pk, message.pk]).get() == 0
    # With a shared mailbox for the desk, the mailbox is told instead, once.
    settings.CSOL_DESK_EMAILS = {"service": "Desk@csol.example"}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.service_request_reply(service_request=sr, author=other_user, body="Hello?")
    assert [m.to for m in mail.outbox] == [["desk@csol.example"]]
    assert tasks.send_customer_reply.apply(args=[sr.pk, again.pk]).get() == 0
    assert SentEmail.objects.filter(kind=EmailKind.CUSTOMER_REPLY, recipient=None).count() == 2


def test_agent_messages_and_internal_notes_never_notify_the_desk(
    customer, customer_user, agent, django_capture_on_commit_callbacks
):
    sr = make_request(customer, customer_user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        note = services.service_request_reply(service_request=sr, author=agent, body="secret", internal=True)
        reply = services.service_request_reply(service_request=sr, author=agent, body="Answer")
    assert [m.to for m in mail.outbox] == [[customer_user.email]]
    assert tasks.send_customer_reply.apply(args=[sr.pk, note.pk]).get() == 0
    assert tasks.send_customer_reply.apply(args=[sr.pk, reply.pk]).get() == 0
    assert len(mail.outbox) == 1

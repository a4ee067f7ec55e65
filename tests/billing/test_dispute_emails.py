"""Dispute emails: the desk hears of the customer's words, the customer of the agent's; once each."""

from decimal import Decimal

import pytest
from django.core import mail

from billing.models import DisputeEmail
from billing.services import dispute_accept, dispute_assign, dispute_open, dispute_reject, dispute_reply
from billing.tasks import dispute_email_task
from csol.core.models import Membership, Role
from csol.core.tenancy import viewer_for
from tests.billing.factories import make_invoice
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(customer):
    return make_invoice(customer, [(Decimal("1000.00"), "standard", None)])


def _open(user, invoice, **kwargs):
    return dispute_open(
        invoice=invoice,
        actor=user,
        viewer=viewer_for(user),
        reason="price",
        amount=Decimal("114.98"),
        message="Le prix convenu était plus bas.",
        **kwargs,
    )


def _about(dispute):
    """Emails of the dispute (the credit note's own issue email is billing's invoice email)."""
    return [
        m for m in mail.outbox if dispute.invoice.number in m.subject and "Note de crédit" not in m.subject
    ]


def _to(messages):
    return sorted(address for m in messages for address in m.to)


def test_customer_opening_tells_the_billing_desk_once_in_the_agents_language(
    customer_user, agent, invoice, django_capture_on_commit_callbacks
):
    francophone = UserFactory(email="agente@csol.example", is_staff=True, language="fr")
    francophone.groups.set(agent.groups.all())
    outsider = UserFactory(email="orders-only@csol.example", is_staff=True)  # in no billing group
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dispute = _open(customer_user, invoice)
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert _to(mail.outbox) == ["agent@csol.example", "agente@csol.example"]
    english = next(m for m in mail.outbox if m.to == ["agent@csol.example"])
    french = next(m for m in mail.outbox if m.to == ["agente@csol.example"])
    assert english.subject == f"Dispute opened on invoice {invoice.number} (Acme Québec inc.)"
    assert french.subject == f"Contestation ouverte sur la facture {invoice.number} (Acme Québec inc.)"
    assert "Le prix convenu était plus bas." in english.body and "114.98" in english.body
    assert f"/en/admin/billing/dispute/{dispute.pk}/handle/" in english.body
    assert f"/fr/admin/billing/dispute/{dispute.pk}/handle/" in french.body
    assert outsider.email not in _to(mail.outbox)
    # A retried or duplicated task sends nothing more.
    assert dispute_email_task.apply(args=[dispute.pk, "opened"]).get() == 0
    assert len(mail.outbox) == 2
    assert DisputeEmail.objects.filter(dispute=dispute, key="opened").count() == 2


def test_a_configured_desk_mailbox_replaces_the_agents(
    settings, customer_user, agent, invoice, django_capture_on_commit_callbacks
):
    settings.CSOL_DESK_EMAILS = {"billing": "Facturation@csol.example"}
    with django_capture_on_commit_callbacks(execute=True):
        _open(customer_user, invoice)
    assert _to(mail.outbox) == ["facturation@csol.example"]
    assert mail.outbox[0].subject.startswith("Contestation ouverte")  # the portal's default language


def test_an_agent_opening_for_the_customer_tells_its_paying_contacts_once(
    customer,
    customer_user,
    ap_user,
    viewer_user,
    agent,
    invoice,
    other_user,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        dispute = _open(agent, invoice)
    sent = _about(dispute)
    # Its administrators and accounts payable, in French (a Quebec customer); not the desk, not its
    # read-only users, not another customer's.
    assert _to(sent) == ["admin@acme.example", "ap@acme.example"]
    assert agent.email not in _to(mail.outbox)
    subject = f"Une contestation a été ouverte en votre nom sur la facture {invoice.number}"
    assert all(m.subject == subject for m in sent)
    assert "114,98" in sent[0].body and "Le prix convenu était plus bas." in sent[0].body
    assert f"/fr/invoices/{invoice.number}/disputes/{dispute.pk}/" in sent[0].body
    assert dispute_email_task.apply(args=[dispute.pk, "opened"]).get() == 0
    assert len(_about(dispute)) == 2


def test_an_agent_opened_dispute_is_announced_in_english_outside_quebec(
    other_customer, other_user, agent, django_capture_on_commit_callbacks
):
    invoice = make_invoice(other_customer, [(Decimal("1000.00"), "standard", None)])
    with django_capture_on_commit_callbacks(execute=True):
        dispute = _open(agent, invoice)
    (sent,) = _about(dispute)
    assert sent.to == [other_user.email]
    assert sent.subject == f"A dispute was opened for you on invoice {invoice.number}"
    assert "on your behalf" in sent.body and "held out of reminders" in sent.body
    html = sent.alternatives[0][0]
    assert 'href="http' in html and f"/en/invoices/{invoice.number}/disputes/{dispute.pk}/" in html


def test_agent_reply_reaches_the_opener_and_the_paying_contacts_in_french_for_quebec(
    customer,
    customer_user,
    ap_user,
    viewer_user,
    agent,
    invoice,
    other_user,
    django_capture_on_commit_callbacks,
):
    anglophone_opener = member(customer, Role.ACCOUNTS_PAYABLE, email="en-ap@acme.example", language="en")
    dispute = _open(anglophone_opener, invoice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = dispute_reply(
            dispute=dispute,
            actor=agent,
            viewer=viewer_for(agent),
            body="Nous vérifions le prix & la quantité.",
        )
    sent = _about(dispute)
    # Administrators and accounts payable of the customer; never its read-only users nor other customers.
    assert _to(sent) == ["admin@acme.example", "ap@acme.example", "en-ap@acme.example"]
    assert all(
        m.subject == f"Nouvelle réponse à votre contestation de la facture {invoice.number}" for m in sent
    )
    assert "Nous vérifions le prix & la quantité." in sent[0].body  # plain text: not HTML-escaped
    assert f"/fr/invoices/{invoice.number}/disputes/{dispute.pk}/" in sent[0].body
    assert dispute_email_task.apply(args=[dispute.pk, f"message:{message.pk}"]).get() == 0
    assert len(_about(dispute)) == 3


def test_english_customer_gets_english_and_a_french_user_french(
    other_customer, other_user, agent, django_capture_on_commit_callbacks
):
    francophone = member(other_customer, Role.ACCOUNTS_PAYABLE, email="ap@other.example", language="fr")
    invoice = make_invoice(other_customer, [(Decimal("1000.00"), "standard", None)])
    dispute = _open(other_user, invoice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dispute_reply(dispute=dispute, actor=agent, viewer=viewer_for(agent), body="We are checking.")
    by_address = {m.to[0]: m for m in _about(dispute)}
    assert by_address["admin@other.example"].subject == (
        f"New reply on your dispute of invoice {invoice.number}"
    )
    assert by_address[francophone.email].subject.startswith("Nouvelle réponse")


def test_customer_reply_goes_to_the_assigned_agent_or_else_the_desk(
    customer_user, agent, invoice, django_capture_on_commit_callbacks
):
    dispute = _open(customer_user, invoice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dispute_reply(
            dispute=dispute, actor=customer_user, viewer=viewer_for(customer_user), body="Et alors ?"
        )
    assert _to(mail.outbox) == ["agent@csol.example"]  # unassigned: the billing desk
    assert mail.outbox[0].subject.startswith("Customer reply on the dispute")
    handler = UserFactory(email="handler@csol.example", is_staff=True, language="fr")
    dispute_assign(dispute=dispute, agent=handler, actor=agent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dispute_reply(dispute=dispute, actor=customer_user, viewer=viewer_for(customer_user), body="Relance")
    assert _to(mail.outbox) == ["handler@csol.example"]
    assert mail.outbox[0].subject.startswith("Réponse du client")
    assert "Relance" in mail.outbox[0].body


def test_acceptance_tells_the_customer_the_credit_note_once(
    customer_user, agent, invoice, django_capture_on_commit_callbacks
):
    dispute = _open(customer_user, invoice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dispute = dispute_accept(dispute=dispute, actor=agent, amount=Decimal("57.49"))
    decision = [m for m in _about(dispute) if "acceptée" in m.subject]
    assert len(decision) == 1 and decision[0].to == ["admin@acme.example"]
    assert decision[0].subject == f"Votre contestation de la facture {invoice.number} est acceptée"
    assert dispute.credit_note.number in decision[0].body
    assert "57,49" in decision[0].body
    event = dispute.events.get(to_status="accepted")
    assert dispute_email_task.apply(args=[dispute.pk, f"decision:{event.pk}"]).get() == 0


def test_rejection_tells_the_reason_once_and_no_separate_reply(
    other_customer, other_user, agent, django_capture_on_commit_callbacks
):
    invoice = make_invoice(other_customer, [(Decimal("1000.00"), "standard", None)])
    dispute = _open(other_user, invoice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dispute_reject(dispute=dispute, actor=agent, reason="The price matches the signed quote.")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"Your dispute of invoice {invoice.number} is rejected"
    assert "The price matches the signed quote." in mail.outbox[0].body
    assert "The price matches the signed quote." in mail.outbox[0].alternatives[0][0]


def test_an_opener_who_left_the_customer_is_not_told(
    customer, customer_user, agent, invoice, django_capture_on_commit_callbacks
):
    leaver = member(customer, Role.ACCOUNTS_PAYABLE, email="leaver@acme.example", language="fr")
    dispute = _open(leaver, invoice)
    Membership.objects.filter(user=leaver).update(is_active=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dispute_reject(dispute=dispute, actor=agent, reason="Prix conforme.")
    assert _to(mail.outbox) == ["admin@acme.example"]


def test_nothing_is_sent_when_the_reply_is_rolled_back(
    customer_user, agent, invoice, django_capture_on_commit_callbacks
):
    from django.db import transaction

    dispute = _open(customer_user, invoice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        dispute_reply(dispute=dispute, actor=agent, viewer=viewer_for(agent), body="Brouillon")
        raise RuntimeError
    assert mail.outbox == [] and not DisputeEmail.objects.exists()

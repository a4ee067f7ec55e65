"""Emails about disputes: the billing desk hears of the customer's words, the customer of the agent's
(including a dispute an agent opened on the customer's behalf).

Each email is keyed by the dispute, the event ("opened", "message:<id>", "decision:<event id>") and
the address; the key row and the send commit together, so a retried task never mails twice and a
failed send is tried again.
"""

from django.conf import settings

from billing.models import Dispute, DisputeEmail, DisputeEvent, DisputeMessage, DisputeStatus
from csol.core.emails import portal_url, send_once
from csol.core.models import Role
from csol.core.selectors import customer_contacts, desk_recipients
from csol.core.tenancy import Viewer

DESK = "billing"
DECISIONS = (DisputeStatus.ACCEPTED, DisputeStatus.REJECTED)


def _language(customer, user) -> str:
    # As for invoices: Quebec customers are written to in French (Charter of the French language).
    return "fr" if customer.province == "QC" else (user.language or customer.language)


def dispute_customer_recipients(dispute: Dispute) -> list[tuple[str, str]]:
    """(email, language) of the customer's side: who opened the dispute and who pays the invoices."""
    customer = dispute.invoice.customer
    users = customer_contacts(customer=customer, roles=[Role.ADMINISTRATOR, Role.ACCOUNTS_PAYABLE])
    opener = dispute.opened_by
    # The opener is told only while they may still see the dispute (an active member of the customer).
    if opener is not None and not opener.is_staff and customer.pk in Viewer(user=opener).roles:
        users.append(opener)
    recipients: dict[str, str] = {}
    for user in users:
        if user.email:
            recipients.setdefault(user.email.lower(), _language(customer, user))
    return sorted(recipients.items())


def dispute_agent_recipients(dispute: Dispute) -> list[tuple[str, str]]:
    """(email, language) of the agent handling the dispute, or of the billing desk while nobody does."""
    agent = dispute.assigned_to
    if agent is not None and agent.is_active and agent.is_staff and agent.email:
        return [(agent.email.lower(), agent.language or settings.LANGUAGE_CODE)]
    return desk_recipients(desk=DESK)




def _send(*, dispute, key, recipients, template, context, url_name, url_kwargs) -> int:
    sent = 0
    for email, language in recipients:
        sent += send_once(
            DisputeEmail(dispute=dispute, key=key, recipient=email, language=language),
            to=[email],
            template=f"billing/emails/{template}",
            language=language,
            context={
                **context,
                "dispute": dispute,
                "invoice": dispute.invoice,
                "customer": dispute.invoice.customer,
                "url": portal_url(url_name, language=language, **url_kwargs),
            },
        )
    return sent


def _to_desk(dispute, key, context) -> int:
    return _send(
        dispute=dispute,
        key=key,
        recipients=dispute_agent_recipients(dispute),
        template="dispute_desk",
        context=context,
        url_name="admin:billing_dispute_handle",
        url_kwargs={"pk": dispute.pk},
    )


def _to_customer(dispute, key, template, context) -> int:
    return _send(
        dispute=dispute,
        key=key,
        recipients=dispute_customer_recipients(dispute),
        template=template,
        context=context,
        url_name="billing:dispute",
        url_kwargs={"number": dispute.invoice.number, "pk": dispute.pk},
    )


def dispute_email_send(*, dispute: Dispute, key: str) -> int:
    """Send the emails of one dispute event once each; the number sent now (0 when already done)."""
    dispute = (
        Dispute.objects.select_related("invoice__customer", "opened_by", "assigned_to", "credit_note")
        .filter(pk=dispute.pk)
        .first()
    )
    if dispute is None:
        return 0
    kind, _sep, ident = key.partition(":")
    if kind == "opened":
        first = dispute.messages.select_related("author").order_by("created_at", "id").first()
        if dispute.opened_by is not None and dispute.opened_by.is_staff:
            # Opened by an agent for the customer (on the phone, say): its paying contacts are told,
            # so that nobody pays, or chases, an amount the desk is already looking into.
            return _to_customer(dispute, key, "dispute_opened_for_you", {"message": first})
        return _to_desk(dispute, key, {"opened": True, "message": first})
    if kind == "message":
        message = DisputeMessage.objects.select_related("author").filter(pk=ident, dispute=dispute).first()
        if message is None:
            return 0
        if message.from_agent:
            return _to_customer(dispute, key, "dispute_reply", {"message": message})
        return _to_desk(dispute, key, {"opened": False, "message": message})
    if kind == "decision":
        event = DisputeEvent.objects.filter(pk=ident, dispute=dispute, to_status__in=DECISIONS).first()
        if event is None:
            return 0
        context = {"accepted": event.to_status == DisputeStatus.ACCEPTED, "reason": dispute.resolution}
        return _to_customer(dispute, key, "dispute_decision", context)
    raise ValueError(key)


def dispute_email_enqueue(*, dispute: Dispute, key: str) -> None:
    """Queue a dispute event's emails, sent after the current transaction commits."""
    from billing.tasks import dispute_email_task
    from csol.core.jobs import enqueue

    enqueue(dispute_email_task, dispute.pk, key)

"""Service-desk emails, each sent once per recipient in the recipient's language."""

from celery import shared_task

from csol.core.emails import portal_url, send_once
from csol.core.selectors import desk_recipients
from csol.servicedesk import sla
from csol.servicedesk.models import EmailKind, Message, RequestEvent, SentEmail, ServiceRequest, Status


def _send_once(
    *,
    service_request,
    kind: str,
    key: str,
    template: str,
    context: dict,
    recipient=None,
    address: str = "",
    language: str = "",
) -> bool:
    """Write the sent-log row and send in one transaction (csol.core.emails.send_once).

    To a user (`recipient`, in their language) or to a bare address (a desk's mailbox, in `language`).
    """
    if recipient is not None:
        if not recipient.is_active or not recipient.email:
            return False
        address = recipient.email
        language = recipient.language or service_request.customer.language
    # The row's unique keys (request, key and recipient, or address for a desk mailbox) make a second
    # run send nothing.
    log = SentEmail(
        request=service_request,
        key=key,
        recipient=recipient,
        kind=kind,
        language=language,
        address=address.lower(),
    )
    return send_once(
        log,
        to=[address],
        template=template,
        language=language,
        context={
            **context,
            "request": service_request,
            "recipient": recipient,
            "url": portal_url("servicedesk:detail", language=language, reference=service_request.reference),
            "zone": sla.zone_for(service_request.customer.province),
        },
    )


def _fetch(request_id):
    return (
        ServiceRequest.objects.select_related("customer", "requester", "assigned_agent")
        .filter(pk=request_id)
        .first()
    )


@shared_task
def send_acknowledgement(request_id: int) -> None:
    """Tell the requester their reference number."""
    service_request = _fetch(request_id)
    if service_request is None:
        return
    _send_once(
        service_request=service_request,
        kind=EmailKind.ACKNOWLEDGEMENT,
        key="ack",
        recipient=service_request.requester,
        template="servicedesk/emails/acknowledgement",
        context={},
    )


@shared_task
def send_reply(request_id: int, message_id: int) -> None:
    """Send a public reply to the requester (never an internal note)."""
    service_request = _fetch(request_id)
    message = Message.objects.select_related("author").filter(pk=message_id, request_id=request_id).first()
    if service_request is None or message is None or message.is_internal:
        return
    if message.author_id == service_request.requester_id:
        return
    _send_once(
        service_request=service_request,
        kind=EmailKind.REPLY,
        key=f"reply:{message.pk}",
        recipient=service_request.requester,
        template="servicedesk/emails/reply",
        context={"message": message},
    )


@shared_task
def send_resolution(request_id: int, event_id: int) -> None:
    """Tell the requester the request is resolved, once per resolution."""
    service_request = _fetch(request_id)
    if service_request is None or service_request.status != Status.RESOLVED:
        return
    if not RequestEvent.objects.filter(
        pk=event_id, request_id=request_id, new_value=Status.RESOLVED
    ).exists():
        return
    _send_once(
        service_request=service_request,
        kind=EmailKind.RESOLUTION,
        key=f"resolution:{event_id}",
        recipient=service_request.requester,
        template="servicedesk/emails/resolution",
        context={},
    )


@shared_task
def send_customer_reply(request_id: int, message_id: int) -> int:
    """Tell the assigned agent of a customer's reply, or the request's desk while nobody has it."""
    service_request = _fetch(request_id)
    message = Message.objects.select_related("author").filter(pk=message_id, request_id=request_id).first()
    if service_request is None or message is None or message.is_internal or message.by_agent:
        return 0
    key = f"customer-reply:{message.pk}"
    common = {
        "service_request": service_request,
        "kind": EmailKind.CUSTOMER_REPLY,
        "key": key,
        "template": "servicedesk/emails/customer_reply",
        "context": {"message": message},
    }
    agent = service_request.assigned_agent
    if agent is not None and agent.is_active and agent.is_staff:
        return int(_send_once(recipient=agent, **common))
    return sum(
        _send_once(address=address, language=language, **common)
        for address, language in desk_recipients(desk=service_request.desk)
    )

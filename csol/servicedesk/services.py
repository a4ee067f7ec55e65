"""Writes on service requests: submit, reply, assign, prioritise, change status."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from csol.core.jobs import enqueue
from csol.servicedesk import sla
from csol.servicedesk.models import (
    AGENT,
    CATEGORY_DESK,
    CUSTOMER,
    FIRST_RESPONSE_TARGET,
    RESOLUTION_TARGET_DAYS,
    TRANSITIONS,
    Attachment,
    EventKind,
    Message,
    Priority,
    ReferenceCounter,
    RequestEvent,
    ServiceRequest,
    Status,
)

MAX_ATTACHMENTS_PER_REQUEST = 20


def reference_next(*, year: int) -> str:
    """The next reference of the year, gap-free: the counter row is locked until the caller commits."""
    ReferenceCounter.objects.get_or_create(year=year)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"SR-{year}-{counter.last:06d}"


def _actor_side(actor) -> str:
    return AGENT if actor.is_staff else CUSTOMER


def _attach(*, service_request, message, files, uploader, internal=False):
    """Store validated uploads (pairs of file and detected content type) under random names."""
    for upload, content_type in files:
        attachment = Attachment(
            request=service_request,
            message=message,
            original_name=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            uploaded_by=uploader,
            is_internal=internal,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()


def attachment_room(*, service_request) -> int:
    """How many more files the request may hold."""
    return max(0, MAX_ATTACHMENTS_PER_REQUEST - service_request.attachments.count())


def service_request_create(
    *,
    actor,
    customer,
    category: str,
    subject: str,
    description: str,
    details: dict | None = None,
    links: dict | None = None,
    files=(),
    now=None,
) -> ServiceRequest:
    """Submit a request: reference, desk by category, SLA targets, attachments; acknowledge after commit."""
    from csol.servicedesk.tasks import send_acknowledgement

    now = now or timezone.now()
    with transaction.atomic():
        first_due = sla.add_business_time(now, FIRST_RESPONSE_TARGET, customer.province)
        resolution_due = sla.add_business_time(
            now, timedelta(days=RESOLUTION_TARGET_DAYS[category]), customer.province
        )
        service_request = ServiceRequest.objects.create(
            reference=reference_next(year=timezone.localtime(now).year),
            customer=customer,
            requester=actor,
            partner_id=actor.partner_id if not actor.is_staff else None,
            category=category,
            subject=subject,
            description=description,
            details=details or {},
            desk=CATEGORY_DESK[category],
            created_at=now,
            first_response_due=first_due,
            resolution_due=resolution_due,
            **(links or {}),
        )
        _attach(service_request=service_request, message=None, files=files, uploader=actor)
        RequestEvent.objects.create(
            request=service_request, kind=EventKind.CREATED, new_value=Status.NEW, actor=actor, created_at=now
        )
        enqueue(send_acknowledgement, service_request.pk)
    return service_request


def _lock(service_request) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().get(pk=service_request.pk)


def _pause_ends(locked: ServiceRequest, now, fields: list) -> None:
    """Leaving "waiting on customer": push the targets by the business time spent waiting."""
    if locked.paused_at is None:
        return
    paused = sla.business_time_between(locked.paused_at, now, locked.customer.province)
    locked.resolution_due += paused
    if locked.first_responded_at is None:
        locked.first_response_due += paused
    locked.paused_at = None
    fields += ["resolution_due", "first_response_due", "paused_at"]


def _apply_status(locked: ServiceRequest, to: str, actor, now) -> list:
    """Move the locked row to `to` (already checked); returns the changed fields."""
    old = locked.status
    fields = ["status"]
    locked.status = to
    if old == Status.WAITING:
        _pause_ends(locked, now, fields)
    if to == Status.WAITING:
        locked.paused_at = now
        fields.append("paused_at")
    if to == Status.RESOLVED:
        locked.resolved_at = now
        fields.append("resolved_at")
    if to == Status.CLOSED:
        locked.closed_at = now
        fields.append("closed_at")
    if old in (Status.RESOLVED, Status.CLOSED) and to == Status.ASSIGNED:
        # Reopened: a fresh resolution target, counted from now.
        locked.resolved_at = None
        locked.closed_at = None
        locked.resolution_due = sla.add_business_time(
            now, timedelta(days=RESOLUTION_TARGET_DAYS[locked.category]), locked.customer.province
        )
        fields += ["resolved_at", "closed_at", "resolution_due"]
    event = RequestEvent.objects.create(
        request=locked, kind=EventKind.STATUS, old_value=old, new_value=to, actor=actor, created_at=now
    )
    if to == Status.RESOLVED:
        from csol.servicedesk.tasks import send_resolution

        enqueue(send_resolution, locked.pk, event.pk)
    return fields


def service_request_transition(
    *, service_request: ServiceRequest, to: str, actor, now=None
) -> ServiceRequest:
    """Change the status if the move is allowed for the actor's side; refuse otherwise."""
    now = now or timezone.now()
    side = _actor_side(actor)
    with transaction.atomic():
        locked = _lock(service_request)
        allowed = TRANSITIONS.get(locked.status, {}).get(to)
        if not allowed or side not in allowed:
            raise ValidationError(
                _("A request that is “%(old)s” cannot become “%(new)s”.")
                % {"old": Status(locked.status).label, "new": Status(to).label},
                code="bad_transition",
            )
        reopening = locked.status in (Status.RESOLVED, Status.CLOSED) and to == Status.ASSIGNED
        if reopening and side == CUSTOMER:
            if locked.requester_id != actor.pk:
                raise PermissionDenied(_("Only the person who submitted the request may reopen it."))
            if locked.resolved_at is None or now > locked.can_reopen_until():
                raise ValidationError(
                    _("A request can be reopened within 14 days of its resolution. Please submit a new one."),
                    code="reopen_window",
                )
        fields = _apply_status(locked, to, actor, now)
        locked.save(update_fields=[*set(fields), "updated_at"])
    return locked


def service_request_assign(
    *, service_request: ServiceRequest, agent, desk: str, actor, now=None
) -> ServiceRequest:
    """Set the desk and the agent; a new request with an agent becomes "assigned"."""
    now = now or timezone.now()
    if agent is not None and not agent.is_staff:
        raise ValidationError(_("Only an agent can be assigned."), code="not_agent")
    with transaction.atomic():
        locked = _lock(service_request)
        old = f"{locked.desk}/{locked.assigned_agent_id or '-'}"
        new = f"{desk}/{agent.pk if agent else '-'}"
        if old == new:
            return locked
        locked.desk = desk
        locked.assigned_agent = agent
        fields = ["desk", "assigned_agent"]
        RequestEvent.objects.create(
            request=locked,
            kind=EventKind.ASSIGNMENT,
            old_value=old,
            new_value=new,
            actor=actor,
            created_at=now,
        )
        if agent is not None and locked.status == Status.NEW:
            fields += _apply_status(locked, Status.ASSIGNED, actor, now)
        locked.save(update_fields=[*set(fields), "updated_at"])
    return locked


def service_request_set_priority(
    *, service_request: ServiceRequest, priority: str, actor, now=None
) -> ServiceRequest:
    """Agents set the priority; the change is recorded."""
    if priority not in Priority.values:
        raise ValidationError(_("Choose a valid priority."), code="priority")
    with transaction.atomic():
        locked = _lock(service_request)
        if locked.priority != priority:
            RequestEvent.objects.create(
                request=locked,
                kind=EventKind.PRIORITY,
                old_value=locked.priority,
                new_value=priority,
                actor=actor,
                created_at=now or timezone.now(),
            )
            locked.priority = priority
            locked.save(update_fields=["priority", "updated_at"])
    return locked


def service_request_reply(
    *, service_request: ServiceRequest, author, body: str, internal: bool = False, files=(), now=None
) -> Message:
    """Add a message; an agent's first public reply stops the first-response clock.

    A customer's reply to a request waiting on them restarts the clock; a public message from
    anyone but the requester is emailed to the requester after commit, and a customer's message to
    the assigned agent (or the desk).
    """
    from csol.servicedesk.tasks import send_customer_reply, send_reply

    now = now or timezone.now()
    side = _actor_side(author)
    if internal and side != AGENT:
        raise PermissionDenied(_("Only agents may add internal notes."))
    with transaction.atomic():
        locked = _lock(service_request)
        if locked.status == Status.CLOSED:
            raise ValidationError(_("This request is closed. Reopen it or submit a new one."), code="closed")
        message = Message.objects.create(
            request=locked,
            author=author,
            body=body,
            is_internal=internal,
            by_agent=side == AGENT,
            created_at=now,
        )
        _attach(service_request=locked, message=message, files=files, uploader=author, internal=internal)
        fields = []
        if side == AGENT and not internal:
            if locked.first_responded_at is None:
                locked.first_responded_at = now
                fields.append("first_responded_at")
            if locked.status == Status.NEW:
                if locked.assigned_agent_id is None:
                    locked.assigned_agent = author
                    fields.append("assigned_agent")
                fields += _apply_status(locked, Status.ASSIGNED, author, now)
        if side == CUSTOMER and locked.status == Status.WAITING:
            fields += _apply_status(locked, Status.ASSIGNED, author, now)
        if fields:
            locked.save(update_fields=[*set(fields), "updated_at"])
        if not internal and author.pk != locked.requester_id:
            enqueue(send_reply, locked.pk, message.pk)
        if side == CUSTOMER:
            # The agent who has the request (or its desk) hears of the customer's words once.
            enqueue(send_customer_reply, locked.pk, message.pk)
    return message

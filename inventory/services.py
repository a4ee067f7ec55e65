"""Writes on the installed base: every change locks the record, saves named fields and writes history."""

import re
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from csol.core.emails import portal_url, send_once
from csol.core.jobs import enqueue
from csol.core.models import Site
from csol.core.tenancy import Viewer
from inventory.models import (
    CHANGE_TRANSITIONS,
    TRANSITIONS,
    ChangeKind,
    ChangeRequest,
    ChangeRequestEmail,
    ChangeStatus,
    EventKind,
    InventoryRecord,
    RecordEvent,
    RecordStatus,
)
from orders.models import OrderLine, Product, ProductKind

SERIAL_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9./-]{0,39}$")
WARRANTY_YEARS = 1  # the vendor's standard hardware warranty from delivery


def normalise_serial(value: str) -> str:
    """Serial numbers are stored upper case, without spaces; ValidationError when malformed."""
    serial = "".join((value or "").split()).upper()
    if serial and not SERIAL_PATTERN.match(serial):
        raise ValidationError(
            _("A serial number has letters, digits, dots, slashes or dashes only (at most 40)."),
            code="serial",
        )
    return serial


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: a year later is 1 March, so the warranty still ends on 28 February
        return day.replace(year=day.year + years, month=3, day=1)


def _check_serial_free(*, machine_type: str, serial: str, exclude_pk=None) -> None:
    if not serial:
        return
    clash = InventoryRecord.objects.filter(machine_type=machine_type, serial_number=serial)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            _("Serial number %(serial)s is already recorded for machine type %(type)s.")
            % {"serial": serial, "type": machine_type or "—"},
            code="serial_taken",
        )


def _check_site(*, site: Site, customer_id: int) -> None:
    if site.customer_id != customer_id:
        raise ValidationError(_("The site must belong to the record's customer."), code="site_customer")


def _event(
    record, kind, *, actor=None, from_value="", to_value="", note="", change_request=None
) -> RecordEvent:
    return RecordEvent.objects.create(
        record=record,
        kind=kind,
        actor=actor,
        from_value=str(from_value)[:200],
        to_value=str(to_value)[:200],
        note=note,
        change_request=change_request,
    )


def _lock(record: InventoryRecord) -> InventoryRecord:
    return InventoryRecord.objects.select_for_update().get(pk=record.pk)


def record_create(
    *,
    customer,
    site: Site,
    product: Product,
    serial_number: str = "",
    quantity: int = 1,
    install_date: date | None = None,
    warranty_end: date | None = None,
    status: str = RecordStatus.INSTALLED,
    order_line: OrderLine | None = None,
    actor=None,
    event: str = EventKind.CREATED,
    note: str = "",
) -> InventoryRecord:
    """Record a machine or software product at a customer's site."""
    _check_site(site=site, customer_id=customer.pk)
    serial = normalise_serial(serial_number)
    machine_type = (product.machine_type or "").upper()
    with transaction.atomic():
        _check_serial_free(machine_type=machine_type, serial=serial)
        record = InventoryRecord.objects.create(
            customer=customer,
            site=site,
            product=product,
            serial_number=serial,
            machine_type=machine_type,
            model=(product.model or "").upper(),
            quantity=quantity,
            install_date=install_date,
            warranty_end=warranty_end,
            status=status,
            order_line=order_line,
        )
        _event(record, event, actor=actor, to_value=record.site.name, note=note)
    return record


def record_transition(
    *, record: InventoryRecord, to: str, actor, note: str = "", change_request=None
) -> InventoryRecord:
    """Change a record's status along TRANSITIONS, with a history line."""
    with transaction.atomic():
        record = _lock(record)
        if to not in TRANSITIONS.get(record.status, set()):
            raise ValidationError(
                _("A record cannot go from “%(from)s” to “%(to)s”.")
                % {"from": record.get_status_display(), "to": RecordStatus(to).label},
                code="transition",
            )
        before = record.status
        record.status = to
        record.save(update_fields=["status", "updated_at"])
        # Status codes, not labels: the history is read in both languages (RecordEvent.from_display).
        _event(
            record,
            EventKind.STATUS,
            actor=actor,
            from_value=before,
            to_value=to,
            note=note,
            change_request=change_request,
        )
    return record


def record_move(
    *, record: InventoryRecord, site: Site, actor, note: str = "", change_request=None
) -> InventoryRecord:
    """Move a record to another site of its customer; its status becomes “moved”."""
    with transaction.atomic():
        record = _lock(record)
        _check_site(site=site, customer_id=record.customer_id)
        if site.pk == record.site_id:
            raise ValidationError(_("The record is already at this site."), code="same_site")
        if RecordStatus.MOVED not in TRANSITIONS[record.status]:
            raise ValidationError(_("A decommissioned record cannot be moved."), code="transition")
        before = Site.objects.get(pk=record.site_id).name
        record.site = site
        record.status = RecordStatus.MOVED
        record.save(update_fields=["site", "status", "updated_at"])
        _event(
            record,
            EventKind.MOVED,
            actor=actor,
            from_value=before,
            to_value=site.name,
            note=note,
            change_request=change_request,
        )
    return record


def record_correct_serial(
    *, record: InventoryRecord, serial_number: str, actor, note: str = "", change_request=None
) -> InventoryRecord:
    """Correct a serial number (unique per machine type), keeping the old one in the history."""
    serial = normalise_serial(serial_number)
    if not serial:
        raise ValidationError(_("Enter the correct serial number."), code="serial_required")
    with transaction.atomic():
        record = _lock(record)
        if serial == record.serial_number:
            raise ValidationError(_("This is already the record's serial number."), code="same_serial")
        _check_serial_free(machine_type=record.machine_type, serial=serial, exclude_pk=record.pk)
        before = record.serial_number
        record.serial_number = serial
        record.save(update_fields=["serial_number", "updated_at"])
        _event(
            record,
            EventKind.SERIAL,
            actor=actor,
            from_value=before,
            to_value=serial,
            note=note,
            change_request=change_request,
        )
    return record


# --- Change requests --------------------------------------------------------------------------------


def change_request_submit(
    *,
    viewer,
    record: InventoryRecord,
    kind: str,
    message: str,
    new_site: Site | None = None,
    new_serial_number: str = "",
) -> ChangeRequest:
    """A customer administrator reports a change; nothing changes on the record until an agent approves."""
    if not viewer.can("manage_installed_base", record.customer_id):
        raise PermissionDenied
    if not (message or "").strip():
        raise ValidationError({"message": _("Tell us what changed.")})
    serial = ""
    if kind == ChangeKind.MOVE:
        if new_site is None:
            raise ValidationError({"new_site": _("Choose the site the equipment was moved to.")})
        _check_site(site=new_site, customer_id=record.customer_id)
        if new_site.pk == record.site_id:
            raise ValidationError({"new_site": _("The record is already at this site.")})
    elif kind == ChangeKind.SERIAL:
        try:
            serial = normalise_serial(new_serial_number)
        except ValidationError as exc:
            raise ValidationError({"new_serial_number": exc.messages}) from exc
        if not serial:
            raise ValidationError({"new_serial_number": _("Enter the correct serial number.")})
        if serial == record.serial_number:
            raise ValidationError({"new_serial_number": _("This is already the record's serial number.")})
    elif kind == ChangeKind.DECOMMISSION:
        if record.status == RecordStatus.DECOMMISSIONED:
            raise ValidationError(_("This record is already decommissioned."))
    else:
        raise ValidationError(_("Choose what changed."))
    with transaction.atomic():
        record = _lock(record)
        if ChangeRequest.objects.filter(record=record, status=ChangeStatus.PENDING).exists():
            raise ValidationError(
                _("A change to this record is already awaiting approval; our agents will answer it first.")
            )
        return ChangeRequest.objects.create(
            record=record,
            customer_id=record.customer_id,
            kind=kind,
            message=message.strip(),
            new_site=new_site if kind == ChangeKind.MOVE else None,
            new_serial_number=serial,
            requested_by=viewer.user,
        )


def _decide(change: ChangeRequest, to: str, actor, note: str) -> ChangeRequest:
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if to not in CHANGE_TRANSITIONS[change.status]:
        raise ValidationError(
            _("This change request was already %(status)s.")
            % {"status": change.get_status_display().lower()},
            code="decided",
        )
    change.status = to
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    from inventory.tasks import change_request_decision_email

    # The administrator who reported it hears of the decision once it commits.
    enqueue(change_request_decision_email, change.pk)
    return change


def change_request_approve(*, change: ChangeRequest, actor, note: str = "") -> ChangeRequest:
    """An agent approves: the change is applied to the record, with history, in the same transaction."""
    with transaction.atomic():
        change = _decide(change, ChangeStatus.APPROVED, actor, note)
        record = change.record
        history_note = change.message if not note else f"{change.message}\n— {note}"
        if change.kind == ChangeKind.MOVE:
            record_move(
                record=record, site=change.new_site, actor=actor, note=history_note, change_request=change
            )
        elif change.kind == ChangeKind.SERIAL:
            record_correct_serial(
                record=record,
                serial_number=change.new_serial_number,
                actor=actor,
                note=history_note,
                change_request=change,
            )
        else:
            record_transition(
                record=record,
                to=RecordStatus.DECOMMISSIONED,
                actor=actor,
                note=history_note,
                change_request=change,
            )
    return change


def change_request_reject(*, change: ChangeRequest, actor, note: str = "") -> ChangeRequest:
    """An agent rejects, with the reason the customer is told: the record stays as it was."""
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            _("Give the reason for the rejection in the agent's note: the customer is told."), code="reason"
        )
    with transaction.atomic():
        return _decide(change, ChangeStatus.REJECTED, actor, note)


def change_request_email_send(*, change: ChangeRequest) -> bool:
    """Email the decision to whoever reported the change, once; False when already sent or not due."""
    change = (
        ChangeRequest.objects.select_related("record__product", "record__site", "new_site", "requested_by")
        .filter(pk=change.pk)
        .first()
    )
    if change is None or change.status == ChangeStatus.PENDING:
        return False
    user = change.requested_by
    # Told only while they may still see the record: an active member of the customer.
    if not user.is_active or not user.email or change.customer_id not in Viewer(user=user).roles:
        return False
    language = user.language or settings.LANGUAGE_CODE
    return send_once(
        ChangeRequestEmail(
            change_request=change, event=change.status, recipient=user.email.lower(), language=language
        ),
        to=[user.email],
        template="inventory/emails/change_decision",
        language=language,
        context={
            "change": change,
            "record": change.record,
            "approved": change.status == ChangeStatus.APPROVED,
            "recipient": user,
            "url": portal_url("inventory:detail", language=language, pk=change.record_id),
        },
    )


# --- Deliveries -------------------------------------------------------------------------------------


def records_from_delivered_lines(*, line_ids: list[int], actor=None) -> list[InventoryRecord]:
    """One record per delivered hardware unit, at the order's ship-to site; a line never creates twice."""
    created = []
    with transaction.atomic():
        lines = (
            OrderLine.objects.select_for_update(of=("self",))
            .filter(pk__in=line_ids, product__kind=ProductKind.HARDWARE, delivered_at__isnull=False)
            .select_related("order__customer", "order__ship_to", "product")
            .order_by("pk")
        )
        for line in lines:
            existing = InventoryRecord.objects.filter(order_line=line).count()
            delivered = line.delivered_at
            for _unit in range(line.quantity - existing):
                created.append(
                    record_create(
                        customer=line.order.customer,
                        site=line.order.ship_to,
                        product=line.product,
                        install_date=delivered,
                        # A one-year warranty delivered on 2026-03-15 covers up to 2027-03-14 included.
                        warranty_end=add_years(delivered, WARRANTY_YEARS) - timedelta(days=1),
                        order_line=line,
                        actor=actor,
                        event=EventKind.DELIVERED,
                    )
                )
    return created


# --- Agents' edits ----------------------------------------------------------------------------------

EDITABLE_FIELDS = ("site", "product", "serial_number", "quantity", "install_date", "warranty_end", "status")


def record_update(*, record: InventoryRecord, actor, changes: dict, note: str = "") -> InventoryRecord:
    """An agent's edit: the same checks as the portal's changes, one history line per changed field."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        record = _lock(record)
        updated, events = [], []
        product = changes.get("product", record.product)
        if "product" in changes and product.pk != record.product_id:
            events.append((EventKind.EDITED, record.product.sku, product.sku))
            record.product = product
            record.machine_type = (product.machine_type or "").upper()
            record.model = (product.model or "").upper()
            updated += ["product", "machine_type", "model"]
        serial = (
            normalise_serial(changes["serial_number"]) if "serial_number" in changes else record.serial_number
        )
        if serial != record.serial_number or "product" in updated:
            _check_serial_free(machine_type=record.machine_type, serial=serial, exclude_pk=record.pk)
        if serial != record.serial_number:
            events.append((EventKind.SERIAL, record.serial_number, serial))
            record.serial_number = serial
            updated.append("serial_number")
        site = changes.get("site")
        if site is not None and site.pk != record.site_id:
            _check_site(site=site, customer_id=record.customer_id)
            events.append((EventKind.MOVED, Site.objects.get(pk=record.site_id).name, site.name))
            record.site = site
            updated.append("site")
        status = changes.get("status", record.status)
        if status != record.status:
            if status not in TRANSITIONS[record.status]:
                raise ValidationError(
                    _("A record cannot go from “%(from)s” to “%(to)s”.")
                    % {"from": record.get_status_display(), "to": RecordStatus(status).label},
                    code="transition",
                )
            events.append((EventKind.STATUS, record.status, status))
            record.status = status
            updated.append("status")
        for field in ("quantity", "install_date", "warranty_end"):
            if field in changes and changes[field] != getattr(record, field):
                label = InventoryRecord._meta.get_field(field).verbose_name
                events.append(
                    (EventKind.EDITED, f"{label}: {getattr(record, field) or '—'}", changes[field] or "—")
                )
                setattr(record, field, changes[field])
                updated.append(field)
        if updated:
            record.save(update_fields=[*updated, "updated_at"])
            for kind, before, after in events:
                _event(record, kind, actor=actor, from_value=before, to_value=after, note=note)
    return record

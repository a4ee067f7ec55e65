"""Writing audit events: one `record()` for everything, and the generic model-change receivers."""

from __future__ import annotations

import datetime
import decimal
import logging
import uuid

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.functional import SimpleLazyObject, empty

from csol.audit.context import current_actor
from csol.audit.models import AuditAction, AuditEvent

logger = logging.getLogger("csol.audit")


def record(
    action: str,
    *,
    obj=None,
    customer_id: int | None = None,
    changes: dict | None = None,
    actor=None,
    path: str = "",
    using: str | None = None,
) -> AuditEvent:
    """Write one event, attributed to the current actor (request user, or "system" in tasks)."""
    event = _event(
        action, obj=obj, customer_id=customer_id, changes=changes, actor=actor, path=path, using=using
    )
    event.save(using=using)
    return event


def _event(action, *, obj=None, customer_id=None, changes=None, actor=None, path="", using=None):
    actor = actor or current_actor()
    event = AuditEvent(
        action=action,
        actor_id=actor.user_id,
        actor_label=actor.label[:150],
        acting_as_id=actor.acting_as_id,
        source=actor.source[:12],
        customer_id=customer_id,
        changes=changes or {},
        ip=actor.ip,
        path=path[:300],
    )
    while isinstance(obj, SimpleLazyObject):  # request.user, wrapped by auth and by django-otp
        if obj._wrapped is empty:
            obj._setup()
        obj = obj._wrapped
    if obj is not None:
        event.content_type = ContentType.objects.db_manager(using or "default").get_for_model(
            obj, for_concrete_model=False
        )
        event.object_id = str(obj.pk)[:64]
        event.object_repr = _safe_str(obj)[:200]
        if customer_id is None:
            event.customer_id = customer_id_of(obj)
    return event


def record_created(objs, *, using: str | None = None, batch_size: int = 1000) -> None:
    """CREATE events for rows inserted with `bulk_create()` (which sends no signals), written in bulk too."""
    objs = list(objs)
    if not objs:
        return
    actor = current_actor()
    model = type(objs[0])
    content_type = ContentType.objects.db_manager(using or "default").get_for_model(
        model, for_concrete_model=False
    )
    fields = tracked_fields(model)
    events = [
        AuditEvent(
            action=AuditAction.CREATE,
            actor_id=actor.user_id,
            actor_label=actor.label[:150],
            acting_as_id=actor.acting_as_id,
            source=actor.source[:12],
            content_type=content_type,
            object_id=str(obj.pk)[:64],
            object_repr=_safe_str(obj)[:200],
            customer_id=customer_id_of(obj),
            changes={k: [None, _jsonable(v)] for k, v in _values(obj, fields).items() if v not in (None, "")},
            ip=actor.ip,
        )
        for obj in objs
    ]
    AuditEvent.objects.using(using or "default").bulk_create(events, batch_size=batch_size)


def record_updated(
    objs, fields: list[str], before: dict, *, using: str | None = None
) -> list[AuditEvent]:
    """The change events of rows a service wrote with `bulk_update` (one insert for all of them).

    `before` maps each object's primary key to its stored values of `fields` (by attname) as the
    service read them under lock; as for `save()`, an event lists only what changed and a row that
    did not change is silent.
    """
    audited, events = set(audited_models()), []
    for obj in objs:
        if type(obj) not in audited:
            continue
        attnames = [f.attname for f in tracked_fields(type(obj)) if f.name in fields or f.attname in fields]
        stored = before.get(obj.pk, {})
        changes = {
            attname: [_jsonable(stored.get(attname)), _jsonable(getattr(obj, attname))]
            for attname in attnames
            if stored.get(attname) != getattr(obj, attname)
        }
        if changes:
            events.append(_event(AuditAction.UPDATE, obj=obj, changes=changes, using=using))
    return AuditEvent.objects.using(using or "default").bulk_create(events)


def stored_values(obj, fields: list[str]) -> dict:
    """The values of `fields` (by attname) an object holds now: the "before" of `record_updated`."""
    values = {}
    for f in tracked_fields(type(obj)):
        if f.name in fields or f.attname in fields:
            value = getattr(obj, f.attname)
            # A file's name, not the FieldFile: saving a new file renames that same object in place.
            values[f.attname] = value.name if isinstance(value, FieldFile) else value
    return values


def _safe_str(obj) -> str:
    try:
        return str(obj)
    except Exception:  # a __str__ that follows a deleted relation must not break the write
        return f"{obj._meta.label} #{obj.pk}"


def customer_id_of(obj) -> int | None:
    """The customer an object belongs to: itself, its `customer`, or its queryset's customer path."""
    from csol.core.models import Customer

    if isinstance(obj, Customer):
        return obj.pk
    if hasattr(obj, "customer_id"):
        return obj.customer_id
    path = customer_path(type(obj))
    if path is None:
        return None
    *hops, last = path.split("__")
    target = obj
    try:
        for hop in hops:
            target = getattr(target, hop, None)
            if target is None:
                return None
    except ObjectDoesNotExist:
        return None
    return getattr(target, f"{last}_id", None)


def customer_path(model) -> str | None:
    """How a model without a customer field reaches its customer: its queryset's `customer_field`,
    else settings.AUDIT_CUSTOMER_PATHS."""
    path = getattr(model._default_manager.get_queryset(), "customer_field", None)
    if path and path != "customer":
        return path
    return getattr(settings, "AUDIT_CUSTOMER_PATHS", {}).get(model._meta.label)


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "storage"):  # a file field
        return value.name
    return str(value)


def tracked_fields(model) -> list[models.Field]:
    excluded = set(settings.AUDIT_EXCLUDED_FIELDS)
    return [f for f in model._meta.concrete_fields if f.name not in excluded and not f.primary_key]


def _values(instance, fields) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in fields}


def audited_models() -> list[type[models.Model]]:
    result = []
    for label in settings.AUDITED_MODELS:
        try:
            result.append(apps.get_model(label))
        except (LookupError, ValueError):
            continue  # reported by the audit.E001 system check
    return result


# Receivers. The "before" values are read in pre_save (one query, only the fields being saved) and
# compared in post_save, so an event lists exactly what changed; a save that changes nothing is silent.


def on_pre_save(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return
    fields = tracked_fields(sender)
    if update_fields is not None:
        fields = [f for f in fields if f.name in update_fields or f.attname in update_fields]
    attnames = [f.attname for f in fields]
    before = None
    if attnames:
        before = sender._base_manager.using(using).filter(pk=instance.pk).values(*attnames).first()
    # (fields being saved, their stored values or None when the row vanished meanwhile)
    instance._audit_before = (attnames, before)


def on_post_save(sender, instance, created=False, raw=False, using=None, update_fields=None, **kwargs):
    if raw:
        return
    if created:
        values = _values(instance, tracked_fields(sender))
        changes = {k: [None, _jsonable(v)] for k, v in values.items() if v not in (None, "")}
        record(AuditAction.CREATE, obj=instance, changes=changes, using=using)
        return
    attnames, before = instance.__dict__.pop("_audit_before", (None, None))
    if attnames is None:  # pre_save did not run (a save with a pk set by hand): all we know is "now"
        attnames = [f.attname for f in tracked_fields(sender)]
    if not attnames:
        return  # only untracked fields were saved (e.g. last_login at each sign-in)
    before = before or {}
    changes = {
        attname: [_jsonable(before.get(attname)), _jsonable(getattr(instance, attname))]
        for attname in attnames
        if before.get(attname) != getattr(instance, attname)
    }
    if changes:
        record(AuditAction.UPDATE, obj=instance, changes=changes, using=using)


def on_pre_delete(sender, instance, using=None, **kwargs):
    # Before the cascade removes the rows the customer is reached through.
    instance._audit_customer_id = customer_id_of(instance)


def on_post_delete(sender, instance, using=None, **kwargs):
    customer_id = instance.__dict__.pop("_audit_customer_id", None)
    record(AuditAction.DELETE, obj=instance, customer_id=customer_id, using=using)

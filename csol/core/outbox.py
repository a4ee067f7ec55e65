"""The transactional outbox: background work is a database row first, a broker message second.

`record()` writes an `OutboxJob` in the caller's transaction; after commit `send()` claims the row,
publishes it, and marks it sent. When the broker is unreachable the row goes back to pending and
the request carries on; `sweep()` (the beat task `csol.core.tasks.outbox_sweep`) sends it later.

Delivery is at least once: a process that dies between publishing and marking the row sent leaves
it "sending", and the sweep publishes it again once the claim is stale. Tasks are idempotent.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from csol.core.models import OutboxJob, OutboxState

logger = logging.getLogger(__name__)


def _broker_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "the broker is not there", as opposed to a bug in the task."""
    from kombu.exceptions import OperationalError as KombuOperationalError

    errors: list[type[BaseException]] = [KombuOperationalError, ConnectionError, TimeoutError, OSError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        errors += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency through celery[redis]
        pass
    return tuple(errors)


def record(task, args: tuple, kwargs: dict) -> OutboxJob:
    """Write the job in the current transaction and send it once that transaction commits."""
    job = OutboxJob.objects.create(task_name=task.name, args=list(args), kwargs=dict(kwargs))
    transaction.on_commit(lambda: send(job.pk))
    return job


def _claim(job_id, *, stale_before=None) -> bool:
    """Mark the row "sending" unless someone else holds it; a conditional UPDATE is the lock."""
    claimable = Q(state=OutboxState.PENDING)
    if stale_before is not None:
        # A claim older than this belongs to a process that died between publishing and marking.
        claimable |= Q(state=OutboxState.SENDING, claimed_at__lt=stale_before)
    rows = OutboxJob.objects.filter(claimable, pk=job_id)
    return rows.update(state=OutboxState.SENDING, claimed_at=timezone.now()) == 1


def _task(name: str):
    app = current_app
    if name not in app.tasks:
        # A worker or web process may not have imported every tasks module yet.
        app.loader.import_default_modules()
    return app.tasks.get(name)


class BrokerUnavailable(Exception):
    """Raised by `send(..., raise_unavailable=True)` so a sweep stops at the first refusal."""


def send(job_id, *, stale_before=None, raise_unavailable=False) -> bool:
    """Publish one job if it is still unsent; True when it was handed to the broker (or run eagerly)."""
    if not _claim(job_id, stale_before=stale_before):
        return False
    job = OutboxJob.objects.get(pk=job_id)
    task = _task(job.task_name)
    try:
        if task is None:
            raise LookupError(job.task_name)
        task.apply_async(args=job.args, kwargs=job.kwargs, task_id=str(job.pk))
    except _broker_errors() as error:
        OutboxJob.objects.filter(pk=job.pk).update(
            state=OutboxState.PENDING, attempts=job.attempts + 1, last_error=type(error).__name__[:200]
        )
        logger.warning(
            "outbox job=%s task=%s kept pending: broker unavailable (%s)",
            job.pk,
            job.task_name,
            type(error).__name__,
        )
        if raise_unavailable:
            raise BrokerUnavailable from error
        return False
    except LookupError:
        OutboxJob.objects.filter(pk=job.pk).update(
            state=OutboxState.PENDING, attempts=job.attempts + 1, last_error="unknown task"
        )
        logger.error("outbox job=%s kept pending: no task named %s", job.pk, job.task_name)
        return False
    except Exception:
        # Eager mode (development, tests): the task ran here and failed. It was delivered; the failure
        # is the task's own and propagates as it would without the outbox.
        _mark_sent(job)
        raise
    _mark_sent(job)
    return True


def _mark_sent(job: OutboxJob) -> None:
    OutboxJob.objects.filter(pk=job.pk).update(
        state=OutboxState.SENT, sent_at=timezone.now(), attempts=job.attempts + 1, last_error=""
    )


def sweep(*, now=None) -> int:
    """Send pending jobs older than OUTBOX_SWEEP_AFTER and stale claims; delete old sent rows."""
    now = now or timezone.now()
    pending_before = now - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER)
    stale_before = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    due = Q(state=OutboxState.PENDING, created_at__lt=pending_before) | Q(
        state=OutboxState.SENDING, claimed_at__lt=stale_before
    )
    due_jobs = OutboxJob.objects.filter(due).order_by("created_at").values_list("pk", flat=True)
    ids = list(due_jobs[: settings.OUTBOX_SWEEP_BATCH])
    sent = 0
    for job_id in ids:
        try:
            sent += send(job_id, stale_before=stale_before, raise_unavailable=True)
        except BrokerUnavailable:
            break  # the broker is still down: the next sweep tries again
    retention = now - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    OutboxJob.objects.filter(state=OutboxState.SENT, sent_at__lt=retention).delete()
    return sent

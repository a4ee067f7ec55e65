"""Celery tasks of contracts: thin wrappers that take ids and call one service."""

from celery import shared_task
from django.utils import timezone

from contracts import reminders
from contracts.selectors import reminder_offsets
from csol.core.jobs import enqueue


@shared_task(name="contracts.tasks.renewal_reminders_run")
def renewal_reminders_run(today: str | None = None) -> dict:
    """Daily (beat): roll statuses, write the reminders due, then deliver them by customer."""
    from datetime import date

    day = date.fromisoformat(today) if today else timezone.localdate()
    offsets = reminder_offsets()
    counts = reminders.contracts_roll(today=day, window_days=max(offsets, default=0))
    counts["reminders"] = len(reminders.renewal_reminders_create(today=day, offsets=offsets))
    for reminder_ids in reminders.unsent_reminder_batches():
        enqueue(renewal_reminders_deliver, reminder_ids)
    return counts


@shared_task(name="contracts.tasks.renewal_reminders_deliver")
def renewal_reminders_deliver(reminder_ids: list[int]) -> int:
    """Send a few customers' reminders (no-op for those already sent)."""
    return reminders.renewal_reminders_deliver(reminder_ids=reminder_ids)

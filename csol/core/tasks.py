"""Core background tasks."""

from celery import shared_task


@shared_task(name="csol.core.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    """Send the jobs that were recorded but never reached the broker (the beat runs this every minute)."""
    from csol.core import outbox

    return outbox.sweep()

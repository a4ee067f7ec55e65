"""Enqueueing background work: always after the surrounding transaction commits."""

from django.db import transaction


def enqueue(task, *args, **kwargs) -> None:
    """Send `task` with ids (never objects) once the current transaction has committed."""
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))

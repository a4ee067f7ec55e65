"""Enqueueing background work: recorded in the database now, sent to the broker after commit."""

from csol.core import outbox


def enqueue(task, *args, **kwargs) -> None:
    """Record `task` with ids (never objects) in this transaction; send it once the transaction commits.

    Arguments must be JSON values. If the broker is down the request still succeeds: the job stays
    pending and `csol.core.tasks.outbox_sweep` sends it within a minute or two of the broker's return.
    """
    outbox.record(task, args, kwargs)

"""Celery is set up for at-least-once delivery: late acknowledgement, tasks of a lost worker
re-queued, time limits under the broker's visibility timeout, and retries with exponential backoff
for transient errors (SMTP, database) only."""

import smtplib

import pytest
from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, OperationalError

from csol.celery import app
from csol.core.task_base import ReliableTask

CALLS: list[str] = []


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()


@pytest.fixture
def like_a_worker():
    """Run tasks as a worker does: a retry is scheduled, not raised (eager runs follow it at once)."""
    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


@shared_task(name="tests.trust.flaky")
def flaky(error: str, failures: int):
    """Fails `failures` times with the named error, then succeeds."""
    CALLS.append(error)
    if len(CALLS) <= failures:
        raise {
            "smtp": smtplib.SMTPServerDisconnected("connection lost"),
            "database": OperationalError("server closed the connection unexpectedly"),
            "refused": smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"no such user")}),
            "bug": ValueError("a bug is not transient"),
            "duplicate": IntegrityError("unique constraint: already done"),
        }[error]
    return "done"


def _project_tasks():
    app.loader.import_default_modules()  # autodiscovery, as a worker does at start
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_acknowledges_late_and_is_requeued_when_its_worker_dies():
    tasks = _project_tasks()
    for scheduled in settings.CELERY_BEAT_SCHEDULE.values():
        assert scheduled["task"] in tasks
    assert len(tasks) > len(settings.CELERY_BEAT_SCHEDULE)
    for name, task in tasks.items():
        assert isinstance(task, ReliableTask), name
        assert task.acks_late and task.reject_on_worker_lost, name
        assert smtplib.SMTPServerDisconnected in task.autoretry_for, name
        assert OperationalError in task.autoretry_for, name
        assert (task.retry_backoff, task.retry_backoff_max, task.retry_jitter) == (2, 600, True), name


def test_app_settings_deliver_at_least_once_within_limits():
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1  # a dying worker holds one message, not four
    assert conf.task_soft_time_limit < conf.task_time_limit == 600
    # A message not acknowledged within the visibility timeout is handed to another worker: it must
    # be longer than any task may run, or a slow task would run twice at once.
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


@pytest.mark.parametrize("error", ["smtp", "database"])
def test_transient_errors_are_retried_with_exponential_backoff(error, monkeypatch, like_a_worker):
    from celery.app import autoretry

    delays = []
    real = autoretry.get_exponential_backoff_interval

    def spy(**kwargs):
        delays.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(autoretry, "get_exponential_backoff_interval", spy)

    result = flaky.apply(args=[error, 3])

    # Not result.get(): once another test has run an in-process worker, Celery refuses get() as
    # "within a task" for the rest of the process.
    assert result.successful() and result.result == "done"
    assert CALLS == [error] * 4
    assert [d["retries"] for d in delays] == [0, 1, 2]
    assert all((d["factor"], d["maximum"], d["full_jitter"]) == (2, 600, True) for d in delays)


def test_a_transient_error_that_never_ends_gives_up_after_the_last_retry(like_a_worker):
    result = flaky.apply(args=["database", 100])
    assert result.failed() and isinstance(result.result, OperationalError)
    assert len(CALLS) == ReliableTask.max_retries + 1 == 9


@pytest.mark.parametrize("error", ["bug", "refused", "duplicate"])
def test_other_errors_fail_at_once(error, like_a_worker):
    # A bug, a refused recipient, or the idempotency key saying "already done" would fail again.
    result = flaky.apply(args=[error, 1])
    assert result.failed() and not isinstance(
        result.result, smtplib.SMTPServerDisconnected | OperationalError
    )
    assert CALLS == [error]

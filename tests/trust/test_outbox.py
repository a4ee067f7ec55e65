"""Background jobs that lose nothing: the outbox keeps work when the broker is down."""

import uuid
from datetime import timedelta

import pytest
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from csol.core import outbox
from csol.core.jobs import enqueue
from csol.core.models import OutboxJob, OutboxState
from csol.core.tasks import outbox_sweep
from tests.trust.conftest import celery_broker

pytestmark = pytest.mark.django_db

RUNS: list[tuple] = []


@shared_task(name="tests.trust.remember_run")
def remember_run(invoice_id, *, reason=""):
    RUNS.append((invoice_id, reason))


@pytest.fixture(autouse=True)
def _clear_runs():
    RUNS.clear()


def _age(job, seconds=120):
    OutboxJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_enqueue_records_the_job_and_sends_it_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            enqueue(remember_run, 7, reason="issued")
            job = OutboxJob.objects.get()
            # Inside the transaction nothing has run yet: the work waits for the commit.
            assert job.state == OutboxState.PENDING
            assert RUNS == []
    job.refresh_from_db()
    assert RUNS == [(7, "issued")]
    assert job.state == OutboxState.SENT
    assert job.task_name == "tests.trust.remember_run"
    assert (job.args, job.kwargs) == ([7], {"reason": "issued"})


def test_rolled_back_work_is_never_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue(remember_run, 7)
            raise RuntimeError("the business change failed")
    assert not OutboxJob.objects.exists()
    assert RUNS == []


def test_arguments_must_be_json_values():
    with pytest.raises(TypeError):
        enqueue(remember_run, object())


def test_broker_down_request_succeeds_then_sweep_after_restart_runs_task_once(
    dead_broker, django_capture_on_commit_callbacks
):
    # Given the broker is unreachable, when an action enqueues work and commits,
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            enqueue(remember_run, 42, reason="broker down")
    # then the action succeeded, nothing ran, and the job waits in the database.
    job = OutboxJob.objects.get()
    assert job.state == OutboxState.PENDING
    assert job.attempts == 1
    assert job.last_error  # the exception class, for the back office
    assert RUNS == []
    # A sweep while the broker is still down keeps it pending.
    _age(job)
    assert outbox.sweep() == 0
    assert OutboxJob.objects.get().state == OutboxState.PENDING

    # When the broker is back ("restart": tasks now reach a worker, here in-process),
    with celery_broker("memory://", eager=True):
        outbox_sweep.apply()  # the beat's sweep
        outbox_sweep.apply()  # and the next one
        assert outbox.send(job.pk) is False  # a late duplicate sender finds it already sent
    # then the task ran exactly once and the row says so.
    assert RUNS == [(42, "broker down")]
    job.refresh_from_db()
    assert job.state == OutboxState.SENT
    assert job.sent_at is not None


def test_sweep_leaves_fresh_jobs_to_their_own_sender():
    job = OutboxJob.objects.create(task_name=remember_run.name, args=[1])
    assert outbox.sweep() == 0
    assert OutboxJob.objects.get(pk=job.pk).state == OutboxState.PENDING
    _age(job)
    assert outbox.sweep() == 1
    assert RUNS == [(1, "")]


def test_sweep_resends_a_claim_abandoned_by_a_dead_process():
    # A process claimed the job and died before marking it sent: at-least-once, so it goes again.
    job = OutboxJob.objects.create(
        task_name=remember_run.name,
        args=[5],
        state=OutboxState.SENDING,
        claimed_at=timezone.now() - timedelta(minutes=10),
    )
    fresh_claim = OutboxJob.objects.create(
        task_name=remember_run.name, args=[6], state=OutboxState.SENDING, claimed_at=timezone.now()
    )
    assert outbox.sweep() == 1
    assert RUNS == [(5, "")]
    assert OutboxJob.objects.get(pk=job.pk).state == OutboxState.SENT
    assert OutboxJob.objects.get(pk=fresh_claim.pk).state == OutboxState.SENDING


def test_unknown_task_stays_pending_with_a_reason():
    job = OutboxJob.objects.create(task_name="no.such.task", created_at=timezone.now() - timedelta(minutes=5))
    assert outbox.sweep() == 0
    job.refresh_from_db()
    assert (job.state, job.last_error) == (OutboxState.PENDING, "unknown task")


def test_sweep_forgets_sent_jobs_after_the_retention():
    old = OutboxJob.objects.create(
        task_name=remember_run.name, state=OutboxState.SENT, sent_at=timezone.now() - timedelta(days=30)
    )
    recent = OutboxJob.objects.create(
        task_name=remember_run.name, state=OutboxState.SENT, sent_at=timezone.now()
    )
    outbox.sweep()
    assert not OutboxJob.objects.filter(pk=old.pk).exists()
    assert OutboxJob.objects.filter(pk=recent.pk).exists()


def _redis_url():
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip("needs a Redis server on 127.0.0.1:6379")
    return url


def test_with_a_live_redis_the_swept_job_reaches_the_broker_exactly_once(
    dead_broker, django_capture_on_commit_callbacks
):
    url = _redis_url()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            enqueue(remember_run, 99)
    job = OutboxJob.objects.get()
    assert job.state == OutboxState.PENDING
    _age(job)

    queue = f"csol-test-{uuid.uuid4().hex}"
    with celery_broker(url, eager=False, default_queue=queue) as app:
        assert outbox.sweep() == 1
        assert outbox.sweep() == 0
        with app.connection_for_read() as conn:
            simple = conn.SimpleQueue(queue)
            try:
                message = simple.get(timeout=5)
                # The worker side: run what was delivered, as a worker would.
                assert message.headers["id"] == str(job.pk)
                assert message.headers["task"] == remember_run.name
                args, kwargs, _embed = message.payload
                app.tasks[message.headers["task"]].apply(args=args, kwargs=kwargs)
                message.ack()
                with pytest.raises(simple.Empty):  # nothing else was published
                    simple.get(timeout=0.5)
            finally:
                simple.close()
    assert RUNS == [(99, "")]


def test_a_customer_action_while_redis_is_down_loses_nothing(
    dead_broker, customer_client, customer_user, django_capture_on_commit_callbacks, mailoutbox
):
    """End to end: a customer submits a service request while the broker is down."""
    from csol.servicedesk.models import ServiceRequest

    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(
            "/en/service/new/general/", {"subject": "Printer offline", "description": "Since this morning."}
        )
    # The customer's request succeeded and is saved; its acknowledgement waits in the outbox.
    assert response.status_code == 302
    service_request = ServiceRequest.objects.get(subject="Printer offline")
    job = OutboxJob.objects.get(task_name="csol.servicedesk.tasks.send_acknowledgement")
    assert (job.state, job.args) == (OutboxState.PENDING, [service_request.pk])
    assert mailoutbox == []

    # Redis is back: the beat's sweeps send it, and the acknowledgement goes out exactly once.
    _age(job)
    with celery_broker("memory://", eager=True):
        outbox_sweep.apply()
        outbox_sweep.apply()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [customer_user.email]
    assert service_request.reference in mailoutbox[0].subject + mailoutbox[0].body

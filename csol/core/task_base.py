"""The base class of every CSOL Celery task (set as the app's task class in csol/celery.py)."""

import smtplib

from celery import Task
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError

# Errors that usually go away on their own: the mail relay or the database is briefly unreachable.
# A refused recipient is not transient, so it is not here either.
# IntegrityError is not here: a unique constraint refusing a second run is how tasks stay idempotent.
TRANSIENT_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    DatabaseOperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
)


class ReliableTask(Task):
    """Retries transient failures with exponential backoff and jitter (2 s, 4 s, ... up to 10 min)."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 2
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 8
    # Late acknowledgement (settings): a worker that dies mid-task leaves the message to be redelivered.
    acks_late = True
    reject_on_worker_lost = True

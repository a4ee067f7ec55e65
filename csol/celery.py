"""The Celery app. Without REDIS_URL, settings make every task run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csol.settings")

# Every task retries transient failures (SMTP, database) with backoff: see csol/core/task_base.py.
app = Celery("csol", task_cls="csol.core.task_base:ReliableTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

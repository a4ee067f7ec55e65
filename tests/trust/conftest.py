import contextlib

import pytest


@contextlib.contextmanager
def celery_broker(url: str, *, eager: bool, default_queue: str | None = None):
    """Point the Celery app at another broker for a while (as after a restart with new settings)."""
    from csol.celery import app

    conf = app.conf
    saved = (conf.broker_url, conf.task_always_eager, conf.task_default_queue)

    def _reset_pools():
        # Connections and producers are pooled per app; a new URL needs new pools.
        app._pool = None
        app.amqp._producer_pool = None

    conf.broker_url, conf.task_always_eager = url, eager
    if default_queue:
        conf.task_default_queue = default_queue
    _reset_pools()
    try:
        yield app
    finally:
        conf.broker_url, conf.task_always_eager, conf.task_default_queue = saved
        _reset_pools()


DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def dead_broker():
    with celery_broker(DEAD_BROKER, eager=False) as app:
        yield app

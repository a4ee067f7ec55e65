"""`/healthz`: the database and the broker, separately, with no details."""

import json
from unittest import mock

import pytest
from django.db.utils import OperationalError

from tests.trust.conftest import celery_broker

pytestmark = pytest.mark.django_db


def test_healthy_in_eager_mode(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"database": "ok", "broker": "eager"}
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_dead_broker_is_503_without_details(client, dead_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body == {"database": "ok", "broker": "error"}
    assert "127.0.0.1" not in response.content.decode()


def test_database_failure_is_503_and_leaks_nothing(client):
    with mock.patch(
        "csol.health.connection.cursor", side_effect=OperationalError("FATAL: password for 'csol' on db1")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content) == {"database": "error", "broker": "eager"}
    assert "password" not in response.content.decode()


def test_live_broker_is_ok(client):
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip("needs a Redis server on 127.0.0.1:6379")
    with celery_broker(url, eager=False):
        response = client.get("/healthz")
    assert (response.status_code, json.loads(response.content)) == (200, {"database": "ok", "broker": "ok"})


def test_answers_probes_by_address_over_http_without_a_session(client, settings):
    # A load balancer probes each instance by its address, over plain HTTP.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["portal.csol.example"]
    response = client.get("/healthz", HTTP_HOST="10.0.3.17:8000")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_is_outside_the_language_prefixes(client):
    assert client.get("/fr/healthz").status_code == 404
    assert client.post("/healthz").status_code == 405

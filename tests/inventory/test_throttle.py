"""The lookup throttle on Redis, as in production: one round trip per lookup, the same limits."""

import time

import pytest
import redis.connection
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory import throttle

pytestmark = pytest.mark.django_db


def test_lookups_are_counted_per_user_and_minute_on_redis(redis_cache, customer_user, other_user, settings):
    settings.INVENTORY_LOOKUPS_PER_MINUTE = 3
    assert [throttle.lookup_allowed(customer_user) for _ in range(4)] == [True, True, True, False]
    assert throttle.lookup_allowed(other_user)
    window = int(time.time() // throttle.WINDOW_SECONDS)
    backend = caches["default"]
    key = backend.make_and_validate_key(f"inventory:lookups:{customer_user.pk}:{window}")
    client = backend._cache.get_client(key)
    # The counter forgets itself: it lives two windows at most.
    assert 0 < client.ttl(key) <= 2 * throttle.WINDOW_SECONDS
    assert int(client.get(key)) == 4


def test_a_lookup_costs_one_round_trip_and_no_query(redis_cache, customer_user, monkeypatch):
    throttle.lookup_allowed(customer_user)  # the minute's counter exists
    sent = []
    send = redis.connection.Connection.send_packed_command

    def spy(connection, command, check_health=True):
        sent.append(b"".join(command) if isinstance(command, list) else command)
        return send(connection, command, check_health)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", spy)
    with CaptureQueriesContext(connection) as queries:
        assert throttle.lookup_allowed(customer_user)
    assert len(sent) == 1  # SET NX and INCR in one pipeline: no EXISTS first
    assert b"SET" in sent[0] and b"INCRBY" in sent[0] and b"EXISTS" not in sent[0]
    assert len(queries) == 0

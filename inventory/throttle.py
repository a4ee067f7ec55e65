"""Per-user lookup throttling, so the installed base cannot be enumerated through the search box."""

import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def lookup_limit(user) -> int:
    # Agents answer the phone all day: a higher ceiling, but still one (a stolen agent session
    # must not dump the base either).
    if user.is_staff:
        return getattr(settings, "INVENTORY_STAFF_LOOKUPS_PER_MINUTE", 120)
    return getattr(settings, "INVENTORY_LOOKUPS_PER_MINUTE", 30)


def lookup_allowed(user) -> bool:
    """Count one lookup for the user in the current minute; False once the limit is passed."""
    window = int(time.time() // WINDOW_SECONDS)
    key = f"inventory:lookups:{user.pk}:{window}"
    # One cache operation per lookup once the minute's counter exists: incr() is atomic where the
    # cache is shared (Redis, memcached) and refuses a missing key; the first lookup of the minute
    # creates the counter with add() (atomic too: of two racing first lookups, one increments).
    try:
        count = cache.incr(key)
    except ValueError:
        if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
            count = 1
        else:
            count = cache.incr(key)
    return count <= lookup_limit(user)

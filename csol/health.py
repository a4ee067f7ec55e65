"""`/healthz` for load balancers: is the database answering, is the broker answering.

The answer names each part "ok" or "error" and nothing else: no host names, versions or
exception texts for whoever can reach the endpoint. Details go to the log.
"""

import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("csol.health")

HEALTH_PATH = "/healthz"


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "not healthy"; the reason goes to the log only
        logger.warning("health database=error error=%s", type(error).__name__)
        return "error"
    return "ok"


def broker_status() -> str:
    from csol.celery import app

    if app.conf.task_always_eager:
        return "eager"  # no broker configured: tasks run in the web process (development)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as error:
        logger.warning("health broker=error error=%s", type(error).__name__)
        return "error"
    return "ok"


@never_cache
@require_safe
def healthz(request):
    report = {"database": database_status(), "broker": broker_status()}
    healthy = report["database"] == "ok" and report["broker"] in {"ok", "eager"}
    return JsonResponse(report, status=200 if healthy else 503)


class HealthCheckMiddleware:
    """Answers `/healthz` before host validation, sessions and the HTTPS redirect.

    Load balancers probe instances by address, not by the public host name, and over plain HTTP;
    the check must not depend on ALLOWED_HOSTS or on a session, and must never write one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH:
            return healthz(request)
        return self.get_response(request)

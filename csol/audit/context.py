"""Who is acting right now: set per request by middleware and per task by Celery signals.

A context variable, so it follows the request through its threads of execution and never leaks
between concurrent requests; outside a request or task (shell, management commands) the actor is
"system".
"""

from __future__ import annotations

import contextlib
import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    acting_as_id: int | None = None
    ip: str | None = None
    source: str = "system"


SYSTEM = Actor(user_id=None, label="system", source="system")


class RequestActor:
    """The actor of a web request, resolved only when an event is recorded (no query otherwise)."""

    def __init__(self, request):
        self._request = request

    def resolve(self) -> Actor:
        request = self._request
        user = getattr(request, "user", None)
        impersonated = getattr(request, "impersonated_user", None)
        ip = client_ip(request)
        if user is None or not user.is_authenticated:
            return Actor(user_id=None, label="anonymous", ip=ip, source="web")
        return Actor(
            user_id=user.pk,
            label=user.get_username()[:150],
            acting_as_id=getattr(impersonated, "pk", None),
            ip=ip,
            source="web",
        )


_current: ContextVar[Actor | RequestActor] = ContextVar("csol_audit_actor", default=SYSTEM)


def current_actor() -> Actor:
    actor = _current.get()
    return actor.resolve() if isinstance(actor, RequestActor) else actor


def set_actor(actor):
    return _current.set(actor)


def reset_actor(token) -> None:
    _current.reset(token)


@contextlib.contextmanager
def acting(actor):
    token = set_actor(actor)
    try:
        yield
    finally:
        reset_actor(token)


def client_ip(request) -> str | None:
    """The client's address; behind our load balancer, the hop it appended to X-Forwarded-For."""
    from django.conf import settings

    address = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.CSOL_BEHIND_PROXY and forwarded:
        # Earlier hops are whatever the client sent; the last one is our load balancer's own entry.
        address = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None

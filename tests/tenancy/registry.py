"""Every customer-facing URL of the portal, and how to build an object of a customer for each.

The URL resolver is the source of truth: `customer_facing_patterns()` walks it, so a view added to
any app shows up here by itself. A pattern that takes arguments needs an entry in `OBJECT_URLS`
(view name → builder of its URL kwargs for an object of the given customer); the tenancy test fails
on a pattern without one, so a new view cannot skip the "another customer's object is a 404" check.
The browser and HTML-validity tests use the same builders to reach every detail page.

Builders import each app's factories (tests/<app>/factories.py) lazily, so this module loads before
the domain apps have any.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern, RoutePattern


@dataclass
class Owner:
    """The customer whose objects the builders create, and one of its administrators."""

    customer: object
    user: object


@dataclass(frozen=True)
class Pattern:
    view_name: str
    route: str  # for messages only
    kwargs: tuple[str, ...]


# Patterns under the language prefix that are not pages of a customer's data: the back office has its
# own permission system, and these accounts views are reached by a signed token, not by tenancy.
EXCLUDED_NAMESPACES = {"admin"}
EXCLUDED_VIEWS = {
    "accounts:password_reset_confirm",  # uidb64 + token from the email: no customer object
    "accounts:accept_invitation",  # the signed invitation token is the credential
}


def _walk(resolvers, namespace: str, prefix: str, localised: bool):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            inner_localised = localised or isinstance(entry.pattern, LocalePrefixPattern)
            yield from _walk(entry.url_patterns, ns, prefix + str(entry.pattern), inner_localised)
        elif isinstance(entry, URLPattern) and entry.name and localised:
            if isinstance(entry.pattern, RoutePattern):
                kwargs = tuple(entry.pattern.converters)
            else:
                kwargs = tuple(entry.pattern.regex.groupindex)
            yield Pattern(view_name=namespace + entry.name, route=prefix + str(entry.pattern), kwargs=kwargs)


def customer_facing_patterns() -> list[Pattern]:
    """Named patterns under the language prefix (/fr/, /en/), back office and token views excluded."""
    seen: dict[str, Pattern] = {}
    for pattern in _walk(get_resolver().url_patterns, "", "/", False):
        if pattern.view_name not in EXCLUDED_VIEWS:
            seen.setdefault(pattern.view_name, pattern)
    return sorted(seen.values(), key=lambda p: p.view_name)


def patterns_without_args() -> list[Pattern]:
    return [p for p in customer_facing_patterns() if not p.kwargs]


def patterns_with_args() -> list[Pattern]:
    return [p for p in customer_facing_patterns() if p.kwargs]


# --- builders: Owner → URL kwargs of one object of owner.customer --------------------------------


def _membership(owner: Owner) -> dict:
    from csol.core.models import Role
    from tests.factories import member

    colleague = member(owner.customer, Role.BUYER, full_name="Camille Tremblay")
    return {"pk": colleague.memberships.get(customer=owner.customer).pk}


OBJECT_URLS: dict[str, Callable[[Owner], dict]] = {
    "accounts:member_edit": _membership,
    "accounts:member_deactivate": _membership,
}


def build_kwargs(pattern: Pattern, owner: Owner) -> dict:
    """URL kwargs of a fresh object of `owner.customer` for the pattern; KeyError when unknown."""
    return OBJECT_URLS[pattern.view_name](owner)

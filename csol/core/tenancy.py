"""The one tenancy primitive: what a signed-in user may see and do, for which customers.

Every customer-facing read is filtered by `Viewer.customer_ids()` (through
`CustomerOwnedQuerySet.visible_to`); an object outside it is a 404, never a 403. Partner scope and
agent scope live here and nowhere else, so pages, exports, PDFs and search agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import caches
from django.db import models
from django.utils import timezone

from csol.core.models import Customer, Membership, PartnerAuthorisation, Role, Scope

# Who may do what. A member needs one of the roles; a partner needs the scope on its authorisation.
# Partners never manage a customer's users, nor its invoices and payments.
ACTIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "view": (frozenset(Role.values), Scope.VIEW),
    "order": (frozenset({Role.ADMINISTRATOR, Role.BUYER}), Scope.ORDER),
    "pay": (frozenset({Role.ADMINISTRATOR, Role.ACCOUNTS_PAYABLE}), None),
    "manage_users": (frozenset({Role.ADMINISTRATOR}), None),
    "manage_installed_base": (frozenset({Role.ADMINISTRATOR}), None),
    "contracts": (frozenset({Role.ADMINISTRATOR, Role.BUYER}), Scope.ORDER),
    "entitlements": (frozenset({Role.ADMINISTRATOR}), None),
    "service_request": (frozenset(Role.values), Scope.SERVICE_REQUESTS),
}


@dataclass
class Viewer:
    """A user seen through the tenancy rule, with the customer they are acting for."""

    user: object
    active_customer_id: int | None = None
    # Requests read the memberships and authorisations through the cache (see _access); code that
    # holds a user object across changes (tasks, tests) reads them from the database.
    cached: bool = False
    _scoped_ids: dict = field(default_factory=dict, repr=False)

    @property
    def is_agent(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False) and self.user.is_active and self.user.is_staff)

    @property
    def is_partner(self) -> bool:
        return bool(getattr(self.user, "partner_id", None)) and not self.is_agent

    @cached_property
    def access_key(self) -> str:
        """The cache key of the user's access (access_cache_key), computed once per request."""
        return access_cache_key(self.user)

    @cached_property
    def _access(self) -> tuple[dict[int, Membership], dict[int, set[str]]]:
        """The memberships and the partner scopes: from the cache for a request, else two queries."""
        if not getattr(self.user, "is_authenticated", False) or not self.user.is_active:
            return {}, {}
        if not self.cached:
            return self._read_memberships(), self._read_partner_scopes()
        key = self.access_key
        access = caches["local"].get(key)
        if access is None:
            access = (self._read_memberships(), self._read_partner_scopes())
            caches["local"].set(key, access, ACCESS_CACHE_SECONDS)
        return access

    def _read_memberships(self) -> dict[int, Membership]:
        """Customer id → the user's active membership, with its customer (one query for both)."""
        rows = (
            Membership.objects.filter(
                user=self.user, is_active=True, customer__status__in=["active", "credit_hold"]
            )
            .select_related("customer")
            .order_by()
        )
        return {membership.customer_id: membership for membership in rows}

    def _read_partner_scopes(self) -> dict[int, set[str]]:
        if not self.is_partner:
            return {}
        scopes: dict[int, set[str]] = {}
        rows = PartnerAuthorisation.objects.in_force().filter(partner_id=self.user.partner_id)
        for customer_id, can_order, can_sr in rows.values_list("customer_id", "can_order", "can_service_requests"):
            granted = {Scope.VIEW}
            if can_order:
                granted.add(Scope.ORDER)
            if can_sr:
                granted.add(Scope.SERVICE_REQUESTS)
            scopes[customer_id] = granted
        return scopes

    @property
    def _memberships(self) -> dict[int, Membership]:
        return self._access[0]

    @cached_property
    def roles(self) -> dict[int, str]:
        """Customer id → role, for the user's active memberships."""
        return {customer_id: membership.role for customer_id, membership in self._memberships.items()}

    @property
    def partner_scopes(self) -> dict[int, set[str]]:
        """Customer id → scopes, for the partner's authorisations in force today."""
        return self._access[1]

    def selectable_customer_ids(self) -> list[int]:
        """Customers the user may switch to (memberships, then partner authorisations)."""
        return sorted(set(self.roles) | set(self.partner_scopes))

    def customer_ids(self, scope: str = Scope.VIEW) -> list[int] | None:
        """Customer ids whose data the user sees now; None means every customer (agents)."""
        if self.is_agent:
            return None
        if scope not in self._scoped_ids:
            ids = set(self.roles) | {cid for cid, s in self.partner_scopes.items() if scope in s}
            if self.active_customer_id is not None:
                ids &= {self.active_customer_id}
            self._scoped_ids[scope] = sorted(ids)
        return self._scoped_ids[scope]

    def can(self, action: str, customer_id: int | None = None) -> bool:
        """Whether the user may take `action` for the customer (the active one by default)."""
        if self.is_agent:
            return True
        customer_id = customer_id or self.active_customer_id
        roles, scope = ACTIONS[action]
        if customer_id is None:
            # Partners with "all my customers" selected: allowed if any customer allows it.
            return any(self.can(action, cid) for cid in self.selectable_customer_ids())
        if customer_id in self.roles:
            return self.roles[customer_id] in roles
        return scope is not None and scope in self.partner_scopes.get(customer_id, set())

    def customers_for(self, action: str) -> models.QuerySet:
        """Customers the user may take `action` for (e.g. the choices of a partner's order form)."""
        if self.is_agent:
            return Customer.objects.all()
        ids = [cid for cid in self.selectable_customer_ids() if self.can(action, cid)]
        if self.active_customer_id is not None:
            ids = [cid for cid in ids if cid == self.active_customer_id]
        return Customer.objects.filter(id__in=ids)

    @cached_property
    def active_customer(self) -> Customer | None:
        if self.active_customer_id is None:
            return None
        # A member's customer came with the memberships: no query on each page for the shell.
        membership = self._memberships.get(self.active_customer_id)
        if membership is not None:
            return membership.customer
        return Customer.objects.filter(id=self.active_customer_id).first()


# How long an unchanged user's access is kept; a change makes the entry unreachable at once (the key
# holds the user's access_version), this only bounds the memory of idle users' entries.
ACCESS_CACHE_SECONDS = 15 * 60


def access_cache_key(user) -> str:
    """The cache key of what the user may see, valid until their access changes or the day ends.

    The day is in the key because partner authorisations start and end on dates. The date the user
    joined tells apart two users given the same id (SQLite reuses the ids of rolled-back rows).
    """
    return (
        f"csol:access:{user.pk}:{user.date_joined.timestamp()}:{user.access_version}:"
        f"{user.partner_id}:{user.is_staff}:{timezone.localdate().isoformat()}"
    )


def viewer_for(user, active_customer_id: int | None = None, *, cached: bool = False) -> Viewer:
    """A Viewer for a user with a valid active customer (cached=True for a user read in this request)."""
    viewer = Viewer(user=user, cached=cached)
    selectable = viewer.selectable_customer_ids()
    if active_customer_id in selectable:
        viewer.active_customer_id = active_customer_id
    elif viewer.roles and not viewer.is_agent:
        # A customer user always acts for one company; partners may look across theirs.
        viewer.active_customer_id = min(viewer.roles)
    return viewer


class CustomerOwnedQuerySet(models.QuerySet):
    """Queryset of rows that belong to a customer; `customer_field` names the path to it."""

    customer_field = "customer"

    def visible_to(self, viewer: Viewer, *, scope: str = Scope.VIEW):
        """Rows the viewer may see; everything for agents, nothing for strangers."""
        ids = viewer.customer_ids(scope)
        if ids is None:
            return self
        return self.filter(**{f"{self.customer_field}__in": ids})

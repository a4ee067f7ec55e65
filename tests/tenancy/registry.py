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
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern, RoutePattern
from django.utils import translation


@dataclass
class Owner:
    """The customer whose objects the builders create, and one of its administrators."""

    customer: object
    user: object
    _made: dict = field(default_factory=dict, repr=False)

    def once(self, key: str, make: Callable):
        """One object per owner for URLs that share it (an order's detail and its window actions)."""
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]


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


@dataclass(frozen=True)
class Entry:
    """How to build a URL's kwargs; `agent_only` views are 404 for every customer and partner."""

    build: Callable[[Owner], dict]
    agent_only: bool = False
    query: Callable[[], str] | None = None  # a query string the view needs (a statement's period)


def registry_agent():
    """A back-office agent with every desk, for builders that need CSO's side of a flow."""
    from django.contrib.auth.models import Group

    from csol.core.models import User
    from csol.core.services.desks import desk_groups_sync
    from tests.factories import UserFactory

    agent = User.objects.filter(email="registry-agent@csol.example").first()
    if agent is None:
        desk_groups_sync()
        agent = UserFactory(email="registry-agent@csol.example", full_name="Agent Registre", is_staff=True)
        agent.groups.set(Group.objects.all())
    return agent


def _membership(owner: Owner) -> dict:
    from csol.core.models import Role
    from tests.factories import member

    colleague = member(owner.customer, Role.BUYER, full_name="Camille Tremblay")
    return {"pk": colleague.memberships.get(customer=owner.customer).pk}


def _order_with_window(owner: Owner):
    """A scheduled order with a delivery window CSO proposed, awaiting the customer's answer."""
    from orders import services
    from orders.models import OrderStatus
    from tests.orders.factories import advance, make_order, tomorrow_at

    def make():
        agent = registry_agent()
        order = advance(make_order(owner.customer, actor=agent), OrderStatus.SCHEDULED, actor=agent)
        window = services.delivery_window_propose(
            order=order, starts_at=tomorrow_at(9), ends_at=tomorrow_at(12), actor=agent
        )
        return order, window

    return owner.once("order_with_window", make)


def _order(owner: Owner) -> dict:
    order, _window = _order_with_window(owner)
    return {"number": order.number}


def _window(owner: Owner) -> dict:
    order, window = _order_with_window(owner)
    return {"number": order.number, "pk": window.pk}


def _service_request(owner: Owner):
    """A general question with a PDF attached, from the owner's administrator."""
    from tests.servicedesk.factories import PDF_BYTES, make_request, upload

    def make():
        return make_request(
            owner.customer,
            owner.user,
            subject="Question sur la facture",
            files=[(upload("bon-de-commande.pdf", PDF_BYTES), "application/pdf")],
        )

    return owner.once("service_request", make)


def _request_reference(owner: Owner) -> dict:
    return {"reference": _service_request(owner).reference}


def _request_attachment(owner: Owner) -> dict:
    service_request = _service_request(owner)
    return {"reference": service_request.reference, "attachment_id": service_request.attachments.first().pk}


def _record(owner: Owner) -> dict:
    """An installed server under warranty at the customer's first site."""
    import datetime

    from tests.inventory.factories import RecordFactory

    def make():
        return RecordFactory(customer=owner.customer, warranty_end=datetime.date(2030, 6, 30))

    return {"pk": owner.once("record", make).pk}


def _customer_number(owner: Owner) -> dict:
    """Receivables pages name the customer by number: give it an overdue invoice and a payment."""
    _receivables(owner)
    return {"number": owner.customer.number}


def _receivables(owner: Owner) -> dict:
    from datetime import timedelta
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from collections_ar.services import payment_allocate, payment_record
    from collections_ar.services.collection import promise_add
    from collections_ar.services.remittance import remittance_advice_submit, remittance_import
    from tests.collections_ar.factories import InvoiceFactory
    from tests.servicedesk.factories import PNG_BYTES

    def make():
        import uuid

        today = timezone.localdate()
        agent = registry_agent()
        invoice = InvoiceFactory(
            customer=owner.customer, total=Decimal("1130.00"), due_date=today - timedelta(days=40)
        )
        payment = payment_record(
            customer=owner.customer,
            received_on=today - timedelta(days=2),
            method="cheque",
            amount=Decimal("400.00"),
            reference="CHQ-4411",
        )
        payment_allocate(payment=payment, lines=[(invoice, Decimal("400.00"))])
        advice = remittance_advice_submit(
            customer=owner.customer,
            submitted_by=owner.user,
            paid_on=today,
            method="eft",
            reference="EFT-77",
            amount=Decimal("100.00"),
            lines=[(invoice, Decimal("100.00"))],
            attachment=SimpleUploadedFile("preuve.png", PNG_BYTES, content_type="image/png"),
        )
        promise = promise_add(
            customer=owner.customer,
            promised_on=today + timedelta(days=7),
            amount=Decimal("200.00"),
            actor=agent,
        )
        # Bank files are CSO's, not a customer's; the same file twice is refused, so each is unique.
        batch_id = uuid.uuid4().hex[:8]
        row = f"{today.isoformat()},12.34,{owner.customer.number},{batch_id}"
        csv = f"date,amount,payer reference,details\n{row}\n"
        batch = remittance_import(name=f"bank-{batch_id}.csv", content=csv.encode(), actor=agent)
        return {"payment": payment, "advice": advice, "promise": promise, "batch": batch}

    return owner.once("receivables", make)


def _statement_period() -> str:
    from django.utils import timezone

    today = timezone.localdate()
    return f"?start={today.replace(day=1).isoformat()}&end={today.isoformat()}"


def _advice(owner: Owner) -> dict:
    return {"number": owner.customer.number, "pk": _receivables(owner)["advice"].pk}


def _advice_pk(owner: Owner) -> dict:
    return {"pk": _receivables(owner)["advice"].pk}


def _payment(owner: Owner) -> dict:
    return {"number": _receivables(owner)["payment"].number}


def _allocation(owner: Owner) -> dict:
    payment = _receivables(owner)["payment"]
    return {"number": payment.number, "pk": payment.allocations.get().pk}


def _promise(owner: Owner) -> dict:
    return {"number": owner.customer.number, "pk": _receivables(owner)["promise"].pk}


def _import(owner: Owner) -> dict:
    return {"pk": _receivables(owner)["batch"].pk}


def _import_line(owner: Owner) -> dict:
    return {"pk": _receivables(owner)["batch"].lines.first().pk}


def _contract_objects(owner: Owner) -> dict:
    """Maintenance contracts in force until the end of the year: one with a signed PDF, one being renewed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from contracts.services import contract_document_attach, renewal_request_submit
    from tests.contracts.factories import ContractFactory, EntitlementFactory
    from tests.servicedesk.factories import PDF_BYTES

    def make():
        contract = ContractFactory(customer=owner.customer)
        EntitlementFactory(contract=contract)
        document = contract_document_attach(
            contract=contract,
            upload=SimpleUploadedFile("contrat-signe.pdf", PDF_BYTES),
            title="Contrat signé",
            actor=registry_agent(),
        )
        # A second contract carries the open renewal request (one open request stops a second one).
        requested = ContractFactory(customer=owner.customer)
        renewal = renewal_request_submit(contract=requested, actor=owner.user, message="Renouveler tel quel")
        return {"contract": contract, "document": document, "renewal": renewal}

    return owner.once("contracts", make)


def _contract(owner: Owner) -> dict:
    return {"number": _contract_objects(owner)["contract"].number}


def _contract_document(owner: Owner) -> dict:
    made = _contract_objects(owner)
    return {"number": made["contract"].number, "document_id": made["document"].pk}


def _renewal_request(owner: Owner) -> dict:
    return {"pk": _contract_objects(owner)["renewal"].pk}


def _billing_objects(owner: Owner) -> dict:
    def make():
        from django.core.files.uploadedfile import SimpleUploadedFile

        from billing.services.disputes import dispute_open
        from csol.core.tenancy import viewer_for
        from tests.billing.factories import make_invoice

        invoice = make_invoice(owner.customer)
        pdf = SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")
        dispute = dispute_open(
            invoice=invoice, actor=owner.user, viewer=viewer_for(owner.user, owner.customer.id), reason="price",
            amount="10.00", message="Price differs from the quote.", files=[pdf],
        )
        attachment = dispute.messages.first().attachments.first()
        return {"invoice": invoice, "dispute": dispute, "attachment": attachment}

    return owner.once("billing", make)


def _invoice(owner: Owner) -> dict:
    return {"number": _billing_objects(owner)["invoice"].number}


def _dispute(owner: Owner) -> dict:
    objects = _billing_objects(owner)
    return {"number": objects["invoice"].number, "pk": objects["dispute"].pk}


def _dispute_attachment(owner: Owner) -> dict:
    objects = _billing_objects(owner)
    return {**_dispute(owner), "attachment_id": objects["attachment"].pk}


def _customer_user(owner: Owner) -> dict:
    return {"user_id": owner.user.pk}


OBJECT_URLS: dict[str, Entry] = {
    "accounts:member_edit": Entry(_membership),
    "accounts:member_deactivate": Entry(_membership),
    "orders:detail": Entry(_order),
    "orders:window_accept": Entry(_window),
    "orders:window_counter": Entry(_window),
    "inventory:detail": Entry(_record),
    "inventory:report_change": Entry(_record),
    "audit:impersonation_start": Entry(_customer_user, agent_only=True),
    "contracts:detail": Entry(_contract),
    "contracts:renew": Entry(_contract),
    "contracts:do_not_renew": Entry(_contract),
    "contracts:document": Entry(_contract_document),
    "contracts:renewal_request": Entry(_renewal_request),
    "collections_ar:account": Entry(_customer_number),
    "collections_ar:statement": Entry(_customer_number),
    "collections_ar:statement_pdf": Entry(_customer_number, query=_statement_period),
    "collections_ar:statement_csv": Entry(_customer_number, query=_statement_period),
    "collections_ar:remittance_advice": Entry(_customer_number),
    "collections_ar:advice_attachment": Entry(_advice),
    "collections_ar:agent_customer": Entry(_customer_number, agent_only=True),
    "collections_ar:note_create": Entry(_customer_number, agent_only=True),
    "collections_ar:promise_create": Entry(_customer_number, agent_only=True),
    "collections_ar:promise_status": Entry(_promise, agent_only=True),
    "collections_ar:credit_hold": Entry(_customer_number, agent_only=True),
    "collections_ar:profile_update": Entry(_customer_number, agent_only=True),
    "collections_ar:write_off": Entry(_customer_number, agent_only=True),
    "collections_ar:credit_apply": Entry(_customer_number, agent_only=True),
    "collections_ar:payment": Entry(_payment, agent_only=True),
    "collections_ar:payment_auto": Entry(_payment, agent_only=True),
    "collections_ar:payment_void": Entry(_payment, agent_only=True),
    "collections_ar:allocation_reverse": Entry(_allocation, agent_only=True),
    "collections_ar:import": Entry(_import, agent_only=True),
    "collections_ar:line": Entry(_import_line, agent_only=True),
    "collections_ar:line_unmatched": Entry(_import_line, agent_only=True),
    "collections_ar:advice_reconcile": Entry(_advice_pk, agent_only=True),
    "billing:detail": Entry(_invoice),
    "billing:pdf": Entry(_invoice),
    "billing:dispute_create": Entry(_invoice),
    "billing:dispute": Entry(_dispute),
    "billing:dispute_attachment": Entry(_dispute_attachment),
    "servicedesk:detail": Entry(_request_reference),
    "servicedesk:reply": Entry(_request_reference),
    "servicedesk:transition": Entry(_request_reference),
    "servicedesk:assign": Entry(_request_reference, agent_only=True),
    "servicedesk:attachment": Entry(_request_attachment),
}


def _categories() -> list[dict]:
    from csol.servicedesk.models import Category

    return [{"category": category.value} for category in Category]


# URLs whose arguments name something every customer shares (a category of request), not a
# customer's object: no tenancy to test, but each value is a page the other checks visit.
SHARED_URLS: dict[str, Callable[[], list[dict]]] = {
    "servicedesk:create": _categories,
}


def build_kwargs(pattern: Pattern, owner: Owner) -> dict:
    """URL kwargs of an object of `owner.customer` for the pattern; KeyError when unknown."""
    return OBJECT_URLS[pattern.view_name].build(owner)


def url_for(view_name: str, kwargs: dict, language: str) -> str:
    """The URL of the view in `language`, with the query string its table entry asks for."""
    with translation.override(language):
        path = reverse(view_name, kwargs=kwargs or None)
    entry = OBJECT_URLS.get(view_name)
    return path + (entry.query() if entry and entry.query else "")


def page_kwargs(pattern: Pattern, owner: Owner) -> list[dict]:
    """Every set of kwargs to visit for the pattern ([] for a pattern the table does not know)."""
    if not pattern.kwargs:
        return [{}]
    if pattern.view_name in SHARED_URLS:
        return SHARED_URLS[pattern.view_name]()
    if pattern.view_name in OBJECT_URLS:
        return [build_kwargs(pattern, owner)]
    return []

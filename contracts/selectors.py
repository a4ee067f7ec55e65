"""Reads on contracts: portal lists, the renewal cockpit, due reminders, and billing's due periods."""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Value, When

from contracts.dates import cancellation_deadline
from contracts.models import (
    IN_FORCE,
    BillingPeriod,
    Contract,
    Entitlement,
    RenewalReminder,
    RenewalRequest,
    RenewalRequestStatus,
)

COCKPIT_DAYS = 120
DEFAULT_REMINDER_OFFSETS = (90, 60, 30)


def reminder_offsets() -> list[int]:
    """Days before the end at which reminders go out, largest first (settings.CONTRACT_REMINDER_OFFSETS)."""
    offsets = (
        getattr(settings, "CONTRACT_REMINDER_OFFSETS", DEFAULT_REMINDER_OFFSETS) or DEFAULT_REMINDER_OFFSETS
    )
    return sorted({int(o) for o in offsets if int(o) >= 0}, reverse=True)


def billing_periods_due(*, on: date):
    """Billing periods to invoice on `on`: due, of a contract in force, not yet on an invoice line."""
    return (
        BillingPeriod.objects.filter(due_on__lte=on, contract__status__in=IN_FORCE, invoice_line__isnull=True)
        .select_related("contract", "contract__customer")
        .order_by("due_on", "contract_id", "start_date")
    )


def contract_list(*, viewer, kind: str = "", status: str = "", ending_within: int | None = None, today: date):
    """The viewer's contracts, filtered, by end date."""
    contracts = Contract.objects.visible_to(viewer).select_related("customer")
    if kind:
        contracts = contracts.filter(kind=kind)
    if status:
        contracts = contracts.filter(status=status)
    if ending_within is not None:
        contracts = contracts.filter(end_date__gte=today, end_date__lte=today + timedelta(days=ending_within))
    return contracts.order_by("end_date", "number")


def contract_get(*, viewer, number: str) -> Contract:
    """One contract the viewer may see, or Http404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        Contract.objects.visible_to(viewer).select_related("customer", "previous", "renewal"), number=number
    )


def renewal_cockpit(*, viewer, today: date, days: int = COCKPIT_DAYS):
    """Contracts in force ending within `days`, with their open renewal request if any."""
    open_requests = RenewalRequest.objects.filter(status=RenewalRequestStatus.SUBMITTED)
    return (
        Contract.objects.visible_to(viewer)
        .in_force()
        .ending_between(today, today + timedelta(days=days))
        .select_related("customer")
        .prefetch_related(Prefetch("renewal_requests", queryset=open_requests, to_attr="open_requests"))
        .order_by("end_date", "number")
    )


def entitlement_list(*, viewer):
    """Licences of the customers whose entitlements the viewer may see (administrators, agents)."""
    entitlements = Entitlement.objects.visible_to(viewer).select_related("product", "contract", "customer")
    if not viewer.is_agent:
        allowed = [cid for cid in (viewer.customer_ids() or []) if viewer.can("entitlements", cid)]
        entitlements = entitlements.filter(customer_id__in=allowed)
    return entitlements.order_by("customer_id", "term_end", "id")


def reminder_offset_case(*, today: date, offsets: list[int]) -> Case:
    """The reminder a contract is due for today: the smallest offset it has reached.

    Reaching an offset late (the job was down, the contract was created inside the window) sends that
    one reminder, never the larger ones it skipped.
    """
    ascending = sorted(offsets)
    return Case(
        *[When(end_date__lte=today + timedelta(days=offset), then=Value(offset)) for offset in ascending],
        output_field=IntegerField(),
    )


def contracts_due_for_reminder(*, today: date, offsets: list[int] | None = None):
    """Contracts in force whose current reminder is not written yet: one query on (status, end_date)."""
    offsets = offsets if offsets is not None else reminder_offsets()
    if not offsets:
        return Contract.objects.none()
    already = RenewalReminder.objects.filter(
        contract=OuterRef("pk"), offset_days=OuterRef("reminder_offset"), term_end=OuterRef("end_date")
    )
    return (
        Contract.objects.in_force()
        .filter(end_date__gte=today, end_date__lte=today + timedelta(days=max(offsets)))
        .annotate(reminder_offset=reminder_offset_case(today=today, offsets=offsets))
        .filter(~Exists(already))
        .select_related("customer")
        .order_by("customer_id", "end_date", "id")
    )


def contracts_to_mark_expiring(*, today: date, window_days: int):
    """Active contracts that entered the reminder window."""
    return Contract.objects.filter(status="active", end_date__lte=today + timedelta(days=window_days))


def contracts_past_end(*, today: date):
    """Contracts still in force after their last day: to renew automatically or to expire."""
    return Contract.objects.in_force().filter(end_date__lt=today).order_by("end_date", "id")


def dashboard_counts(*, viewer, today: date) -> dict:
    """Figures for the dashboard card."""
    visible = Contract.objects.visible_to(viewer)
    in_force = visible.in_force()
    return {
        "in_force": in_force.count(),
        "ending_90": in_force.ending_between(today, today + timedelta(days=90)).count(),
        # Auto-renewing contracts whose last day to give notice falls within 30 days.
        "deadlines_30": sum(
            1
            for end, notice in in_force.filter(
                auto_renew=True, non_renewal_noticed_at__isnull=True, end_date__gte=today
            ).values_list("end_date", "notice_days")
            if today <= cancellation_deadline(end, notice) <= today + timedelta(days=30)
        ),
        "open_requests": RenewalRequest.objects.visible_to(viewer)
        .filter(status=RenewalRequestStatus.SUBMITTED)
        .count(),
    }


def covered_records(contract: Contract):
    """Installed-base records the contract covers (inventory's M2M, read through its reverse name)."""
    return contract.covered_records.select_related("product", "site").order_by(
        "machine_type", "serial_number"
    )

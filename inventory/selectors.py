"""Reads on the installed base: coverage, lists, history (the lookup: inventory/lookup.py).

Customer-facing reads take the viewer.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    CharField,
    DateField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractKind, ContractStatus
from csol.core.models import Site
from inventory.models import ChangeRequest, ChangeStatus, InventoryRecord, RecordEvent, RecordStatus
from orders.models import Product

# A contract covers its records while it is in force: active, or active and close to its end.
COVERING_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRING)
EXPIRING_WITHIN_DAYS = 90


class CoverageKind:
    WARRANTY = "warranty"
    CONTRACT = "contract"
    NONE = "none"


class CoverageFilter:
    COVERED = "covered"
    EXPIRING = "expiring"
    NOT_COVERED = "not_covered"


@dataclass(frozen=True)
class Coverage:
    """Today's coverage of one record: the warranty or contract that lasts longest, or nothing."""

    kind: str
    until: date | None = None
    contract_number: str = ""
    expiring: bool = False

    @property
    def is_covered(self) -> bool:
        return self.kind != CoverageKind.NONE

    @property
    def label(self) -> str:
        if self.kind == CoverageKind.CONTRACT:
            return _("Under maintenance contract %(number)s until %(date)s") % {
                "number": self.contract_number,
                "date": self.until.isoformat(),
            }
        if self.kind == CoverageKind.WARRANTY:
            return _("Under warranty until %(date)s") % {"date": self.until.isoformat()}
        return _("Not covered")


# Of the contracts in force on a record, the one that covers it is the one that ends last.
COVERING_FIRST = ("-end_date", "number")


def contracts_in_force(today: date) -> QuerySet:
    """Contracts in force today (a contract ending today still covers)."""
    return Contract.objects.filter(status__in=COVERING_STATUSES, start_date__lte=today, end_date__gte=today)


def _covering_contracts(today: date) -> QuerySet:
    """Contracts in force today covering the outer record."""
    return contracts_in_force(today).filter(covered_records=OuterRef("pk"))


def with_coverage(queryset: QuerySet, *, today: date | None = None) -> QuerySet:
    """Annotate each record with the contract in force that ends last (read by coverage_of)."""
    today = today or timezone.localdate()
    contracts = _covering_contracts(today).order_by(*COVERING_FIRST)
    return queryset.annotate(
        coverage_contract_end=Subquery(contracts.values("end_date")[:1], output_field=DateField()),
        coverage_contract_number=Subquery(contracts.values("number")[:1], output_field=CharField()),
    )


def attach_coverage(records: list[InventoryRecord], *, today: date | None = None) -> list[InventoryRecord]:
    """What with_coverage() annotates, for records already read: one plain query for all of them.

    For a few records (a lookup's results) this costs less than the annotation: two correlated
    subqueries make the records' query several times longer to build and to plan.
    """
    today = today or timezone.localdate()
    for record in records:
        record.coverage_contract_end = record.coverage_contract_number = None
    by_id = {record.pk: record for record in records}
    if not by_id:
        return records
    covering = (
        contracts_in_force(today)
        .filter(covered_records__in=list(by_id))
        .order_by(*COVERING_FIRST)  # the first row of each record is its coverage
        .values_list("covered_records", "end_date", "number")
    )
    for record_id, end_date, number in covering:
        record = by_id[record_id]
        if record.coverage_contract_end is None:
            record.coverage_contract_end, record.coverage_contract_number = end_date, number
    return records


def coverage_of(record: InventoryRecord, *, today: date | None = None) -> Coverage:
    """Today's coverage of a record read through with_coverage(): warranty or contract, the longer."""
    today = today or timezone.localdate()
    # The last day of the warranty is still covered.
    warranty_end = record.warranty_end if record.warranty_end and record.warranty_end >= today else None
    contract_end = record.coverage_contract_end
    horizon = today + timedelta(days=EXPIRING_WITHIN_DAYS)
    if contract_end is not None and (warranty_end is None or contract_end > warranty_end):
        return Coverage(
            CoverageKind.CONTRACT, contract_end, record.coverage_contract_number, contract_end <= horizon
        )
    if warranty_end is not None:
        return Coverage(CoverageKind.WARRANTY, warranty_end, "", warranty_end <= horizon)
    return Coverage(kind=CoverageKind.NONE)


def coverage_q(coverage: str, *, today: date | None = None) -> Q:
    """The same rule as coverage_of() as a filter: EXISTS clauses the database runs as (anti-)semi-joins."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=EXPIRING_WITHIN_DAYS)
    under_warranty = Q(warranty_end__gte=today)
    under_contract = Exists(_covering_contracts(today))
    covered = under_warranty | under_contract
    if coverage == CoverageFilter.COVERED:
        return covered
    if coverage == CoverageFilter.NOT_COVERED:
        return ~under_warranty & ~under_contract
    if coverage == CoverageFilter.EXPIRING:
        # Covered today, and neither the warranty nor any contract in force lasts beyond the horizon.
        lasts_beyond = Q(warranty_end__gt=horizon) | Exists(
            _covering_contracts(today).filter(end_date__gt=horizon)
        )
        return covered & ~lasts_beyond
    return Q()


def filter_coverage(queryset: QuerySet, coverage: str, *, today: date | None = None) -> QuerySet:
    """Keep records by coverage (covered, ending within 90 days, not covered)."""
    return queryset.filter(coverage_q(coverage, today=today)) if coverage else queryset


def record_list(
    *, viewer, site=None, status: str = "", coverage: str = "", product=None, today: date | None = None
) -> QuerySet:
    """The viewer's records by site, filtered, with coverage; ready for a page or an export."""
    records = InventoryRecord.objects.visible_to(viewer)
    if site is not None:
        records = records.filter(site=site)
    if status:
        records = records.filter(status=status)
    if product is not None:
        records = records.filter(product=product)
    records = with_coverage(filter_coverage(records, coverage, today=today), today=today)
    # Ids, not names, for customer and site: this order is an index (inventory_list_order_idx).
    return records.select_related("site", "product", "customer").order_by(
        "customer_id", "site_id", "machine_type", "model", "serial_number", "id"
    )


def record_get(*, viewer, pk) -> InventoryRecord:
    """One record the viewer may see, with coverage; 404 otherwise (never a 403)."""
    records = with_coverage(InventoryRecord.objects.visible_to(viewer)).select_related(
        "site", "product", "customer", "order_line__order"
    )
    return get_object_or_404(records, pk=pk)


def record_history(*, record: InventoryRecord) -> QuerySet:
    return RecordEvent.objects.filter(record=record).select_related("actor").order_by("-at", "-id")


def record_change_requests(*, record: InventoryRecord) -> QuerySet:
    return (
        ChangeRequest.objects.filter(record=record)
        .select_related("new_site", "requested_by")
        .order_by("-requested_at")
    )


def record_contracts(*, record: InventoryRecord) -> QuerySet:
    """Every contract linked to the record, in force or not, latest first."""
    return record.contracts.order_by("-end_date", "number")


def sites_for(*, viewer) -> QuerySet:
    """Sites of the customers the viewer sees (the list's site filter)."""
    ids = viewer.customer_ids()
    sites = Site.objects.select_related("customer").order_by("customer__legal_name", "name")
    return sites if ids is None else sites.filter(customer_id__in=ids)


def products_for(*, viewer) -> QuerySet:
    """Products present in the viewer's installed base (the list's product filter)."""
    product_ids = InventoryRecord.objects.visible_to(viewer).values("product_id")
    return Product.objects.filter(id__in=product_ids).order_by("sku")


# --- Dashboard and software -------------------------------------------------------------------------


def installed_base_summary(*, viewer, today: date | None = None) -> dict:
    """Counts for the dashboard card: records in service, coverage ending within 90 days, not covered."""
    in_service = InventoryRecord.objects.visible_to(viewer).exclude(status=RecordStatus.DECOMMISSIONED)
    # One count per figure: each filter is a semi-join, where one aggregate would run subqueries per row.
    return {
        "records": in_service.count(),
        "expiring": filter_coverage(in_service, CoverageFilter.EXPIRING, today=today).count(),
        "not_covered": filter_coverage(in_service, CoverageFilter.NOT_COVERED, today=today).count(),
        "pending_changes": ChangeRequest.objects.visible_to(viewer)
        .filter(status=ChangeStatus.PENDING)
        .count(),
    }


def software_entitlements(*, viewer, today: date | None = None) -> QuerySet:
    """Software subscriptions in force, listed beside the hardware (read from contracts)."""
    today = today or timezone.localdate()
    return (
        Contract.objects.visible_to(viewer)
        .filter(kind=ContractKind.SOFTWARE_SUBSCRIPTION, status__in=COVERING_STATUSES, end_date__gte=today)
        .select_related("customer")
        .order_by("end_date", "number")
    )

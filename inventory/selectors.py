"""Reads on the installed base: coverage, lists, lookup, history; customer-facing reads take the viewer."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractKind, ContractStatus
from csol.core.models import Site
from inventory.models import ChangeRequest, ChangeStatus, InventoryRecord, RecordEvent
from orders.models import Product

# A contract covers its records while it is in force: active, or active and close to its end.
COVERING_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXPIRING)
EXPIRING_WITHIN_DAYS = 90
SEARCH_LIMIT = 50
# Partial matches need this many characters: fewer would list half the base at once.
MIN_PARTIAL_LENGTH = 3


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


def _covering_contracts(today: date) -> QuerySet:
    return Contract.objects.filter(
        covered_records=OuterRef("pk"),
        status__in=COVERING_STATUSES,
        start_date__lte=today,
        end_date__gte=today,
    ).order_by("-end_date", "number")


def with_coverage(queryset: QuerySet, *, today: date | None = None) -> QuerySet:
    """Annotate records with today's coverage; the one place coverage is computed (read by coverage_of)."""
    today = today or timezone.localdate()
    contracts = _covering_contracts(today)
    return queryset.annotate(
        # The last day of the warranty is still covered.
        coverage_warranty_end=Case(
            When(warranty_end__gte=today, then=F("warranty_end")), default=None, output_field=DateField()
        ),
        coverage_contract_end=Subquery(contracts.values("end_date")[:1], output_field=DateField()),
        coverage_contract_number=Subquery(contracts.values("number")[:1], output_field=CharField()),
    ).annotate(
        coverage_until=Case(
            When(coverage_contract_end__isnull=True, then=F("coverage_warranty_end")),
            When(coverage_warranty_end__isnull=True, then=F("coverage_contract_end")),
            When(coverage_contract_end__gt=F("coverage_warranty_end"), then=F("coverage_contract_end")),
            default=F("coverage_warranty_end"),
            output_field=DateField(),
        )
    )


def coverage_of(record: InventoryRecord, *, today: date | None = None) -> Coverage:
    """The Coverage of a record read through with_coverage()."""
    today = today or timezone.localdate()
    until = record.coverage_until
    if until is None:
        return Coverage(kind=CoverageKind.NONE)
    expiring = until <= today + timedelta(days=EXPIRING_WITHIN_DAYS)
    if (
        record.coverage_contract_end is not None
        and record.coverage_contract_end == until
        and (
            record.coverage_warranty_end is None
            or record.coverage_contract_end > record.coverage_warranty_end
        )
    ):
        return Coverage(CoverageKind.CONTRACT, until, record.coverage_contract_number, expiring)
    return Coverage(CoverageKind.WARRANTY, until, "", expiring)


def filter_coverage(queryset: QuerySet, coverage: str, *, today: date | None = None) -> QuerySet:
    """Keep records by coverage (the queryset must come from with_coverage with the same day)."""
    today = today or timezone.localdate()
    if coverage == CoverageFilter.COVERED:
        return queryset.filter(coverage_until__isnull=False)
    if coverage == CoverageFilter.EXPIRING:
        return queryset.filter(coverage_until__lte=today + timedelta(days=EXPIRING_WITHIN_DAYS))
    if coverage == CoverageFilter.NOT_COVERED:
        return queryset.filter(coverage_until__isnull=True)
    return queryset


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
    records = filter_coverage(with_coverage(records, today=today), coverage, today=today)
    return records.select_related("site", "product", "customer").order_by(
        "customer__legal_name", "site__name", "machine_type", "model", "serial_number", "pk"
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


# --- Lookup -----------------------------------------------------------------------------------------

_TYPE_PAIR = re.compile(r"^([A-Z0-9]{4})[-\s]([A-Z0-9]{1,40})$")
_TOKEN = re.compile(r"^[A-Z0-9][A-Z0-9./-]*$")


def normalise_query(query: str) -> str:
    return " ".join((query or "").split()).upper()[:60]


def _search_conditions(term: str) -> tuple[Q, list[When]]:
    """What the term can be (serial, type, type-model, product) and how well each kind matches."""
    conditions = Q(serial_number=term)
    ranks = [When(serial_number=term, then=Value(0))]
    pair = _TYPE_PAIR.match(term)
    if pair:
        machine_type, rest = pair.groups()
        # 9080-HEX is a type and model; 9080-78ABC12 a type and serial number.
        conditions |= Q(machine_type=machine_type, model=rest) | Q(
            machine_type=machine_type, serial_number=rest
        )
        ranks.append(
            When(
                Q(machine_type=machine_type, model=rest) | Q(machine_type=machine_type, serial_number=rest),
                then=Value(0),
            )
        )
        conditions |= Q(machine_type=machine_type, model__startswith=rest)
        ranks.append(When(machine_type=machine_type, model__startswith=rest, then=Value(2)))
        conditions |= Q(machine_type=machine_type, serial_number__startswith=rest)
        ranks.append(When(machine_type=machine_type, serial_number__startswith=rest, then=Value(2)))
    if _TOKEN.match(term) and len(term) <= 8:
        conditions |= Q(machine_type=term)
        ranks.append(When(machine_type=term, then=Value(1)))
    if len(term) >= MIN_PARTIAL_LENGTH:
        conditions |= Q(serial_number__contains=term)
        ranks.append(When(serial_number__startswith=term, then=Value(2)))
        ranks.append(When(serial_number__contains=term, then=Value(3)))
        if len(term) <= 8:
            conditions |= Q(machine_type__startswith=term)
            ranks.append(When(machine_type__startswith=term, then=Value(3)))
        # Products are a small catalogue: read the matching ids first, then one index on records.
        product_ids = list(
            Product.objects.filter(
                Q(name_fr__icontains=term) | Q(name_en__icontains=term) | Q(sku__istartswith=term)
            ).values_list("id", flat=True)[:200]
        )
        if product_ids:
            conditions |= Q(product_id__in=product_ids)
            ranks.append(When(product_id__in=product_ids, then=Value(4)))
    return conditions, ranks


def record_search(*, viewer, query: str, limit: int = SEARCH_LIMIT, today: date | None = None) -> list:
    """Records matching a serial number, machine type, type-model pair or product name (best first)."""
    term = normalise_query(query)
    if not term:
        return []
    conditions, ranks = _search_conditions(term)
    records = (
        with_coverage(InventoryRecord.objects.visible_to(viewer).filter(conditions), today=today)
        .annotate(match_rank=Case(*ranks, default=Value(5), output_field=IntegerField()))
        .select_related("site", "product", "customer")
        .order_by("match_rank", "machine_type", "model", "serial_number", "pk")
    )
    return list(records[:limit])


# --- Dashboard and software -------------------------------------------------------------------------


def installed_base_summary(*, viewer, today: date | None = None) -> dict:
    """Counts for the dashboard card: records in service, coverage ending within 90 days, not covered."""
    today = today or timezone.localdate()
    in_service = with_coverage(
        InventoryRecord.objects.visible_to(viewer).exclude(status="decommissioned"), today=today
    )
    horizon = today + timedelta(days=EXPIRING_WITHIN_DAYS)
    counts = in_service.aggregate(
        records=Count("pk"),
        expiring=Count("pk", filter=Q(coverage_until__lte=horizon)),
        not_covered=Count("pk", filter=Q(coverage_until__isnull=True)),
    )
    counts["pending_changes"] = (
        ChangeRequest.objects.visible_to(viewer).filter(status=ChangeStatus.PENDING).count()
    )
    return counts


def software_entitlements(*, viewer, today: date | None = None) -> QuerySet:
    """Software subscriptions in force, listed beside the hardware (read from contracts)."""
    today = today or timezone.localdate()
    return (
        Contract.objects.visible_to(viewer)
        .filter(kind=ContractKind.SOFTWARE_SUBSCRIPTION, status__in=COVERING_STATUSES, end_date__gte=today)
        .select_related("customer")
        .order_by("end_date", "number")
    )

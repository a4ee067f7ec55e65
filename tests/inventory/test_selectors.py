import datetime
from types import SimpleNamespace

import pytest
from django.utils import translation

from contracts.models import ContractStatus
from csol.core.tenancy import viewer_for
from inventory.lookup import exact_matches, record_search
from inventory.models import InventoryRecord
from inventory.selectors import (
    CoverageFilter,
    CoverageKind,
    attach_coverage,
    coverage_of,
    installed_base_summary,
    record_list,
    with_coverage,
)
from tests.factories import MembershipFactory, UserFactory, member
from tests.inventory.factories import ContractFactory, HardwareProductFactory, RecordFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 29)


def _read_through_annotation(record, today):
    return with_coverage(InventoryRecord.objects.filter(pk=record.pk), today=today).get()


def _read_then_attach(record, today):
    return attach_coverage([InventoryRecord.objects.get(pk=record.pk)], today=today)[0]


def _read_through_lookup_statement(record, today):
    # The lookup's own SQL (inventory/lookup.py): its tenancy is tested with real viewers below.
    viewer = SimpleNamespace(customer_ids=lambda scope=None: [record.customer_id])
    found = exact_matches(viewer=viewer, term=record.serial_number, today=today)
    return next(match for match in found if match.pk == record.pk)


@pytest.fixture(params=[_read_through_annotation, _read_then_attach, _read_through_lookup_statement])
def read_coverage(request):
    """Today's coverage of a record as each reader computes it: the rule is the same for all three."""
    read = request.param

    def coverage_today(record, today=TODAY):
        return coverage_of(read(record, today), today=today)

    return coverage_today


# --- Coverage at the edges ------------------------------------------------------------------------


def test_last_day_of_warranty_is_covered(customer, read_coverage):
    record = RecordFactory(customer=customer, warranty_end=TODAY)
    coverage = read_coverage(record)
    assert coverage.kind == CoverageKind.WARRANTY
    assert coverage.until == TODAY
    with translation.override("en"):
        assert coverage.label == "Under warranty until 2026-11-29"
    with translation.override("fr"):
        assert coverage.label == "Sous garantie jusqu’au 2026-11-29"


def test_day_after_warranty_is_not_covered(customer, read_coverage):
    record = RecordFactory(customer=customer, warranty_end=TODAY - datetime.timedelta(days=1))
    assert read_coverage(record).kind == CoverageKind.NONE
    assert not read_coverage(record).is_covered


def test_contract_ending_today_covers(customer, read_coverage):
    record = RecordFactory(customer=customer)
    contract = ContractFactory(customer=customer, number="MC-TODAY", end_date=TODAY)
    record.contracts.add(contract)
    coverage = read_coverage(record)
    assert coverage.kind == CoverageKind.CONTRACT
    assert coverage.until == TODAY
    assert coverage.contract_number == "MC-TODAY"
    with translation.override("en"):
        assert coverage.label == "Under maintenance contract MC-TODAY until 2026-11-29"
    assert coverage.expiring


def test_contract_ended_yesterday_does_not_cover(customer, read_coverage):
    record = RecordFactory(customer=customer)
    record.contracts.add(ContractFactory(customer=customer, end_date=TODAY - datetime.timedelta(days=1)))
    assert read_coverage(record).kind == CoverageKind.NONE


def test_contract_not_started_does_not_cover(customer, read_coverage):
    record = RecordFactory(customer=customer)
    record.contracts.add(ContractFactory(customer=customer, start_date=TODAY + datetime.timedelta(days=1)))
    assert read_coverage(record).kind == CoverageKind.NONE


@pytest.mark.parametrize(
    ("status", "covers"),
    [
        (ContractStatus.ACTIVE, True),
        (ContractStatus.EXPIRING, True),
        (ContractStatus.DRAFT, False),
        (ContractStatus.EXPIRED, False),
        (ContractStatus.TERMINATED, False),
        (ContractStatus.RENEWED, False),
    ],
)
def test_only_contracts_in_force_cover(customer, status, covers, read_coverage):
    record = RecordFactory(customer=customer)
    record.contracts.add(ContractFactory(customer=customer, status=status))
    assert read_coverage(record).is_covered is covers


def test_longest_coverage_wins(customer, read_coverage):
    # Under warranty to 2027-06-30 and under contract to 2027-12-31: the contract is what counts.
    record = RecordFactory(customer=customer, warranty_end=datetime.date(2027, 6, 30))
    record.contracts.add(
        ContractFactory(customer=customer, number="MC-LONG", end_date=datetime.date(2027, 12, 31))
    )
    record.contracts.add(
        ContractFactory(customer=customer, number="MC-SHORT", end_date=datetime.date(2027, 1, 31))
    )
    coverage = read_coverage(record)
    assert (coverage.kind, coverage.contract_number, coverage.until) == (
        CoverageKind.CONTRACT,
        "MC-LONG",
        datetime.date(2027, 12, 31),
    )
    # A warranty outlasting the contract is shown instead.
    record.warranty_end = datetime.date(2028, 3, 1)
    record.save()
    assert read_coverage(record).kind == CoverageKind.WARRANTY


def test_contracts_ending_the_same_day_cover_by_number(customer, read_coverage):
    record = RecordFactory(customer=customer)
    end = datetime.date(2027, 12, 31)
    record.contracts.add(ContractFactory(customer=customer, number="MC-B", end_date=end))
    record.contracts.add(ContractFactory(customer=customer, number="MC-A", end_date=end))
    assert read_coverage(record).contract_number == "MC-A"


def test_expiring_within_90_days_edge(customer, read_coverage):
    inside = RecordFactory(customer=customer, warranty_end=TODAY + datetime.timedelta(days=90))
    outside = RecordFactory(customer=customer, warranty_end=TODAY + datetime.timedelta(days=91))
    assert read_coverage(inside).expiring
    assert not read_coverage(outside).expiring


def test_list_filters_by_coverage(customer, customer_user):
    viewer = viewer_for(customer_user)
    covered = RecordFactory(customer=customer, warranty_end=TODAY + datetime.timedelta(days=400))
    expiring = RecordFactory(customer=customer, warranty_end=TODAY + datetime.timedelta(days=30))
    uncovered = RecordFactory(customer=customer, warranty_end=TODAY - datetime.timedelta(days=1))
    by_contract = RecordFactory(customer=customer)
    by_contract.contracts.add(
        ContractFactory(customer=customer, end_date=TODAY + datetime.timedelta(days=10))
    )

    def ids(coverage):
        return {r.pk for r in record_list(viewer=viewer, coverage=coverage, today=TODAY)}

    assert ids(CoverageFilter.COVERED) == {covered.pk, expiring.pk, by_contract.pk}
    assert ids(CoverageFilter.EXPIRING) == {expiring.pk, by_contract.pk}
    assert ids(CoverageFilter.NOT_COVERED) == {uncovered.pk}
    assert ids("") == {covered.pk, expiring.pk, uncovered.pk, by_contract.pk}


def test_filters_agree_with_coverage_at_the_edges(customer, customer_user):
    # Every edge case, filtered in the database and computed in Python, gives the same answer.
    viewer = viewer_for(customer_user)
    day = datetime.timedelta(days=1)
    cases = [
        RecordFactory(customer=customer, warranty_end=TODAY),
        RecordFactory(customer=customer, warranty_end=TODAY - day),
        RecordFactory(customer=customer, warranty_end=TODAY + 90 * day),
        RecordFactory(customer=customer, warranty_end=TODAY + 91 * day),
        RecordFactory(customer=customer, warranty_end=None),
    ]
    for end, status in [
        (TODAY, "active"),
        (TODAY - day, "active"),
        (TODAY + 200 * day, "expiring"),
        (TODAY, "draft"),
    ]:
        record = RecordFactory(
            customer=customer, warranty_end=TODAY + 10 * day if end == TODAY + 200 * day else None
        )
        record.contracts.add(ContractFactory(customer=customer, end_date=end, status=status))
        cases.append(record)
    computed = {r.pk: coverage_of(r, today=TODAY) for r in record_list(viewer=viewer, today=TODAY)}
    for coverage_filter, rule in [
        (CoverageFilter.COVERED, lambda c: c.is_covered),
        (CoverageFilter.EXPIRING, lambda c: c.is_covered and c.expiring),
        (CoverageFilter.NOT_COVERED, lambda c: not c.is_covered),
    ]:
        filtered = {r.pk for r in record_list(viewer=viewer, coverage=coverage_filter, today=TODAY)}
        assert filtered == {pk for pk, c in computed.items() if rule(c)}, coverage_filter
    assert len(computed) == len(cases)


def test_summary_counts(customer, customer_user):
    RecordFactory(customer=customer, warranty_end=TODAY + datetime.timedelta(days=30))
    RecordFactory(customer=customer, warranty_end=TODAY + datetime.timedelta(days=300))
    RecordFactory(customer=customer)
    RecordFactory(customer=customer, status="decommissioned")
    summary = installed_base_summary(viewer=viewer_for(customer_user), today=TODAY)
    assert summary == {"records": 3, "expiring": 1, "not_covered": 1, "pending_changes": 0}


# --- Lookup ---------------------------------------------------------------------------------------


@pytest.fixture
def base(customer):
    power = HardwareProductFactory(
        sku="9080-HEX", machine_type="9080", model="HEX", name_en="Power E1080 server"
    )
    storage = HardwareProductFactory(
        sku="2078-24C",
        machine_type="2078",
        model="24C",
        name_fr="Baie de stockage FlashSystem",
        name_en="FlashSystem storage array",
    )
    return {
        "power": RecordFactory(customer=customer, product=power, serial_number="78ABC12"),
        "power2": RecordFactory(customer=customer, product=power, serial_number="78XYZ99"),
        "storage": RecordFactory(customer=customer, product=storage, serial_number="ABC7800"),
    }


def _found(viewer, query):
    return [r.pk for r in record_search(viewer=viewer, query=query)]


def test_lookup_by_exact_serial_comes_first(customer_user, base):
    viewer = viewer_for(customer_user)
    assert _found(viewer, "78ABC12")[0] == base["power"].pk
    # Case and surrounding spaces do not matter.
    assert _found(viewer, "  78abc12 ")[0] == base["power"].pk


def test_lookup_partial_serial(customer_user, base):
    viewer = viewer_for(customer_user)
    assert set(_found(viewer, "ABC")) == {base["power"].pk, base["storage"].pk}
    # A prefix ranks before a match in the middle.
    assert _found(viewer, "ABC")[0] == base["storage"].pk
    assert _found(viewer, "XYZ9") == [base["power2"].pk]


def test_lookup_by_machine_type(customer_user, base):
    viewer = viewer_for(customer_user)
    assert set(_found(viewer, "9080")) == {base["power"].pk, base["power2"].pk}
    assert set(_found(viewer, "2078")) == {base["storage"].pk}


def test_lookup_by_type_model_pair(customer_user, base):
    viewer = viewer_for(customer_user)
    assert set(_found(viewer, "9080-HEX")) == {base["power"].pk, base["power2"].pk}
    assert set(_found(viewer, "9080 hex")) == {base["power"].pk, base["power2"].pk}
    assert set(_found(viewer, "2078-24")) == {base["storage"].pk}  # partial model
    assert _found(viewer, "9080-24C") == []


def test_lookup_by_type_and_serial(customer_user, base):
    assert _found(viewer_for(customer_user), "9080-78ABC12") == [base["power"].pk]


def test_lookup_by_product_name_in_either_language(customer_user, base):
    viewer = viewer_for(customer_user)
    assert _found(viewer, "flashsystem") == [base["storage"].pk]
    assert _found(viewer, "baie de stockage") == [base["storage"].pk]
    assert set(_found(viewer, "E1080")) == {base["power"].pk, base["power2"].pk}


def test_short_partial_terms_do_not_list_everything(customer_user, base):
    # Two characters are not enough for a partial match (enumeration), only exact values.
    assert _found(viewer_for(customer_user), "78") == []
    assert _found(viewer_for(customer_user), "") == []


def test_lookup_shows_coverage(customer_user, customer, base):
    base["power"].contracts.add(ContractFactory(customer=customer, number="MC-77"))
    record = record_search(viewer=viewer_for(customer_user), query="78ABC12")[0]
    assert coverage_of(record).contract_number == "MC-77"


# --- Tenancy --------------------------------------------------------------------------------------


def test_lookup_never_finds_another_customers_record(customer_user, other_customer, base):
    theirs = RecordFactory(customer=other_customer, serial_number="78ABC13")
    viewer = viewer_for(customer_user)
    assert theirs.pk not in _found(viewer, "78ABC13")
    assert theirs.pk not in _found(viewer, "78ABC")
    assert theirs.pk not in [r.pk for r in record_list(viewer=viewer)]


def test_partner_sees_only_authorised_customers(partner_user, customer, other_customer):
    mine = RecordFactory(customer=customer, serial_number="55AAA01")
    authorised = RecordFactory(customer=other_customer, serial_number="55AAA02")
    viewer = viewer_for(partner_user)
    assert _found(viewer, "55AAA") == [authorised.pk]
    assert [r.pk for r in record_list(viewer=viewer)] == [authorised.pk]
    assert mine.pk not in _found(viewer, "55AAA01")


def test_agent_searches_every_customer(agent, customer, other_customer):
    a = RecordFactory(customer=customer, serial_number="66BBB01")
    b = RecordFactory(customer=other_customer, serial_number="66BBB02")
    assert set(_found(viewer_for(agent), "66BBB")) == {a.pk, b.pk}


def test_agent_finds_an_exact_serial_in_every_customer(agent, customer, other_customer):
    a = RecordFactory(customer=customer, serial_number="67CCC01")
    b = RecordFactory(customer=other_customer, machine_type="67CC", model="X", serial_number="C01")
    assert _found(viewer_for(agent), "67CCC01") == [a.pk]
    assert _found(viewer_for(agent), "67CC-C01") == [b.pk]  # a type and serial number


def test_exact_lookup_reads_only_the_active_customer(customer, other_customer):
    user = member(customer)
    MembershipFactory(user=user, customer=other_customer)
    here = RecordFactory(customer=customer, machine_type="6868", serial_number="68DDD01")
    there = RecordFactory(customer=other_customer, machine_type="6868", serial_number="68DDD02")
    assert _found(viewer_for(user, customer.pk), "6868") == [here.pk]
    assert _found(viewer_for(user, other_customer.pk), "6868") == [there.pk]


def test_exact_lookup_for_a_user_without_customer_reads_nothing(django_assert_num_queries):
    stranger = UserFactory()
    RecordFactory(serial_number="69EEE01")
    viewer = viewer_for(stranger)
    viewer.customer_ids()
    with django_assert_num_queries(1):  # the partial phase's product names; no record is read
        assert _found(viewer, "69EEE01") == []


def test_exact_lookup_limits_records_not_their_contracts(customer, customer_user):
    # Three machines of a type, each under three contracts: the limit counts machines, once each.
    records = [
        RecordFactory(customer=customer, machine_type="7777", serial_number=f"77F{n}") for n in range(3)
    ]
    for n, record in enumerate(records):
        for months in (6, 18, 12):
            end = TODAY + datetime.timedelta(days=30 * months)
            record.contracts.add(ContractFactory(customer=customer, number=f"MC-{n}-{months}", end_date=end))
    found = record_search(viewer=viewer_for(customer_user), query="7777", limit=2, today=TODAY)
    assert [r.pk for r in found] == [records[0].pk, records[1].pk]
    assert [r.coverage_contract_number for r in found] == ["MC-0-18", "MC-1-18"]

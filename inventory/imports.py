"""Agents' bulk import of inventory records from CSV: every row checked, then all or nothing."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from csol.audit import recorder
from csol.core.models import Customer, Site
from inventory.models import EventKind, InventoryRecord, RecordEvent, RecordStatus
from inventory.services import normalise_serial
from orders.models import Product

COLUMNS = [
    "customer_number",
    "site_name",
    "sku",
    "serial_number",
    "quantity",
    "install_date",
    "warranty_end",
    "status",
]
REQUIRED = {"customer_number", "site_name", "sku"}
MAX_ROWS = 20000


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(upload) -> str:
    raw = upload.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets on Windows still save "CSV" as Windows-1252.
        return raw.decode("cp1252", errors="replace")


def _date(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(
            _("%(field)s “%(value)s” is not a date in the form YYYY-MM-DD.")
            % {"field": label, "value": value}
        ) from exc


class _Lookups:
    """Customers, sites and products read once per import, not once per row."""

    def __init__(self):
        self.customers: dict[str, Customer | None] = {}
        self.sites: dict[tuple[int, str], Site | None] = {}
        self.products: dict[str, Product | None] = {}

    def customer(self, number):
        if number not in self.customers:
            self.customers[number] = Customer.objects.filter(number=number).first()
        return self.customers[number]

    def site(self, customer, name):
        key = (customer.pk, name.casefold())
        if key not in self.sites:
            self.sites[key] = Site.objects.filter(customer=customer, name__iexact=name).first()
        return self.sites[key]

    def product(self, sku):
        if sku not in self.products:
            self.products[sku] = Product.objects.filter(sku__iexact=sku).first()
        return self.products[sku]


def _row_record(row: dict, lookups: _Lookups, seen: dict) -> InventoryRecord:
    """An unsaved record from one row, or ValidationError with the row's first problem."""
    for column in sorted(REQUIRED):
        if not row.get(column):
            raise ValidationError(_("%(column)s is required.") % {"column": column})
    customer = lookups.customer(row["customer_number"])
    if customer is None:
        raise ValidationError(_("No customer numbered %(number)s.") % {"number": row["customer_number"]})
    site = lookups.site(customer, row["site_name"])
    if site is None:
        raise ValidationError(
            _("Customer %(number)s has no site named “%(site)s”.")
            % {"number": customer.number, "site": row["site_name"]}
        )
    product = lookups.product(row["sku"])
    if product is None:
        raise ValidationError(_("No product numbered %(sku)s.") % {"sku": row["sku"]})
    serial = normalise_serial(row.get("serial_number", ""))
    try:
        quantity = int(row.get("quantity") or 1)
    except ValueError as exc:
        raise ValidationError(_("The quantity must be a whole number.")) from exc
    if quantity < 1:
        raise ValidationError(_("The quantity must be at least 1."))
    if serial and quantity != 1:
        raise ValidationError(_("A record with a serial number is one machine: its quantity must be 1."))
    install_date = _date(row.get("install_date", ""), "install_date")
    warranty_end = _date(row.get("warranty_end", ""), "warranty_end")
    if install_date and warranty_end and warranty_end < install_date:
        raise ValidationError(_("The warranty cannot end before the install date."))
    status = (row.get("status") or RecordStatus.INSTALLED).lower()
    if status not in RecordStatus.values:
        raise ValidationError(
            _("Unknown status “%(status)s” (use %(choices)s).")
            % {"status": status, "choices": ", ".join(RecordStatus.values)}
        )
    machine_type = (product.machine_type or "").upper()
    if serial:
        key = (machine_type, serial)
        if key in seen:
            raise ValidationError(
                _("Serial number %(serial)s appears twice in the file (line %(line)s).")
                % {"serial": serial, "line": seen[key]}
            )
        if InventoryRecord.objects.filter(machine_type=machine_type, serial_number=serial).exists():
            raise ValidationError(
                _("Serial number %(serial)s is already recorded for machine type %(type)s.")
                % {"serial": serial, "type": machine_type or "—"}
            )
    return InventoryRecord(
        customer=customer,
        site=site,
        product=product,
        serial_number=serial,
        machine_type=machine_type,
        model=(product.model or "").upper(),
        quantity=quantity,
        install_date=install_date,
        warranty_end=warranty_end,
        status=status,
    )


def records_import(*, upload, actor) -> ImportResult:
    """Validate every row; create all the records (with a history line each) only if none failed."""
    result = ImportResult()
    text = _text(upload)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        result.errors.append(
            RowError(1, _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        )
        return result
    reader.fieldnames = header
    lookups, seen, records = _Lookups(), {}, []
    for row in reader:
        line = reader.line_num
        if len(records) + len(result.errors) >= MAX_ROWS:
            result.errors.append(
                RowError(line, _("Import at most %(count)d rows at a time.") % {"count": MAX_ROWS})
            )
            break
        clean = {key: (value or "").strip() for key, value in row.items() if key}
        if not any(clean.values()):
            continue  # blank lines at the end of spreadsheets' exports
        try:
            record = _row_record(clean, lookups, seen)
        except ValidationError as exc:
            result.errors.append(RowError(line, " ".join(exc.messages)))
            continue
        if record.serial_number:
            seen[(record.machine_type, record.serial_number)] = line
        records.append(record)
    if result.errors:
        return result
    if not records:
        result.errors.append(RowError(1, _("The file has no records.")))
        return result
    try:
        with transaction.atomic():
            created = InventoryRecord.objects.bulk_create(records, batch_size=1000)
            RecordEvent.objects.bulk_create(
                [
                    RecordEvent(record=r, kind=EventKind.IMPORTED, actor=actor, to_value=r.site.name)
                    for r in created
                ],
                batch_size=1000,
            )
            recorder.record_created(created)
    except IntegrityError:
        # Someone recorded one of these serial numbers meanwhile: nothing was kept.
        result.errors.append(
            RowError(1, _("A serial number was recorded by someone else meanwhile; nothing was imported."))
        )
        return result
    result.created = len(created)
    return result

"""Bank remittance files: import, proposed matches, an agent's decision; customers' remittance advice.

Importing is idempotent twice over: the file's SHA-256 is unique (the same file is refused), and each
row's hash (its content and its occurrence in the file) is unique, so a row repeated in a later file
(an overlapping bank export) is counted as already imported and records nothing.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billing.models import DocumentKind, Invoice
from collections_ar.models import (
    AdviceStatus,
    EventKind,
    LineStatus,
    MatchKind,
    PayerReference,
    PaymentMethod,
    ReceivableEvent,
    RemittanceAdvice,
    RemittanceAdviceLine,
    RemittanceImport,
    RemittanceLine,
    RemittanceMatch,
)
from collections_ar.selectors import open_invoices
from collections_ar.services.allocation import payment_allocate, payment_record
from csol.core.models import Customer
from csol.core.money import quantize_money
from csol.core.uploads import CSV_FILE, DOCUMENTS, validate_uploads

EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
MAX_FILE_BYTES = 5 * 1024 * 1024
# Bank remittance files, checked by the one upload validator before they are read.
REMITTANCE_FILE = replace(CSV_FILE, max_bytes=MAX_FILE_BYTES)
HEADER_WORDS = {"date", "amount", "montant", "reference", "référence", "payer"}
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{3,19}")


@dataclass
class ParsedRow:
    line_number: int
    received_on: date
    amount: Decimal
    payer_reference: str
    details: str


@dataclass
class ParseResult:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def parse_amount(text: str) -> Decimal:
    """`1234.56`, `1,234.56`, `1 234,56`, `$1,234.56` or `1 234,56 $` → Decimal."""
    cleaned = re.sub(r"[\s\u00a0\u202f$]", "", text or "")
    if "," in cleaned and "." in cleaned:
        thousands = "," if cleaned.rfind(",") < cleaned.rfind(".") else "."
        cleaned = cleaned.replace(thousands, "").replace(",", ".")
    elif "," in cleaned:
        head, _sep, tail = cleaned.rpartition(",")
        cleaned = f"{head.replace(',', '')}.{tail}" if len(tail) in (1, 2) else cleaned.replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError from exc
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise ValueError
    return quantize_money(amount)


def parse_date(text: str) -> date:
    text = (text or "").strip().replace("/", "-")
    return date.fromisoformat(text)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def parse_remittance_csv(content: bytes) -> ParseResult:
    """Rows of date, amount, payer reference, details (free text with invoice numbers)."""
    text = _decode(content)
    if "\x00" in text:
        raise ValidationError(_("This file is not a CSV file."), code="not_csv")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    result = ParseResult()
    for index, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        if not any(cell.strip() for cell in cells):
            continue
        if index == 1 and {cell.strip().lower() for cell in cells} & HEADER_WORDS:
            continue
        if len(cells) < 3:
            result.errors.append(
                {"line": index, "message": _("Expected date, amount, payer reference and details.")}
            )
            continue
        try:
            received_on = parse_date(cells[0])
        except ValueError:
            result.errors.append(
                {
                    "line": index,
                    "message": _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": cells[0][:30]},
                }
            )
            continue
        try:
            amount = parse_amount(cells[1])
        except ValueError:
            result.errors.append(
                {"line": index, "message": _("“%(value)s” is not an amount.") % {"value": cells[1][:30]}}
            )
            continue
        if amount <= 0:
            result.errors.append({"line": index, "message": _("The amount must be greater than zero.")})
            continue
        details = " ".join(cell.strip() for cell in cells[3:])[:500]
        result.rows.append(ParsedRow(index, received_on, amount, cells[2].strip()[:120], details))
    return result


def _row_hash(row: ParsedRow, occurrence: int) -> str:
    key = "|".join(
        [
            row.received_on.isoformat(),
            str(row.amount),
            " ".join(row.payer_reference.upper().split()),
            " ".join(row.details.upper().split()),
            str(occurrence),
        ]
    )
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def remittance_import(*, name: str, content: bytes, actor) -> RemittanceImport:
    """Record a bank remittance file's rows with proposed matches; bad rows are reported by line."""
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."), code="size")
    if not content.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    file_hash = hashlib.sha256(content).hexdigest()
    previous = RemittanceImport.objects.filter(file_hash=file_hash).first()
    if previous is not None:
        raise ValidationError(
            _("This file was already imported on %(date)s (%(name)s): nothing was recorded again.")
            % {"date": previous.imported_at.date().isoformat(), "name": previous.file_name},
            code="duplicate_file",
        )
    parsed = parse_remittance_csv(content)
    batch = RemittanceImport.objects.create(
        file_name=name[:200],
        file_hash=file_hash,
        imported_by=actor,
        rows_read=len(parsed.rows) + len(parsed.errors),
        errors=parsed.errors,
    )
    seen: dict[tuple, int] = {}
    hashes = []
    for row in parsed.rows:
        key = (row.received_on, row.amount, row.payer_reference.upper(), row.details.upper())
        seen[key] = seen.get(key, 0) + 1
        hashes.append(_row_hash(row, seen[key]))
    existing = set(RemittanceLine.objects.filter(row_hash__in=hashes).values_list("row_hash", flat=True))
    for row, row_hash in zip(parsed.rows, hashes, strict=True):
        if row_hash in existing:
            batch.rows_duplicate += 1
            continue
        try:
            with transaction.atomic():
                line = RemittanceLine.objects.create(
                    remittance_import=batch,
                    line_number=row.line_number,
                    row_hash=row_hash,
                    received_on=row.received_on,
                    amount=row.amount,
                    payer_reference=row.payer_reference,
                    details=row.details,
                )
        except IntegrityError:  # the same row imported concurrently by another agent
            batch.rows_duplicate += 1
            continue
        propose_matches(line)
        batch.rows_recorded += 1
    batch.save(update_fields=["rows_recorded", "rows_duplicate"])
    return batch


def _tokens(line: RemittanceLine) -> set[str]:
    return {token.upper() for token in TOKEN.findall(f"{line.payer_reference} {line.details}")}


def _customer_by_reference(line: RemittanceLine, tokens: set[str]) -> Customer | None:
    if line.payer_reference:
        known = (
            PayerReference.objects.filter(reference=line.payer_reference.upper())
            .select_related("customer")
            .first()
        )
        if known:
            return known.customer
    customers = list(Customer.objects.filter(number__in=tokens)[:2])
    return customers[0] if len(customers) == 1 else None


def _spread(amount: Decimal, invoices) -> list[tuple[Invoice, Decimal]]:
    shares, left = [], amount
    for invoice in invoices:
        if left <= 0:
            break
        share = min(left, invoice.open_amount)
        if share > 0:
            shares.append((invoice, share))
            left -= share
    return shares


def propose_matches(line: RemittanceLine) -> None:
    """Invoice numbers in the text first, then the exact amount of one open invoice, then the payer."""
    tokens = _tokens(line)
    line.matches.all().delete()
    kind, customer, shares = MatchKind.NONE, None, []
    by_number = list(open_invoices().filter(number__in=tokens).order_by("due_date", "pk") if tokens else [])
    customer_ids = {invoice.customer_id for invoice in by_number}
    if by_number and len(customer_ids) == 1:
        kind, customer_id = MatchKind.INVOICE_NUMBER, customer_ids.pop()
        customer = Customer.objects.get(pk=customer_id)
        shares = _spread(line.amount, by_number)
    else:
        customer = _customer_by_reference(line, tokens)
        scope = open_invoices(customer_ids=[customer.pk] if customer else None)
        exact = list(scope.filter(open_amount=line.amount)[:2])
        if len(exact) == 1:
            kind, shares = MatchKind.AMOUNT, [(exact[0], line.amount)]
            customer = customer or exact[0].customer
        elif customer is not None:
            kind, shares = (
                MatchKind.CUSTOMER_REFERENCE,
                _spread(line.amount, scope.order_by("due_date", "pk")),
            )
    line.match_kind, line.customer = kind, customer
    line.save(update_fields=["match_kind", "customer"])
    RemittanceMatch.objects.bulk_create(
        [RemittanceMatch(line=line, invoice=invoice, amount=amount) for invoice, amount in shares]
    )


@transaction.atomic
def remittance_line_confirm(
    *,
    line: RemittanceLine,
    customer: Customer,
    splits: list[tuple[Invoice, Decimal]],
    actor,
    method: str = PaymentMethod.EFT,
):
    """Record the line as the customer's payment, allocated as split; the rest is unapplied cash."""
    line = RemittanceLine.objects.select_for_update().get(pk=line.pk)
    if line.status == LineStatus.CONFIRMED:
        raise ValidationError(_("This line was already confirmed."), code="confirmed")
    total = sum((amount for _invoice, amount in splits), Decimal("0"))
    if total > line.amount:
        raise ValidationError(_("The split amounts exceed the amount received."), code="over")
    payment = payment_record(
        customer=customer,
        received_on=line.received_on,
        method=method,
        amount=line.amount,
        reference=(line.payer_reference or line.details)[:60],
        actor=actor,
    )
    if splits:
        payment_allocate(payment=payment, lines=splits, actor=actor)
        payment.refresh_from_db()
    line.status, line.customer, line.payment, line.decided_by = LineStatus.CONFIRMED, customer, payment, actor
    line.save(update_fields=["status", "customer", "payment", "decided_by"])
    if line.payer_reference:
        PayerReference.objects.get_or_create(
            reference=line.payer_reference.upper(), defaults={"customer": customer}
        )
    ReceivableEvent.objects.create(
        customer=customer,
        kind=EventKind.REMITTANCE_CONFIRMED,
        payment=payment,
        amount=line.amount,
        actor=actor,
        note=_("Bank remittance line %(line)s of %(file)s")
        % {"line": line.line_number, "file": line.remittance_import},
    )
    return payment


@transaction.atomic
def remittance_line_leave_unmatched(*, line: RemittanceLine, actor) -> RemittanceLine:
    line = RemittanceLine.objects.select_for_update().get(pk=line.pk)
    if line.status == LineStatus.CONFIRMED:
        raise ValidationError(_("This line was already confirmed."), code="confirmed")
    line.status, line.decided_by = LineStatus.UNMATCHED, actor
    line.save(update_fields=["status", "decided_by"])
    return line


@transaction.atomic
def remittance_advice_submit(
    *,
    customer: Customer,
    submitted_by,
    paid_on: date,
    method: str,
    reference: str,
    amount,
    lines: list[tuple[Invoice, Decimal]],
    note: str = "",
    attachment=None,
) -> RemittanceAdvice:
    """A customer says it paid: which invoices and how much, with an optional proof of payment."""
    amount = quantize_money(amount)
    if amount <= 0:
        raise ValidationError(_("Enter an amount greater than zero."), code="amount")
    if not lines:
        raise ValidationError(_("Enter the amount paid for at least one invoice."), code="lines")
    if sum((a for _i, a in lines), Decimal("0")) > amount:
        raise ValidationError(
            _("The amounts per invoice add up to more than the total paid."), code="lines_over"
        )
    for invoice, line_amount in lines:
        if invoice.customer_id != customer.pk or invoice.kind != DocumentKind.INVOICE:
            raise ValidationError(_("Choose invoices of your company."), code="invoice")
        if line_amount <= 0:
            raise ValidationError(_("Enter an amount greater than zero."), code="amount")
    advice = RemittanceAdvice(
        customer=customer,
        submitted_by=submitted_by,
        paid_on=paid_on,
        method=method,
        reference=reference.strip()[:60],
        amount=amount,
        note=note.strip()[:500],
    )
    if attachment is not None:
        (content_type,) = validate_uploads([attachment], DOCUMENTS)
        advice.attachment_name = attachment.name[:200]
        extension = EXTENSIONS.get(content_type, ".bin")
        advice.attachment.save(f"advice-{customer.number}{extension}", attachment, save=False)
    advice.save()
    RemittanceAdviceLine.objects.bulk_create(
        [
            RemittanceAdviceLine(advice=advice, invoice=invoice, amount=quantize_money(a))
            for invoice, a in lines
        ]
    )
    return advice


@transaction.atomic
def remittance_advice_reconcile(*, advice: RemittanceAdvice, actor) -> RemittanceAdvice:
    advice = RemittanceAdvice.objects.select_for_update().get(pk=advice.pk)
    if advice.status != AdviceStatus.RECONCILED:
        advice.status = AdviceStatus.RECONCILED
        advice.save(update_fields=["status"])
    return advice
